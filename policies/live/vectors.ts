// A seeded, clustered vector data set (Gaussian blobs, not uniform noise: neighbours in uniform noise are
// all about equally far, which flatters no index and tells nothing), exact k-NN over it, recall, and the
// SQL that loads it into either extension. The e2e test and `npm run bench -- --vector` share it, so both
// extensions always see the same vectors and are scored against the same exact answers.
import type { Client } from "pg";

/** The two extensions the node image carries; each has its own type, operator class and ef_search setting. */
export const VECTOR_EXTENSIONS = {
    vector: { label: "pgvector", type: "vector", opclass: "vector_l2_ops", efSearchGuc: "hnsw.ef_search" },
    ruvector: { label: "RuVector", type: "ruvector", opclass: "ruvector_l2_ops", efSearchGuc: "ruvector.ef_search" },
} as const;
export type VectorExtension = keyof typeof VECTOR_EXTENSIONS;

export interface VectorSet {
    count: number;
    dims: number;
    /** Row-major float32 values, exactly as PostgreSQL parses the text literals below. */
    values: Float32Array;
    /** The pgvector/RuVector text literal of row i ("[0.1234,-1.5,...]"). */
    literal(i: number): string;
}

/** mulberry32: a tiny seeded PRNG, so a data set is the same on every run and machine. */
function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/**
 * `count` data points and `queries` query points around the same `clusters` centres (centres ~ N(0, 1) per
 * dimension, points ~ centre + N(0, spread)). Values are rounded to 4 decimals, the text both extensions
 * parse; `values` holds what they store.
 */
export function gaussianBlobs(opts: { count: number; queries: number; dims: number; clusters: number; spread?: number; seed: number }): { data: VectorSet; queries: VectorSet } {
    const { dims, clusters } = opts;
    const spread = opts.spread ?? 0.5;
    const rand = prng(opts.seed);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const centres = Array.from({ length: clusters }, () => Float64Array.from({ length: dims }, gauss));
    const draw = (count: number): VectorSet => {
        const values = new Float32Array(count * dims);
        const texts: string[] = new Array(count);
        for (let i = 0; i < count; i++) {
            const c = centres[Math.floor(rand() * clusters)];
            const parts: string[] = new Array(dims);
            for (let d = 0; d < dims; d++) {
                const s = (c[d] + spread * gauss()).toFixed(4);
                parts[d] = s;
                values[i * dims + d] = Math.fround(Number(s));
            }
            texts[i] = `[${parts.join(",")}]`;
        }
        return { count, dims, values, literal: (i) => texts[i] };
    };
    const data = draw(opts.count);
    return { data, queries: draw(opts.queries) };
}

/** Squared L2 distance between row i of `a` and row j of `b`. */
function dist2(a: VectorSet, i: number, b: VectorSet, j: number): number {
    let s = 0;
    const x = a.values, y = b.values, d = a.dims;
    for (let k = 0, p = i * d, q = j * d; k < d; k++) {
        const t = x[p + k] - y[q + k];
        s += t * t;
    }
    return s;
}

/** Exact k nearest rows of `data` (ids are 1-based row numbers, as loaded) for each query: brute force. */
export function exactKnn(data: VectorSet, queries: VectorSet, k: number): number[][] {
    return Array.from({ length: queries.count }, (_, q) => {
        const best: Array<[number, number]> = [];
        for (let i = 0; i < data.count; i++) {
            const d = dist2(queries, q, data, i);
            if (best.length < k || d < best[best.length - 1][0]) {
                let at = best.length;
                while (at > 0 && best[at - 1][0] > d) at--;
                best.splice(at, 0, [d, i + 1]);
                if (best.length > k) best.pop();
            }
        }
        return best.map(([, id]) => id);
    });
}

/** Mean fraction of the exact top-k that an approximate answer found. */
export function recallAtK(approx: number[][], exact: number[][]): number {
    let hit = 0, total = 0;
    exact.forEach((truth, q) => {
        const got = new Set(approx[q] ?? []);
        hit += truth.filter((id) => got.has(id)).length;
        total += truth.length;
    });
    return total === 0 ? 0 : hit / total;
}

/** Creates `table (id int primary key, v <type>(dims))` and loads the set in batches (ids 1..count). */
export async function loadVectors(c: Client, ext: VectorExtension, table: string, set: VectorSet, batch = 1000): Promise<void> {
    const type = VECTOR_EXTENSIONS[ext].type;
    await c.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v ${type}(${set.dims}) NOT NULL)`);
    for (let start = 0; start < set.count; start += batch) {
        const ids: number[] = [];
        const texts: string[] = [];
        for (let i = start; i < Math.min(set.count, start + batch); i++) {
            ids.push(i + 1);
            texts.push(set.literal(i));
        }
        await c.query(`INSERT INTO ${table} (id, v) SELECT id, v::${type} FROM unnest($1::int[], $2::text[]) AS u(id, v)`, [ids, texts]);
    }
    await c.query(`ANALYZE ${table}`);
}

/** HNSW index with the extension's L2 operator class; m and ef_construction as asked. */
export function hnswIndexSql(ext: VectorExtension, table: string, index: string, m = 16, efConstruction = 64): string {
    return `CREATE INDEX ${index} ON ${table} USING hnsw (v ${VECTOR_EXTENSIONS[ext].opclass}) WITH (m = ${m}, ef_construction = ${efConstruction})`;
}

/** The k-NN query both extensions answer with their HNSW index (a literal, as an application sends it). */
export function knnSql(ext: VectorExtension, table: string, literal: string, k = 10): string {
    return `SELECT id FROM ${table} ORDER BY v <-> '${literal}'::${VECTOR_EXTENSIONS[ext].type} LIMIT ${k}`;
}
