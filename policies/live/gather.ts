// Gathers the facts each judge reads, from the running cluster. Read-only except for the load probe,
// which works on temporary tables of its own session (never WAL-logged, gone when it disconnects).
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ETCD_CLIENT_PORT, ETCD_TLS_FILES } from "../../components/etcd/render";
import { MONITORING_PORTS } from "../../components/monitoring/render";
import { PATRONI_REST_PORT, ROLES, TLS_UPLOAD_FILES } from "../../components/patroni/render";
import { REPO_PATH } from "../../components/backup/render";
import { repositoryHostname } from "../../components/backup/server";
import type { Client } from "pg";
import {
    BackupCapacityFacts,
    ContainerSetFacts,
    RECORD_MAX_AGE_DAYS,
    EtcdFacts,
    HostFacts,
    LoadFacts,
    PatroniFacts,
    PostgresFacts,
    PrometheusFacts,
} from "./judges";
import { docker, dockerOk, httpFromContainer, managerArgs, memberExec, percentiles, stackContainers, timeQueries, withClient, withLocalSuperuser } from "./sources";
import { memberContainer } from "../../components/target/member-exec";
import { LiveTarget } from "./target";
import { SEED_DATABASE } from "../rules/seed-requirements";

const PGDATA_MOUNT = "/var/lib/postgresql/data";
const ETCD_DATA_MOUNT = "/var/lib/etcd";

/** A Patroni node that is running (and not in `exclude`): the place the collector runs curl from. */
function runningNode(t: LiveTarget, exclude: string[] = []): string {
    const candidates = t.patroniNodes.filter((n) => !exclude.includes(n));
    let node: string | undefined;
    if (t.exec.kind === "swarm") node = candidates.find((n) => memberContainer(n, t.exec) !== undefined);
    else {
        const running = new Set(dockerOk(["ps", "--filter", `label=dpg.stack=${t.namePrefix}`, "--format", "{{.Names}}"]).split("\n"));
        node = candidates.find((n) => running.has(n));
    }
    if (!node) throw new Error(`no Patroni node of ${t.namePrefix} is running (${t.patroniNodes.join(", ")})`);
    return node;
}

const caFile = (t: LiveTarget) => (t.caCertPem ? TLS_UPLOAD_FILES.ca : undefined);

// ---- PostgreSQL ---------------------------------------------------------------------------------------

/** A session-local table of random vectors with an HNSW index, for plan and latency probes. */
export async function createProbeTable(c: Client, ext: string, rows: number, dims: number): Promise<void> {
    await c.query(`CREATE TEMP TABLE dpg_live_probe (id int PRIMARY KEY, v ${ext}(${dims}))`);
    await c.query(
        // A text literal, which both types parse (RuVector has no cast from real[]).
        `INSERT INTO dpg_live_probe SELECT g, (SELECT '[' || string_agg(random()::real::text, ',') || ']' FROM generate_series(1, $2) WHERE g > 0)::${ext} FROM generate_series(1, $1) g`,
        [rows, dims],
    );
    await c.query(`CREATE INDEX ON dpg_live_probe USING hnsw (v ${ext}_l2_ops)`);
    await c.query("ANALYZE dpg_live_probe");
}

export const randomVector = (dims: number) => `[${Array.from({ length: dims }, () => Math.random().toFixed(4)).join(",")}]`;

function cidr(address: string | null, netmask: string | null): string | null {
    if (address === null || !netmask) return address;
    const bits = netmask.includes(":")
        ? netmask.split(":").reduce((n, h) => n + (parseInt(h || "0", 16).toString(2).match(/1/g)?.length ?? 0), 0)
        : netmask.split(".").reduce((n, o) => n + (Number(o).toString(2).match(/1/g)?.length ?? 0), 0);
    return `${address}/${bits}`;
}

