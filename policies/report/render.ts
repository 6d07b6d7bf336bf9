// Renders an evaluation as a terminal table, Markdown, and the JSON document written next to it.
import { CATEGORIES, CATEGORY_TITLES } from "../catalog";
import type { Evaluation } from "../pack/readiness-policy";
import type { BenchRecord, DrillRecord } from "../live/judges";
import { Day2DrillRecord, judgeDay2Row } from "../live/day2-record";
import type { PromotionRecord } from "../promote/record";
import type { CriterionResult, SuccessWindowView } from "../live/success-window";
import { ItemResult } from "../score/evaluate";
import { pct, readinessLabel } from "../score/score";

export interface PolicyViolation {
    policyName: string;
    enforcementLevel: string;
    resourceUrn?: string;
    message: string;
}

const STATUS: Record<ItemResult["status"], string> = {
    pass: "PASS",
    fail: "FAIL",
    "not-measured": "NOT MEASURED",
    unknown: "UNKNOWN",
    "not-applicable": "N/A",
};

const cut = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

function statusOf(i: ItemResult): string {
    return i.scored || i.status === "not-applicable" ? STATUS[i.status] : `${STATUS[i.status]} (unscored)`;
}

export function headline(e: Evaluation): string {
    const s = e.score;
    return `${readinessLabel(s.status)} (${e.environment}, ${e.asOf}): overall ${pct(s.overall)} (${s.overall.passed}/${s.overall.total}), blockers ${s.blockers.passed}/${s.blockers.total}, recommended ${pct(s.recommended)}`;
}

/** What the live collector did: how many items it measured, or why it did not run. */
export function liveLine(e: Evaluation): string {
    if (!e.live) return "live: not run (evaluation from the pack only)";
    return e.live.skipped ? `live: not measured (${e.live.skipped})` : `live: ${e.live.measuredItems} items measured on the deployed cluster`;
}

export function renderTable(e: Evaluation, width = 160): string {
    const rows = [["CATEGORY", "ITEM", "SEV", "STATUS", "EVIDENCE"]];
    for (const c of CATEGORIES)
        for (const i of e.items.filter((x) => x.category === c))
            rows.push([CATEGORY_TITLES[c], `${i.id} ${i.ref}`, i.severity, statusOf(i), i.evidence]);
    const w = [28, 58, 8, 22];
    const evidenceWidth = Math.max(20, width - w.reduce((a, b) => a + b + 2, 0));
    const lines = rows.map((r) => [...r.slice(0, 4).map((cell, k) => cut(cell, w[k]).padEnd(w[k])), cut(r[4], evidenceWidth)].join("  ").trimEnd());
    return [...lines, "", liveLine(e), headline(e)].join("\n");
}

const md = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

const VERDICT: Record<CriterionResult["verdict"], string> = { pass: "PASS", fail: "FAIL", undecided: "NOT YET DECIDABLE" };
const observed = (c: CriterionResult, hours: number) => (c.source === "prometheus" ? `${(c.observedSeconds / 3600).toFixed(1)} h of ${hours} h` : c.source);

/** One line on the judged window, or why there is none. */
export function windowLine(v: SuccessWindowView | undefined): string {
    if (!v?.window) return `72-hour success criteria: not judged (${v?.missing ?? "the report did not read Prometheus"})`;
    const w = v.window;
    const n = (k: CriterionResult["verdict"]) => w.criteria.filter((c) => c.verdict === k).length;
    return `72-hour success criteria (seed 001): ${n("pass")} pass, ${n("fail")} fail, ${n("undecided")} not yet decidable; window ${w.start} → ${w.end}, from ${w.startedBy}`;
}

/** The 72-hour section for the terminal: verdict, observed window and value per criterion, then each one's evidence and query. */
export function renderWindowText(v: SuccessWindowView | undefined, width = 160): string {
    const out = [windowLine(v)];
    if (!v?.window) return out.join("\n");
    const w = [34, 18, 16];
    for (const c of v.window.criteria) {
        out.push(`  ${[c.criterion, VERDICT[c.verdict], observed(c, v.window.hours)].map((x, k) => cut(x, w[k]).padEnd(w[k])).join("  ")}  ${cut(c.value, Math.max(20, width - 78))}`);
        out.push(`      ${cut(c.evidence, Math.max(40, width - 6))}`);
        out.push(`      ${c.source === "prometheus" ? "PromQL" : "reads"}: ${c.query}`);
    }
    return out.join("\n");
}

