// What the host-failure drills (host-drills.ts) conclude from what they saw, as pure functions the unit
// tests feed with every shape of outcome: who acknowledged writes when, whether two nodes ever did at
// once, how long the write path was gone, and which acknowledged rows are missing afterwards.

/** One insert through one router. `server` is the Patroni member that answered (acknowledged inserts only). */
export interface WriteAttempt {
    router: string;
    id: number;
    startedAt: number;
    endedAt: number;
    ok: boolean;
    server?: string;
}

/** One look at one member's PostgreSQL over its local socket: writable, in recovery, or not answering. */
export interface RoleSample {
    round: number;
    at: number;
    member: string;
    role: "primary" | "replica" | "down";
}

const acked = (attempts: WriteAttempt[]) => attempts.filter((a) => a.ok).sort((a, b) => a.endedAt - b.endedAt);

/**
 * Two writable primaries, seen from the clients. An acknowledged insert committed somewhere between when it was
 * sent and when its answer was read (a busy event loop or a slow close can delay the reading by seconds), so two
 * members were certainly both primary only when each acknowledged an insert sent after the other had certainly
 * committed one: X's latest-sent acknowledged insert was sent after Y's earliest answer, and the other way round.
 * Empty when leadership passed cleanly from one member to the next.
 */
export function splitBrain(attempts: WriteAttempt[]): string[] {
    const span = new Map<string, { earliestEnd: number; latestStart: number }>();
    for (const a of acked(attempts)) {
        const m = a.server ?? "?";
        const s = span.get(m);
        if (!s) span.set(m, { earliestEnd: a.endedAt, latestStart: a.startedAt });
        else ((s.earliestEnd = Math.min(s.earliestEnd, a.endedAt)), (s.latestStart = Math.max(s.latestStart, a.startedAt)));
    }
    const members = [...span.entries()].sort((a, b) => a[1].earliestEnd - b[1].earliestEnd);
    const problems: string[] = [];
    for (let i = 0; i < members.length; i++)
        for (let j = i + 1; j < members.length; j++) {
            const [x, sx] = members[i];
            const [y, sy] = members[j];
            if (sx.latestStart > sy.earliestEnd && sy.latestStart > sx.earliestEnd)
                problems.push(`${x} and ${y} both acknowledged writes between ${new Date(sy.earliestEnd).toISOString()} and ${new Date(sx.latestStart).toISOString()}`);
        }
    return problems;
}

/** Sampling rounds in which more than one member's PostgreSQL was writable (not in recovery). */
export function doublePrimaryRounds(samples: RoleSample[]): Array<{ round: number; at: number; members: string[] }> {
    const byRound = new Map<number, RoleSample[]>();
    for (const s of samples) byRound.set(s.round, [...(byRound.get(s.round) ?? []), s]);
    return [...byRound.entries()]
        .map(([round, xs]) => ({ round, at: Math.min(...xs.map((x) => x.at)), members: xs.filter((x) => x.role === "primary").map((x) => x.member).sort() }))
        .filter((r) => r.members.length > 1);
}

/** Largest time between two consecutive acknowledgements (any router), seconds, within [from, to] when given. */
export function maxWriteGapSeconds(attempts: WriteAttempt[], from = -Infinity, to = Infinity): number {
    const times = acked(attempts).map((a) => a.endedAt).filter((t) => t >= from && t <= to);
    let gap = 0;
    for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
    return gap / 1000;
}

/** The first insert started after `since` that a member other than `not` acknowledged. */
export function firstAckAfter(attempts: WriteAttempt[], since: number, not?: string): WriteAttempt | undefined {
    return acked(attempts).find((a) => a.startedAt > since && a.server !== not);
}

/**
 * Acknowledged inserts per member among those sent in [from, to]: the writes a member accepted while the
 * fault lasted. An insert sent before the fault and acknowledged just after it was committed before it (the
 * client may only read the answer later: a busy event loop, the connection's close).
 */
export function acceptedPerMember(attempts: WriteAttempt[], from: number, to: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of acked(attempts)) if (a.startedAt >= from && a.startedAt <= to) out[a.server ?? "?"] = (out[a.server ?? "?"] ?? 0) + 1;
    return out;
}

/** Ids of acknowledged inserts missing from the table afterwards. */
export function lostRows(attempts: WriteAttempt[], present: Set<number>): number[] {
    return acked(attempts).filter((a) => !present.has(a.id)).map((a) => a.id);
}

/** The first sample at or after `since` in which `member` was no longer writable (demoted or stopped). */
export function demotedAt(samples: RoleSample[], member: string, since: number): number | undefined {
    return samples.find((s) => s.member === member && s.at >= since && s.role !== "primary")?.at;
}

export interface Spread {
    runs: number;
    min: number;
    median: number;
    max: number;
}

/** min / median / max of a figure over runs (undefined values skipped). */
export function spread(values: Array<number | undefined>): Spread | undefined {
    const xs = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v)).sort((a, b) => a - b);
    if (xs.length === 0) return undefined;
    const mid = Math.floor(xs.length / 2);
    return { runs: xs.length, min: xs[0], median: xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2, max: xs[xs.length - 1] };
}
