// The 72-hour success criteria's judges: each passes on a full clean window, fails on one break (whatever the
// window's length), and is "not yet decidable" on a short window or without series; the report's renderers
// show the verdicts, the observed share of the window and the query.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    afterBringUp,
    judgeAttested,
    judgeDrTested,
    judgeFailovers,
    judgeSeries,
    Points,
    pointsOf,
    fromFirstSample,
    rangeStart,
    SERIES_CRITERIA,
    stepFor,
    SuccessWindow,
    windowOf,
    WINDOW_HOURS,
    worstOverStep,
    ATTESTED_CRITERIA,
} from "../../../policies/live/success-window";
import type { DrillRecord, PitrRecord } from "../../../policies/live/judges";
import { renderMarkdown, renderWindowText } from "../../../policies/report/render";
import { renderHtml } from "../../../policies/report/html";
import type { ReportDocument } from "../../../policies/report/render";
import * as fs from "node:fs";
import * as path from "node:path";

/** A real report of a deployed dev copy (see report-html.test.ts), without its own window section. */
const evaluate = (): ReportDocument => {
    const d = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../support/readiness-report.json"), "utf8"));
    delete d.successWindow;
    return d;
};

const H = 3600;
const END = Date.parse("2026-12-05T12:00:00Z") / 1000;
const full = { start: END - 72 * H, end: END };
const short = { start: END - 0.4 * H, end: END };
/** One point per step over the window, all with `v` (or `f(t)`). */
function points(w: { start: number; end: number }, step: number, v: number | ((t: number) => number)): Points {
    const out: Points = [];
    for (let t = w.start + step; t <= w.end; t += step) out.push([t, typeof v === "number" ? v : v(t)]);
    return out;
}
const crit = (id: string) => SERIES_CRITERIA.find((c) => c.id === id)!;

describe("72-hour criteria judged on Prometheus series", () => {
    it("error rate passes over a full clean window, counting idle steps (0/0) as no failed transaction", () => {
        const step = stepFor(full);
        const r = judgeSeries(crit("error-rate"), points(full, step, (t) => (((t - full.start) / step) % 2 ? NaN : 0.001)), step, full, "q");
        assert.equal(r.verdict, "pass", r.evidence);
        assert.equal(r.observedSeconds, 72 * H);
        assert.match(r.evidence, /no transactions in \d+ of \d+ steps/);
    });

    it("error rate fails on one step above 0.5 %, even in a short window", () => {
        const step = stepFor(short);
        const p = points(short, step, 0.001);
        p[10][1] = 0.02;
        const r = judgeSeries(crit("error-rate"), p, step, short, "q");
        assert.equal(r.verdict, "fail");
        assert.match(r.evidence, /^1 of \d+ steps break < 0\.5 %, first at 2026-12-05T11:3\d:\d\dZ \(2\.00 %\)/);
        assert.equal(r.value, "max 2.00 %");
    });

    it("a young stack's window starts at its first sample, so its step is the scrape interval and a failover in it is seen", () => {
        const coarse = stepFor(full);
        assert.equal(coarse, 270);
        const young = fromFirstSample(full, END - 240, coarse);
        assert.equal(young.start, END - 240 - coarse);
        assert.equal(stepFor(young), 15);
        assert.deepEqual(fromFirstSample(full, undefined, coarse), full, "no sample: the whole window");
        // failover and switchover 3 min into a 4-minute-old stack, seen at the scrape interval
        const timeline = points(young, stepFor(young), (t) => (t < END - 60 ? 1 : 3)).filter(([t]) => t >= END - 240);
        assert.equal(judgeFailovers(timeline, stepFor(young), young).verdict, "fail");
    });

    it("a short clean window is not yet decidable and says how much more time it needs", () => {
        const step = stepFor(short);
        const r = judgeSeries(crit("replication-lag"), points(short, step, 0.01), step, short, "q");
        assert.equal(r.verdict, "undecided");
        assert.match(r.evidence, /^not yet decidable: observed 0\.4 h of 72 h; needs 71\.6 h more without a break of < 100 ms/);
    });

    it("no series is not yet decidable, never a pass; a window of only idle steps neither", () => {
        const none = judgeSeries(crit("backups"), [], 15, full, "q");
        assert.equal(none.verdict, "undecided");
        assert.equal(none.value, "no series");
        const idle = judgeSeries(crit("latency-p95"), points(full, stepFor(full), NaN), stepFor(full), full, "q");
        assert.equal(idle.verdict, "undecided");
        assert.match(idle.evidence, /no statements in the whole window/);
    });

    it("gaps count against the observed window: a full window with half its steps missing is undecided", () => {
        const step = stepFor(full);
        const r = judgeSeries(crit("monitoring"), points(full, step, 1).filter((_, k) => k % 2 === 0), step, full, "q");
        assert.equal(r.verdict, "undecided");
        assert.match(r.evidence, /observed 36\.0 h of 72 h/);
    });

    it("monitoring and backups fail on a step at 0 (a floor condition)", () => {
        const step = stepFor(full);
        const r = judgeSeries(crit("monitoring"), points(full, step, (t) => (t === full.start + 5 * step ? 0 : 1)), step, full, "q");
        assert.equal(r.verdict, "fail");
        assert.equal(r.value, "min a monitoring target down, Watchdog silent or a notification failed");
    });

    it("a new stack's monitoring bring-up (its first 10 min before the condition holds) is cut off; later breaks still fail", () => {
        const ok = crit("monitoring").ok;
        const p: Points = [[0, 0], [300, 0], [600, 1], [900, 1]];
        assert.deepEqual(afterBringUp(p, ok), [[600, 1], [900, 1]]);
        assert.deepEqual(afterBringUp([...p, [1200, 0]], ok), [[600, 1], [900, 1], [1200, 0]]);
        // Only bring-up so far: nothing left to judge (not yet decidable), not a failure.
        assert.deepEqual(afterBringUp([[0, 0]], ok), []);
        // Never working past the bring-up allowance is a failure.
        assert.deepEqual(afterBringUp([[0, 0], [300, 0], [900, 0]], ok), [[900, 0]]);
    });

    it("zero unplanned failovers: a timeline rise fails at once, a steady one passes only after 72 h", () => {
        const step = stepFor(short);
        const rise = judgeFailovers(points(short, step, (t) => (t < short.start + 600 ? 1 : t < short.start + 900 ? 2 : 3)), step, short);
        assert.equal(rise.verdict, "fail");
        assert.equal(rise.value, "2 timeline changes");
        assert.match(rise.evidence, /timeline 1 → 2, .*timeline 2 → 3/);
        assert.equal(judgeFailovers(points(short, step, 4), step, short).verdict, "undecided");
        assert.equal(judgeFailovers(points(full, stepFor(full), 4), stepFor(full), full).verdict, "pass");
        assert.equal(judgeFailovers([], 15, full).verdict, "undecided");
    });
});

