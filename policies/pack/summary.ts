// The readiness-score violation message: status, score, per-category breakdown, failing blockers.
import { CATEGORIES, CATEGORY_TITLES } from "../catalog";
import { Score, pct, readinessLabel } from "../score/score";

export function formatSummary(score: Score, environment: string): string {
    const lines = [
        `Readiness (${environment}): ${readinessLabel(score.status)} — overall ${pct(score.overall)} (${score.overall.passed}/${score.overall.total}), ` +
            `blockers ${score.blockers.passed}/${score.blockers.total}, recommended ${pct(score.recommended)} (${score.recommended.passed}/${score.recommended.total}); ` +
            `ready needs no failing blocker and ≥90% overall and recommended`,
    ];
    for (const c of CATEGORIES) {
        const t = score.categories[c];
        lines.push(`  ${CATEGORY_TITLES[c].padEnd(29)} ${String(t.passed).padStart(3)}/${String(t.total).padEnd(3)} ${pct(t).padStart(6)}  blockers failing: ${t.blockersFailing}`);
    }
    const shown = score.blockers.failing.slice(0, 12);
    if (shown.length > 0)
        lines.push(`Failing blockers: ${shown.join(", ")}${score.blockers.failing.length > shown.length ? `, … (+${score.blockers.failing.length - shown.length})` : ""}`);
    lines.push("Item table and evidence: npm run readiness -- --stack <stack>");
    return lines.join("\n");
}
