// The seeds' 72-hour success criteria (001 "Success Criteria": "All the following must be true for 72 hours"),
// judged on the stack's own Prometheus with range queries over the window since the newest promotion (or since
// the stack's first sample), capped at 72 h. Each condition is judged at every step of the window: one step that
// breaks it fails the criterion at once; a window shorter than 72 h without a break is "not yet decidable", and so
// is a criterion without any series (no data is not a pass). What Prometheus cannot know (security incidents,
// cost) is decided by an owner's attestation made after the window closed, never by default.
import type { PromotionRecord } from "../promote/record";
import { checkAttestation, WINDOW_ATTESTATIONS, yamlDay } from "../score/attestations";
import type { DrillRecord, PitrRecord } from "./judges";
import { prometheusApi } from "./gather";
import { LiveTarget } from "./target";

export const WINDOW_HOURS = 72;
const WINDOW_S = WINDOW_HOURS * 3600;
/** Subquery resolution: the scrape and rule interval (components/monitoring MONITORING_DEFAULTS.scrapeIntervalSeconds). */
export const RESOLUTION_S = 15;
/** At most this many points per range query (Prometheus refuses more than 11,000 per series). */
const MAX_POINTS = 1000;

export type WindowVerdict = "pass" | "fail" | "undecided";

export interface CriterionResult {
    id: string;
    /** The seed's words. */
    criterion: string;
    /** Where the verdict comes from. */
    source: "prometheus" | "records" | "attestation";
    /** The PromQL behind it (prometheus), or the records / attestation key read. */
    query: string;
    /** Seconds of the window with a sample (prometheus) or 0. */
    observedSeconds: number;
    value: string;
    verdict: WindowVerdict;
    evidence: string;
}

export interface SuccessWindow {
    /** ISO times of the judged window. */
    start: string;
    end: string;
    /** Why the window starts where it does. */
    startedBy: string;
    hours: number;
    criteria: CriterionResult[];
}

/** The report's view: the judged window, or why there is none. */
export interface SuccessWindowView {
    window?: SuccessWindow;
    missing?: string;
}

/** One point per step: [unix seconds, value]; NaN when the expression was 0/0 at that step. */
export type Points = Array<[number, number]>;

/** A condition judged at every step: the expression's value at each step must satisfy `ok`. */
export interface SeriesCriterion {
    id: string;
    criterion: string;
    /** PromQL giving one series; a step's value is the worst of its interval (the caller wraps it in a subquery). */
    expr: (p: CriterionParams) => string;
    /** "max" wraps the expression in max_over_time (a ceiling), "min" in min_over_time (a floor). */
    worst: "max" | "min";
    ok: (v: number) => boolean;
    limit: string;
    show: (v: number) => string;
    /** What the series is, said in the evidence (where the metric only approximates the seed's words). */
    note?: string;
    /** A NaN step (0/0): counted as observed and fine, e.g. no transactions means no failed ones. */
    nanIs?: string;
    /** Steps before the condition first held are the stack's bring-up, not a break, when no promotion opens the window. */
    bringUp?: boolean;
}

export interface CriterionParams {
    database: string;
    backupMaxAgeSeconds: number;
}

const pctOf = (v: number) => `${(v * 100).toFixed(2)} %`;
const msOf = (v: number) => `${(v * 1000).toFixed(1)} ms`;
const hours = (s: number) => `${(s / 3600).toFixed(1)} h`;
const iso = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 19) + "Z";