/** A superuser login over TCP through the write port: pg_hba must refuse it (001-SEC-01). */
async function superuserTcpLogin(t: LiveTarget): Promise<PostgresFacts["superuserTcp"]> {
    try {
        await withClient(t, t.write, t.superuser, (c) => c.query("SELECT 1"));
        return { refused: false, detail: `logged in as ${t.superuser.user} at ${t.write.host}:${t.write.port}` };
    } catch (e) {
        const err = e as Error & { code?: string };
        // 28000 invalid_authorization_specification is pg_hba's "rejects connection"; anything else proves nothing.
        return { refused: err.code === "28000" && /pg_hba\.conf rejects/.test(err.message), detail: `${err.code ?? "error"}: ${err.message}` };
    }
}

export async function gatherPostgres(t: LiveTarget): Promise<PostgresFacts> {
    const ext = t.config.patroni.vectorExtension;
    // As a client would: through the write port, as the application role.
    const front = await withClient(t, t.write, t.app, async (c) => {
        const t0 = process.hrtime.bigint();
        await c.query("SELECT 1");
        const selectOneMs = Number(process.hrtime.bigint() - t0) / 1e6;
        const writeIsPrimary = (await c.query("SELECT pg_is_in_recovery() AS r")).rows[0].r === false;
        const serverVersion = String((await c.query("SHOW server_version")).rows[0].server_version).split(" ")[0];
        const serverVersionNum = Number((await c.query("SHOW server_version_num")).rows[0].server_version_num);
        const extRow = (await c.query("SELECT extversion FROM pg_extension WHERE extname = $1", [ext])).rows[0];
        const vectorExtension: PostgresFacts["vectorExtension"] = { name: ext, version: extRow?.extversion, distanceOk: false };
        if (extRow) {
            try {
                const d = (await c.query(`SELECT '[1,2,3]'::${ext} <-> '[4,5,6]'::${ext} AS d`)).rows[0].d;
                vectorExtension.distanceOk = Math.abs(Number(d) - Math.sqrt(27)) < 1e-6;
            } catch (e) {
                vectorExtension.error = (e as Error).message;
            }
        }
        return { selectOneMs, writeIsPrimary, serverVersion, serverVersionNum, vectorExtension };
    });
    const superuserTcp = await superuserTcpLogin(t);
    // The catalog facts as the superuser, over the leader's local socket.
    const inside = await withLocalSuperuser(t, leaderNode(t), async (c) => {
        const replicas = (
            await c.query(
                `SELECT application_name, state, sync_state,
                        COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::float8 AS lag_bytes,
                        CASE WHEN replay_lsn = pg_current_wal_lsn() THEN 0 ELSE COALESCE(EXTRACT(epoch FROM replay_lag), 0) END::float8 AS lag_s
                   FROM pg_stat_replication WHERE application_name = ANY($1)`,
                [t.patroniNodes],
            )
        ).rows.map((r) => ({ name: r.application_name, state: r.state, syncState: r.sync_state, lagBytes: Number(r.lag_bytes), lagSeconds: Number(r.lag_s) }));
        const replicationSlots = (await c.query("SELECT slot_name, active FROM pg_replication_slots WHERE slot_type = 'physical'")).rows.map((r) => ({ name: r.slot_name, active: r.active === true }));
        const appRoles = (
            await c.query(
                `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles
                  WHERE rolcanlogin AND rolname <> ALL($1) ORDER BY rolname`,
                [[ROLES.superuser, ROLES.replication, ROLES.rewind]],
            )
        ).rows.map((r) => ({ name: r.rolname, superuser: r.rolsuper, createrole: r.rolcreaterole, createdb: r.rolcreatedb, replication: r.rolreplication, bypassrls: r.rolbypassrls }));
        const hbaRules = (await c.query("SELECT type, address, netmask, auth_method, error FROM pg_hba_file_rules")).rows.map((r) => ({
            type: r.type,
            address: cidr(r.address, r.netmask),
            auth: r.auth_method,
            error: r.error,
        }));
        const vectorColumns = (
            await c.query(
                `SELECT n.nspname || '.' || c.relname AS tbl, a.attname AS col,
                        EXISTS (SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
                                 WHERE i.indrelid = c.oid AND a.attnum = ANY(i.indkey) AND am.amname = 'hnsw') AS hnsw
                   FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                   JOIN pg_type ty ON ty.oid = a.atttypid
                  WHERE ty.typname IN ('vector', 'halfvec', 'ruvector') AND c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
                    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND NOT a.attisdropped`,
            )
        ).rows.map((r) => ({ table: r.tbl, column: r.col, hnsw: r.hnsw }));
        const hnswIndexes = (
            await c.query(
                `SELECT s.schemaname || '.' || s.indexrelname AS name, s.idx_scan FROM pg_stat_user_indexes s
                   JOIN pg_class ic ON ic.oid = s.indexrelid JOIN pg_am am ON am.oid = ic.relam
                  WHERE am.amname = 'hnsw' AND ic.relpersistence <> 't'`,
            )
        ).rows.map((r) => ({ name: r.name, scans: Number(r.idx_scan) }));
        const tables = (
            await c.query(
                `SELECT schemaname || '.' || relname AS name, n_live_tup,
                        EXTRACT(epoch FROM now() - GREATEST(last_analyze, last_autoanalyze)) / 86400 AS days FROM pg_stat_user_tables`,
            )
        ).rows.map((r) => ({ name: r.name, liveRows: Number(r.n_live_tup), lastAnalyzedDaysAgo: r.days === null ? null : Number(r.days) }));
        const fks = (await c.query("SELECT conrelid::regclass || '.' || conname AS fk, convalidated FROM pg_constraint WHERE contype = 'f'")).rows;
        const foreignKeys = fks.length;
        const unvalidatedForeignKeys = fks.filter((r) => !r.convalidated).map((r) => r.fk);
        const hit = (
            await c.query(
                `SELECT COALESCE(sum(heap_blks_hit + COALESCE(idx_blks_hit, 0) + COALESCE(toast_blks_hit, 0)), 0)::float8 AS hits,
                        COALESCE(sum(heap_blks_read + COALESCE(idx_blks_read, 0) + COALESCE(toast_blks_read, 0)), 0)::float8 AS reads
                   FROM pg_statio_user_tables`,
            )
        ).rows[0];
        return { replicas, replicationSlots, appRoles, hbaRules, vectorColumns, hnswIndexes, tables, foreignKeys, unvalidatedForeignKeys, cacheHit: { hits: Number(hit.hits), reads: Number(hit.reads) } };
    });
    return {
        ...front,
        ...inside,
        superuserTcp,
        requiredVectorVersion: SEED_DATABASE.minVectorVersion,
        expectedReplicas: Math.max(0, t.patroniNodes.length - 1),
        allowedCidrs: [t.config.network.subnet, ...t.config.network.clientCidrs],
    };
}

