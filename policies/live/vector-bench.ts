// `npm run bench -- --stack <name> --vector`: pgvector and RuVector side by side on the deployed cluster, in one
// run, on the same seeded data set (100,000 × 128-d Gaussian blobs): HNSW build time (m=16, ef_construction=64),
// index size, top-10 latency p50/p95/p99 at two ef_search values through the write and the read port, and
// recall@10 against exact search on 1,000 queries. Prints a table; records reports/<stack>/vector-bench.json and
// a latency-vs-recall chart, reports/<stack>/vector-bench.png.
//
// Each extension gets its own scratch database (both name their access method `hnsw`, so they cannot share
// one), dropped afterwards; the application's data is never touched.
import * as fs from "fs";
import * as path from "path";
import type { Client } from "pg";
import { leaderNode, systemIdentifier } from "./gather";
import { renderChart } from "./png-chart";
import { percentiles, withClient, withLocalSuperuser } from "./sources";
import { openStack, runMain, StackCommand } from "./stack-command";
import { Endpoint, LiveTarget } from "./target";
import { exactKnn, gaussianBlobs, hnswIndexSql, knnSql, loadVectors, recallAtK, VECTOR_EXTENSIONS, VectorExtension, VectorSet } from "./vectors";

export const VECTOR_BENCH = {
    rows: 100_000,
    dims: 128,
    clusters: 100,
    queries: 1000,
    seed: 20261201,
    k: 10,
    m: 16,
    efConstruction: 64,
    efSearch: [40, 100],
    /** Both extensions build with the same memory; pgvector's default (1/16 of the node) would spill its graph. */
    maintenanceWorkMem: "256MB",
} as const;
const REPO_ROOT = path.resolve(__dirname, "..", "..");
const log = (s: string) => process.stderr.write(`[vector-bench] ${s}\n`);

export interface VectorRun {
    port: "write" | "read";
    /** Set through the extension's own setting (hnsw.ef_search, ruvector.ef_search). */
    efSearch: number;
    queries: number;
    planUsesIndex: boolean;
    p50?: number;
    p95?: number;
    p99?: number;
    recallAt10?: number;
    error?: string;
}

export interface VectorBenchResult {
    extension: VectorExtension;
    label: string;
    extversion: string;
    loadSeconds: number;
    buildSeconds: number;
    indexBytes: number;
    runs: VectorRun[];
    /** Why this extension has no figures (e.g. its index build outlasted the timeout); the other's still count. */
    error?: string;
}

export interface VectorBenchRecord {
    stack: string;
    systemIdentifier: string;
    at: string;
    dataset: { rows: number; dims: number; clusters: number; queries: number; seed: number; k: number };
    index: { m: number; efConstruction: number; maintenanceWorkMem: string };
    results: VectorBenchResult[];
}

const scratchDb = (ext: VectorExtension) => `dpg_vbench_${ext}`;
const at = (t: LiveTarget, db: string): LiveTarget => ({ ...t, database: db });

/** Waits (bounded) until every replica has replayed the leader's current WAL position. */
async function replicasCaughtUp(c: Client, timeoutMs = 300_000): Promise<void> {
    const target = (await c.query("SELECT pg_current_wal_lsn()::text AS l")).rows[0].l;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const behind = (await c.query("SELECT count(*)::int AS n FROM pg_stat_replication WHERE replay_lsn IS NULL OR replay_lsn < $1::pg_lsn", [target])).rows[0].n;
        if (behind === 0) return;
        await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`replicas did not replay ${target} within ${timeoutMs / 1000} s`);
}

async function measure(t: LiveTarget, ext: VectorExtension, port: VectorRun["port"], ef: number, queries: VectorSet, exact: number[][]): Promise<VectorRun> {
    const e = VECTOR_EXTENSIONS[ext];
    const endpoint: Endpoint = port === "write" ? t.write : t.read;
    const run: VectorRun = { port, efSearch: ef, queries: 0, planUsesIndex: false };
    try {
        await withClient(at(t, scratchDb(ext)), endpoint, t.app, async (c) => {
            await c.query(`SET ${e.efSearchGuc} = ${ef}`);
            const plan = (await c.query(`EXPLAIN ${knnSql(ext, "items", queries.literal(0), VECTOR_BENCH.k)}`)).rows.map((r) => r["QUERY PLAN"]).join("\n");
            run.planUsesIndex = /Index Scan using items_v_hnsw/.test(plan);
            const times: number[] = [];
            const answers: number[][] = [];
            for (let q = 0; q < queries.count; q++) {
                const sql = knnSql(ext, "items", queries.literal(q), VECTOR_BENCH.k);
                const started = process.hrtime.bigint();
                const rows = (await c.query(sql)).rows;
                times.push(Number(process.hrtime.bigint() - started) / 1e6);
                answers.push(rows.map((r) => Number(r.id)));
            }
            const p = percentiles(times);
            Object.assign(run, { queries: p.samples, p50: p.p50, p95: p.p95, p99: p.p99, recallAt10: recallAtK(answers, exact) });
        }, { queryMs: 60_000 });
    } catch (err) {
        run.error = (err as Error).message.slice(0, 300);
    }
    return run;
}

