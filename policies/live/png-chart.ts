// A dependency-free PNG scatter chart (node's zlib only): series of (x, y) points joined by lines, axes
// with ticks, a legend and point labels in a 5×7 bitmap font. Enough for the vector benchmark's
// latency-vs-recall picture without a plotting stack on the machine.
import * as zlib from "zlib";

export interface ChartSeries {
    name: string;
    color: [number, number, number];
    /** "circle" or "square" markers. */
    marker: "circle" | "square";
    points: Array<{ x: number; y: number; label?: string }>;
}

export interface ChartSpec {
    title: string;
    xLabel: string;
    yLabel: string;
    series: ChartSeries[];
    width?: number;
    height?: number;
}

// 5×7 glyphs, one string of 7 rows × 5 columns per character ('#' = ink). Upper case only: text is upper-cased.
const FONT: Record<string, string> = {
    "0": ".###.#...##..###.#.###..##...#.###.", "1": "..#...##....#....#....#....#...###.", "2": ".###.#...#....#...#...#...#...#####",
    "3": "####.....#....#.###.....#....#####.", "4": "...#...##..#.#.#..#.#####...#....#.", "5": "######....####.....#....##...#.###.",
    "6": "..##..#...#....####.#...##...#.###.", "7": "#####....#...#...#...#....#....#...", "8": ".###.#...##...#.###.#...##...#.###.",
    "9": ".###.#...##...#.####....#...#..##..", ".": "..........................##...##..", "-": "...............#####...............",
    "@": ".###.#...##.####.#.##.####.....###.", "=": "..........#####.....#####..........", "/": "....#...#....#...#...#....#...#....",
    "%": "##..###..#...#...#...#...#..###..##", "(": "...#...#...#....#....#.....#.....#.", ")": ".#.....#.....#....#....#...#...#...",
    " ": "...................................", ":": "......##...##........##...##.......", ",": ".....................##....#...#...",
    A: ".###.#...##...#######...##...##...#", B: "####.#...##...#####.#...##...#####.", C: ".###.#...##....#....#....#...#.###.",
    D: "####.#...##...##...##...##...#####.", E: "######....#....####.#....#....#####", F: "######....#....####.#....#....#....",
    G: ".###.#...##....#.####...##...#.####", H: "#...##...##...#######...##...##...#", I: ".###...#....#....#....#....#...###.",
    J: "..###...#....#....#....#.#..#..##..", K: "#...##..#.#.#..##...#.#..#..#.#...#", L: "#....#....#....#....#....#....#####",
    M: "#...###.###.#.##.#.##...##...##...#", N: "#...###..##.#.##..###...##...##...#", O: ".###.#...##...##...##...##...#.###.",
    P: "####.#...##...#####.#....#....#....", Q: ".###.#...##...##...##.#.##..#..##.#", R: "####.#...##...#####.#.#..#..#.#...#",
    S: ".#####....#.....###.....#....#####.", T: "#####..#....#....#....#....#....#..", U: "#...##...##...##...##...##...#.###.",
    V: "#...##...##...##...##...#.#.#...#..", W: "#...##...##...##.#.##.#.##.#.#.#.#.", X: "#...##...#.#.#...#...#.#.#...##...#",
    Y: "#...##...#.#.#...#....#....#....#..", Z: "#####....#...#...#...#...#....#####",
};

type Rgb = [number, number, number];