// ---- Patroni, etcd, containers, Prometheus --------------------------------------------------------------

export interface PatroniMember {
    name: string;
    role: string;
    state: string;
    lag?: number | string;
}

/** Patroni's `GET /cluster`, asked of the first running node not in `exclude` (TLS verified with the cluster CA). */
export function patroniMembers(t: LiveTarget, exclude: string[] = []): PatroniMember[] {
    const scheme = t.caCertPem ? "https" : "http";
    return JSON.parse(httpFromContainer(t, runningNode(t, exclude), `${scheme}://127.0.0.1:${PATRONI_REST_PORT}/cluster`, caFile(t))).members ?? [];
}

/** The Patroni leader's container (from /cluster): where superuser SQL runs, over its local socket. */
export function leaderNode(t: LiveTarget, exclude: string[] = []): string {
    const leader = patroniMembers(t, exclude).find((m) => m.role === "leader")?.name;
    if (!leader) throw new Error(`Patroni of ${t.namePrefix} reports no leader`);
    return leader;
}

export async function gatherPatroni(t: LiveTarget): Promise<PatroniFacts> {
    return {
        expectedNodes: t.patroniNodes.length,
        members: patroniMembers(t).map((m) => ({ name: m.name, role: m.role, state: m.state, lagBytes: typeof m.lag === "number" ? m.lag : m.role === "leader" ? 0 : null })),
    };
}

