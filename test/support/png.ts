// Reads a PNG's pixels (8-bit RGB/RGBA, non-interlaced, as Chromium writes screenshots), so a test can check
// what the browser painted, not only the DOM it built.
import * as zlib from "node:zlib";

export interface Image {
    width: number;
    height: number;
    /** RGB of a pixel. */
    at(x: number, y: number): [number, number, number];
}

export function decodePng(buf: Buffer): Image {
    if (buf.subarray(0, 8).toString("hex") !== "89504e470d0a1a0a") throw new Error("not a PNG");
    let off = 8;
    let width = 0, height = 0, colorType = 0;
    const idat: Buffer[] = [];
    while (off < buf.length) {
        const len = buf.readUInt32BE(off);
        const type = buf.toString("ascii", off + 4, off + 8);
        const data = buf.subarray(off + 8, off + 8 + len);
        if (type === "IHDR") {
            width = data.readUInt32BE(0);
            height = data.readUInt32BE(4);
            if (data[8] !== 8 || data[12] !== 0) throw new Error("only 8-bit non-interlaced PNGs");
            colorType = data[9];
        } else if (type === "IDAT") idat.push(data);
        off += 12 + len;
    }
    const bpp = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
    if (!bpp) throw new Error(`unsupported PNG colour type ${colorType}`);
    const raw = zlib.inflateSync(Buffer.concat(idat));
    const stride = width * bpp;
    const px = Buffer.alloc(height * stride);
    for (let y = 0; y < height; y++) {
        const filter = raw[y * (stride + 1)];
        const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
        for (let i = 0; i < stride; i++) {
            const a = i >= bpp ? px[y * stride + i - bpp] : 0;
            const b = y > 0 ? px[(y - 1) * stride + i] : 0;
            const c = i >= bpp && y > 0 ? px[(y - 1) * stride + i - bpp] : 0;
            const p = a + b - c;
            const pred = [0, a, b, Math.floor((a + b) / 2), Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c][filter];
            if (pred === undefined) throw new Error(`bad PNG filter ${filter}`);
            px[y * stride + i] = (line[i] + pred) & 0xff;
        }
    }
    return { width, height, at: (x, y) => [px[y * stride + x * bpp], px[y * stride + x * bpp + 1], px[y * stride + x * bpp + 2]] };
}
