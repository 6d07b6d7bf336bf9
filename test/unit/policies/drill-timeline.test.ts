// The drill keeps every write attempt around the kill for the report's chart, bounded in size without
// bending the curve: thinning keeps the edges of the outage and the running count of acknowledged writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { drillTimeline, DRILL_TIMELINE_MAX } from "../../../policies/live/timeline";

/** `ok` writes every 100 ms from -3 s, failures from 0 s to `outageMs`, ok again after. */
function attempts(outageMs: number, afterMs: number, stepMs = 100) {
    const kill = 1_000_000;
    const out = [];
    for (let t = -3000; t < outageMs + afterMs; t += stepMs) out.push({ startedAt: kill + t, endedAt: kill + t + 20, ok: t < 0 || t >= outageMs });
    return { kill, out };
}

test("a short drill is kept whole, relative to the kill, with the running count of acknowledged writes", () => {
    const { kill, out } = attempts(2000, 1000);
    const t = drillTimeline(out, kill);
    assert.equal(t.length, out.length);
    assert.deepEqual(t[0], { startMs: -3000, endMs: -2980, ok: true, acked: 1 });
    assert.equal(t.find((a) => a.startMs === 0)?.ok, false);
    assert.equal(t.at(-1)!.acked, out.filter((a) => a.ok).length);
});

test("a long drill is thinned to the limit, keeping both edges of the outage and the final count", () => {
    const { kill, out } = attempts(25_000, 60_000, 20);
    assert.ok(out.length > DRILL_TIMELINE_MAX * 3);
    const t = drillTimeline(out, kill);
    assert.ok(t.length <= DRILL_TIMELINE_MAX && t.length > DRILL_TIMELINE_MAX * 0.9, `${t.length}`);
    const lastOkBefore = t.filter((a) => a.startMs < 0).at(-1)!;
    const firstFail = t.find((a) => !a.ok)!;
    const firstOkAfter = t.find((a) => a.startMs > 0 && a.ok)!;
    assert.equal(lastOkBefore.startMs, -20);
    assert.equal(firstFail.startMs, 0);
    assert.equal(firstOkAfter.startMs, 25_000);
    assert.equal(t.at(-1)!.acked, out.filter((a) => a.ok).length);
    for (let i = 1; i < t.length; i++) assert.ok(t[i].startMs > t[i - 1].startMs && t[i].acked >= t[i - 1].acked);
    assert.ok(JSON.stringify(t).length < 60_000, "the record stays small");
});

test("a limit below two is refused", () => {
    assert.throws(() => drillTimeline([], 0, 1), /at least 2/);
});