async function benchExtension(t: LiveTarget, ext: VectorExtension, data: VectorSet, queries: VectorSet, exact: number[][]): Promise<VectorBenchResult> {
    const e = VECTOR_EXTENSIONS[ext];
    const db = scratchDb(ext);
    // The superuser is refused over TCP (001-SEC-01): the scratch database and the extension are made on the
    // leader's local socket; the application role owns the database and loads, indexes and queries it as a client.
    const leader = leaderNode(t);
    await withLocalSuperuser(t, leader, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${db} OWNER ${t.app.user}`);
    }, "postgres", { queryMs: 120_000 });
    await withLocalSuperuser(t, leader, (c) => c.query(`CREATE EXTENSION ${ext}`), db);
    const built = await withClient(at(t, db), t.write, t.app, async (c) => {
        const extversion = String((await c.query("SELECT extversion FROM pg_extension WHERE extname = $1", [ext])).rows[0].extversion);
        log(`${e.label} ${extversion}: loading ${data.count} × ${data.dims}-d vectors`);
        const l0 = Date.now();
        await loadVectors(c, ext, "items", data);
        const loadSeconds = (Date.now() - l0) / 1000;
        log(`${e.label}: CREATE INDEX … USING hnsw (m=${VECTOR_BENCH.m}, ef_construction=${VECTOR_BENCH.efConstruction})`);
        await c.query(`SET maintenance_work_mem = '${VECTOR_BENCH.maintenanceWorkMem}'`);
        const b0 = Date.now();
        await c.query(hnswIndexSql(ext, "items", "items_v_hnsw", VECTOR_BENCH.m, VECTOR_BENCH.efConstruction));
        const buildSeconds = (Date.now() - b0) / 1000;
        const indexBytes = Number((await c.query("SELECT pg_relation_size('items_v_hnsw') AS b")).rows[0].b);
        return { extversion, loadSeconds, buildSeconds, indexBytes };
    }, { queryMs: 30 * 60_000 });
    // pg_stat_replication shows replay positions to the superuser (or pg_monitor) only.
    await withLocalSuperuser(t, leader, (c) => replicasCaughtUp(c), "postgres", { queryMs: 60_000 });
    const runs: VectorRun[] = [];
    for (const port of ["write", "read"] as const)
        for (const ef of VECTOR_BENCH.efSearch) {
            log(`${e.label}: ${queries.count} top-${VECTOR_BENCH.k} queries through the ${port} port, ${e.efSearchGuc} = ${ef}`);
            runs.push(await measure(t, ext, port, ef, queries, exact));
        }
    return { extension: ext, label: e.label, ...built, runs };
}

function table(r: VectorBenchRecord): string {
    const ms = (v?: number) => (v === undefined ? "-" : v.toFixed(2));
    const lines = [
        `${r.dataset.rows.toLocaleString("en")} × ${r.dataset.dims}-d Gaussian blobs (${r.dataset.clusters} clusters, seed ${r.dataset.seed}); HNSW m=${r.index.m}, ef_construction=${r.index.efConstruction}; recall@${r.dataset.k} vs exact on ${r.dataset.queries} queries`,
        "",
        "| extension | build s | index MB | port | ef_search | p50 ms | p95 ms | p99 ms | recall@10 | index scan |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ];
    for (const x of r.results) {
        if (x.error) lines.push(`| ${x.label} ${x.extversion} | error: ${x.error.replace(/\|/g, "/")} | | | | | | | | |`);
        for (const run of x.runs)
            lines.push(
                `| ${x.label} ${x.extversion} | ${x.buildSeconds.toFixed(1)} | ${(x.indexBytes / 1048576).toFixed(1)} | ${run.port} | ${run.efSearch} | ` +
                    (run.error ? `error: ${run.error.replace(/\|/g, "/")} | | | | |` : `${ms(run.p50)} | ${ms(run.p95)} | ${ms(run.p99)} | ${run.recallAt10?.toFixed(4)} | ${run.planUsesIndex ? "yes" : "no"} |`),
            );
    }
    return lines.join("\n") + "\n";
}

function chart(r: VectorBenchRecord): Buffer {
    const colours: Record<string, [number, number, number]> = { vector: [31, 119, 180], ruvector: [230, 110, 0] };
    return renderChart({
        title: `Top-10 p95 latency vs recall@10, ${r.dataset.rows.toLocaleString("en")} x ${r.dataset.dims}-d, HNSW m=${r.index.m} efc=${r.index.efConstruction}`,
        xLabel: "recall@10",
        yLabel: "p95 latency (ms)",
        series: r.results.flatMap((x) =>
            (["write", "read"] as const).map((port) => ({
                name: `${x.label} ${port}`,
                color: port === "write" ? colours[x.extension] : (colours[x.extension].map((v) => Math.round(v + (255 - v) * 0.45)) as [number, number, number]),
                marker: port === "write" ? ("circle" as const) : ("square" as const),
                points: x.runs.filter((run) => run.port === port).map((run) => ({ x: run.recallAt10 ?? NaN, y: run.p95 ?? NaN, label: `ef${run.efSearch}` })),
            })),
        ),
    });
}

export const VECTOR_BENCH_COMMAND: StackCommand = {
    name: "bench",
    usage: "--vector [--rows N] [--queries N]: pgvector vs RuVector, HNSW build, latency and recall@10 on 100,000 × 128-d vectors",
    prodRisk: "the vector benchmark loads 2 × 100,000 vectors and builds two HNSW indexes on the leader",
};

export async function vectorMain(argv: string[]): Promise<number> {
    const opened = openStack(VECTOR_BENCH_COMMAND, argv);
    if (typeof opened === "number") return opened;
    const t = opened.t;
    // --rows / --queries shrink the data set for a quick look; the recorded figures say which size ran.
    const num = (flag: string, dflt: number) => {
        const i = argv.indexOf(flag);
        const v = i >= 0 ? Number(argv[i + 1]) : dflt;
        if (!Number.isInteger(v) || v < 100) throw new Error(`${flag} wants a whole number ≥ 100, got ${argv[i + 1]}`);
        return v;
    };
    const B = { ...VECTOR_BENCH, rows: num("--rows", VECTOR_BENCH.rows), queries: num("--queries", VECTOR_BENCH.queries) };
    log(`generating ${B.rows} + ${B.queries} vectors (seed ${B.seed}) and the exact top-${B.k} of each query`);
    const { data, queries } = gaussianBlobs({ count: B.rows, queries: B.queries, dims: B.dims, clusters: B.clusters, seed: B.seed });
    const exact = exactKnn(data, queries, B.k);
    const record: VectorBenchRecord = {
        stack: t.stack,
        systemIdentifier: await systemIdentifier(t),
        at: new Date().toISOString(),
        dataset: { rows: B.rows, dims: B.dims, clusters: B.clusters, queries: B.queries, seed: B.seed, k: B.k },
        index: { m: B.m, efConstruction: B.efConstruction, maintenanceWorkMem: B.maintenanceWorkMem },
        results: [],
    };
    const dir = path.join(REPO_ROOT, "reports", t.stack);
    fs.mkdirSync(dir, { recursive: true });
    const json = path.join(dir, "vector-bench.json");
    const png = path.join(dir, "vector-bench.png");
    // Written after each extension, so a run cut short (a long build on a busy host) keeps what it measured.
    const save = () => {
        fs.writeFileSync(json, JSON.stringify(record, null, 2) + "\n");
        fs.writeFileSync(png, chart(record));
    };
    try {
        for (const ext of Object.keys(VECTOR_EXTENSIONS) as VectorExtension[]) {
            const started = Date.now();
            try {
                record.results.push(await benchExtension(t, ext, data, queries, exact));
            } catch (e) {
                const error = `${(e as Error).message.split("\n")[0].slice(0, 300)} (after ${((Date.now() - started) / 1000).toFixed(0)} s)`;
                log(`${VECTOR_EXTENSIONS[ext].label}: ${error}`);
                record.results.push({ extension: ext, label: VECTOR_EXTENSIONS[ext].label, extversion: "", loadSeconds: NaN, buildSeconds: NaN, indexBytes: NaN, runs: [], error });
            }
            save();
        }
    } finally {
        for (const ext of Object.keys(VECTOR_EXTENSIONS) as VectorExtension[])
            await withLocalSuperuser(t, leaderNode(t), (c) => c.query(`DROP DATABASE IF EXISTS ${scratchDb(ext)} WITH (FORCE)`), "postgres", { queryMs: 120_000 }).catch((e) => log(`cleanup: ${(e as Error).message}`));
    }
    process.stdout.write(table(record) + `\nrecorded: ${path.relative(process.cwd(), json)}, ${path.relative(process.cwd(), png)}\n`);
    return 0;
}

if (require.main === module) runMain(VECTOR_BENCH_COMMAND, vectorMain);