/** The criteria Prometheus decides, in the seed's order ("zero unplanned failovers" is judged by judgeFailovers). */
export const SERIES_CRITERIA: SeriesCriterion[] = [
    {
        id: "error-rate",
        criterion: "Error rate < 0.5%",
        // PostgreSQL counts every transaction that ended in an error as a rollback (explicit ROLLBACKs too).
        expr: ({ database }) => {
            const rb = `sum(rate(pg_stat_database_xact_rollback{datname="${database}"}[5m]))`;
            return `${rb} / (${rb} + sum(rate(pg_stat_database_xact_commit{datname="${database}"}[5m])))`;
        },
        worst: "max",
        ok: (v) => v < 0.005,
        limit: "< 0.5 %",
        show: pctOf,
        note: "rolled-back share of the application database's transactions over 5 min, all nodes",
        nanIs: "no transactions",
    },
    {
        id: "latency-p95",
        criterion: "Latency p95 < 500ms",
        expr: () => "sum(rate(pg_stat_statements_seconds_total[5m])) / sum(rate(pg_stat_statements_calls_total[5m]))",
        worst: "max",
        ok: (v) => v < 0.5,
        limit: "< 500 ms",
        show: msOf,
        // pg_stat_statements keeps sums, not a distribution: no exporter here can give a true p95.
        note: "mean statement time over 5 min (pg_stat_statements has no per-call distribution, so the p95 itself is not measurable: a mean above 500 ms fails, a mean below it is a proxy)",
        nanIs: "no statements",
    },
    {
        id: "replication-lag",
        criterion: "Replication lag < 100ms",
        expr: () => "max(pg_replication_lag_seconds)",
        worst: "max",
        ok: (v) => v < 0.1,
        limit: "< 100 ms",
        show: msOf,
        note: "worst replica's replay delay at each scrape (postgres_exporter)",
    },
    {
        id: "monitoring",
        criterion: "All monitoring active and alerting",
        // Watchdog always fires while rules are evaluated; failed notifications mean alerts reach nobody.
        expr: () =>
            'min(up{job=~"prometheus|alertmanager|node"}) * on() ((count(ALERTS{alertname="Watchdog",alertstate="firing"}) or vector(0)) > bool 0) * on() ((sum(rate(alertmanager_notifications_failed_total[5m])) or vector(0)) == bool 0)',
        worst: "min",
        ok: (v) => v === 1,
        limit: "= 1",
        show: (v) => (v === 1 ? "all up, Watchdog firing, no failed notification" : "a monitoring target down, Watchdog silent or a notification failed"),
        note: "1 while Prometheus, Alertmanager and node_exporter are up, the Watchdog alert fires and Alertmanager fails no notification",
        bringUp: true,
    },
    {
        id: "backups",
        criterion: "Backup automation running successfully",
        expr: ({ backupMaxAgeSeconds }) =>
            `min(dpg_backup_last_run_success) * on() (time() - max(dpg_backup_last_success_timestamp_seconds) < bool ${backupMaxAgeSeconds})`,
        worst: "min",
        ok: (v) => v === 1,
        limit: "= 1",
        show: (v) => (v === 1 ? "last run succeeded, last success recent" : "last run failed or last success too old"),
        note: "1 while the last scheduled backup succeeded and the last success is younger than dpg-cluster:monitoring.backupMaxAgeHours",
    },
];

export const FAILOVER_QUERY = "max(patroni_postgres_timeline > 0)";

export interface Window {
    /** Unix seconds. */
    start: number;
    end: number;
}

function shortfall(observed: number): string {
    return `observed ${hours(observed)} of ${WINDOW_HOURS} h; needs ${hours(WINDOW_S - observed)} more`;
}

/** Seconds of the window the points cover: one step each, at most the window. */
export function observedSeconds(points: Points, step: number, w: Window): number {
    return Math.min(points.length * step, w.end - w.start);
}

/** How long a new stack's monitoring may take to first work (targets up, Watchdog firing, Alertmanager reached). */
export const BRING_UP_S = 600;

/**
 * The points without the stack's bring-up (pure): leading steps that break the condition within BRING_UP_S of the
 * first sample are what a new stack shows before its monitoring first works; a break after that still counts.
 */
export function afterBringUp(points: Points, ok: (v: number) => boolean): Points {
    if (points.length === 0) return points;
    const until = points[0][0] + BRING_UP_S;
    let k = 0;
    while (k < points.length && points[k][0] <= until && !ok(points[k][1])) k++;
    return points.slice(k);
}

