// The gates of `npm run promote`, as pure functions over what the command gathered: the source stack's drill
// and bench records, its readiness report, the target's preview with the pack, and (after the up) the target's
// Alertmanager alerts for the watch window. Each returns a GateResult whose detail names what failed and the fix.
import { catalog, CatalogItem } from "../catalog";
import { benchJudges, drillJudges, LiveOutcome } from "../live/judges";
import type { GateResult, PromotionRecord } from "./record";

export interface RecordContext {
    /** The source stack. */
    stack: string;
    /** The target stack, whose dpg-cluster:promotion.recordMaxAgeHours bounds the records' age. */
    to: string;
    /** System identifier of the source's running cluster. */
    clusterId: string;
    now: Date;
    maxAgeHours: number;
}

interface RecordKindSpec {
    gate: string;
    what: string;
    rerun: (stack: string) => string;
    judges: Record<string, (f: any) => LiveOutcome>;
}

export const RECORD_GATES = {
    drills: { gate: "drill-record", what: "failover drill", rerun: (s: string) => `npm run drill -- --stack ${s}`, judges: drillJudges },
    bench: { gate: "bench-record", what: "benchmark", rerun: (s: string) => `npm run bench -- --stack ${s}`, judges: benchJudges },
} satisfies Record<string, RecordKindSpec>;

/** A drill or bench record counts when it exists, is of the source's current cluster, is young enough, and its judges pass. */
export function recordGate(kind: keyof typeof RECORD_GATES, file: string, record: { systemIdentifier: string; at: string } | undefined, c: RecordContext): GateResult {
    const spec = RECORD_GATES[kind];
    const fix = `run: ${spec.rerun(c.stack)}`;
    const no = (detail: string): GateResult => ({ name: spec.gate, ok: false, detail: `${detail}; ${fix}` });
    if (!record) return no(`no ${spec.what} recorded for ${c.stack} (${file})`);
    const ageHours = (c.now.getTime() - Date.parse(record.at)) / 3_600_000;
    if (!Number.isFinite(ageHours)) return no(`the ${spec.what} record ${file} has no valid time (at: ${JSON.stringify(record.at)})`);
    if (record.systemIdentifier !== c.clusterId)
        return no(`the ${spec.what} of ${c.stack} ran on another cluster (system identifier ${record.systemIdentifier}, now ${c.clusterId})`);
    if (ageHours > c.maxAgeHours)
        return no(`the ${spec.what} of ${c.stack} is stale: ${ageHours.toFixed(1)} h old (at most ${c.maxAgeHours} h: dpg-cluster:promotion.recordMaxAgeHours of ${c.to})`);
    const outcomes = Object.entries(spec.judges).map(([id, judge]) => ({ id, ...judge({ stack: c.stack, record, ageDays: ageHours / 24 }) }));
    const failing = outcomes.filter((o) => o.status !== "pass");
    const head = `${spec.what} ${record.at.slice(0, 19)}Z, ${ageHours.toFixed(1)} h old, cluster ${c.clusterId}`;
    if (failing.length) return no(`${head}: not passing: ${failing.map((o) => `${o.id}: ${o.evidence}`).join("; ")}`);
    return { name: spec.gate, ok: true, detail: `${head}: ${outcomes.map((o) => o.id).join(", ")} pass` };
}

/** An item of the source's readiness.json, as the report writes it. */
export interface ReportItem {
    id: string;
    severity: string;
    status: string;
    check: string;
    evidence: string;
}

/** Live measurements of the machine rather than of the cluster: another host decides them for the target. */
const HOST_MEASURES: Record<string, string> = {
    host: "a fact of the source's Docker host (engine version, disk)",
    swarm: "topology: the source runs on one Docker host",
    load: "a short latency/load probe on the source's shared, dev-sized host (the bench-record gate judges throughput)",
};

/**
 * Why a failing blocker of the source does not stop a promotion, or undefined when it must. Items judged
 * from the source's own settings (static and attested items, live items whose static precondition fails)
 * differ by environment by design: the target-preview gate judges the target's settings with the pack. Items
 * measured on the host (HOST_MEASURES) are the machine's, not the build's.
 */
