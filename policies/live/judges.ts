// Pure verdicts over measured facts: one function per live catalog item, grouped by the measurement
// that feeds it. Thresholds are the seeds' numbers (000 and 001); each function is unit-tested with a
// passing and a failing set of facts, and the collector feeds them real ones.

import { SEED_DATABASE } from "../rules/seed-requirements";
import { noSetting } from "../rules/settings";
import type { WriteAttempt } from "./timeline";
import { swarmJudges } from "./swarm";

export type LiveStatus = "pass" | "fail" | "unknown";
export interface LiveOutcome {
    status: LiveStatus;
    evidence: string;
}

const pass = (evidence: string): LiveOutcome => ({ status: "pass", evidence });
const fail = (evidence: string): LiveOutcome => ({ status: "fail", evidence });
const verdict = (ok: boolean, evidence: string): LiveOutcome => (ok ? pass(evidence) : fail(evidence));
/** Nothing to judge (no vector column, too little traffic, no clock daemon state): counted as not passed. */
const noData = (evidence: string): LiveOutcome => ({ status: "unknown", evidence: `no data: ${evidence}` });
const ms = (v: number) => `${v.toFixed(2)} ms`;
const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;
const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(2)} MB`;

/** "17.2" ≥ "15", "0.8.0" < "2.0.0": numeric, part by part. */
/** Block accesses of application tables below which a cache hit ratio is no data (an idle cluster reads ~nothing). */
export const MIN_CACHE_ACCESSES = 10_000;

export function versionAtLeast(actual: string, wanted: string): boolean {
    const a = actual.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
    const w = wanted.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
    for (let i = 0; i < Math.max(a.length, w.length); i++) {
        if ((a[i] ?? 0) !== (w[i] ?? 0)) return (a[i] ?? 0) > (w[i] ?? 0);
    }
    return true;
}

// ---- PostgreSQL, over the write and read endpoints -------------------------------------------------

export interface ReplicaLag {
    name: string;
    state: string;
    syncState: string;
    /** Bytes of WAL the replica has not replayed yet. */
    lagBytes: number;
    /** replay_lag in seconds; 0 when the replica has replayed everything the primary wrote. */
    lagSeconds: number;
}

export interface PostgresFacts {
    /** `SHOW server_version` through the write port, e.g. "17.7". */
    serverVersion: string;
    /** `SHOW server_version_num` through the write port, e.g. 170007: what the version is judged by. */
    serverVersionNum: number;
    /** The extension the stack's setting names (vector or ruvector), if installed in the app database. */
    vectorExtension: { name: string; version?: string; distanceOk: boolean; error?: string };
    requiredVectorVersion: string;
    expectedReplicas: number;
    replicas: ReplicaLag[];
    /** Login roles an application uses (everything but the superuser and Patroni's replication/rewind roles). */
    appRoles: Array<{ name: string; superuser: boolean; createrole: boolean; createdb: boolean; replication: boolean; bypassrls: boolean }>;
    hbaRules: Array<{ type: string; address: string | null; auth: string; error?: string | null }>;
    allowedCidrs: string[];
    vectorColumns: Array<{ table: string; column: string; hnsw: boolean }>;
    /** HNSW indexes on application tables and how often the planner used them (pg_stat_user_indexes). */
    hnswIndexes: Array<{ name: string; scans: number }>;
    tables: Array<{ name: string; liveRows: number; lastAnalyzedDaysAgo: number | null }>;
    /** Foreign keys in the application database, validated or not. */
    foreignKeys: number;
    unvalidatedForeignKeys: string[];
    /** Shared-buffer hits and reads of application tables and their indexes (pg_statio_user_tables). */
    cacheHit: { hits: number; reads: number };
    /** Physical replication slots on the leader (Patroni names them after the members, dashes as underscores). */
    replicationSlots: Array<{ name: string; active: boolean }>;
    /** A superuser login over TCP through the write port: refused (by pg_hba) or not. */
    superuserTcp: { refused: boolean; detail: string };
    selectOneMs: number;
    /** The write endpoint reached a server out of recovery (the leader). */
    writeIsPrimary: boolean;
}

export const postgresJudges: Record<string, (f: PostgresFacts) => LiveOutcome> = {
    "000-DB-01": (f) => {
        const v = f.vectorExtension;
        const vecOk = v.name === SEED_DATABASE.vectorExtension && v.version !== undefined && versionAtLeast(v.version, f.requiredVectorVersion);
        return verdict(postgresVersionOk(f) && vecOk, `${postgresVersionSummary(f)}; ${vectorSummary(f)}`);
    },
    "001-DB-01": (f) =>
        verdict(
            postgresVersionOk(f),
            `${postgresVersionSummary(f)} through the write port${postgresVersionOk(f) ? "" : `; ${noSetting("components/patroni/image (the PostgreSQL major it packages)")}`}`,
        ),
    "000-DB-02": (f) => vectorJudge(f),
    "001-DB-02": (f) => vectorJudge(f),
    "000-DB-04": (f) => replicaJudge(f, (r) => r.lagSeconds < 5, "replay lag < 5 s"),
    "001-HA-03": (f) => replicaJudge(f, (r) => r.lagSeconds < 0.1, "replay lag < 100 ms"),
    "000-SEC-06": (f) => leastPrivilege(f),
    "001-SEC-02": (f) => leastPrivilege(f),
    "001-DB-04": (f) => {
        const open = f.hbaRules.filter((r) => r.address !== null && /^(0\.0\.0\.0\/0|::\/0|all)$/.test(r.address) && r.auth !== "reject");
        const errors = f.hbaRules.filter((r) => r.error);
        // Loopback lines admit only the container itself (local tools, the exporter's sidecar checks).
        const allowed = new Set([...f.allowedCidrs, "127.0.0.1/32", "::1/128"]);
        const outside = f.hbaRules.filter((r) => r.address && r.auth !== "reject" && !allowed.has(r.address) && !open.includes(r));
        if (errors.length) return fail(`pg_hba_file_rules reports errors: ${errors.map((r) => r.error).join("; ")}`);
        if (open.length || outside.length)
            return fail(`pg_hba admits ${[...open, ...outside].map((r) => `${r.type} ${r.address}`).join(", ")}; fix: dpg-cluster:network.clientCidrs lists the only client ranges`);
        return pass(`${f.hbaRules.length} pg_hba rules; addresses only ${f.allowedCidrs.join(", ")} and loopback; no 0.0.0.0/0 or ::/0 except reject lines`);
    },
    "001-DB-08": (f) => {
        const missing = f.vectorColumns.filter((c) => !c.hnsw);
        if (f.vectorColumns.length === 0) return noData("no vector column in the application database yet, so there is no index to check");
        return verdict(missing.length === 0, missing.length ? `no HNSW index on ${missing.map((c) => `${c.table}.${c.column}`).join(", ")}` : `${f.vectorColumns.length} vector column(s), each with an HNSW index`);
    },
    // Only the application's own indexes count: a probe table built to be searched proves nothing about them.
    "000-PERF-08": (f) => {
        if (f.hnswIndexes.length === 0) return noData("no HNSW index on an application table yet");
        const unused = f.hnswIndexes.filter((i) => i.scans === 0);
        return verdict(
            unused.length === 0,
            unused.length ? `HNSW indexes never used by a query (idx_scan = 0): ${unused.map((i) => i.name).join(", ")}` : `${f.hnswIndexes.length} application HNSW index(es), each used by queries (${f.hnswIndexes.map((i) => `${i.name} ${i.scans} scans`).join(", ")})`,
        );
    },
    "001-DB-11": (f) => {
        if (!f.tables.some((t) => t.liveRows > 0)) return noData(`${f.tables.length} user table(s), none with rows: there are no statistics to keep current yet`);
        const stale = f.tables.filter((t) => t.liveRows > 0 && (t.lastAnalyzedDaysAgo === null || t.lastAnalyzedDaysAgo > 7));
        return verdict(stale.length === 0, stale.length ? `not analyzed in 7 days: ${stale.map((t) => t.name).join(", ")}` : `${f.tables.length} user table(s), every non-empty one analyzed within 7 days`);
    },
    "001-DB-17": (f) => {
        if (f.foreignKeys === 0) return noData("no foreign key in the application database, so none to validate");
        return verdict(f.unvalidatedForeignKeys.length === 0, f.unvalidatedForeignKeys.length ? `NOT VALID foreign keys: ${f.unvalidatedForeignKeys.join(", ")}` : `${f.foreignKeys} foreign key(s), none left NOT VALID`);
    },
    "001-PERF-08": (f) => {
        const total = f.cacheHit.hits + f.cacheHit.reads;
        if (total < MIN_CACHE_ACCESSES) return noData(`application tables saw ${total} block accesses (${f.cacheHit.hits} hits, ${f.cacheHit.reads} reads); a hit ratio means something from ${MIN_CACHE_ACCESSES} on`);
        const ratio = f.cacheHit.hits / total;
        return verdict(ratio > 0.9, `buffer cache hit ratio of application tables ${(ratio * 100).toFixed(2)}% (${f.cacheHit.hits} hits, ${f.cacheHit.reads} reads; > 90% wanted)`);
    },
    "001-DB-05": (f) => {
        const expected = f.expectedReplicas;
        if (expected === 0) return noData("a single-node cluster has no replica to keep a slot for");
        const slotOf = (name: string) => f.replicationSlots.find((s) => s.name === name.replace(/[^a-z0-9_]/gi, "_").toLowerCase());
        const used = f.replicas.filter((r) => slotOf(r.name)?.active);
        const list = f.replicationSlots.map((s) => `${s.name} ${s.active ? "active" : "inactive"}`).join(", ") || "none";
        return verdict(used.length === expected, `${used.length}/${expected} replicas stream through an active physical slot on the leader (slots: ${list})`);
    },
    "001-SEC-01": (f) =>
        verdict(f.superuserTcp.refused, f.superuserTcp.refused ? `a superuser login over TCP through the write port was refused: ${f.superuserTcp.detail}` : `the superuser logged in over TCP through the write port (${f.superuserTcp.detail}); it must be limited to the local socket`),
    "003-DB-01": (f) =>
        verdict(f.writeIsPrimary, `SELECT 1 through the write endpoint answered in ${ms(f.selectOneMs)} from ${f.writeIsPrimary ? "the leader" : "a server in recovery (no writable leader behind the write port)"} (PostgreSQL ${f.serverVersion})`),
};

const postgresVersionOk = (f: PostgresFacts) => Number.isInteger(f.serverVersionNum) && f.serverVersionNum >= SEED_DATABASE.minServerVersionNum;

function postgresVersionSummary(f: PostgresFacts): string {
    return `PostgreSQL ${f.serverVersion} (server_version_num ${f.serverVersionNum} ${postgresVersionOk(f) ? "≥" : "<"} ${SEED_DATABASE.minServerVersionNum})`;
}

function vectorSummary(f: PostgresFacts): string {
    const v = f.vectorExtension;
    if (!v.version) return `extension ${v.name} is not installed${v.error ? ` (${v.error})` : ""}`;
    const which = v.name === "vector" ? "pgvector" : "RuVector";
    const meets = v.name === SEED_DATABASE.vectorExtension && versionAtLeast(v.version, f.requiredVectorVersion);
    return `${which} ${v.version} installed; the seeds require RuVector ≥ ${f.requiredVectorVersion}${meets ? "" : " (fix: dpg-cluster:patroni.vectorExtension = ruvector with an image that ships it)"}`;
}

function vectorJudge(f: PostgresFacts): LiveOutcome {
    const v = f.vectorExtension;
    const ok = v.name === SEED_DATABASE.vectorExtension && v.version !== undefined && versionAtLeast(v.version, f.requiredVectorVersion) && v.distanceOk;
    return verdict(ok, `${vectorSummary(f)}; distance query ${v.distanceOk ? "works" : `fails${v.error ? `: ${v.error}` : ""}`}`);
}

function replicaJudge(f: PostgresFacts, ok: (r: ReplicaLag) => boolean, want: string): LiveOutcome {
    const list = f.replicas.map((r) => `${r.name} ${r.state}/${r.syncState} ${(r.lagSeconds * 1000).toFixed(0)} ms, ${mb(r.lagBytes)}`).join("; ");
    if (f.replicas.length < f.expectedReplicas) return fail(`${f.replicas.length} of ${f.expectedReplicas} replicas stream from the leader (${list || "none"})`);
    const bad = f.replicas.filter((r) => r.state !== "streaming" || !ok(r));
    return verdict(bad.length === 0, `${want}: ${list}`);
}

function leastPrivilege(f: PostgresFacts): LiveOutcome {
    const bad = f.appRoles.filter((r) => r.superuser || r.createrole || r.createdb || r.replication || r.bypassrls);
    const flags = (r: PostgresFacts["appRoles"][number]) => (["superuser", "createrole", "createdb", "replication", "bypassrls"] as const).filter((k) => r[k]).join("+");
    return verdict(
        bad.length === 0,
        bad.length ? `application roles with extra privileges: ${bad.map((r) => `${r.name} (${flags(r)})`).join(", ")}` : `${f.appRoles.length} application login roles (${f.appRoles.map((r) => r.name).join(", ")}): none superuser, createrole, createdb, replication or bypassrls`,
    );
}

// ---- Patroni, etcd and the containers ---------------------------------------------------------------

export interface PatroniFacts {
    expectedNodes: number;
    members: Array<{ name: string; role: string; state: string; lagBytes: number | null }>;
}

export const patroniJudges: Record<string, (f: PatroniFacts) => LiveOutcome> = {
    "000-HA-01": (f) => {
        const leaders = f.members.filter((m) => m.role === "leader" || m.role === "standby_leader");
        const replicas = f.members.filter((m) => !leaders.includes(m));
        const unhealthy = [
            ...leaders.filter((m) => m.state !== "running"),
            ...replicas.filter((m) => m.state !== "streaming" || m.lagBytes === null || m.lagBytes >= 10 * 1024 ** 2),
        ];
        const list = f.members.map((m) => `${m.name} ${m.role} ${m.state}${m.role === "leader" ? "" : ` lag ${m.lagBytes === null ? "unknown" : mb(m.lagBytes)}`}`).join("; ");
        const ok = leaders.length === 1 && f.members.length === f.expectedNodes && unhealthy.length === 0;
        return verdict(ok, `${f.members.length}/${f.expectedNodes} members, ${leaders.length} leader: ${list}`);
    },
};

export interface EtcdFacts {
    expectedMembers: number;
    endpoints: Array<{ endpoint: string; healthy: boolean; error?: string }>;
}

export const etcdJudges: Record<string, (f: EtcdFacts) => LiveOutcome> = {
    "003-DIS-01": (f) => {
        const healthy = f.endpoints.filter((e) => e.healthy);
        const list = f.endpoints.map((e) => `${e.endpoint} ${e.healthy ? "healthy" : `unhealthy${e.error ? ` (${e.error})` : ""}`}`).join("; ");
        return verdict(healthy.length === f.expectedMembers && f.endpoints.length === f.expectedMembers, `${healthy.length}/${f.expectedMembers} etcd members healthy: ${list}`);
    },
};

export interface ContainerSetFacts {
    containers: Array<{ name: string; component: string; running: boolean; health?: string; appArmorProfile: string; selinux: boolean }>;
    /** Data directories that must be on named volumes: container → mount destination → volume name (or undefined). */
    dataMounts: Array<{ container: string; path: string; volume?: string }>;
    daemonSecurityOptions: string[];
}

export const containerJudges: Record<string, (f: ContainerSetFacts) => LiveOutcome> = {
    "003-DIS-02": (f) => {
        const bad = f.containers.filter((c) => !c.running || c.health !== "healthy");
        return verdict(
            f.containers.length > 0 && bad.length === 0,
            bad.length ? `not healthy: ${bad.map((c) => `${c.name} (${c.running ? c.health ?? "no health check" : "not running"})`).join(", ")}` : `${f.containers.length} containers running and healthy`,
        );
    },
    "001-INF-05": (f) => {
        const missing = f.dataMounts.filter((m) => !m.volume);
        return verdict(
            f.dataMounts.length > 0 && missing.length === 0,
            missing.length ? `data directories without a named volume (lost with the container): ${missing.map((m) => `${m.container}:${m.path}`).join(", ")}` : `${f.dataMounts.length} data directories on named volumes (${f.dataMounts.map((m) => m.volume).join(", ")})`,
        );
    },
    "001-SEC-11": (f) => {
        const lsm = f.daemonSecurityOptions.filter((o) => /apparmor|selinux/.test(o));
        const unconfined = f.containers.filter((c) => !c.selinux && (c.appArmorProfile === "" || c.appArmorProfile === "unconfined"));
        return verdict(
            lsm.length > 0 && unconfined.length === 0,
            lsm.length === 0
                ? `the Docker host runs without AppArmor or SELinux (docker info security options: ${f.daemonSecurityOptions.join(", ") || "none"}); enable one on the host`
                : unconfined.length
                  ? `containers without an AppArmor profile or SELinux label: ${unconfined.map((c) => c.name).join(", ")}`
                  : `${lsm.join(", ")} on the host; every container confined`,
        );
    },
};

// ---- The Docker host ---------------------------------------------------------------------------------

export interface HostFacts {
    serverVersion: string;
    /** `docker compose version` (plugin) or `docker-compose version`; null when neither is installed. */
    composeVersion: string | null;
    dockerRootDir: string;
    freeBytes: number | null;
    diskAlertRules: string[];
    /**
     * The kernel's NTP discipline state of the Docker host (adjtimex: what timedatectl and chronyc read). The
     * daemon's clock and this machine's are the same kernel clock, so comparing them measures nothing.
     * null when it cannot be read (remote Docker host, no python3 here).
     */
    ntp: { synchronized: boolean; estErrorUs: number; maxErrorUs: number; how: string } | null;
    swappiness: number | null;
    somaxconn: number | null;
}

const GiB = 1024 ** 3;
const diskJudge = (minGb: number) => (f: HostFacts) =>
    f.freeBytes === null
        ? fail(`free space under ${f.dockerRootDir} cannot be read from this machine (the Docker host is remote)`)
        : verdict(f.freeBytes >= minGb * GiB, `${gb(f.freeBytes)} free under ${f.dockerRootDir} (≥ ${minGb} GB wanted)`);

export const hostJudges: Record<string, (f: HostFacts) => LiveOutcome> = {
    "000-INF-01": (f) => {
        const engine = versionAtLeast(f.serverVersion, "20.10");
        const compose = f.composeVersion !== null && versionAtLeast(f.composeVersion.replace(/^v/, ""), "2.0");
        return verdict(engine && compose, `Docker Engine ${f.serverVersion} (≥ 20.10 wanted); Docker Compose ${f.composeVersion === null ? "not installed (neither the compose plugin nor docker-compose)" : f.composeVersion} (≥ 2.0 wanted)`);
    },
    "001-INF-01": (f) => verdict(versionAtLeast(f.serverVersion, "20.10"), `Docker Engine ${f.serverVersion} answers on the stack's host (≥ 20.10)`),
    "000-INF-04": diskJudge(20),
    "000-INF-05": diskJudge(50),
    "000-INF-06": (f) => {
        const space = diskJudge(100)(f);
        const alert = f.diskAlertRules.length > 0;
        return verdict(space.status === "pass" && alert, `${space.evidence}; disk-space alert ${alert ? `loaded (${f.diskAlertRules.join(", ")})` : "missing from Prometheus"}`);
    },
    "001-INF-12": (f) => {
        if (f.ntp === null) return noData("the Docker host's clock synchronisation state cannot be read from here");
        const n = f.ntp;
        return verdict(
            n.synchronized && n.maxErrorUs < 500_000,
            n.synchronized
                ? `kernel clock synchronised (${n.how}): estimated error ${(n.estErrorUs / 1000).toFixed(1)} ms, maximum error ${(n.maxErrorUs / 1000).toFixed(1)} ms (< 500 ms wanted)`
                : `kernel clock not synchronised by NTP (${n.how}: STA_UNSYNC set, maximum error ${(n.maxErrorUs / 1000).toFixed(0)} ms); run chrony or systemd-timesyncd on the host`,
        );
    },
    "001-INF-13": (f) => {
        const ok = f.swappiness !== null && f.swappiness <= 10 && f.somaxconn !== null && f.somaxconn >= 65535;
        return verdict(ok, `vm.swappiness=${f.swappiness ?? "?"} (≤ 10 wanted; a host setting), net.core.somaxconn=${f.somaxconn ?? "?"} in the PostgreSQL containers (≥ 65535 wanted)`);
    },
};