export async function gatherEtcd(t: LiveTarget): Promise<EtcdFacts> {
    const scheme = t.caCertPem ? "https" : "http";
    const endpoints = t.etcdMembers.map((m) => `${scheme}://${m}:${ETCD_CLIENT_PORT}`);
    const tlsArgs = t.caCertPem ? [`--cacert=${ETCD_TLS_FILES.ca}`, `--cert=${ETCD_TLS_FILES.cert}`, `--key=${ETCD_TLS_FILES.key}`] : [];
    let lastError = "";
    for (const member of t.etcdMembers) {
        // etcdctl exits 1 when an endpoint is unhealthy but still prints every endpoint's result.
        let args: string[];
        try {
            args = memberExec(t, member, ["-u", "etcd"], ["etcdctl", `--endpoints=${endpoints.join(",")}`, ...tlsArgs, "--command-timeout=5s", "endpoint", "health", "-w", "json"]);
        } catch (e) {
            lastError = (e as Error).message;
            continue;
        }
        const r = docker(args, 30_000);
        try {
            const list = JSON.parse(r.stdout) as Array<{ endpoint: string; health: boolean; error?: string }>;
            return { expectedMembers: t.etcdMembers.length, endpoints: list.map((e) => ({ endpoint: e.endpoint, healthy: e.health === true, error: e.error })) };
        } catch {
            lastError = (r.stderr || r.stdout).trim().slice(0, 200);
        }
    }
    throw new Error(`etcdctl endpoint health answered from no member: ${lastError}`);
}

export async function gatherContainers(t: LiveTarget): Promise<ContainerSetFacts> {
    const containers = stackContainers(t);
    const info = JSON.parse(dockerOk([...managerArgs(t), "info", "--format", "{{json .}}"]));
    const dataMounts = containers
        .filter((c) => c.component === "patroni" || c.component === "etcd")
        .map((c) => {
            const wanted = c.component === "patroni" ? PGDATA_MOUNT : ETCD_DATA_MOUNT;
            const m = c.mounts.find((x) => x.destination === wanted && x.type === "volume");
            return { container: c.name, path: wanted, volume: m?.name };
        });
    return {
        containers: containers.map((c) => ({
            name: c.name,
            component: c.component,
            running: c.running,
            health: c.health,
            appArmorProfile: c.appArmorProfile,
            selinux: c.securityOpt.some((o) => o.startsWith("label=")),
        })),
        dataMounts,
        daemonSecurityOptions: (info.SecurityOptions ?? []) as string[],
    };
}

export function prometheusApi(t: LiveTarget, apiPath: string): any {
    if (!t.prometheusContainer) throw new Error("monitoring is not deployed (dpg-cluster:monitoring.enabled = false)");
    const body = JSON.parse(httpFromContainer(t, runningNode(t), `http://${t.prometheusContainer}:${MONITORING_PORTS.prometheus}${apiPath}`));
    if (body.status !== "success") throw new Error(`Prometheus ${apiPath}: ${body.error ?? body.status}`);
    return body.data;
}

export async function gatherPrometheus(t: LiveTarget): Promise<PrometheusFacts> {
    const data = prometheusApi(t, "/api/v1/targets?state=active");
    return {
        targets: (data.activeTargets ?? []).map((x: any) => ({ job: x.labels?.job ?? x.scrapePool, instance: x.labels?.instance ?? "", health: x.health, lastError: x.lastError ?? "" })),
    };
}

// ---- The Docker host ----------------------------------------------------------------------------------

function readProcInt(t: LiveTarget, container: string, file: string): number | null {
    let args: string[];
    try {
        args = memberExec(t, container, [], ["cat", file]);
    } catch {
        return null;
    }
    const r = docker(args);
    return r.status === 0 && /^\d+/.test(r.stdout.trim()) ? parseInt(r.stdout.trim(), 10) : null;
}

/** The kernel's NTP state via adjtimex(2) with modes = 0 (read only), the call timedatectl and chronyc rely on. */
const ADJTIMEX = `
import ctypes, json
L = ctypes.c_long
class Timex(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("offset", L), ("freq", L), ("maxerror", L), ("esterror", L), ("status", ctypes.c_int),
                ("constant", L), ("precision", L), ("tolerance", L), ("tv_sec", L), ("tv_usec", L), ("tick", L), ("ppsfreq", L),
                ("jitter", L), ("shift", ctypes.c_int), ("stabil", L), ("jitcnt", L), ("calcnt", L), ("errcnt", L), ("stbcnt", L),
                ("tai", ctypes.c_int), ("pad", ctypes.c_int * 11)]
t = Timex()
state = ctypes.CDLL(None, use_errno=True).adjtimex(ctypes.byref(t))
print(json.dumps({"state": state, "status": t.status, "maxerror": t.maxerror, "esterror": t.esterror}))
`;
const TIME_ERROR = 5;
const STA_UNSYNC = 0x40;

