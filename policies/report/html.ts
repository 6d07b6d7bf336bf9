// The readiness report as one self-contained HTML page (reports/<stack>/readiness.html): inline CSS and SVG,
// no script, no external asset, nothing fetched. A pure function of the report's JSON model (readiness.json),
// so `readiness --evaluation readiness.json --html out.html` renders the same page again later.
import { CATEGORIES, CATEGORY_TITLES } from "../catalog";
import type { BenchRecord, DrillRecord } from "../live/judges";
import { judgeDay2Row } from "../live/day2-record";
import type { PromotionRecord } from "../promote/record";
import { ATTESTATIONS } from "../rules/settings";
import { yamlDay } from "../score/attestations";
import type { ItemResult } from "../score/evaluate";
import { pct, readinessLabel } from "../score/score";
import { liveLine, ReportDocument, windowLine } from "./render";
import type { CriterionResult } from "../live/success-window";
import { drillTimelineSvg, esc, latencyBarsSvg } from "./svg";
import { PAGE_CSS } from "./html-style";

const LIVE_STAMP = / \[live [^\]]*\]$/;
/** Where an evidence clause starts naming what to do; the checks phrase their fixes this way. */
const ACTIONS = ["fix: ", "run: ", "no setting fixes this yet", "; set ", "; add ", "; run ", "; enable ", "; renew ", "so raise "];

/**
 * The setting or action that fixes a failing item, as its check named it in the evidence ("fix: set
 * dpg-cluster:… to …", "run: npm run drill …", "add dpg-cluster:attestations …"); one entry per distinct fix.
 */
export function fixesOf(evidence: string): string[] {
    const out: string[] = [];
    for (const segment of evidence.replace(LIVE_STAMP, "").split(" | ")) {
        const at = ACTIONS.map((a) => ({ a, i: segment.indexOf(a) })).filter((m) => m.i >= 0).sort((p, q) => p.i - q.i)[0];
        if (!at) continue;
        let text = segment.slice(at.i).replace(/^(; |so )/, "");
        // "(fix: …)" inside a sentence ends at its closing parenthesis.
        if (segment[at.i - 1] === "(") {
            let depth = 1;
            for (let k = 0; k < text.length; k++) {
                depth += text[k] === "(" ? 1 : text[k] === ")" ? -1 : 0;
                if (depth === 0) {
                    text = text.slice(0, k);
                    break;
                }
            }
        }
        text = text.replace(/^fix: /, "").trim();
        if (!out.includes(text)) out.push(text);
    }
    return out;
}

const STATUS_LABEL: Record<ItemResult["status"], string> = { pass: "pass", fail: "fail", "not-measured": "not measured", unknown: "unknown", "not-applicable": "n/a" };
const badge = (s: ItemResult["status"]) => `<span class="status s-${s}">${STATUS_LABEL[s]}</span>`;
const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : "—");
const notPassing = (i: ItemResult) => i.scored && i.status !== "pass" && i.status !== "not-applicable";

function header(d: ReportDocument): string {
    const s = d.score;
    return `<header id="summary" class="band-${s.status}">
<div class="title"><h1>Readiness report: ${esc(d.stack)}</h1>
<p class="meta">environment <b>${esc(d.environment)}</b> · as of <b>${esc(d.asOf)}</b> · ${esc(liveLine(d))}</p></div>
<div class="headline">
<div class="gauge"><div id="score" class="score">${pct(s.overall)}</div><div class="score-sub">${s.overall.passed}/${s.overall.total} items pass</div></div>
<div id="band" class="band">${readinessLabel(s.status)}</div>
<dl class="tallies">
<dt>blockers</dt><dd>${s.blockers.passed}/${s.blockers.total} pass${s.blockers.failing.length ? ` · <b>${s.blockers.failing.length} failing</b>` : ""}</dd>
<dt>recommended</dt><dd>${pct(s.recommended)} (${s.recommended.passed}/${s.recommended.total})</dd>
</dl></div></header>`;
}