/** Judges one condition over its points (pure). */
export function judgeSeries(c: SeriesCriterion, points: Points, step: number, w: Window, query: string): CriterionResult {
    const base = { id: c.id, criterion: c.criterion, source: "prometheus" as const, query };
    const observed = observedSeconds(points, step, w);
    const note = c.note ? ` (${c.note})` : "";
    if (points.length === 0)
        return { ...base, observedSeconds: 0, value: "no series", verdict: "undecided", evidence: `not yet decidable: no sample in the window${note}; needs ${WINDOW_HOURS} h of data` };
    const numbers = points.filter(([, v]) => !Number.isNaN(v));
    const idle = points.length - numbers.length;
    const idleNote = idle > 0 && c.nanIs ? `; ${c.nanIs} in ${idle} of ${points.length} steps` : "";
    if (numbers.length === 0)
        return { ...base, observedSeconds: observed, value: c.nanIs ?? "no value", verdict: "undecided", evidence: `not yet decidable: ${c.nanIs ?? "no value"} in the whole window (${hours(observed)})${note}` };
    const worst = numbers.reduce((a, b) => (c.worst === "max" ? (b[1] > a[1] ? b : a) : b[1] < a[1] ? b : a));
    const value = `${c.worst} ${c.show(worst[1])}`;
    const broken = numbers.filter(([, v]) => !c.ok(v));
    if (broken.length > 0)
        return {
            ...base,
            observedSeconds: observed,
            value,
            verdict: "fail",
            evidence: `${broken.length} of ${points.length} steps break ${c.limit}, first at ${iso(broken[0][0])} (${c.show(broken[0][1])}), worst ${c.show(worst[1])} at ${iso(worst[0])}${note}${idleNote}`,
        };
    if (observed < WINDOW_S)
        return { ...base, observedSeconds: observed, value, verdict: "undecided", evidence: `not yet decidable: ${shortfall(observed)} without a break of ${c.limit}${note}${idleNote}` };
    return { ...base, observedSeconds: observed, value, verdict: "pass", evidence: `held ${c.limit} over all ${points.length} steps of ${WINDOW_HOURS} h${note}${idleNote}` };
}

/**
 * Zero unplanned failovers (pure): every rise of the cluster's highest timeline is a promotion. Prometheus sees
 * the timeline, not its cause, so a planned switchover counts too (a false alarm is safer than a missed failover).
 */
export function judgeFailovers(points: Points, step: number, w: Window): CriterionResult {
    const base = { id: "failovers", criterion: "Zero unplanned failovers", source: "prometheus" as const, query: FAILOVER_QUERY };
    const observed = observedSeconds(points, step, w);
    const seen = points.filter(([, v]) => Number.isFinite(v));
    if (seen.length === 0)
        return { ...base, observedSeconds: 0, value: "no series", verdict: "undecided", evidence: `not yet decidable: no patroni_postgres_timeline sample in the window; needs ${WINDOW_HOURS} h of data` };
    const changes: string[] = [];
    let count = 0;
    for (let k = 1; k < seen.length; k++) {
        const rise = seen[k][1] - seen[k - 1][1];
        if (rise > 0) {
            count += rise;
            changes.push(`${iso(seen[k][0])} timeline ${seen[k - 1][1]} → ${seen[k][1]}`);
        }
    }
    const value = `${count} timeline change${count === 1 ? "" : "s"}`;
    if (count > 0)
        return { ...base, observedSeconds: observed, value, verdict: "fail", evidence: `${count} promotion(s) in the window: ${changes.join(", ")} (a planned switchover also changes the timeline: Prometheus cannot tell them apart)` };
    const timeline = `timeline ${seen[0][1]} throughout`;
    if (observed < WINDOW_S) return { ...base, observedSeconds: observed, value, verdict: "undecided", evidence: `not yet decidable: ${timeline}, ${shortfall(observed)}` };
    return { ...base, observedSeconds: observed, value, verdict: "pass", evidence: `${timeline} over ${WINDOW_HOURS} h` };
}