class Canvas {
    readonly px: Uint8Array;
    constructor(readonly w: number, readonly h: number) {
        this.px = new Uint8Array(w * h * 3).fill(255);
    }
    set(x: number, y: number, c: Rgb): void {
        x = Math.round(x);
        y = Math.round(y);
        if (x < 0 || y < 0 || x >= this.w || y >= this.h) return;
        this.px.set(c, (y * this.w + x) * 3);
    }
    line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thick = 1): void {
        const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
        for (let i = 0; i <= n; i++) {
            const x = x0 + ((x1 - x0) * i) / n, y = y0 + ((y1 - y0) * i) / n;
            for (let dx = 0; dx < thick; dx++) for (let dy = 0; dy < thick; dy++) this.set(x + dx - (thick >> 1), y + dy - (thick >> 1), c);
        }
    }
    marker(x: number, y: number, kind: "circle" | "square", c: Rgb, r = 5): void {
        for (let dx = -r; dx <= r; dx++)
            for (let dy = -r; dy <= r; dy++) if (kind === "square" || dx * dx + dy * dy <= r * r) this.set(x + dx, y + dy, c);
    }
    text(x: number, y: number, s: string, c: Rgb, scale = 2, vertical = false): void {
        let at = 0;
        for (const ch of s.toUpperCase()) {
            const g = FONT[ch] ?? FONT[" "];
            for (let row = 0; row < 7; row++)
                for (let col = 0; col < 5; col++) {
                    if (g[row * 5 + col] !== "#") continue;
                    for (let sx = 0; sx < scale; sx++)
                        for (let sy = 0; sy < scale; sy++) {
                            const gx = at + col * scale + sx, gy = row * scale + sy;
                            if (vertical) this.set(x + gy, y - gx, c);
                            else this.set(x + gx, y + gy, c);
                        }
                }
            at += 6 * scale;
        }
    }
    static textWidth(s: string, scale = 2): number {
        return s.length * 6 * scale;
    }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
});
function crc32(buf: Buffer): number {
    let c = 0xffffffff;
    for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
}

/** 8-bit RGB PNG of the canvas: each scanline with filter 0, deflated. */
function encodePng(c: Canvas): Buffer {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(c.w, 0);
    ihdr.writeUInt32BE(c.h, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // colour type: truecolour
    const raw = Buffer.alloc((c.w * 3 + 1) * c.h);
    for (let y = 0; y < c.h; y++) Buffer.from(c.px.buffer, y * c.w * 3, c.w * 3).copy(raw, y * (c.w * 3 + 1) + 1);
    return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

/** "Nice" tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, n = 5): number[] {
    const step0 = (hi - lo) / n;
    const mag = 10 ** Math.floor(Math.log10(step0));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
    const out: number[] = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
}

export function renderChart(spec: ChartSpec): Buffer {
    const W = spec.width ?? 960, H = spec.height ?? 640;
    const c = new Canvas(W, H);
    const black: Rgb = [0, 0, 0], grey: Rgb = [215, 215, 215];
    const L = 100, R = W - 260, T = 60, B = H - 80;
    const pts = spec.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
    let [x0, x1] = [Math.min(...xs, 1), Math.max(...xs, 1)];
    let [y0, y1] = [0, Math.max(...ys, 1e-3)];
    const xpad = Math.max(0.01, (x1 - x0) * 0.08);
    x0 = Math.max(0, x0 - xpad);
    x1 = Math.min(1.0001, x1 + xpad * 0.25);
    y1 *= 1.15;
    const X = (v: number) => L + ((v - x0) / (x1 - x0)) * (R - L);
    const Y = (v: number) => B - ((v - y0) / (y1 - y0)) * (B - T);
    for (const t of ticks(x0, x1)) {
        c.line(X(t), T, X(t), B, grey);
        const s = t.toFixed(t < 1 && x1 - x0 < 0.2 ? 3 : 2);
        c.text(X(t) - Canvas.textWidth(s) / 2, B + 10, s, black);
    }
    for (const t of ticks(y0, y1)) {
        c.line(L, Y(t), R, Y(t), grey);
        const s = String(t);
        c.text(L - 10 - Canvas.textWidth(s), Y(t) - 7, s, black);
    }
    c.line(L, B, R, B, black, 2);
    c.line(L, T, L, B, black, 2);
    c.text(L, 20, spec.title, black);
    c.text((L + R) / 2 - Canvas.textWidth(spec.xLabel) / 2, B + 40, spec.xLabel, black);
    c.text(20, (T + B) / 2 + Canvas.textWidth(spec.yLabel) / 2, spec.yLabel, black, 2, true);
    spec.series.forEach((s, i) => {
        const ok = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
        for (let k = 1; k < ok.length; k++) c.line(X(ok[k - 1].x), Y(ok[k - 1].y), X(ok[k].x), Y(ok[k].y), s.color, 2);
        for (const p of ok) {
            c.marker(X(p.x), Y(p.y), s.marker, s.color);
            if (p.label) c.text(X(p.x) + 8, Y(p.y) - 16, p.label, s.color, 1);
        }
        const ly = T + 10 + i * 26;
        c.marker(R + 24, ly + 7, s.marker, s.color);
        c.text(R + 36, ly, s.name + (ok.length < s.points.length ? " (ERR)" : ""), s.color);
    });
    return encodePng(c);
}