function categories(d: ReportDocument): string {
    const rows = CATEGORIES.map((c) => {
        const t = d.score.categories[c];
        return `<tr><th scope="row">${esc(CATEGORY_TITLES[c])}</th><td class="num">${t.passed}/${t.total}</td><td class="barcell"><div class="meter"><div style="width:${fmt(t.percent)}%"></div></div></td><td class="num">${pct(t)}</td><td class="num${t.blockersFailing ? " bad" : ""}">${t.blockersFailing}</td></tr>`;
    });
    return `<section id="categories"><h2>Categories</h2>
<table><thead><tr><th>category</th><th>passed</th><th></th><th>score</th><th>failing blockers</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table></section>`;
}

function fixBlock(i: ItemResult): string {
    const fixes = fixesOf(i.evidence);
    return fixes.length
        ? `<ul class="fix">${fixes.map((f) => `<li>${esc(f)}</li>`).join("")}</ul>`
        : `<p class="fix none">The check names no setting for this; act on the measured fact above, then run the report again.</p>`;
}

function blockers(d: ReportDocument): string {
    const failing = d.items.filter((i) => i.severity === "blocker" && notPassing(i));
    if (failing.length === 0) return `<section id="blockers"><h2>Failing blockers</h2><p class="empty ok">No blocker fails.</p></section>`;
    const cards = failing.map(
        (i) => `<article class="blocker" data-id="${esc(i.id)}"><h3><span class="id">${esc(i.id)}</span> ${esc(i.ref)} ${badge(i.status)} <span class="where">${esc(CATEGORY_TITLES[i.category])} · ${esc(i.check)}</span></h3>
<div class="evidence"><span class="label">evidence</span> ${esc(i.evidence)}</div>
<div class="fixes"><span class="label">fix</span>${fixBlock(i)}</div></article>`,
    );
    return `<section id="blockers"><h2>Failing blockers <span class="count">${failing.length}</span></h2>
<p class="lead">Each must pass before the stack is ready, whatever the score.</p>
${cards.join("\n")}</section>`;
}

function itemRows(items: ItemResult[], withFix: boolean): string {
    return items
        .map(
            (i) => `<tr data-id="${esc(i.id)}"><td class="id">${esc(i.id)}</td><td>${esc(i.ref)}</td><td>${esc(CATEGORY_TITLES[i.category])}</td><td>${badge(i.status)}</td><td class="evidence">${esc(i.evidence)}</td>${withFix ? `<td>${fixesOf(i.evidence).map(esc).join("<br>") || "—"}</td>` : ""}</tr>`,
        )
        .join("\n");
}

