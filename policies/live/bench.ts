// `npm run bench -- --stack <name>`: the benchmark behind 001-MON-09 (baseline), 001-PERF-01 (1,000 concurrent
// clients), 001-PERF-02 (TPS target) and 001-PERF-05 (burst headroom). Prints its figures and records them in
// reports/<stack>/bench.json, which the report reads (same cluster, at most 30 days old).
//
// pgbench runs in a scratch database (`dpg_bench`, dropped afterwards) so the application's data is never
// touched; the concurrency run only opens connections and runs SELECT 1. `--vector` runs the vector benchmark
// instead (vector-bench.ts).
import { spawn } from "child_process";
import { memberContainer } from "../../components/target/member-exec";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { leaderNode, patroniMembers, systemIdentifier } from "./gather";
import type { BenchRecord } from "./judges";
import { percentiles, stackContainers, timeQueries, withClient, withLocalSuperuser } from "./sources";
import { openStack, runMain, saveRecord, StackCommand } from "./stack-command";
import { LiveTarget } from "./target";
import { vectorMain } from "./vector-bench";

const BENCH = { concurrentClients: 1000, pgbenchClients: 8, pgbenchThreads: 2, pgbenchSeconds: 20, scale: 10, latencySamples: 500 } as const;
const SCRATCH_DB = "dpg_bench";
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

/** Every client connects, runs SELECT 1, and holds its connection until all have, or 90 s pass. */
async function concurrentClients(t: LiveTarget): Promise<BenchRecord["concurrentClients"]> {
    const via = t.pooler ?? t.write;
    const errors: string[] = [];
    let connected = 0;
    let release!: () => void;
    const allIn = new Promise<void>((r) => (release = r));
    const deadline = setTimeout(() => release(), 90_000);
    const t0 = Date.now();
    const results = await Promise.all(
        Array.from({ length: BENCH.concurrentClients }, () =>
            withClient(t, via, t.app, async (c) => {
                await c.query("SELECT 1");
                if (++connected === BENCH.concurrentClients) release();
                await allIn;
                return true;
            }, { connectMs: 60_000, queryMs: 60_000 }).catch((e: Error) => {
                errors.push(e.message);
                if (connected + errors.length === BENCH.concurrentClients) release();
                return false;
            }),
        ),
    );
    clearTimeout(deadline);
    return { clients: BENCH.concurrentClients, succeeded: results.filter(Boolean).length, seconds: (Date.now() - t0) / 1000, errors: [...new Set(errors)].slice(0, 5) };
}

async function latency(t: LiveTarget): Promise<BenchRecord["latency"]> {
    return percentiles(await withClient(t, t.write, t.app, (c) => timeQueries(c, BENCH.latencySamples, () => "SELECT 1")));
}

/** pgbench against the write port, as the application role (owner of the scratch database); the password only in its env. */
function pgbench(t: LiveTarget, caFile: string | undefined, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        const p = spawn("pgbench", [...args, SCRATCH_DB], {
            env: {
                ...process.env,
                PGHOST: t.write.host,
                PGPORT: String(t.write.port),
                PGUSER: t.app.user,
                PGPASSWORD: t.app.password,
                PGSSLMODE: caFile ? "verify-full" : "disable",
                ...(caFile ? { PGSSLROOTCERT: caFile } : {}),
            },
        });
        let out = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (out += d));
        const timer = setTimeout(() => p.kill("SIGKILL"), 10 * 60_000);
        p.on("error", (e) => reject(new Error(`pgbench: ${e.message} (install postgresql-client)`)));
        p.on("close", (code) => {
            clearTimeout(timer);
            if (code === 0) resolve(out);
            else reject(new Error(`pgbench ${args.join(" ")} exited ${code}: ${out.trim().slice(-400)}`));
        });
    });
}

const tpsOf = (out: string) => Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN);

/** Highest CPU sample of one member's container (on a Swarm: on its node), % of its limit, while `during` runs (docker stats stream). */
async function peakCpuDuring<T>(t: LiveTarget, member: string, cpuLimit: number, during: () => Promise<T>): Promise<{ result: T; peak: number }> {
    const c = memberContainer(member, t.exec);
    if (!c) throw new Error(`${member} is not running`);
    const p = spawn("docker", [...(c.host ? ["-H", c.host] : []), "stats", "--format", "{{.CPUPerc}}", c.container]);
    let peak = 0;
    p.stdout.on("data", (d: Buffer) => {
        for (const m of d.toString().matchAll(/([\d.]+)%/g)) peak = Math.max(peak, Number(m[1]) / cpuLimit);
    });
    try {
        return { result: await during(), peak };
    } finally {
        p.kill("SIGKILL"); // the docker CLI's stats stream does not always stop on SIGTERM
    }
}

