// Renders an evaluation as a terminal table, Markdown, and the JSON document written next to it.
import { CATEGORIES, CATEGORY_TITLES } from "../catalog";
import type { Evaluation } from "../pack/readiness-policy";
import type { BenchRecord, DrillRecord } from "../live/judges";
import type { PromotionRecord } from "../promote/record";
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

export function renderMarkdown(e: Evaluation, stack: string, violations: PolicyViolation[] = []): string {
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
    promotions?: PromotionRecord[];
}

/** The report's JSON model (readiness.json): every renderer after the table reads only this. */
export type ReportDocument = Evaluation & ReportExtras & { stack: string; violations: PolicyViolation[] };

export function reportDocument(e: Evaluation, stack: string, violations: PolicyViolation[] = [], extras: ReportExtras = {}): ReportDocument {
    return { stack, ...e, violations, ...extras };
}