/** "DR procedures tested" (pure): the failover drill and a point-in-time restore, from their records. */
export function judgeDrTested(stack: string, drill: { record?: DrillRecord; missing?: string }, pitr: { record?: PitrRecord; missing?: string }): CriterionResult {
    const base = { id: "dr-tested", criterion: "DR procedures tested", source: "records" as const, query: `reports/${stack}/drills.json, reports/${stack}/pitr.json`, observedSeconds: 0 };
    const parts: string[] = [];
    const broken: string[] = [];
    const missing: string[] = [];
    const d = drill.record;
    if (!d) missing.push(`failover drill: ${drill.missing ?? "no record"} (run: npm run drill -- --stack ${stack})`);
    else {
        const lost = d.failover.committedRows - d.failover.rowsAfter;
        const ok = d.failover.newLeader !== d.failover.oldLeader && lost === 0 && d.rejoin.ok && d.switchover.ok;
        (ok ? parts : broken).push(`drill ${d.at.slice(0, 16)}Z: failover ${d.failover.oldLeader} → ${d.failover.newLeader} in ${d.failover.seconds.toFixed(1)} s, ${lost} acknowledged rows lost, rejoin ${d.rejoin.ok ? "ok" : "failed"}, switchover ${d.switchover.ok ? "ok" : "failed"}`);
    }
    const p = pitr.record;
    if (!p) missing.push(`point-in-time restore: ${pitr.missing ?? "no record"} (run: scripts/pitr-restore.sh --stack ${stack} --target '<time>')`);
    else (p.promoted ? parts : broken).push(`restore ${p.at.slice(0, 16)}Z to ${p.target} ${p.promoted ? "promoted" : "did not promote"} in ${p.seconds.toFixed(0)} s`);
    const all = [...broken, ...parts, ...missing].join("; ");
    if (broken.length) return { ...base, value: "a DR test failed", verdict: "fail", evidence: all };
    if (missing.length) return { ...base, value: `${parts.length} of 2 tested`, verdict: "undecided", evidence: `not yet decidable: ${all}` };
    return { ...base, value: "drill and restore pass", verdict: "pass", evidence: all };
}

/** Criteria no metric shows: an owner attests them in dpg-cluster:attestations once the window has closed. */
export const ATTESTED_CRITERIA = WINDOW_ATTESTATIONS;

/** An attested criterion (pure): passes only on a valid attestation dated on or after the day the 72 h window closes. */
export function judgeAttested(c: (typeof ATTESTED_CRITERIA)[number], entry: unknown, windowCloses: string, asOf: string): CriterionResult {
    const base = { id: c.id, criterion: c.criterion, source: "attestation" as const, query: `dpg-cluster:attestations["${c.id}"]`, observedSeconds: 0 };
    const how = `Prometheus cannot know this: an owner attests ${c.what} (pulumi config set --path 'attestations["${c.id}"].owner' <name>, .date, .expires, .evidence)`;
    if (entry === undefined) return { ...base, value: "not attested", verdict: "undecided", evidence: `not yet decidable: ${how}, dated on or after ${windowCloses}` };
    const a = checkAttestation(c.id, entry, asOf);
    if (a.status === "fail") return { ...base, value: "attestation invalid", verdict: "undecided", evidence: `not yet decidable: ${a.evidence}` };
    const date = String(yamlDay((entry as { date?: unknown }).date) ?? "");
    if (date < windowCloses) return { ...base, value: `attested ${date}`, verdict: "undecided", evidence: `not yet decidable: ${a.evidence}, but the window closes ${windowCloses}: attest again then` };
    return { ...base, value: `attested ${date}`, verdict: "pass", evidence: a.evidence };
}

/** The window (pure): from the newest promotion into the stack, else the last 72 h (the stack's first sample bounds what is seen). */
export function windowOf(promotions: Pick<PromotionRecord, "at" | "result">[], now: number): Window & { startedBy: string; promoted: boolean } {
    const capped = now - WINDOW_S;
    const newest = promotions.filter((p) => p.result === "promoted" || p.result === "rolled-back").map((p) => Date.parse(p.at) / 1000).filter((t) => Number.isFinite(t) && t <= now).sort((a, b) => b - a)[0];
    if (newest === undefined) return { start: capped, end: now, promoted: false, startedBy: "the stack's first sample (no promotion recorded), at most 72 h back" };
    if (newest < capped) return { start: capped, end: now, promoted: true, startedBy: `72 h back (the newest promotion, ${iso(newest)}, is older)` };
    return { start: newest, end: now, promoted: true, startedBy: `the newest promotion, ${iso(newest)}` };
}

/** Range step for a window: one point per scrape interval, coarser for long windows. */
export function stepFor(w: Window): number {
    return Math.max(RESOLUTION_S, Math.ceil((w.end - w.start) / MAX_POINTS / RESOLUTION_S) * RESOLUTION_S);
}

