// The pure scoring function and the seeds' bands: ≥90 ready, 75–89 warnings, <75 or any blocker not ready.
import { test } from "node:test";
import assert from "node:assert/strict";
import { band, computeScore, EXIT_CODES, ScoreInput } from "../../../policies/score/score";

function items(spec: { blockers: [number, number]; advisories: [number, number] }, extra: ScoreInput[] = []): ScoreInput[] {
    const make = (sev: "blocker" | "advisory", passed: number, total: number) =>
        Array.from({ length: total }, (_, k): ScoreInput => ({
            id: `${sev}-${k}`,
            category: k % 2 ? "security" : "database",
            severity: sev,
            scored: true,
            status: k < passed ? "pass" : "fail",
        }));
    return [...make("blocker", ...spec.blockers), ...make("advisory", ...spec.advisories), ...extra];
}

test("all passing → ready, exit 0", () => {
    const s = computeScore(items({ blockers: [10, 10], advisories: [10, 10] }));
    assert.equal(s.status, "ready");
    assert.equal(s.overall.percent, 100);
    assert.equal(EXIT_CODES[s.status], 0);
});

test("one failing blocker → not ready whatever the score, exit 1", () => {
    const s = computeScore(items({ blockers: [99, 100], advisories: [100, 100] }));
    assert.equal(s.status, "not-ready");
    assert.deepEqual(s.blockers.failing, ["blocker-99"]);
    assert.equal(EXIT_CODES[s.status], 1);
});

test("no blocker failing, overall 80% → ready with warnings, exit 2", () => {
    const s = computeScore(items({ blockers: [10, 10], advisories: [6, 10] }));
    assert.equal(s.overall.percent, 80);
    assert.equal(s.status, "ready-with-warnings");
    assert.equal(EXIT_CODES[s.status], 2);
});

test("overall ≥ 90 but recommended < 90 → ready with warnings (000: ≥90% of recommended)", () => {
    const s = computeScore(items({ blockers: [30, 30], advisories: [8, 10] }));
    assert.ok(s.overall.percent >= 90);
    assert.equal(s.recommended.percent, 80);
    assert.equal(s.status, "ready-with-warnings");
});

test("no blocker failing but overall < 75 → not ready", () => {
    assert.equal(computeScore(items({ blockers: [2, 2], advisories: [5, 10] })).status, "not-ready");
});

test("band edges: 90 ready, 89.9 warnings, 75 warnings, 74.9 not ready", () => {
    assert.equal(band(0, 90, 90), "ready");
    assert.equal(band(0, 89.9, 100), "ready-with-warnings");
    assert.equal(band(0, 75, 0), "ready-with-warnings");
    assert.equal(band(0, 74.9, 100), "not-ready");
    assert.equal(band(1, 100, 100), "not-ready");
});

test("not measured, unknown count as not passed; not-applicable and unscored items are left out", () => {
    const s = computeScore([
        { id: "a", category: "performance", severity: "advisory", scored: true, status: "pass" },
        { id: "b", category: "performance", severity: "advisory", scored: true, status: "not-measured" },
        { id: "c", category: "performance", severity: "advisory", scored: true, status: "unknown" },
        { id: "d", category: "performance", severity: "advisory", scored: false, status: "not-applicable" },
        { id: "e", category: "performance", severity: "advisory", scored: false, status: "fail" },
    ]);
    assert.deepEqual([s.overall.passed, s.overall.total], [1, 3]);
    assert.deepEqual([s.categories.performance.passed, s.categories.performance.total], [1, 3]);
});

test("a live blocker not yet measured keeps the stack not ready", () => {
    const s = computeScore([
        { id: "x", category: "high-availability", severity: "blocker", scored: true, status: "not-measured" },
        { id: "y", category: "high-availability", severity: "advisory", scored: true, status: "pass" },
    ]);
    assert.equal(s.status, "not-ready");
    assert.equal(s.categories["high-availability"].blockersFailing, 1);
});

test("per-category breakdown covers all six categories, empty ones at 100%", () => {
    const s = computeScore(items({ blockers: [1, 2], advisories: [0, 0] }));
    assert.deepEqual(Object.keys(s.categories), ["infrastructure", "database", "security", "monitoring", "performance", "high-availability"]);
    assert.equal(s.categories.monitoring.total, 0);
    assert.equal(s.categories.monitoring.percent, 100);
    assert.equal(s.categories.database.blockersFailing, 0);
    assert.equal(s.categories.security.blockersFailing, 1);
});