// ---- Load: concurrency, latency, resources under it --------------------------------------------------

export interface LoadFacts {
    concurrency: { clients: number; succeeded: number; errors: string[]; seconds: number; via: string };
    simple: { samples: number; p50: number; p95: number; p99: number };
    vector: { samples: number; p50: number; p95: number; p99: number; rows: number; dims: number };
    postgresCpu: Array<{ container: string; avgPercentOfLimit: number }>;
    postgresMemory: Array<{ container: string; currentPercent: number; peakPercent: number }>;
    diskBusyPercent: number | null;
    diskDevice: string;
}

const cpuJudge = (f: LoadFacts) => {
    const worst = Math.max(...f.postgresCpu.map((c) => c.avgPercentOfLimit), 0);
    return verdict(f.postgresCpu.length > 0 && worst < 70, `PostgreSQL CPU under the probe load, % of each container's limit: ${f.postgresCpu.map((c) => `${c.container} ${c.avgPercentOfLimit.toFixed(1)}%`).join(", ")} (< 70% wanted)`);
};
const memJudge = (key: "currentPercent" | "peakPercent", what: string) => (f: LoadFacts) => {
    const worst = Math.max(...f.postgresMemory.map((c) => c[key]), 0);
    return verdict(f.postgresMemory.length > 0 && worst < 80, `PostgreSQL ${what} memory, % of limit: ${f.postgresMemory.map((c) => `${c.container} ${c[key].toFixed(1)}%`).join(", ")} (< 80% wanted)`);
};
const diskIoJudge = (limit: number) => (f: LoadFacts) =>
    f.diskBusyPercent === null
        ? fail(`disk utilisation of ${f.diskDevice} cannot be read from this machine`)
        : verdict(f.diskBusyPercent < limit, `${f.diskDevice} busy ${f.diskBusyPercent.toFixed(1)}% of the probe load window (< ${limit}% wanted)`);