export function environmentReason(item: ReportItem, catalogItem: CatalogItem | undefined): string | undefined {
    if (item.check === "static") return "judged from the source's settings; the target-preview gate judges the target's";
    if (item.check === "attested") return "an attestation of the source stack; the target carries its own";
    if (item.evidence.startsWith("precondition fails")) return "its precondition is a setting of the source; the target-preview gate judges the target's";
    const measure = catalogItem?.measuredBy;
    return measure ? HOST_MEASURES[measure] : undefined;
}

/** The source's report: no failing blocker except those that depend on the environment (named, with the reason). */
export function readinessGate(stack: string, items: ReportItem[], catalogItems: CatalogItem[] = catalog()): GateResult {
    const byId = new Map(catalogItems.map((i) => [i.id, i]));
    const failing = items.filter((i) => i.severity === "blocker" && i.status === "fail");
    const excused = failing.map((i) => ({ i, why: environmentReason(i, byId.get(i.id)) }));
    const blocking = excused.filter((x) => !x.why);
    const envList = excused.filter((x) => x.why).map((x) => `${x.i.id} (${x.why})`);
    if (blocking.length)
        return {
            name: "source-readiness",
            ok: false,
            detail: `${blocking.length} failing blocker(s) of ${stack} that do not depend on the environment: ${blocking.map((x) => `${x.i.id}: ${x.i.evidence}`).join("; ")}; fix them, then run npm run readiness -- --stack ${stack}`,
        };
    return { name: "source-readiness", ok: true, detail: `no failing blocker of ${stack} but ${envList.length} that depend on the environment: ${envList.join("; ") || "none"}` };
}

/** Lines of `pulumi preview` output that name a mandatory policy violation. */
export const mandatoryViolations = (output: string) => output.split("\n").filter((l) => l.includes("[mandatory]")).map((l) => l.trim());

/** The target's preview with the pack (blockers as the target's environment enforces them) must be clean. */
export function previewGate(to: string, packConfig: string, status: number, output: string): GateResult {
    const mandatory = mandatoryViolations(output);
    if (mandatory.length) return { name: "target-preview", ok: false, detail: `pulumi preview of ${to} with the pack (${packConfig}) has ${mandatory.length} mandatory violation(s): ${mandatory.join("; ")}` };
    if (status !== 0) return { name: "target-preview", ok: false, detail: `pulumi preview of ${to} failed (exit ${status}): ${output.trim().split("\n").slice(-8).join(" | ")}` };
    const summary = output.split("\n").filter((l) => /^\s+[~+\-±]?\s*\d+ to (create|update|replace|delete)|^\s+\d+ unchanged/.test(l)).map((l) => l.trim());
    return { name: "target-preview", ok: true, detail: `pulumi preview of ${to} with the pack (${packConfig}): no mandatory violation${summary.length ? `; ${summary.join(", ")}` : ""}` };
}

/** An alert as Alertmanager's /api/v2/alerts returns it. */
export interface AmAlert {
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    startsAt: string;
    status?: { state?: string };
}

/** Active alerts carrying a rollback_trigger label that started at or after `since` (the promotion's up). */
export function firedTriggers(alerts: AmAlert[], since: Date): AmAlert[] {
    return alerts.filter((a) => a.labels.rollback_trigger && (a.status?.state ?? "active") === "active" && Date.parse(a.startsAt) >= since.getTime());
}

/**
 * What a rollback restores: the state the target had before its newest successful promotion, i.e. the
 * record (a promotion or a rollback, both carry images and settings) just before it (records newest first).
 * Two rollbacks in a row restore the same state.
 */
export function previousPromotion(records: PromotionRecord[]): { current: PromotionRecord; previous: PromotionRecord } | string {
    const applied = records.filter((r) => r.result === "promoted" || r.result === "rolled-back");
    const i = applied.findIndex((r) => r.result === "promoted");
    if (i < 0) return "no promotion of this stack is recorded";
    const previous = applied[i + 1];
    if (!previous) return `only one promotion is recorded (${applied[i].at} from ${applied[i].from}): there is no earlier one to roll back to`;
    if (!previous.settings) return `the ${previous.result === "promoted" ? "promotion" : "rollback"} of ${previous.at} recorded no settings to re-apply`;
    return { current: applied[i], previous };
}
