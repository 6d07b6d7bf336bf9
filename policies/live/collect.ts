// The live collector: runs each measurement once, judges every live catalog item that names it
// (`measuredBy`), and folds the outcomes into the evaluation the pack wrote, so the score and the
// report count measured facts instead of "not measured".
import { CatalogItem } from "../catalog";
import type { Evaluation } from "../pack/readiness-policy";
import { computeScore } from "../score/score";
import {
    gatherBackupCapacity,
    gatherContainers,
    gatherEtcd,
    gatherHost,
    gatherLoad,
    gatherPatroni,
    gatherPostgres,
    gatherPrometheus,
    leaderNode,
    readRecord,
    recordFile,
    systemIdentifier,
} from "./gather";
import { gatherCertificates } from "./certificates";
import { AlertTestRecord, BenchRecord, DrillRecord, JUDGES, LiveOutcome, MeasureName, PitrRecord } from "./judges";
import { LiveTarget } from "./target";
import { gatherSwarm, SWARM_ITEMS } from "./swarm";

export interface LiveResult extends LiveOutcome {
    measuredAt: string;
    measure: MeasureName;
}

type Gatherers = { [K in MeasureName]: (t: LiveTarget) => Promise<Parameters<(typeof JUDGES)[K][string]>[0]> };

function gatherers(reportsDir: string): Gatherers {
    return {
        postgres: gatherPostgres,
        patroni: gatherPatroni,
        etcd: gatherEtcd,
        containers: gatherContainers,
        host: gatherHost,
        load: gatherLoad,
        prometheus: gatherPrometheus,
        "backup-capacity": gatherBackupCapacity,
        drills: async (t) => readRecord<DrillRecord>(recordFile(reportsDir, t.stack, "drills"), t.stack, await systemIdentifier(t), "failover drill"),
        bench: async (t) => readRecord<BenchRecord>(recordFile(reportsDir, t.stack, "bench"), t.stack, await systemIdentifier(t), "benchmark"),
        certificates: (t) => gatherCertificates(t, leaderNode(t)),
        "alert-test": async (t) => readRecord<AlertTestRecord>(recordFile(reportsDir, t.stack, "alert-test"), t.stack, await systemIdentifier(t), "alert test"),
        pitr: async (t) => readRecord<PitrRecord>(recordFile(reportsDir, t.stack, "pitr"), t.stack, await systemIdentifier(t), "point-in-time restore"),
        swarm: gatherSwarm,
    };
}

const MEASURE_TIMEOUT_MS = 120_000;
/**
 * The load probe builds an HNSW index on its own 5,000 × 64-d table: RuVector 2.0.4 took 96 s for it on a
 * 1-CPU node of a busy host (load average 14, 2026-12-02), so the load measurement gets more room.
 */
const LONGER_TIMEOUT_MS: Partial<Record<MeasureName, number>> = { load: 600_000 };

/**
 * The measurement that decides an item on this target: the catalog's `measuredBy`, except that on a Swarm
 * the swarm probes decide what they measure per node (storage: every node's, not this machine's).
 */
export function measureOf(item: CatalogItem, t: Pick<LiveTarget, "config">): MeasureName | undefined {
    if (t.config.target.kind === "swarm" && (SWARM_ITEMS as readonly string[]).includes(item.id)) return "swarm";
    return item.measuredBy as MeasureName | undefined;
}

function withTimeout<T>(p: Promise<T>, what: MeasureName): Promise<T> {
    let timer: NodeJS.Timeout;
    const ms = LONGER_TIMEOUT_MS[what] ?? MEASURE_TIMEOUT_MS;
    const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms)));
    return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** Measures every live item that names a measurement; a measurement that errors leaves its items `unknown`. */
export async function collectLive(
    t: LiveTarget,
    items: CatalogItem[],
    opts: { reportsDir: string; log?: (line: string) => void; onFacts?: (measure: MeasureName, facts: unknown) => void },
): Promise<Map<string, LiveResult>> {
    const out = new Map<string, LiveResult>();
    const g = gatherers(opts.reportsDir);
    const live = items.filter((i) => i.check === "live" && measureOf(i, t));
    const wanted = new Set(live.map((i) => measureOf(i, t)));
    for (const measure of Object.keys(JUDGES) as MeasureName[]) {
        if (!wanted.has(measure)) continue;
        const started = Date.now();
        const judges = JUDGES[measure] as Record<string, (f: unknown) => LiveOutcome>;
        const its = live.filter((i) => measureOf(i, t) === measure);
        let facts: unknown;
        let error: string | undefined;
        try {
            facts = await withTimeout((g[measure] as (t: LiveTarget) => Promise<unknown>)(t), measure);
        } catch (e) {
            error = (e as Error).message.split("\n")[0].slice(0, 300);
        }
        const measuredAt = new Date().toISOString();
        if (!error) opts.onFacts?.(measure, facts);
        for (const item of its) {
            const judge = judges[item.id];
            const outcome: LiveOutcome = error
                ? { status: "unknown", evidence: `${measure} measurement failed: ${error}` }
                : judge
                  ? judge(facts)
                  : { status: "unknown", evidence: `no judge for ${item.id} in measurement ${measure}` };
            out.set(item.id, { ...outcome, measuredAt, measure });
        }
        opts.log?.(`[live] ${measure}: ${its.length} item(s) in ${((Date.now() - started) / 1000).toFixed(1)} s${error ? ` — failed: ${error}` : ""}`);
    }
    return out;
}

/**
 * Live outcomes replace "not measured"; an item whose static precondition already failed keeps that
 * failure (the measurement cannot make an unsafe declaration pass), and the measurement is added to its
 * evidence (what the cluster really runs, e.g. pgvector 0.8.0 where the seeds want RuVector). The score is
 * computed again.
 */
export function applyLive(e: Evaluation, live: Map<string, LiveResult>): Evaluation {
    const items = e.items.map((i) => {
        const r = live.get(i.id);
        if (!r || i.check !== "live") return i;
        const stamp = `[live ${r.measuredAt.slice(0, 19)}Z]`;
        if (i.status === "fail" && i.evidence.startsWith("precondition fails")) return { ...i, evidence: `${i.evidence}; measured: ${r.evidence} ${stamp}` };
        if (i.status !== "not-measured") return i;
        return { ...i, status: r.status, evidence: `${r.evidence} ${stamp}` };
    });
    return { ...e, items, score: computeScore(items), live: { measuredItems: live.size } } as Evaluation;
}