const concurrencyJudge = (f: LoadFacts) => {
    const c = f.concurrency;
    return verdict(
        c.clients >= 35 && c.succeeded === c.clients,
        `${c.succeeded}/${c.clients} concurrent clients through ${c.via} succeeded in ${c.seconds.toFixed(2)} s${c.errors.length ? `; errors: ${[...new Set(c.errors)].slice(0, 3).join("; ")}` : ""}`,
    );
};
const vectorLatency = (f: LoadFacts) =>
    verdict(f.vector.p95 < 50, `k-NN (k=10) on an HNSW index over ${f.vector.rows} × ${f.vector.dims}-d vectors, ${f.vector.samples} queries: p95 ${ms(f.vector.p95)} (< 50 ms wanted)`);

export const loadJudges: Record<string, (f: LoadFacts) => LiveOutcome> = {
    "000-DB-05": concurrencyJudge,
    "000-PERF-03": concurrencyJudge,
    "000-PERF-04": concurrencyJudge,
    "000-PERF-01": vectorLatency,
    "001-PERF-11": vectorLatency,
    "000-PERF-02": (f) => verdict(f.simple.p95 < 10, `SELECT 1 through the write endpoint, ${f.simple.samples} queries: p95 ${ms(f.simple.p95)} (< 10 ms wanted)`),
    "001-PERF-03": (f) =>
        verdict(
            f.simple.samples > 0 && f.vector.samples > 0 && f.simple.p95 < 10 && f.vector.p95 < 50,
            `simple p50/p95/p99 ${ms(f.simple.p50)}/${ms(f.simple.p95)}/${ms(f.simple.p99)}; vector p50/p95/p99 ${ms(f.vector.p50)}/${ms(f.vector.p95)}/${ms(f.vector.p99)}`,
        ),
    "000-PERF-05": cpuJudge,
    "000-PERF-06": memJudge("currentPercent", "current"),
    "001-PERF-04": memJudge("peakPercent", "peak (cgroup high-water mark)"),
    "000-PERF-07": diskIoJudge(80),
    "001-PERF-10": diskIoJudge(70),
};

