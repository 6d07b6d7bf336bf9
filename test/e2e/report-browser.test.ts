// The HTML readiness page in a real browser: Debian's chromium renders it headless, the test reads the DOM
// the browser built (score, band, every failing blocker, the drill chart) and the pixels it painted (the
// band's colour), and a page of another band paints another colour. Needs `chromium` (scripts/test.sh
// installs it); the fixture is test/support/readiness-report.json (see test/unit/policies/report-html.test.ts).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { renderInChromium } from "../../policies/report/browser";
import { renderHtml } from "../../policies/report/html";
import type { ReportDocument } from "../../policies/report/render";
import { decodePng } from "../support/png";

const FIXTURE = path.resolve(__dirname, "../support/readiness-report.json");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "dpg-report-browser-"));
const RED: [number, number, number] = [0xc6, 0x28, 0x28];
const GREEN: [number, number, number] = [0x1a, 0x7f, 0x37];

function render(name: string, doc: ReportDocument) {
    const html = path.join(work, `${name}.html`);
    fs.writeFileSync(html, renderHtml(doc));
    const r = renderInChromium(html, path.join(work, `${name}.png`), { width: 1280, height: 1600 });
    console.log(`# chromium rendered ${name} (${(fs.statSync(html).size / 1024).toFixed(0)} KiB of HTML) in ${r.ms} ms`);
    return { ...r, image: decodePng(r.png) };
}

/** Pixels of exactly this colour in the header band (the first 200 rows). */
function countInHeader(img: ReturnType<typeof decodePng>, rgb: [number, number, number]): number {
    let n = 0;
    for (let y = 0; y < Math.min(200, img.height); y++)
        for (let x = 0; x < img.width; x++) {
            const p = img.at(x, y);
            if (p[0] === rgb[0] && p[1] === rgb[1] && p[2] === rgb[2]) n++;
        }
    return n;
}

describe("the HTML readiness report in headless Chromium", { timeout: 5 * 60_000 }, () => {
    const doc: ReportDocument = JSON.parse(fs.readFileSync(FIXTURE, "utf8"));

    it("shows the score, the band and every failing blocker, and charts the drill", () => {
        const r = render("not-ready", doc);
        assert.match(r.dom, /<div id="score" class="score">20\.5%<\/div>/);
        assert.match(r.dom, /<div id="band" class="band">NOT READY<\/div>/);
        assert.ok(doc.score.blockers.failing.length > 0);
        for (const id of doc.score.blockers.failing) assert.match(r.dom, new RegExp(`<article class="blocker" data-id="${id}">`), id);
        const cards = [...r.dom.matchAll(/<article class="blocker" data-id="([^"]+)">/g)].map((m) => m[1]);
        assert.deepEqual(cards, doc.score.blockers.failing, "exactly the failing blockers, in order");
        assert.match(r.dom, /<svg id="drill-timeline"[^>]*>/);
        assert.match(r.dom, /<svg id="bench-latency"[^>]*>/);
        assert.equal(r.image.width, 1280);
        assert.equal(r.image.height, 1600);
        assert.ok(countInHeader(r.image, RED) > 1000, `the NOT READY band is painted red (${countInHeader(r.image, RED)} px)`);
        assert.equal(countInHeader(r.image, GREEN), 0);
    });

    it("paints a ready page green, without a blocker card", () => {
        const ready: ReportDocument = {
            ...doc,
            items: doc.items.map((i) => (i.severity === "blocker" ? { ...i, status: "pass" as const } : i)),
            score: { ...doc.score, status: "ready", blockers: { ...doc.score.blockers, failing: [] } },
        };
        const r = render("ready", ready);
        assert.match(r.dom, /<div id="band" class="band">READY<\/div>/);
        assert.doesNotMatch(r.dom, /<article class="blocker"/);
        assert.match(r.dom, /No blocker fails\./);
        assert.ok(countInHeader(r.image, GREEN) > 1000, `the READY band is painted green (${countInHeader(r.image, GREEN)} px)`);
        assert.equal(countInHeader(r.image, RED), 0);
    });
});