async function run(t: LiveTarget, targetTps: number): Promise<BenchRecord> {
    const systemId = await systemIdentifier(t);
    log(`${BENCH.concurrentClients} clients through ${t.pooler ? "PgBouncer" : "HAProxy"} at once`);
    const concurrent = await concurrentClients(t);
    log(`latency: ${BENCH.latencySamples} × SELECT 1 through the write port`);
    const lat = await latency(t);

    const leaderContainer = patroniMembers(t).find((m) => m.role === "leader")?.name;
    if (!leaderContainer) throw new Error("Patroni reports no leader; the benchmark needs a writable cluster");
    const cpuLimit = stackContainers(t).find((c) => c.name === leaderContainer)?.cpuLimit ?? 1;

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dpg-bench-"));
    const caFile = t.caCertPem ? path.join(dir, "ca.crt") : undefined;
    if (caFile) fs.writeFileSync(caFile, t.caCertPem!);
    // The superuser is refused over TCP (001-SEC-01): the scratch database is made on the leader's local socket.
    await withLocalSuperuser(t, leaderContainer, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${SCRATCH_DB}`);
        await c.query(`CREATE DATABASE ${SCRATCH_DB} OWNER ${t.app.user}`);
    }, "postgres", { queryMs: 120_000 });
    try {
        log(`pgbench -i -s ${BENCH.scale} in the scratch database ${SCRATCH_DB}`);
        await pgbench(t, caFile, ["-i", "-q", "-s", String(BENCH.scale)]);
        const common = ["-n", "-c", String(BENCH.pgbenchClients), "-j", String(BENCH.pgbenchThreads), "-T", String(BENCH.pgbenchSeconds)];
        log(`pgbench tpcb-like, ${BENCH.pgbenchClients} clients, ${BENCH.pgbenchSeconds} s (leader ${leaderContainer})`);
        const tpcb = await peakCpuDuring(t, leaderContainer, cpuLimit, () => pgbench(t, caFile, common));
        log(`pgbench select-only, ${BENCH.pgbenchClients} clients, ${BENCH.pgbenchSeconds} s`);
        const select = await pgbench(t, caFile, [...common, "-S"]);
        const failed = Number(/number of failed transactions: (\d+)/.exec(tpcb.result)?.[1] ?? 0);
        return {
            stack: t.stack,
            systemIdentifier: systemId,
            at: new Date().toISOString(),
            concurrentClients: concurrent,
            pgbench: {
                clients: BENCH.pgbenchClients,
                seconds: BENCH.pgbenchSeconds,
                tpcbTps: tpsOf(tpcb.result),
                selectOnlyTps: tpsOf(select),
                failed,
                latencyAvgMs: Number(/latency average = ([\d.]+) ms/.exec(tpcb.result)?.[1] ?? NaN),
            },
            latency: lat,
            burst: { container: leaderContainer, peakCpuPercentOfLimit: tpcb.peak, cpuLimit },
            targetTps,
        };
    } finally {
        await withLocalSuperuser(t, leaderNode(t), (c) => c.query(`DROP DATABASE IF EXISTS ${SCRATCH_DB} WITH (FORCE)`), "postgres", { queryMs: 120_000 }).catch((e) => log(`cleanup: ${(e as Error).message}`));
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const BENCH_COMMAND: StackCommand = {
    name: "bench",
    usage: "1,000 concurrent clients, latency percentiles and pgbench TPS",
    prodRisk: "the benchmark loads the leader for about a minute",
};

export async function main(argv: string[]): Promise<number> {
    if (argv.includes("--vector")) return vectorMain(argv);
    const opened = openStack(BENCH_COMMAND, argv);
    if (typeof opened === "number") return opened;
    const r = await run(opened.t, opened.config.benchmark.targetTps);
    const file = saveRecord(BENCH_COMMAND, opened.t.stack, r);
    const c = r.concurrentClients;
    process.stdout.write(
        `concurrent clients: ${c.succeeded}/${c.clients} in ${c.seconds.toFixed(1)} s${c.errors.length ? ` (errors: ${c.errors.join("; ")})` : ""}\n` +
            `SELECT 1 latency p50/p95/p99: ${r.latency.p50.toFixed(2)}/${r.latency.p95.toFixed(2)}/${r.latency.p99.toFixed(2)} ms (${r.latency.samples} samples)\n` +
            `pgbench (${r.pgbench.clients} clients, ${r.pgbench.seconds} s): tpcb-like ${r.pgbench.tpcbTps.toFixed(0)} TPS (avg ${r.pgbench.latencyAvgMs} ms, ${r.pgbench.failed} failed), select-only ${r.pgbench.selectOnlyTps.toFixed(0)} TPS; target ${r.targetTps}\n` +
            `burst: leader ${r.burst.container} peaked at ${r.burst.peakCpuPercentOfLimit.toFixed(0)}% of its ${r.burst.cpuLimit}-CPU limit\n` +
            `recorded: ${file}\n`,
    );
    return 0;
}

if (require.main === module) runMain(BENCH_COMMAND, main);