// ---- Prometheus ----------------------------------------------------------------------------------------

export interface PrometheusFacts {
    targets: Array<{ job: string; instance: string; health: string; lastError: string }>;
}

const targetsJudge = (f: PrometheusFacts) => {
    const down = f.targets.filter((t) => t.health !== "up");
    return verdict(
        f.targets.length > 0 && down.length === 0,
        down.length ? `${down.length}/${f.targets.length} targets not up: ${down.map((t) => `${t.job} ${t.instance} ${t.health}${t.lastError ? ` (${t.lastError})` : ""}`).join("; ")}` : `${f.targets.length}/${f.targets.length} targets up (${[...new Set(f.targets.map((t) => t.job))].join(", ")})`,
    );
};

export const prometheusJudges: Record<string, (f: PrometheusFacts) => LiveOutcome> = {
    "000-MON-01": targetsJudge,
    "003-MON-01": targetsJudge,
};

// ---- Backup repository capacity --------------------------------------------------------------------------

export interface BackupCapacityFacts {
    repoFreeBytes: number;
    databaseBytes: number;
}

export const backupJudges: Record<string, (f: BackupCapacityFacts) => LiveOutcome> = {
    "001-INF-15": (f) =>
        verdict(f.repoFreeBytes >= 3 * f.databaseBytes, `backup repository has ${gb(f.repoFreeBytes)} free for ${mb(f.databaseBytes)} of databases (3× = ${mb(3 * f.databaseBytes)} wanted)`),
};