function otherItems(d: ReportDocument): string {
    const advisory = d.items.filter((i) => i.severity === "advisory" && notPassing(i) && i.check !== "attested");
    const passing = d.items.filter((i) => i.status === "pass");
    const rest = d.items.filter((i) => !i.scored || i.status === "not-applicable");
    const table = (rows: string, fix: boolean) =>
        `<table class="items"><thead><tr><th>item</th><th>requirement</th><th>category</th><th>status</th><th>evidence</th>${fix ? "<th>fix</th>" : ""}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
    return `<section id="advisories"><h2>Recommended items not passing <span class="count">${advisory.length}</span></h2>
${advisory.length ? table(itemRows(advisory, true), true) : `<p class="empty ok">Every recommended item passes.</p>`}
<details><summary>Passing items (${passing.length})</summary>${table(itemRows(passing, false), false)}</details>
<details><summary>Not scored or not applicable (${rest.length})</summary>${table(itemRows(rest, false), false)}</details></section>`;
}

function attestations(d: ReportDocument): string {
    const items = d.items.filter((i) => i.check === "attested");
    const given = d.attestations ?? {};
    const daysLeft = (expires: string) => Math.round((Date.parse(`${expires}T00:00:00Z`) - Date.parse(`${d.asOf}T00:00:00Z`)) / 86_400_000);
    const row = (i: ItemResult) => {
        const a = (given[i.id] ?? {}) as Record<string, unknown>;
        const expires = typeof yamlDay(a.expires) === "string" ? String(yamlDay(a.expires)) : "";
        const left = /^\d{4}-\d{2}-\d{2}$/.test(expires) ? daysLeft(expires) : undefined;
        return `<tr data-id="${esc(i.id)}"><td class="id">${esc(i.id)}</td><td>${esc(i.ref)}</td><td>${i.severity === "blocker" ? "<b>blocker</b>" : "advisory"}</td><td>${badge(i.status)}</td><td>${esc(a.owner ?? "—")}</td><td>${esc(yamlDay(a.date) ?? "—")}</td><td>${esc(expires || "—")}${left === undefined ? "" : ` <span class="${left < 0 ? "bad" : left <= 30 ? "warn" : "muted"}">(${left < 0 ? `${-left} d ago` : `${left} d left`})</span>`}</td><td class="evidence">${esc(i.status === "pass" ? (a.evidence ?? "") : given[i.id] === undefined ? "not attested" : i.evidence)}</td></tr>`;
    };
    const table = (list: ItemResult[]) =>
        `<table class="items"><thead><tr><th>item</th><th>requirement</th><th>severity</th><th>status</th><th>owner</th><th>date</th><th>expires</th><th>evidence</th></tr></thead><tbody>\n${list.map(row).join("\n")}\n</tbody></table>`;
    // Given attestations and unattested blockers stay in view; the long tail of unattested advisories folds away.
    const folded = items.filter((i) => i.severity === "advisory" && given[i.id] === undefined);
    const shown = items.filter((i) => !folded.includes(i));
    const ok = items.filter((i) => i.status === "pass").length;
    return `<section id="attestations"><h2>Attestations <span class="count">${ok}/${items.length}</span></h2>
<p class="lead">Facts no check can measure, vouched for by an owner until an expiry date. Attest one with
<code>pulumi config set --path 'attestations["&lt;id&gt;"].owner' &lt;name&gt;</code> (and <code>.date</code>, <code>.expires</code>, optionally <code>.evidence</code>; dates YYYY-MM-DD) in <code>${ATTESTATIONS}</code>.</p>
${shown.length ? table(shown) : `<p class="empty">No attestation given and no blocker needs one.</p>`}
${folded.length ? `<details><summary>Recommended items not attested (${folded.length})</summary>${table(folded)}</details>` : ""}</section>`;
}

function drill(d: ReportDocument): string {
    const view = d.records?.drill;
    const r: DrillRecord | undefined = view?.record;
    if (!r) return `<section id="drill"><h2>Failover drill</h2><p class="empty">No usable drill record: ${esc(view?.missing ?? "the report did not read one")}.</p></section>`;
    const lost = r.failover.committedRows - r.failover.rowsAfter;
    const chart = drillTimelineSvg(r);
    return `<section id="drill"><h2>Failover drill <span class="muted">${esc(r.at.slice(0, 19).replace("T", " "))} UTC</span></h2>
<div class="figures">
<div class="fig${r.failover.seconds < 30 ? "" : " bad"}"><b>${fmt(r.failover.seconds)} s</b><span>kill → first write on the new leader (&lt; 30 s)</span></div>
<div class="fig${lost === 0 ? "" : " bad"}"><b>${r.failover.rowsAfter}/${r.failover.committedRows}</b><span>acknowledged rows kept</span></div>
<div class="fig${r.reconnect.ok ? "" : " bad"}"><b>${r.reconnect.ok ? `${fmt(r.reconnect.seconds)} s` : "no"}</b><span>open session reconnected and wrote</span></div>
<div class="fig${r.rejoin.ok ? "" : " bad"}"><b>${r.rejoin.ok ? `${fmt(r.rejoin.seconds)} s` : "no"}</b><span>${esc(r.rejoin.member)} rejoined as a replica</span></div>
<div class="fig${r.switchover.ok ? "" : " bad"}"><b>${r.switchover.ok ? `${fmt(r.switchover.seconds)} s` : "failed"}</b><span>switchover ${esc(r.switchover.from)} → ${esc(r.switchover.to)}</span></div>
</div>
<p>${esc(r.failover.oldLeader)} was killed (SIGKILL) while a client wrote through HAProxy's write port; ${esc(r.failover.newLeader)} took over.</p>
${chart ? `<figure>${chart}<figcaption>Writes acknowledged over time around the kill: the line counts acknowledged writes, red marks are attempts that failed, the shaded band is the outage.</figcaption></figure>` : `<p class="empty">This record has no per-write timeline (recorded before the drill kept one); run the drill again to chart it.</p>`}
</section>`;
}

function day2(d: ReportDocument): string {
    const view = d.day2;
    const r = view?.record;
    if (!r) return `<section id="day2"><h2>Day-2 changes</h2><p class="empty">No usable day-2 drill record: ${esc(view?.missing ?? "the report did not read one")}.</p></section>`;
    const judged = r.rows.map((row) => ({ row, j: judgeDay2Row(row) }));
    const rows = judged.map(({ row, j }) => {
        return `<tr${row.key ? ` data-kind="${esc(row.key)}${row.revert ? "-revert" : ""}"` : ""}><td>${esc(row.kind)}</td><td class="num">${fmt(row.writeGapSeconds)}</td><td class="num">${row.failed}/${row.attempted}</td><td class="num">${row.lost}</td><td class="num">${row.readErrors}/${row.reads + row.readErrors}</td><td class="num">${fmt(row.upSeconds)}${row.upOk ? "" : " (failed)"}</td><td>${esc(j.goal)}</td><td><span class="status ${j.ok ? "s-pass" : "s-fail"}">${j.ok ? "pass" : "fail"}</span>${j.why.length ? ` <span class="evidence">${esc(j.why.join(", "))}</span>` : ""}</td></tr>`;
    });
    const passed = judged.filter(({ j }) => j.ok).length;
    return `<section id="day2"><h2>Day-2 changes <span class="count">${passed}/${r.rows.length}</span> <span class="muted">${esc(r.at.slice(0, 19).replace("T", " "))} UTC</span></h2>
<p class="lead">Each change applied by <code>pulumi up</code> while a client wrote through the write port and another read through the read port (<code>npm run drill:day2 -- --stack ${esc(r.stack)}</code>); each change is reverted, and the revert measured too.</p>
<table class="items"><thead><tr><th>change</th><th>write gap s</th><th>failed writes</th><th>lost</th><th>read errors</th><th>up s</th><th>goal</th><th>verdict</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table></section>`;
}

function bench(d: ReportDocument): string {
    const view = d.records?.bench;
    const b: BenchRecord | undefined = view?.record;
    if (!b) return `<section id="bench"><h2>Benchmark</h2><p class="empty">No usable benchmark record: ${esc(view?.missing ?? "the report did not read one")}.</p></section>`;
    const p = b.pgbench;
    const c = b.concurrentClients;
    return `<section id="bench"><h2>Benchmark <span class="muted">${esc(b.at.slice(0, 19).replace("T", " "))} UTC</span></h2>
<div class="figures">
<div class="fig${p.tpcbTps >= b.targetTps && p.failed === 0 ? "" : " bad"}"><b>${fmt(p.tpcbTps, 0)} TPS</b><span>pgbench tpcb-like, ${p.clients} clients, ${p.seconds} s (target ${b.targetTps})</span></div>
<div class="fig"><b>${fmt(p.selectOnlyTps, 0)} TPS</b><span>pgbench select-only</span></div>
<div class="fig${c.succeeded === c.clients ? "" : " bad"}"><b>${c.succeeded}/${c.clients}</b><span>clients at once through PgBouncer (${fmt(c.seconds)} s)</span></div>
<div class="fig${b.burst.peakCpuPercentOfLimit < 90 ? "" : " bad"}"><b>${fmt(b.burst.peakCpuPercentOfLimit, 0)}%</b><span>peak leader CPU of its ${b.burst.cpuLimit}-CPU limit</span></div>
</div>
<figure>${latencyBarsSvg(b.latency)}<figcaption>SELECT 1 through the write port, ${b.latency.samples} samples: p50 ${fmt(b.latency.p50, 2)} ms, p95 ${fmt(b.latency.p95, 2)} ms, p99 ${fmt(b.latency.p99, 2)} ms; pgbench average ${fmt(p.latencyAvgMs, 2)} ms, ${p.failed} failed.</figcaption></figure>
</section>`;
}

const VERDICT_CLASS: Record<CriterionResult["verdict"], string> = { pass: "s-pass", fail: "s-fail", undecided: "s-unknown" };
const VERDICT_LABEL: Record<CriterionResult["verdict"], string> = { pass: "pass", fail: "fail", undecided: "not yet decidable" };

/** The seeds' 72-hour success criteria: each one's verdict, how much of the window Prometheus saw, and the query. */
function successWindow(d: ReportDocument): string {
    const v = d.successWindow;
    const w = v?.window;
    if (!w) return `<section id="success-window"><h2>72-hour success criteria</h2><p class="empty">${esc(windowLine(v))}</p></section>`;
    const rows = w.criteria.map((c) => {
        const seen = c.source === "prometheus" ? Math.min(100, (c.observedSeconds / (w.hours * 3600)) * 100) : undefined;
        const observed =
            seen === undefined
                ? `<span class="muted">${esc(c.source)}</span>`
                : `${fmt(c.observedSeconds / 3600)} h of ${w.hours} h<div class="meter" title="share of the window observed"><div style="width:${fmt(seen)}%"></div></div>`;
        return `<tr data-id="${esc(c.id)}"><td>${esc(c.criterion)}</td><td><span class="status ${VERDICT_CLASS[c.verdict]}">${VERDICT_LABEL[c.verdict]}</span></td><td>${observed}</td><td>${esc(c.value)}</td><td class="evidence">${esc(c.evidence)}</td><td class="mono">${esc(c.query)}</td></tr>`;
    });
    return `<section id="success-window"><h2>72-hour success criteria</h2>
<p class="lead">${esc(windowLine(v))}. Each condition is judged at every step of the window on the stack's Prometheus: one break fails it; a window shorter than 72 h, or no series, is not yet decidable.</p>
<table class="items"><thead><tr><th>criterion</th><th>verdict</th><th>observed</th><th>value</th><th>evidence</th><th>query</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table></section>`;
}

function promotions(d: ReportDocument): string {
    const list: PromotionRecord[] = d.promotions ?? [];
    if (list.length === 0) return `<section id="promotions"><h2>Promotion history</h2><p class="empty">No promotion into ${esc(d.stack)} has been recorded (<code>npm run promote -- --from &lt;stack&gt; --to ${esc(d.stack)}</code> writes one).</p></section>`;
    const rows = list.map(
        (p) => `<tr><td>${esc(p.at.slice(0, 19).replace("T", " "))}</td><td>${esc(p.from)} → ${esc(p.to)}</td><td>${esc(p.by)}</td><td><span class="status r-${esc(p.result)}">${esc(p.result)}</span></td><td>${p.gates.map((g) => `<span class="gate ${g.ok ? "ok" : "bad"}" title="${esc(g.detail)}">${g.ok ? "✓" : "✗"} ${esc(g.name)}</span>`).join(" ")}</td><td class="mono">${p.images.map((i) => `${esc(i.name)} ${esc((i.digest ?? i.id).replace(/^sha256:/, "").slice(0, 12))}`).join("<br>")}</td><td class="num">${fmt(p.seconds, 0)} s</td><td class="evidence">${esc(p.detail ?? "")}</td></tr>`,
    );
    return `<section id="promotions"><h2>Promotion history <span class="count">${list.length}</span></h2>
<table class="items"><thead><tr><th>when (UTC)</th><th>from → to</th><th>by</th><th>result</th><th>gates</th><th>images</th><th>took</th><th>detail</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table></section>`;
}

function violations(d: ReportDocument): string {
    if (d.violations.length === 0) return "";
    const rows = d.violations.map((v) => `<tr><td>${esc(v.policyName)}</td><td>${esc(v.enforcementLevel)}</td><td class="mono">${esc(v.resourceUrn ?? "stack")}</td><td class="evidence">${esc(v.message)}</td></tr>`);
    return `<section id="violations"><h2>Policy violations reported by the engine <span class="count">${d.violations.length}</span></h2>
<table class="items"><thead><tr><th>policy</th><th>level</th><th>resource</th><th>message</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table></section>`;
}

export function renderHtml(d: ReportDocument): string {
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`${readinessLabel(d.score.status)} ${pct(d.score.overall)}: readiness of ${d.stack}`)}</title>
<style>${PAGE_CSS}</style></head>
<body><main>
${header(d)}
${categories(d)}
${blockers(d)}
${attestations(d)}
${drill(d)}
${bench(d)}
${day2(d)}
${successWindow(d)}
${promotions(d)}
${otherItems(d)}
${violations(d)}
<footer>dpg-cluster readiness pack · rendered from readiness.json · self-contained: no script, no external asset</footer>
</main></body></html>
`;
}