/** Clock discipline of this machine's kernel, which is the Docker host's when the daemon is local. */
export function kernelNtpState(): HostFacts["ntp"] {
    if (/^(tcp|ssh):/.test(process.env.DOCKER_HOST ?? "")) return null;
    const r = spawnSync("python3", ["-c", ADJTIMEX], { encoding: "utf8", timeout: 10_000 });
    if (r.status !== 0) return null;
    const x = JSON.parse(r.stdout) as { state: number; status: number; maxerror: number; esterror: number };
    return { synchronized: x.state !== TIME_ERROR && (x.status & STA_UNSYNC) === 0, estErrorUs: x.esterror, maxErrorUs: x.maxerror, how: `adjtimex state ${x.state}, status 0x${x.status.toString(16)}` };
}

/** Docker Compose v2 (plugin) or the standalone docker-compose binary on this machine, or null. */
export function composeVersion(): string | null {
    for (const cmd of [["docker", "compose", "version"], ["docker-compose", "version"]]) {
        const r = spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8", timeout: 10_000 });
        const m = r.status === 0 ? /v?(\d+\.\d+\.\d+)/.exec(r.stdout) : null;
        if (m) return m[1];
    }
    return null;
}

export async function gatherHost(t: LiveTarget): Promise<HostFacts> {
    const info = JSON.parse(dockerOk([...managerArgs(t), "info", "--format", "{{json .}}"]));
    const serverVersion = dockerOk([...managerArgs(t), "version", "--format", "{{.Server.Version}}"]).trim();
    const rootDir = String(info.DockerRootDir ?? "/var/lib/docker");
    let freeBytes: number | null = null;
    // statfs works only when the daemon is this machine's; a remote host's disk is not measured here, nor
    // a Swarm node's (its root is inside the node; the swarm probes measure each node's, 000-INF-04).
    if (t.exec.kind === "docker" && !/^(tcp|ssh):/.test(process.env.DOCKER_HOST ?? "") && fs.existsSync(rootDir)) {
        const s = fs.statfsSync(rootDir);
        freeBytes = s.bavail * s.bsize;
    }
    let diskAlertRules: string[] = [];
    if (t.prometheusContainer) {
        const groups = prometheusApi(t, "/api/v1/rules?type=alert").groups ?? [];
        diskAlertRules = groups.flatMap((g: any) => g.rules.map((r: any) => r.name)).filter((n: string) => /disk/i.test(n));
    }
    const node = runningNode(t);
    return {
        serverVersion,
        composeVersion: composeVersion(),
        dockerRootDir: rootDir,
        freeBytes,
        diskAlertRules,
        // A Swarm node reached over unix:// shares this machine's kernel (the lab's DinD nodes); tcp/ssh ones do not.
        ntp: t.exec.kind === "swarm" && !t.exec.manager.startsWith("unix:") ? null : kernelNtpState(),
        swappiness: readProcInt(t, node, "/proc/sys/vm/swappiness"),
        somaxconn: readProcInt(t, node, "/proc/sys/net/core/somaxconn"),
    };
}

// ---- Load -------------------------------------------------------------------------------------------

// indexBuildMs: the probe's CREATE INDEX with RuVector took 96 s on a busy host (see collect.ts); 30 s cut it off.
const LOAD = { clients: 40, simpleQueries: 300, vectorRows: 5000, vectorDims: 64, vectorQueries: 100, indexBuildMs: 480_000 } as const;

