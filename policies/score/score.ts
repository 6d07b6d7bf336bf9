// The readiness score, as a pure function (no Pulumi types) so it is tested on its own.
// 000: ready = no blocker fails, overall ≥ 90 % and recommended ≥ 90 %; ready with warnings = 75–89 % and no
// blocker; otherwise not ready. Exit codes 0 ready / 2 ready with warnings / 1 not ready, as the seeds' script.
import { CATEGORIES, Category, Severity } from "../catalog";

export type ItemStatus = "pass" | "fail" | "not-measured" | "unknown" | "not-applicable";
export type Readiness = "ready" | "ready-with-warnings" | "not-ready";

export interface ScoreInput {
    id: string;
    category: Category;
    severity: Severity;
    scored: boolean;
    status: ItemStatus;
}

export interface Tally {
    passed: number;
    total: number;
    /** 0–100; 100 when nothing is counted. */
    percent: number;
}

export interface Score {
    status: Readiness;
    overall: Tally;
    blockers: Tally & { failing: string[] };
    recommended: Tally;
    categories: Record<Category, Tally & { blockersFailing: number }>;
}

export const READY_PERCENT = 90;
export const WARNING_PERCENT = 75;

export const EXIT_CODES: Record<Readiness, number> = { ready: 0, "ready-with-warnings": 2, "not-ready": 1 };

function tally(items: ScoreInput[]): Tally {
    const passed = items.filter((i) => i.status === "pass").length;
    return { passed, total: items.length, percent: items.length === 0 ? 100 : (100 * passed) / items.length };
}

/** Live items not measured, unknowns and missing attestations count as not passed. */
export function computeScore(items: ScoreInput[]): Score {
    const counted = items.filter((i) => i.scored && i.status !== "not-applicable");
    const blockerItems = counted.filter((i) => i.severity === "blocker");
    const failing = blockerItems.filter((i) => i.status !== "pass").map((i) => i.id);
    const overall = tally(counted);
    const recommended = tally(counted.filter((i) => i.severity === "advisory"));
    const categories = Object.fromEntries(
        CATEGORIES.map((c) => {
            const inCat = counted.filter((i) => i.category === c);
            return [c, { ...tally(inCat), blockersFailing: inCat.filter((i) => i.severity === "blocker" && i.status !== "pass").length }];
        }),
    ) as Score["categories"];
    return { status: band(failing.length, overall.percent, recommended.percent), overall, blockers: { ...tally(blockerItems), failing }, recommended, categories };
}

export function band(blockersFailing: number, overallPercent: number, recommendedPercent: number): Readiness {
    if (blockersFailing > 0) return "not-ready";
    if (overallPercent >= READY_PERCENT && recommendedPercent >= READY_PERCENT) return "ready";
    if (overallPercent >= WARNING_PERCENT) return "ready-with-warnings";
    return "not-ready";
}

export const pct = (t: Tally) => `${(Math.floor(t.percent * 10) / 10).toFixed(1)}%`;

const LABEL: Record<Readiness, string> = { ready: "READY", "ready-with-warnings": "READY WITH WARNINGS", "not-ready": "NOT READY" };
export const readinessLabel = (r: Readiness) => LABEL[r];