function windowMarkdown(v: SuccessWindowView | undefined): string[] {
    const out = ["", "## 72-hour success criteria", "", windowLine(v)];
    if (!v?.window) return out;
    out.push("", "| Criterion | Verdict | Observed | Value | Evidence | Query |", "|---|---|---|---|---|---|");
    for (const c of v.window.criteria) out.push(`| ${md(c.criterion)} | ${VERDICT[c.verdict]} | ${observed(c, v.window.hours)} | ${md(c.value)} | ${md(c.evidence)} | \`${md(c.query)}\` |`);
    return out;
}

/** The day-2 drill as Markdown lines: one row per change, judged against its goal. */
export function day2Markdown(view: RecordView<Day2DrillRecord> | undefined): string[] {
    const r = view?.record;
    if (!r) return ["", "## Day-2 changes", "", `No usable day-2 drill record: ${view?.missing ?? "the report did not read one"}.`];
    return [
        "",
        `## Day-2 changes (${r.at.slice(0, 19).replace("T", " ")} UTC)`,
        "",
        "| Change (one `pulumi up`) | Write gap s | Failed writes | Lost | Read errors | Up s | Goal | Verdict |",
        "|---|---|---|---|---|---|---|---|",
        ...r.rows.map((row) => {
            const j = judgeDay2Row(row);
            return `| ${md(row.kind)} | ${row.writeGapSeconds} | ${row.failed}/${row.attempted} | ${row.lost} | ${row.readErrors}/${row.reads + row.readErrors} | ${row.upSeconds}${row.upOk ? "" : " (failed)"} | ${md(j.goal)} | ${j.ok ? "PASS" : `FAIL: ${md(j.why.join(", "))}`} |`;
        }),
    ];
}

export function renderMarkdown(e: Evaluation, stack: string, violations: PolicyViolation[] = [], window?: SuccessWindowView, day2?: RecordView<Day2DrillRecord>): string {
    const s = e.score;
    const out = [
        `# Readiness report: ${stack}`,
        "",
        `**${headline(e)}**`,
        "",
        liveLine(e),
        "",
        "| Category | Passed | Score | Failing blockers |",
        "|---|---|---|---|",
        ...CATEGORIES.map((c) => `| ${CATEGORY_TITLES[c]} | ${s.categories[c].passed}/${s.categories[c].total} | ${pct(s.categories[c])} | ${s.categories[c].blockersFailing} |`),
        "",
        "| Category | Item | Source | Severity | Check | Status | Evidence |",
        "|---|---|---|---|---|---|---|",
        ...e.items.map((i) => `| ${CATEGORY_TITLES[i.category]} | ${i.id} ${md(i.ref)} | ${i.source} | ${i.severity} | ${i.check} | ${statusOf(i)} | ${md(i.evidence)} |`),
    ];
    if (window) out.push(...windowMarkdown(window));
    if (day2) out.push(...day2Markdown(day2));
    if (violations.length > 0) {
        out.push("", "## Policy violations reported by the engine", "", "| Policy | Level | Resource | Message |", "|---|---|---|---|");
        for (const v of violations) out.push(`| ${v.policyName} | ${v.enforcementLevel} | ${md(v.resourceUrn ?? "stack")} | ${md(v.message)} |`);
    }
    return out.join("\n") + "\n";
}

/** A drill or benchmark record as the live collector read it: the record when it counts, or why none does. */
export interface RecordView<R> {
    record?: R;
    missing?: string;
}

/** What the report knows beyond the evaluation: the records it judged, the attestations, the promotions. */
export interface ReportExtras {
    attestations?: Record<string, unknown>;
    records?: { drill?: RecordView<DrillRecord>; bench?: RecordView<BenchRecord> };
    /** The day-2 drill (npm run drill:day2): what each kind of change cost a writer and a reader. */
    day2?: RecordView<Day2DrillRecord>;
    promotions?: PromotionRecord[];
    /** The seeds' 72-hour success criteria judged on the stack's Prometheus. */
    successWindow?: SuccessWindowView;
}

/** The report's JSON model (readiness.json): every renderer after the table reads only this. */
export type ReportDocument = Evaluation & ReportExtras & { stack: string; violations: PolicyViolation[] };

export function reportDocument(e: Evaluation, stack: string, violations: PolicyViolation[] = [], extras: ReportExtras = {}): ReportDocument {
    return { stack, ...e, violations, ...extras };
}
