// The vector benchmark's own arithmetic: a seeded data set is the same every time, exact k-NN is exact,
// recall counts overlaps, and the chart is a PNG of the asked size.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as zlib from "node:zlib";
import { exactKnn, gaussianBlobs, knnSql, recallAtK } from "../../policies/live/vectors";
import { renderChart } from "../../policies/live/png-chart";

describe("vector data set", () => {
  it("is the same for the same seed, different for another, and clustered", () => {
    const a = gaussianBlobs({ count: 200, queries: 5, dims: 8, clusters: 4, seed: 7 });
    const b = gaussianBlobs({ count: 200, queries: 5, dims: 8, clusters: 4, seed: 7 });
    const c = gaussianBlobs({ count: 200, queries: 5, dims: 8, clusters: 4, seed: 8 });
    assert.equal(a.data.literal(17), b.data.literal(17));
    assert.notEqual(a.data.literal(17), c.data.literal(17));
    assert.match(a.data.literal(0), /^\[-?\d+\.\d{4}(,-?\d+\.\d{4}){7}\]$/);
    // values hold exactly what the literal says, as float4
    assert.equal(a.data.values[3], Math.fround(Number(a.data.literal(0).slice(1, -1).split(",")[3])));
    // Gaussian blobs: a point's nearest neighbour is much closer than a random other point
    const d = (i: number, j: number) => Math.hypot(...Array.from({ length: 8 }, (_, k) => a.data.values[i * 8 + k] - a.data.values[j * 8 + k]));
    const nn = exactKnn(a.data, { ...a.data, count: 1 }, 2)[0][1] - 1;
    assert.ok(d(0, nn) < 0.6 * d(0, 199) || d(0, nn) < 0.6 * d(0, 100), "points are clustered");
  });

  it("finds the exact neighbours by brute force and scores recall by overlap", () => {
    const set = { count: 4, dims: 1, values: Float32Array.from([0, 10, 1, 3]), literal: (i: number) => `[${[0, 10, 1, 3][i]}]` };
    const q = { count: 1, dims: 1, values: Float32Array.from([0.9]), literal: () => "[0.9]" };
    assert.deepEqual(exactKnn(set, q, 3), [[3, 1, 4]]);
    assert.equal(recallAtK([[3, 1, 2]], [[3, 1, 4]]), 2 / 3);
    assert.equal(recallAtK([[]], [[1, 2]]), 0);
    assert.equal(knnSql("ruvector", "items", "[1,2]"), "SELECT id FROM items ORDER BY v <-> '[1,2]'::ruvector LIMIT 10");
  });
});

describe("PNG chart", () => {
  it("is a PNG of the asked size whose pixels decode", () => {
    const png = renderChart({ title: "t", xLabel: "recall@10", yLabel: "p95 (ms)", width: 320, height: 200, series: [
      { name: "a", color: [0, 0, 255], marker: "circle", points: [{ x: 0.9, y: 2, label: "ef40" }, { x: 0.99, y: 3 }] },
      { name: "b", color: [255, 0, 0], marker: "square", points: [{ x: NaN, y: NaN }] },
    ] });
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.readUInt32BE(16), 320);
    assert.equal(png.readUInt32BE(20), 200);
    const idatLen = png.readUInt32BE(33);
    assert.equal(png.subarray(37, 41).toString("ascii"), "IDAT");
    const raw = zlib.inflateSync(png.subarray(41, 41 + idatLen));
    assert.equal(raw.length, (320 * 3 + 1) * 200);
    assert.ok(raw.some((v, i) => i % (320 * 3 + 1) !== 0 && v !== 255), "something is drawn");
  });
});