/** Device name (as in /proc/diskstats) holding a path, when it is local. */
function deviceOf(p: string): string | null {
    if (!fs.existsSync(p)) return null;
    const dev = fs.statSync(p).dev;
    const major = Math.floor(dev / 256) & 0xfff;
    const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    const line = fs.readFileSync("/proc/diskstats", "utf8").split("\n").map((l) => l.trim().split(/\s+/)).find((f) => Number(f[0]) === major && Number(f[1]) === minor);
    return line ? line[2] : null;
}

function ioTicks(device: string): number | null {
    const line = fs.readFileSync("/proc/diskstats", "utf8").split("\n").map((l) => l.trim().split(/\s+/)).find((f) => f[2] === device);
    return line ? Number(line[12]) : null; // field 10 of the stats: ms spent doing I/O
}

/** `docker stats --no-stream` for the given containers, started now and read when it finishes. */
function statsLater(names: string[], host: string[] = []): Promise<Array<{ id: string; name: string; cpu: number; mem: number }>> {
    return new Promise((resolve) => {
        const p = spawn("docker", [...host, "stats", "--no-stream", "--format", "{{json .}}", ...names]);
        let out = "";
        p.stdout.on("data", (d) => (out += d));
        const timer = setTimeout(() => p.kill(), 30_000);
        p.on("close", () => {
            clearTimeout(timer);
            resolve(
                out
                    .split("\n")
                    .filter((l) => l.startsWith("{"))
                    .map((l) => JSON.parse(l))
                    .map((s) => ({ id: String(s.ID ?? ""), name: s.Name, cpu: parseFloat(s.CPUPerc), mem: parseFloat(s.MemPerc) })),
            );
        });
    });
}

function peakMemoryBytes(t: LiveTarget, container: string): number | null {
    // cgroup v2 (memory.peak) or v1 (memory.max_usage_in_bytes), as the container sees its own cgroup.
    return readProcInt(t, container, "/sys/fs/cgroup/memory.peak") ?? readProcInt(t, container, "/sys/fs/cgroup/memory/memory.max_usage_in_bytes");
}

export async function gatherLoad(t: LiveTarget): Promise<LoadFacts> {
    const ext = t.config.patroni.vectorExtension;
    const nodes = t.patroniNodes;
    const members = stackContainers(t).filter((c) => nodes.includes(c.name) && c.running);
    const nodeFacts = new Map(members.map((c) => [c.name, c]));
    const info = JSON.parse(dockerOk([...managerArgs(t), "info", "--format", "{{json .}}"]));
    // The disk is this machine's only on one local host; a Swarm node's busy time is not read from here.
    const device = t.exec.kind === "docker" ? deviceOf(String(info.DockerRootDir ?? "/var/lib/docker")) : null;
    const ticks0 = device ? ioTicks(device) : null;
    const w0 = Date.now();
    // On a Swarm each member's task container is asked of its own node, and named back by its service.
    const stats =
        t.exec.kind === "docker"
            ? statsLater(nodes)
            : Promise.all(members.map((c) => statsLater([c.id], c.host).then((r) => r.map((x) => ({ ...x, name: c.name }))))).then((r) => r.flat());

    // 1. Concurrency: every client holds a connection at the same time.
    const via = t.pooler ?? t.write;
    const c0 = Date.now();
    const errors: string[] = [];
    const results = await Promise.all(
        Array.from({ length: LOAD.clients }, () =>
            withClient(t, via, t.app, (c) => c.query("SELECT pg_sleep(0.2)").then(() => true)).catch((e: Error) => {
                errors.push(e.message);
                return false;
            }),
        ),
    );
    const concurrencySeconds = (Date.now() - c0) / 1000;

    // 2. Latency: simple queries, then k-NN on a session-local HNSW-indexed table.
    const { simple, vector } = await withClient(t, t.write, t.app, async (c) => {
        const simpleMs = await timeQueries(c, LOAD.simpleQueries, () => "SELECT 1");
        await createProbeTable(c, ext, LOAD.vectorRows, LOAD.vectorDims);
        const vectorMs = await timeQueries(c, LOAD.vectorQueries, () => `SELECT id FROM dpg_live_probe ORDER BY v <-> '${randomVector(LOAD.vectorDims)}' LIMIT 10`);
        return { simple: simpleMs, vector: vectorMs };
    }, { queryMs: LOAD.indexBuildMs });
    const sampled = await stats;
    const ticks1 = device ? ioTicks(device) : null;
    const windowMs = Date.now() - w0;
    return {
        concurrency: { clients: LOAD.clients, succeeded: results.filter(Boolean).length, errors, seconds: concurrencySeconds, via: t.pooler ? `PgBouncer ${via.host}:${via.port}` : `HAProxy ${via.host}:${via.port}` },
        simple: percentiles(simple),
        vector: { ...percentiles(vector), rows: LOAD.vectorRows, dims: LOAD.vectorDims },
        postgresCpu: sampled.map((s) => ({ container: s.name, avgPercentOfLimit: s.cpu / (nodeFacts.get(s.name)?.cpuLimit ?? 1) })),
        postgresMemory: sampled.map((s) => {
            const peak = peakMemoryBytes(t, s.name);
            const limit = nodeFacts.get(s.name)?.memoryLimitBytes ?? 0;
            return { container: s.name, currentPercent: s.mem, peakPercent: peak !== null && limit > 0 ? (100 * peak) / limit : s.mem };
        }),
        diskBusyPercent: ticks0 !== null && ticks1 !== null && windowMs > 0 ? Math.min(100, (100 * (ticks1 - ticks0)) / windowMs) : null,
        diskDevice: device ?? String(info.DockerRootDir),
    };
}

