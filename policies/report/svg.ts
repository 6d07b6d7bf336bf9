// Inline SVG charts of the HTML report: the failover drill's timeline and the benchmark's latency bars.
// Pure string builders (no DOM, no clock), so the page is deterministic and golden-tested.
import type { BenchRecord, DrillRecord } from "../live/judges";

export const esc = (s: unknown) =>
    String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** Coordinates rounded to 0.1 px: short output, identical across runs. */
const n = (v: number) => String(Math.round(v * 10) / 10);

/** 1-2-5 steps giving about `count` ticks over [lo, hi]. */
export function ticks(lo: number, hi: number, count = 6): number[] {
    if (!(hi > lo)) return [lo];
    const raw = (hi - lo) / count;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
    const out: number[] = [];
    for (let v = Math.ceil(lo / step) * step, i = 0; v <= hi + 1e-9 && i < 100; v += step, i++) out.push(Math.round(v * 1e6) / 1e6 || 0);
    return out;
}

interface Frame {
    width: number;
    height: number;
    left: number;
    right: number;
    top: number;
    bottom: number;
}
const plotW = (f: Frame) => f.width - f.left - f.right;
const plotH = (f: Frame) => f.height - f.top - f.bottom;

/**
 * Writes acknowledged over time around the kill: the running count of acknowledged writes as a step line,
 * failed attempts as red marks under it, the kill at 0 s, the first write acknowledged by the new leader,
 * and the moment the long-lived session reconnected. Undefined when the record has no per-write timeline.
 */
export function drillTimelineSvg(d: DrillRecord): string | undefined {
    const t = d.timeline;
    if (!t || t.length === 0) return undefined;
    const f: Frame = { width: 860, height: 300, left: 56, right: 20, top: 28, bottom: 48 };
    const lo = Math.min(0, ...t.map((a) => a.startMs)) / 1000;
    const hi = Math.max(d.failover.seconds, ...t.map((a) => a.endMs)) / 1000;
    const maxAcked = Math.max(1, ...t.map((a) => a.acked));
    const x = (s: number) => f.left + ((s - lo) / (hi - lo || 1)) * plotW(f);
    const y = (v: number) => f.top + plotH(f) - (v / maxAcked) * (plotH(f) - 14);
    const base = f.top + plotH(f);
    const out: string[] = [];
    out.push(`<svg id="drill-timeline" role="img" aria-label="writes acknowledged over time around the leader kill" viewBox="0 0 ${f.width} ${f.height}" width="100%" preserveAspectRatio="xMidYMid meet">`);
    // The outage: from the kill to the first write a new leader acknowledged.
    out.push(`<rect class="outage" x="${n(x(0))}" y="${f.top}" width="${n(x(d.failover.seconds) - x(0))}" height="${plotH(f)}"/>`);
    for (const v of ticks(lo, hi, 8))
        out.push(`<line class="grid" x1="${n(x(v))}" y1="${f.top}" x2="${n(x(v))}" y2="${base}"/><text class="tick" x="${n(x(v))}" y="${base + 16}" text-anchor="middle">${v} s</text>`);
    for (const v of ticks(0, maxAcked, 5))
        out.push(`<line class="grid" x1="${f.left}" y1="${n(y(v))}" x2="${f.left + plotW(f)}" y2="${n(y(v))}"/><text class="tick" x="${f.left - 6}" y="${n(y(v) + 4)}" text-anchor="end">${v}</text>`);
    let path = `M${n(x(lo))},${n(y(0))}`;
    let prev = 0;
    for (const a of t) {
        if (a.acked === prev) continue;
        path += ` H${n(x(a.endMs / 1000))} V${n(y(a.acked))}`;
        prev = a.acked;
    }
    path += ` H${n(x(hi))}`;
    out.push(`<path class="acked" d="${path}"/>`);
    for (const a of t.filter((a) => !a.ok))
        out.push(`<rect class="failed" x="${n(x(a.startMs / 1000))}" y="${base - 10}" width="${n(Math.max(1.5, x(a.endMs / 1000) - x(a.startMs / 1000)))}" height="8"><title>write failed ${(a.startMs / 1000).toFixed(2)}–${(a.endMs / 1000).toFixed(2)} s</title></rect>`);
    // Labels of markers in the right half sit left of their line, so none runs off the chart.
    const marker = (s: number, cls: string, label: string, row: number) => {
        const right = x(s) > f.left + plotW(f) / 2;
        out.push(`<line class="${cls}" x1="${n(x(s))}" y1="${f.top}" x2="${n(x(s))}" y2="${base}"/><text class="marker-label ${cls}" x="${n(x(s) + (right ? -4 : 4))}" y="${f.top + 12 + row * 14}"${right ? ' text-anchor="end"' : ""}>${esc(label)}</text>`);
    };
    marker(0, "kill", `kill ${d.failover.oldLeader} (SIGKILL)`, 0);
    marker(d.failover.seconds, "first-write", `first write on ${d.failover.newLeader}: +${d.failover.seconds.toFixed(1)} s`, 1);
    if (d.reconnect.ok) marker(d.reconnect.seconds, "reconnect", `session reconnected: +${d.reconnect.seconds.toFixed(1)} s`, 2);
    out.push(`<line class="axis" x1="${f.left}" y1="${base}" x2="${f.left + plotW(f)}" y2="${base}"/><line class="axis" x1="${f.left}" y1="${f.top}" x2="${f.left}" y2="${base}"/>`);
    out.push(`<text class="axis-title" x="${f.left + plotW(f) / 2}" y="${f.height - 8}" text-anchor="middle">seconds relative to the kill</text>`);
    out.push(`<text class="axis-title" transform="rotate(-90)" x="${-(f.top + plotH(f) / 2)}" y="14" text-anchor="middle">writes acknowledged</text>`);
    out.push("</svg>");
    return out.join("\n");
}

/** SELECT 1 latency percentiles as horizontal bars, with the value at each bar's end. */
export function latencyBarsSvg(l: BenchRecord["latency"]): string {
    const rows: Array<[string, number]> = [["p50", l.p50], ["p95", l.p95], ["p99", l.p99]];
    const f: Frame = { width: 560, height: 28 + rows.length * 34 + 30, left: 48, right: 90, top: 14, bottom: 30 };
    const max = Math.max(...rows.map((r) => r[1]), 0.001);
    const scale = ticks(0, max, 5);
    const top = Math.max(max, scale[scale.length - 1]);
    const x = (v: number) => f.left + (v / top) * plotW(f);
    const out = [`<svg id="bench-latency" role="img" aria-label="latency percentiles" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}">`];
    const base = f.top + rows.length * 34;
    for (const v of scale)
        out.push(`<line class="grid" x1="${n(x(v))}" y1="${f.top}" x2="${n(x(v))}" y2="${base}"/><text class="tick" x="${n(x(v))}" y="${base + 16}" text-anchor="middle">${v} ms</text>`);
    rows.forEach(([label, v], i) => {
        const yy = f.top + i * 34 + 6;
        out.push(`<text class="tick" x="${f.left - 8}" y="${yy + 15}" text-anchor="end">${label}</text>`);
        out.push(`<rect class="bar ${label}" x="${f.left}" y="${yy}" width="${n(Math.max(1, x(v) - f.left))}" height="22"/>`);
        out.push(`<text class="bar-value" x="${n(x(v) + 6)}" y="${yy + 15}">${v.toFixed(2)} ms</text>`);
    });
    out.push("</svg>");
    return out.join("\n");
}