// ---- Drills (recorded by `npm run drill`) ------------------------------------------------------------------

export interface DrillRecord {
    stack: string;
    systemIdentifier: string;
    at: string;
    failover: { seconds: number; oldLeader: string; newLeader: string; committedRows: number; rowsAfter: number };
    switchover: { seconds: number; from: string; to: string; ok: boolean; error?: string };
    /** A session opened through HAProxy before the kill: how it ended, and when a new session wrote again. */
    reconnect: { ok: boolean; seconds: number; error?: string; sessionError?: string };
    rejoin: { ok: boolean; seconds: number; member: string };
    /** The failover writer's attempts around the kill (bounded, see timeline.ts); absent in older records. */
    timeline?: WriteAttempt[];
}

export interface DrillFacts {
    stack: string;
    record?: DrillRecord;
    /** Why no usable record: missing, too old, or from another cluster. */
    missing?: string;
    ageDays: number;
}

const drillMissing = (f: DrillFacts) => fail(`${f.missing}; run: npm run drill -- --stack ${f.stack}`);
/** Drill and benchmark records older than this no longer count. */
export const RECORD_MAX_AGE_DAYS = 30;

export const drillJudges: Record<string, (f: DrillFacts) => LiveOutcome> = {
    "000-HA-02": (f) => {
        if (!f.record) return drillMissing(f);
        const d = f.record.failover;
        const lost = d.committedRows - d.rowsAfter;
        return verdict(d.seconds < 30 && lost === 0, `failover drill ${f.record.at.slice(0, 10)}: leader ${d.oldLeader} stopped, ${d.newLeader} writable after ${d.seconds.toFixed(1)} s (< 30 s wanted); ${d.rowsAfter}/${d.committedRows} committed rows kept`);
    },
    "001-HA-02": (f) => {
        if (!f.record) return drillMissing(f);
        const { failover: a, switchover: m } = f.record;
        // A leader back within its lease (a Swarm task restarted in place) leads again: no replica took over.
        const tookOver = a.newLeader !== a.oldLeader && a.newLeader !== "?";
        return verdict(m.ok && a.seconds < 30 && tookOver, `automatic: ${a.oldLeader} → ${a.newLeader}${tookOver ? "" : " (no replica took over: not a failover)"} in ${a.seconds.toFixed(1)} s; manual switchover ${m.from} → ${m.to} ${m.ok ? `in ${m.seconds.toFixed(1)} s` : `failed: ${m.error}`} (${f.record.at.slice(0, 10)})`);
    },
    "003-HA-02": (f) => {
        if (!f.record) return drillMissing(f);
        const r = f.record.reconnect;
        return verdict(r.ok, `a client session through HAProxy ${r.ok ? `ended with the old leader (${r.sessionError ?? "?"}); the client reconnected and wrote ${r.seconds.toFixed(1)} s after the kill` : `did not reconnect: ${r.error}`}; ${f.record.rejoin.member} rejoined as a replica ${f.record.rejoin.ok ? `in ${f.record.rejoin.seconds.toFixed(1)} s` : "— no"}`);
    },
};