// ---- Backup repository and drills -------------------------------------------------------------------------

export async function gatherBackupCapacity(t: LiveTarget): Promise<BackupCapacityFacts> {
    if (!t.config.backup.enabled) throw new Error("backups are off (dpg-cluster:backup.enabled = false)");
    // The repository's own filesystem: the server's volume with backup.repository=server, else the volume the nodes share.
    const holder = t.config.backup.repository === "server" ? repositoryHostname(t.namePrefix) : runningNode(t);
    const out = dockerOk(memberExec(t, holder, [], ["df", "-B1", "--output=avail", REPO_PATH])).trim().split("\n").pop()!;
    const databaseBytes = await withLocalSuperuser(t, leaderNode(t), async (c) => Number((await c.query("SELECT sum(pg_database_size(datname))::float8 AS b FROM pg_database")).rows[0].b));
    return { repoFreeBytes: Number(out.trim()), databaseBytes };
}

/** Records of operator commands: drill, bench, alert-test (npm run …) and pitr (scripts/pitr-restore.sh). */
export type RecordKind = "drills" | "bench" | "alert-test" | "pitr";

/** Where `npm run drill` / `npm run bench` / `npm run alert-test` / scripts/pitr-restore.sh record their results for a stack. */
export function recordFile(reportsDir: string, stack: string, kind: RecordKind): string {
    return path.join(reportsDir, stack, `${kind}.json`);
}

/** The cluster's system identifier, as the superuser on a running node's local socket (every member shares it). */
export async function systemIdentifier(t: LiveTarget): Promise<string> {
    return withLocalSuperuser(t, runningNode(t), async (c) => String((await c.query("SELECT system_identifier::text AS id FROM pg_control_system()")).rows[0].id), "postgres");
}

/** A recorded drill or benchmark counts only for the same cluster and while it is at most 30 days old. */
export function readRecord<R extends { systemIdentifier: string; at: string }>(file: string, stack: string, clusterId: string, what: string, now = new Date()): { stack: string; record?: R; missing?: string; ageDays: number } {
    if (!fs.existsSync(file)) return { stack, missing: `no ${what} recorded for ${stack} (${file})`, ageDays: Infinity };
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as R;
    const ageDays = (now.getTime() - Date.parse(record.at)) / 86_400_000;
    if (record.systemIdentifier !== clusterId) return { stack, missing: `the recorded ${what} ran on another cluster (system identifier ${record.systemIdentifier}, now ${clusterId})`, ageDays };
    if (ageDays > RECORD_MAX_AGE_DAYS) return { stack, missing: `the last ${what} is ${Math.floor(ageDays)} days old (at most ${RECORD_MAX_AGE_DAYS})`, ageDays };
    return { stack, record, ageDays };
}