/** The window narrowed to the stack's data (pure): from the step before its first sample, when one is known. */
export function fromFirstSample<W extends Window>(w: W, firstSample: number | undefined, step: number): W {
    return firstSample === undefined ? w : { ...w, start: Math.max(w.start, firstSample - step) };
}

/** First point of a range query whose last point falls on the window's end: the newest step is judged too (pure). */
export function rangeStart(w: Window, step: number): number {
    return w.end - (Math.max(1, Math.floor((w.end - w.start) / step)) - 1) * step;
}

/** The range query whose point at t holds the worst value of (t - step, t]. */
export function worstOverStep(expr: string, worst: "max" | "min", step: number): string {
    return step <= RESOLUTION_S ? expr : `${worst}_over_time((${expr})[${step}s:${RESOLUTION_S}s])`;
}

/** One series of a range query, merged; several series (a label the expression did not aggregate away) keep each step's worst. */
export function pointsOf(result: Array<{ values: Array<[number, string]> }>, worst: "max" | "min"): Points {
    const at = new Map<number, number>();
    for (const s of result)
        for (const [t, raw] of s.values) {
            const v = Number(raw);
            const prev = at.get(t);
            at.set(t, prev === undefined || Number.isNaN(prev) ? v : Number.isNaN(v) ? prev : worst === "max" ? Math.max(prev, v) : Math.min(prev, v));
        }
    return [...at.entries()].sort((a, b) => a[0] - b[0]);
}

export interface WindowInputs {
    promotions: PromotionRecord[];
    drill: { record?: DrillRecord; missing?: string };
    pitr: { record?: PitrRecord; missing?: string };
    attestations: Record<string, unknown>;
    asOf: string;
    now?: Date;
}

/** Range-queries the stack's Prometheus and judges every criterion. */
export async function gatherSuccessWindow(t: LiveTarget, inputs: WindowInputs): Promise<SuccessWindow> {
    const now = Math.floor((inputs.now ?? new Date()).getTime() / 1000);
    const rangeOver = (win: Window, stepS: number) => (query: string): Array<{ values: Array<[number, string]> }> =>
        prometheusApi(t, `/api/v1/query_range?query=${encodeURIComponent(query)}&start=${rangeStart(win, stepS)}&end=${win.end}&step=${stepS}`).result ?? [];
    const full = windowOf(inputs.promotions, now);
    // Without a promotion the data start with the stack: a coarse look over the 72 h finds its first sample, so a
    // young stack is judged at the scrape interval, not at a 72 h window's step (which can leave it one point).
    const coarse = stepFor(full);
    const firstSample = full.promoted ? undefined : pointsOf(rangeOver(full, coarse)(FAILOVER_QUERY), "max")[0]?.[0];
    const w = fromFirstSample(full, firstSample, coarse);
    const step = stepFor(w);
    const range = rangeOver(w, step);
    const params: CriterionParams = { database: t.database, backupMaxAgeSeconds: t.config.monitoring.backupMaxAgeHours * 3600 };
    const series = SERIES_CRITERIA.map((c) => {
        const query = worstOverStep(c.expr(params), c.worst, step);
        const points = pointsOf(range(query), c.worst);
        return judgeSeries(c, c.bringUp && !w.promoted ? afterBringUp(points, c.ok) : points, step, w, query);
    });
    // The highest timeline only rises; sampled at each step's end, no rise is missed.
    const timeline = pointsOf(range(FAILOVER_QUERY), "max");
    const failovers = judgeFailovers(timeline, step, w);
    // Without a promotion the window opens at the stack's first sample (of the timeline: Patroni's first scrape).
    const first = timeline[0]?.[0];
    const start = !w.promoted && first !== undefined ? Math.max(w.start, first - step) : w.start;
    const closes = new Date((start + WINDOW_S) * 1000).toISOString().slice(0, 10);
    const criteria = [
        ...series.slice(0, 2),
        failovers,
        ...series.slice(2),
        judgeDrTested(t.stack, inputs.drill, inputs.pitr),
        ...ATTESTED_CRITERIA.map((c) => judgeAttested(c, inputs.attestations[c.id], closes, inputs.asOf)),
    ];
    return { start: iso(start), end: iso(w.end), startedBy: w.startedBy, hours: WINDOW_HOURS, criteria };
}