// ---- Certificates served by the running endpoints ----------------------------------------------------------

export interface ServedCertificate {
    /** What was asked, e.g. "PostgreSQL 127.0.0.1:5000" or "etcd dpg-dev-etcd-1:2379". */
    endpoint: string;
    subject?: string;
    issuer?: string;
    notBefore?: string;
    notAfter?: string;
    /** The chain verified against the stack's CA (the handshake failed otherwise). */
    verified: boolean;
    error?: string;
}

export interface CertificateFacts {
    now: string;
    certificates: ServedCertificate[];
}

const daysLeft = (c: ServedCertificate, now: string) => (Date.parse(c.notAfter ?? "") - Date.parse(now)) / 86_400_000;
const certList = (f: CertificateFacts) => f.certificates.map((c) => (c.notAfter ? `${c.endpoint} ${Math.floor(daysLeft(c, f.now))} d` : `${c.endpoint} (${c.error ?? "no certificate"})`)).join("; ");

export const certificateJudges: Record<string, (f: CertificateFacts) => LiveOutcome> = {
    "000-INF-07": (f) => {
        if (f.certificates.length === 0) return noData("no TLS endpoint answered");
        const bad = f.certificates.filter((c) => !c.notAfter || !(daysLeft(c, f.now) >= 30));
        return verdict(bad.length === 0, `days until expiry of the served certificates (≥ 30 wanted): ${certList(f)}`);
    },
    "001-SEC-03": (f) => {
        if (f.certificates.length === 0) return noData("no TLS endpoint answered");
        const now = Date.parse(f.now);
        const bad = f.certificates.filter(
            (c) => !c.verified || !c.notAfter || c.subject === c.issuer || Date.parse(c.notBefore ?? "") > now || Date.parse(c.notAfter) <= now,
        );
        const why = (c: ServedCertificate) => (!c.verified ? `not verified against the cluster CA${c.error ? `: ${c.error}` : ""}` : c.subject === c.issuer ? "self-signed" : "outside its validity");
        return verdict(
            bad.length === 0,
            bad.length ? `invalid certificates: ${bad.map((c) => `${c.endpoint} ${why(c)}`).join("; ")}` : `${f.certificates.length} endpoints serve certificates issued by the cluster CA (${[...new Set(f.certificates.map((c) => c.issuer))].join(", ")}), valid now: ${certList(f)}`,
        );
    },
};

