// The failover drill's per-write timeline: every write attempt of the drill's client, relative to the kill,
// so the report can chart writes acknowledged over time around it. Bounded: a drill that runs long (the
// writer may go on for up to two minutes at ~10 attempts/s) is thinned evenly, keeping every attempt where
// acknowledgement changed (the edges of the outage), and each entry carries the running count of
// acknowledged writes, so thinning never bends the cumulative curve.

/** At most this many attempts are kept in a drill record (~40 bytes each in JSON). */
export const DRILL_TIMELINE_MAX = 1000;

export interface WriteAttempt {
    /** Milliseconds relative to the kill (negative: before it). */
    startMs: number;
    endMs: number;
    ok: boolean;
    /** Writes acknowledged up to and including this attempt. */
    acked: number;
}

export interface RawAttempt {
    startedAt: number;
    endedAt: number;
    ok: boolean;
}

export function drillTimeline(attempts: RawAttempt[], killedAt: number, max = DRILL_TIMELINE_MAX): WriteAttempt[] {
    if (max < 2) throw new Error(`drill timeline limit must be at least 2, got ${max}`);
    let acked = 0;
    const all = attempts.map((a) => ({ startMs: a.startedAt - killedAt, endMs: a.endedAt - killedAt, ok: a.ok, acked: (acked += a.ok ? 1 : 0) }));
    if (all.length <= max) return all;
    // Edges first (first, last, and both sides of every ok/failed change), then an even spread of the rest.
    const keep = new Set<number>([0, all.length - 1]);
    for (let i = 1; i < all.length; i++) if (all[i].ok !== all[i - 1].ok) keep.add(i - 1).add(i);
    const edges = [...keep].sort((a, b) => a - b).slice(0, max);
    const chosen = new Set(edges);
    const room = max - chosen.size;
    if (room > 0) {
        const step = all.length / room;
        for (let k = 0; k < room; k++) chosen.add(Math.min(all.length - 1, Math.floor(k * step)));
    }
    return [...chosen].sort((a, b) => a - b).slice(0, max).map((i) => all[i]);
}