describe("72-hour criteria outside Prometheus", () => {
    const drill: DrillRecord = {
        stack: "s",
        systemIdentifier: "1",
        at: "2026-12-04T10:00:00Z",
        failover: { seconds: 9.5, oldLeader: "pg-1", newLeader: "pg-2", committedRows: 40, rowsAfter: 40 },
        switchover: { seconds: 3, from: "pg-2", to: "pg-1", ok: true },
        reconnect: { ok: true, seconds: 10 },
        rejoin: { ok: true, seconds: 20, member: "pg-1" },
    };
    const pitr: PitrRecord = { stack: "s", systemIdentifier: "1", at: "2026-12-04T11:00:00Z", target: "2026-12-04T10:59:00Z", seconds: 40, promoted: true };

    it("DR tested passes on a passing drill and restore, fails on a lost row, is undecided without a restore", () => {
        assert.equal(judgeDrTested("s", { record: drill }, { record: pitr }).verdict, "pass");
        const lossy = judgeDrTested("s", { record: { ...drill, failover: { ...drill.failover, rowsAfter: 39 } } }, { record: pitr });
        assert.equal(lossy.verdict, "fail");
        assert.match(lossy.evidence, /1 acknowledged rows lost/);
        const half = judgeDrTested("s", { record: drill }, { missing: "no point-in-time restore recorded" });
        assert.equal(half.verdict, "undecided");
        assert.match(half.evidence, /point-in-time restore: no point-in-time restore recorded \(run: scripts\/pitr-restore\.sh --stack s/);
    });

    it("security and cost pass only on an attestation dated after the window closes", () => {
        const [security] = ATTESTED_CRITERIA;
        const absent = judgeAttested(security, undefined, "2026-12-05", "2026-12-05");
        assert.equal(absent.verdict, "undecided");
        assert.match(absent.evidence, /Prometheus cannot know this: an owner attests no security incident .*attestations\["72H-SECURITY"\]/);
        const early = judgeAttested(security, { owner: "sec", date: "2026-12-03", expires: "2027-01-01" }, "2026-12-05", "2026-12-05");
        assert.equal(early.verdict, "undecided");
        assert.match(early.evidence, /the window closes 2026-12-05: attest again then/);
        const after = judgeAttested(security, { owner: "sec", date: "2026-12-05 00:00:00 +0000 UTC", expires: "2027-01-01" }, "2026-12-05", "2026-12-06");
        assert.equal(after.verdict, "pass", after.evidence);
        assert.equal(judgeAttested(security, { owner: "", date: "2026-12-05", expires: "2027-01-01" }, "2026-12-05", "2026-12-06").verdict, "undecided");
    });
});

describe("the window and the range queries", () => {
    const promoted = (at: string, result: "promoted" | "refused" = "promoted") => ({ at, result });

    it("starts at the newest promotion, ignores refused ones, and is capped at 72 h", () => {
        assert.match(windowOf([], END).startedBy, /first sample \(no promotion recorded\)/);
        const w = windowOf([promoted("2026-12-05T10:00:00Z"), promoted("2026-12-05T11:00:00Z", "refused"), promoted("2026-12-04T00:00:00Z")], END);
        assert.equal(w.start, Date.parse("2026-12-05T10:00:00Z") / 1000);
        assert.equal(w.promoted, true);
        assert.equal(windowOf([promoted("2026-11-01T00:00:00Z")], END).start, END - WINDOW_HOURS * H);
    });

    it("keeps at most 1,000 points per query and wraps a coarse step in a subquery that keeps each step's worst", () => {
        assert.equal(stepFor(short), 15);
        assert.equal(stepFor(full), 270);
        assert.equal(worstOverStep("max(x)", "max", 15), "max(x)");
        assert.equal(worstOverStep("max(x)", "max", 270), "max_over_time((max(x))[270s:15s])");
        // The last point is the window's end; the first is one step after its start.
        assert.equal(rangeStart(full, 270), full.start + 270);
        assert.equal(rangeStart({ start: 0, end: 1000 }, 270), 1000 - 2 * 270);
        assert.deepEqual(pointsOf([{ values: [[1, "0.2"], [2, "NaN"]] }, { values: [[1, "0.5"], [2, "0.1"]] }], "max"), [[1, 0.5], [2, 0.1]]);
    });
});

describe("the 72-hour section in the report", () => {
    const window: SuccessWindow = {
        start: "2026-12-05T11:36:00Z",
        end: "2026-12-05T12:00:00Z",
        startedBy: "the stack's first sample (no promotion recorded), at most 72 h back",
        hours: 72,
        criteria: [
            judgeFailovers(points(short, 15, (t) => (t < short.start + 600 ? 1 : 2)), 15, short),
            judgeSeries(crit("replication-lag"), points(short, 15, 0.01), 15, short, "max(pg_replication_lag_seconds)"),
            judgeAttested(ATTESTED_CRITERIA[1], undefined, "2026-12-08", "2026-12-05"),
        ],
    };

    it("prints each criterion's verdict, observed window, value, evidence and query in the terminal and in Markdown", () => {
        const text = renderWindowText({ window });
        assert.match(text, /^72-hour success criteria \(seed 001\): 0 pass, 1 fail, 2 not yet decidable; window 2026-12-05T11:36:00Z → 2026-12-05T12:00:00Z/);
        assert.match(text, /Zero unplanned failovers\s+FAIL\s+0\.4 h of 72 h\s+1 timeline change/);
        assert.match(text, /PromQL: max\(patroni_postgres_timeline > 0\)/);
        assert.match(text, /Cost within 10% of projections\s+NOT YET DECIDABLE\s+attestation/);
        assert.match(renderWindowText({ missing: "the stack is not deployed" }), /not judged \(the stack is not deployed\)/);
        const md = renderMarkdown(evaluate(), "prod", [], { window });
        assert.match(md, /## 72-hour success criteria/);
        assert.match(md, /\| Replication lag < 100ms \| NOT YET DECIDABLE \| 0\.4 h of 72 h \| max 10\.0 ms \|/);
    });

    it("renders a section of the HTML page with a verdict badge and the observed share per criterion", () => {
        const html = renderHtml({ ...evaluate(), stack: "prod", violations: [], successWindow: { window } });
        const section = /<section id="success-window">[\s\S]*?<\/section>/.exec(html)?.[0] ?? "";
        assert.match(section, /<tr data-id="failovers"><td>Zero unplanned failovers<\/td><td><span class="status s-fail">fail<\/span>/);
        assert.match(section, /0\.4 h of 72 h<div class="meter"/);
        assert.match(section, /not yet decidable/);
        assert.match(renderHtml({ ...evaluate(), stack: "prod", violations: [] }), /<section id="success-window"><h2>72-hour success criteria<\/h2><p class="empty">72-hour success criteria: not judged/);
    });
});