// ---- Records of operator commands: the alert test and the point-in-time restore ------------------------------

export interface AlertTestRecord {
    stack: string;
    systemIdentifier: string;
    at: string;
    alertName: string;
    /** Per configured channel (Alertmanager integration): notifications sent and failed while the test alert was out. */
    channels: Array<{ integration: string; sent: number; failed: number }>;
}

export interface PitrRecord {
    stack: string;
    /** Of the restored copy: equal to the cluster's, since it is restored from the cluster's own repository. */
    systemIdentifier: string;
    at: string;
    target: string;
    seconds: number;
    promoted: boolean;
}

export interface RecordFacts<R> {
    stack: string;
    record?: R;
    missing?: string;
    ageDays: number;
}

export const alertTestJudges: Record<string, (f: RecordFacts<AlertTestRecord>) => LiveOutcome> = {
    "000-MON-12": (f) => {
        if (!f.record) return fail(`${f.missing}; run: npm run alert-test -- --stack ${f.stack}`);
        const r = f.record;
        const bad = r.channels.filter((c) => c.sent < 1 || c.failed > 0);
        return verdict(
            r.channels.length > 0 && bad.length === 0,
            `test alert ${r.alertName} ${r.at.slice(0, 19)}Z: ${r.channels.map((c) => `${c.integration} ${c.sent} sent, ${c.failed} failed`).join("; ") || "no channel configured"}`,
        );
    },
};

