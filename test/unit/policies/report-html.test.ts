// The HTML readiness page: a pure renderer of readiness.json. The fixture (test/support/readiness-report.json)
// was cut from a real report of a deployed dev copy: its items, score inputs, drill (with the per-write
// timeline) and benchmark are as measured, the day-2 drill record is a real one of the dev stack (2026-12-03,
// image, certificates, etcd and a reload, each reverted); three attestations and the two promotion records are illustrative,
// and the score was recomputed over the kept items.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fixesOf, renderHtml } from "../../../policies/report/html";
import type { ReportDocument } from "../../../policies/report/render";
import { drillTimelineSvg, ticks } from "../../../policies/report/svg";
import { assertGolden } from "../../support/golden";

const REPO = path.resolve(__dirname, "../../..");
const FIXTURE = path.join(REPO, "test/support/readiness-report.json");
const doc = (): ReportDocument => JSON.parse(fs.readFileSync(FIXTURE, "utf8"));

test("the page matches its reviewed golden copy", () => {
    assertGolden("report/readiness.html", renderHtml(doc()));
});

test("score and band lead the page; failing blockers come before everything but the categories", () => {
    const d = doc();
    const html = renderHtml(d);
    assert.match(html, /<div id="score" class="score">20\.5%<\/div>/);
    assert.match(html, /<div id="band" class="band">NOT READY<\/div>/);
    assert.match(html, /<header id="summary" class="band-not-ready">/);
    const order = ["summary", "categories", "blockers", "attestations", "drill", "bench", "promotions", "advisories"].map((id) => html.indexOf(`id="${id}"`));
    assert.deepEqual([...order].sort((a, b) => a - b), order, `sections out of order: ${order}`);
    const cards = [...html.matchAll(/<article class="blocker" data-id="([^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual(cards, d.score.blockers.failing);
    assert.equal(cards.length, 21);
});

test("each failing blocker shows its evidence and the setting or action that fixes it", () => {
    const html = renderHtml(doc());
    const card = (id: string) => html.slice(html.indexOf(`data-id="${id}"`), html.indexOf("</article>", html.indexOf(`data-id="${id}"`)));
    assert.match(card("000-MON-02"), /<li>set dpg-cluster:monitoring\.grafanaImage to a Grafana image present in the local Docker daemon<\/li>/);
    assert.match(card("000-DB-01"), /<li>dpg-cluster:patroni\.vectorExtension = ruvector with an image that ships it<\/li>/);
    assert.match(card("000-HA-03"), /<li>add dpg-cluster:attestations &quot;000-HA-03&quot;/);
    assert.match(card("000-INF-02"), /<li>no setting fixes this yet: the program deploys to one Docker host/);
    // A measured shortfall no setting fixes says so instead of inventing a fix.
    assert.match(card("000-PERF-02"), /The check names no setting for this/);
});

test("fixes are read from the checks' own phrasing, one per distinct fix", () => {
    assert.deepEqual(fixesOf("no failover drill recorded for dev (/x/drills.json); run: npm run drill -- --stack dev [live 2026-12-01T22:32:41Z]"), ["run: npm run drill -- --stack dev"]);
    assert.deepEqual(fixesOf("a: x; fix: set dpg-cluster:a to 1 | b: y; fix: set dpg-cluster:a to 1"), ["set dpg-cluster:a to 1"]);
    assert.deepEqual(fixesOf("pgvector 0.8.0 (fix: dpg-cluster:patroni.vectorExtension = ruvector (with an image)); distance query works"), ["dpg-cluster:patroni.vectorExtension = ruvector (with an image)"]);
    assert.deepEqual(fixesOf("attestation by ops expired on 2026-01-01; renew it"), ["renew it"]);
    assert.deepEqual(fixesOf("containers get at most the Docker daemon's hard limit, so raise dockerd's LimitNOFILE to 65536 and redeploy"), ["raise dockerd's LimitNOFILE to 65536 and redeploy"]);
    assert.deepEqual(fixesOf("SELECT 1 p95 24.31 ms (< 10 ms wanted)"), []);
});

test("attestations show owner, date and expiry with the days left, and expired ones fail", () => {
    const html = renderHtml(doc());
    const row = (id: string) => html.slice(html.indexOf(`<tr data-id="${id}">`), html.indexOf("</tr>", html.indexOf(`<tr data-id="${id}">`)));
    assert.match(row("000-PRE-01"), /s-pass.*<td>dba-oncall<\/td><td>2026-11-20<\/td><td>2027-02-20 <span class="muted">\(80 d left\)<\/span>/);
    assert.match(row("001-SEC-06"), /s-fail.*security-team.*2026-11-30 <span class="bad">\(2 d ago\)<\/span>.*expired on 2026-11-30/);
    assert.match(row("003-DOC-01"), /platform &lt;ops&gt;/, "owner text is escaped");
});

test("the drill is charted from its per-write timeline; a record without one says so", () => {
    const d = doc();
    const html = renderHtml(d);
    assert.match(html, /<svg id="drill-timeline"/);
    const failed = d.records!.drill!.record!.timeline!.filter((a) => !a.ok).length;
    assert.equal((html.match(/<rect class="failed"/g) ?? []).length, failed);
    assert.match(html, /kill dpg-h13dev-pg-3 \(SIGKILL\)/);
    assert.match(html, /first write on dpg-h13dev-pg-2: \+21\.4 s/);
    const old = doc();
    delete old.records!.drill!.record!.timeline;
    assert.equal(drillTimelineSvg(old.records!.drill!.record!), undefined);
    assert.match(renderHtml(old), /This record has no per-write timeline/);
    const none = { ...doc(), records: { drill: { missing: "no failover drill recorded for x" }, bench: { missing: "no benchmark recorded for x" } } };
    const page = renderHtml(none);
    assert.match(page, /No usable drill record: no failover drill recorded for x/);
    assert.match(page, /No usable benchmark record: no benchmark recorded for x/);
});

test("the benchmark shows latency percentiles and TPS", () => {
    const html = renderHtml(doc());
    assert.match(html, /<svg id="bench-latency"/);
    assert.match(html, /<b>121 TPS<\/b><span>pgbench tpcb-like, 8 clients, 20 s \(target 100\)/);
    for (const p of ["p50 0.74 ms", "p95 4.18 ms", "p99 19.44 ms"]) assert.ok(html.includes(p), p);
});

test("promotion history lists records newest first, and has an empty state", () => {
    const html = renderHtml(doc());
    const promoted = html.indexOf("r-promoted");
    const refused = html.indexOf("r-refused");
    assert.ok(promoted > 0 && refused > promoted);
    assert.match(html, /✗ drill-fresh/);
    assert.match(renderHtml({ ...doc(), promotions: [] }), /No promotion into h13dev has been recorded/);
});

test("self-contained: no script, no external reference, evidence is escaped", () => {
    const d = doc();
    d.items[0].evidence = `<script>alert(1)</script><img src="http://x/y.png">`;
    const html = renderHtml(d);
    assert.ok(!/<(script|link|img|iframe|object|embed)\b|\s(src|href)="|url\(|@import/i.test(html), "no element or rule that loads anything");
    assert.ok(!/https?:\/\//.test(renderHtml(doc())), "no absolute URL anywhere");
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

test("axis ticks step 1-2-5", () => {
    assert.deepEqual(ticks(-2.7, 22.8, 8), [0, 5, 10, 15, 20]);
    assert.deepEqual(ticks(0, 19.44, 5), [0, 5, 10, 15]);
    assert.deepEqual(ticks(0, 0.9, 4), [0, 0.5]);
    assert.deepEqual(ticks(3, 3), [3]);
});

test("readiness --evaluation <readiness.json> --html <file> writes the page", () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "report-html-")), "r.html");
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(REPO, "policies/report/cli.ts"), "--evaluation", FIXTURE, "--html", out], { cwd: REPO, encoding: "utf8" });
    assert.equal(r.status, 1, r.stderr); // not ready
    assert.equal(fs.readFileSync(out, "utf8"), renderHtml(doc()));
    const bad = spawnSync(process.execPath, ["--import", "tsx", path.join(REPO, "policies/report/cli.ts"), "--stack", "dev", "--html", out], { cwd: REPO, encoding: "utf8" });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--html renders a saved report/);
});
