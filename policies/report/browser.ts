// Renders the HTML report in a real browser (Debian's `chromium`, headless): a screenshot and the DOM the
// browser built. Used by the browser test and to refresh docs/readiness-report.png:
//   node --import tsx policies/report/browser.ts <readiness.json> <out.png> [width height]
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderHtml } from "./html";

export interface BrowserRender {
    dom: string;
    png: Buffer;
    ms: number;
}

export const CHROMIUM = process.env.DPG_CHROMIUM ?? "chromium";

/** Screenshot and DOM of one local HTML file; throws with chromium's own output when it fails. */
export function renderInChromium(htmlFile: string, pngFile: string, size = { width: 1280, height: 2400 }): BrowserRender {
    const t0 = Date.now();
    // A fresh profile per run: two renders at once must not share (and lock) one user-data dir.
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "dpg-chromium-"));
    try {
        const r = spawnSync(
            CHROMIUM,
            [
                "--headless",
                "--no-sandbox", // runs as root in a container, where the setuid sandbox is unavailable
                "--disable-gpu",
                "--hide-scrollbars",
                `--user-data-dir=${profile}`,
                `--window-size=${size.width},${size.height}`,
                `--screenshot=${pngFile}`,
                "--dump-dom",
                `file://${path.resolve(htmlFile)}`,
            ],
            { encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
        );
        if (r.error) throw new Error(`${CHROMIUM} could not run (${r.error.message}); install it: apt-get install -y chromium`);
        if (r.status !== 0 || !fs.existsSync(pngFile)) throw new Error(`${CHROMIUM} exited ${r.status}: ${(r.stderr || "").slice(-2000)}`);
        return { dom: r.stdout, png: fs.readFileSync(pngFile), ms: Date.now() - t0 };
    } finally {
        fs.rmSync(profile, { recursive: true, force: true });
    }
}

if (require.main === module) {
    const [json, out, width, height] = process.argv.slice(2);
    if (!json || !out) {
        process.stderr.write("usage: browser.ts <readiness.json> <out.png> [width height]\n");
        process.exit(1);
    }
    const html = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dpg-report-")), "readiness.html");
    fs.writeFileSync(html, renderHtml(JSON.parse(fs.readFileSync(json, "utf8"))));
    const r = renderInChromium(html, out, { width: Number(width ?? 1280), height: Number(height ?? 2400) });
    process.stdout.write(`${out}: ${r.png.length} bytes, rendered in ${r.ms} ms\n`);
}