const pitrJudge = (f: RecordFacts<PitrRecord>) => {
    if (!f.record) return fail(`${f.missing}; run: scripts/pitr-restore.sh --stack ${f.stack} --target '<time>' (then --cleanup)`);
    const r = f.record;
    return verdict(r.promoted, `point-in-time restore ${r.at.slice(0, 10)} to ${r.target} into a copy ${r.promoted ? `promoted after ${r.seconds} s` : "did not finish"}`);
};

export const pitrJudges: Record<string, (f: RecordFacts<PitrRecord>) => LiveOutcome> = {
    "003-BKP-02": pitrJudge,
    "000-DB-10": pitrJudge,
};

// ---- Benchmarks (recorded by `npm run bench`) -----------------------------------------------------------

export interface BenchRecord {
    stack: string;
    systemIdentifier: string;
    at: string;
    /** Clients connected through PgBouncer at the same time, each running a query. */
    concurrentClients: { clients: number; succeeded: number; seconds: number; errors: string[] };
    pgbench: { clients: number; seconds: number; tpcbTps: number; selectOnlyTps: number; failed: number; latencyAvgMs: number };
    latency: { samples: number; p50: number; p95: number; p99: number };
    /** Leader CPU during the tpcb-like burst, % of its container limit (highest sample). */
    burst: { container: string; peakCpuPercentOfLimit: number; cpuLimit: number };
    targetTps: number;
}

export interface BenchFacts {
    stack: string;
    record?: BenchRecord;
    missing?: string;
    ageDays: number;
}

const benchMissing = (f: BenchFacts) => fail(`${f.missing}; run: npm run bench -- --stack ${f.stack}`);

export const benchJudges: Record<string, (f: BenchFacts) => LiveOutcome> = {
    "001-MON-09": (f) => {
        if (!f.record) return benchMissing(f);
        const { latency: l, pgbench: b } = f.record;
        const complete = l.samples > 0 && Number.isFinite(l.p95) && Number.isFinite(b.tpcbTps) && b.tpcbTps > 0 && b.failed === 0;
        if (!complete) return fail(`the recorded baseline is incomplete (${l.samples} latency samples, ${b.tpcbTps} TPS, ${b.failed} failed transactions); run npm run bench -- --stack ${f.stack} again`);
        return pass(`baseline ${f.record.at.slice(0, 10)}: SELECT 1 p50/p95/p99 ${ms(l.p50)}/${ms(l.p95)}/${ms(l.p99)}; pgbench tpcb-like ${b.tpcbTps.toFixed(0)} TPS, select-only ${b.selectOnlyTps.toFixed(0)} TPS (${b.clients} clients)`);
    },
    "001-PERF-01": (f) => {
        if (!f.record) return benchMissing(f);
        const c = f.record.concurrentClients;
        return verdict(
            c.clients >= 1000 && c.succeeded === c.clients,
            `${c.succeeded}/${c.clients} clients connected through PgBouncer at once and each ran a query, in ${c.seconds.toFixed(1)} s${c.errors.length ? `; errors: ${c.errors.slice(0, 3).join("; ")}` : ""}`,
        );
    },
    "001-PERF-02": (f) => {
        if (!f.record) return benchMissing(f);
        const b = f.record.pgbench;
        return verdict(
            b.failed === 0 && b.tpcbTps >= f.record.targetTps,
            `pgbench tpcb-like ${b.tpcbTps.toFixed(0)} TPS over ${b.seconds} s with ${b.clients} clients, ${b.failed} failed (target ${f.record.targetTps}: dpg-cluster:benchmark.targetTps)`,
        );
    },
    "001-PERF-05": (f) => {
        if (!f.record) return benchMissing(f);
        const u = f.record.burst;
        return verdict(
            f.record.pgbench.failed === 0 && u.peakCpuPercentOfLimit < 90,
            `leader ${u.container} peaked at ${u.peakCpuPercentOfLimit.toFixed(0)}% of its ${u.cpuLimit}-CPU limit under the ${f.record.pgbench.clients}-client burst (< 90% leaves burst headroom; fix: raise the PostgreSQL containers' CPU limit)`,
        );
    },
};

/** Every judge by measurement name: the catalog's `measuredBy` names one of these. */
export const JUDGES = {
    postgres: postgresJudges,
    patroni: patroniJudges,
    etcd: etcdJudges,
    containers: containerJudges,
    host: hostJudges,
    load: loadJudges,
    prometheus: prometheusJudges,
    "backup-capacity": backupJudges,
    drills: drillJudges,
    bench: benchJudges,
    certificates: certificateJudges,
    "alert-test": alertTestJudges,
    pitr: pitrJudges,
    swarm: swarmJudges,
} as const;
export type MeasureName = keyof typeof JUDGES;
