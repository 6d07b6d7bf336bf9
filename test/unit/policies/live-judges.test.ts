// Every live judge passes on healthy facts and fails on unhealthy ones, with the number in its evidence;
// the catalog and the judges agree on which measurement decides which item.
import { test } from "node:test";
import assert from "node:assert/strict";
import { catalog } from "../../../policies/catalog";
import { measureOf } from "../../../policies/live/collect";
import { REQUIRED_BITS_PER_SECOND, SwarmLiveFacts } from "../../../policies/live/swarm";
import type { SwarmFacts } from "../../../lab/facts";
import {
    AlertTestRecord,
    BackupCapacityFacts,
    BenchFacts,
    CertificateFacts,
    PitrRecord,
    RecordFacts,
    BenchRecord,
    ContainerSetFacts,
    DrillFacts,
    EtcdFacts,
    HostFacts,
    JUDGES,
    LoadFacts,
    MeasureName,
    PatroniFacts,
    PostgresFacts,
    PrometheusFacts,
    versionAtLeast,
} from "../../../policies/live/judges";
import { applyLive, LiveResult } from "../../../policies/live/collect";
import { readRecord } from "../../../policies/live/gather";
import { parseEndpoint } from "../../../policies/live/target";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const GiB = 1024 ** 3;

const goodPostgres: PostgresFacts = {
    serverVersion: "17.2",
    serverVersionNum: 170002,
    vectorExtension: { name: "ruvector", version: "2.0.1", distanceOk: true },
    requiredVectorVersion: "2.0.0",
    expectedReplicas: 2,
    replicas: [
        { name: "pg-2", state: "streaming", syncState: "sync", lagBytes: 0, lagSeconds: 0 },
        { name: "pg-3", state: "streaming", syncState: "potential", lagBytes: 120, lagSeconds: 0.004 },
    ],
    appRoles: [{ name: "app_user", superuser: false, createrole: false, createdb: false, replication: false, bypassrls: false }],
    hbaRules: [{ type: "hostssl", address: "10.0.0.0/24", auth: "scram-sha-256" }, { type: "hostnossl", address: "0.0.0.0/0", auth: "reject" }, { type: "local", address: null, auth: "peer" }],
    allowedCidrs: ["10.0.0.0/24"],
    vectorColumns: [{ table: "app.docs", column: "embedding", hnsw: true }],
    hnswIndexes: [{ name: "app.docs_embedding_idx", scans: 12 }],
    tables: [{ name: "app.docs", liveRows: 10, lastAnalyzedDaysAgo: 0.5 }],
    foreignKeys: 2,
    unvalidatedForeignKeys: [],
    cacheHit: { hits: 99_000, reads: 1000 },
    replicationSlots: [{ name: "pg_2", active: true }, { name: "pg_3", active: true }],
    superuserTcp: { refused: true, detail: '28000: pg_hba.conf rejects connection for host "10.0.0.5", user "postgres", database "app", SSL encryption' },
    selectOneMs: 0.8,
    writeIsPrimary: true,
};
const badPostgres: PostgresFacts = {
    ...goodPostgres,
    serverVersion: "14.9",
    serverVersionNum: 140009,
    vectorExtension: { name: "vector", version: "0.8.0", distanceOk: false, error: "boom" },
    replicas: [{ name: "pg-2", state: "catchup", syncState: "async", lagBytes: 50 * 1024 ** 2, lagSeconds: 12 }],
    appRoles: [{ name: "app_user", superuser: true, createrole: false, createdb: true, replication: false, bypassrls: false }],
    hbaRules: [{ type: "host", address: "0.0.0.0/0", auth: "scram-sha-256" }],
    vectorColumns: [{ table: "app.docs", column: "embedding", hnsw: false }],
    hnswIndexes: [{ name: "app.docs_embedding_idx", scans: 0 }],
    tables: [{ name: "app.docs", liveRows: 10, lastAnalyzedDaysAgo: null }],
    unvalidatedForeignKeys: ["app.orders.orders_customer_fk"],
    cacheHit: { hits: 10_000, reads: 90_000 },
    replicationSlots: [{ name: "pg_2", active: false }],
    superuserTcp: { refused: false, detail: "logged in as postgres at 127.0.0.1:5000" },
    writeIsPrimary: false,
};

const goodLoad: LoadFacts = {
    concurrency: { clients: 40, succeeded: 40, errors: [], seconds: 0.9, via: "PgBouncer 127.0.0.1:6432" },
    simple: { samples: 300, p50: 0.4, p95: 0.9, p99: 1.5 },
    vector: { samples: 100, p50: 1.1, p95: 2.5, p99: 4, rows: 5000, dims: 64 },
    postgresCpu: [{ container: "pg-1", avgPercentOfLimit: 20 }],
    postgresMemory: [{ container: "pg-1", currentPercent: 30, peakPercent: 45 }],
    diskBusyPercent: 5,
    diskDevice: "vda",
};
const badLoad: LoadFacts = {
    concurrency: { clients: 40, succeeded: 31, errors: ["too many clients"], seconds: 3, via: "PgBouncer 127.0.0.1:6432" },
    simple: { samples: 300, p50: 5, p95: 14, p99: 30 },
    vector: { samples: 100, p50: 30, p95: 75, p99: 90, rows: 5000, dims: 64 },
    postgresCpu: [{ container: "pg-1", avgPercentOfLimit: 95 }],
    postgresMemory: [{ container: "pg-1", currentPercent: 85, peakPercent: 97 }],
    diskBusyPercent: 91,
    diskDevice: "vda",
};

const goodHost: HostFacts = {
    serverVersion: "28.2.2",
    composeVersion: "2.29.1",
    dockerRootDir: "/var/lib/docker",
    freeBytes: 150 * GiB,
    diskAlertRules: ["HostDiskSpaceLow"],
    ntp: { synchronized: true, estErrorUs: 800, maxErrorUs: 25_000, how: "adjtimex state 0, status 0x2001" },
    swappiness: 10,
    somaxconn: 65535,
};
// What this build machine really reports: no compose plugin, kernel clock never disciplined by NTP (adjtimex TIME_ERROR).
const badHost: HostFacts = {
    serverVersion: "19.03.1",
    composeVersion: null,
    dockerRootDir: "/var/lib/docker",
    freeBytes: 10 * GiB,
    diskAlertRules: [],
    ntp: { synchronized: false, estErrorUs: 16_000_000, maxErrorUs: 16_000_000, how: "adjtimex state 5, status 0x40" },
    swappiness: 60,
    somaxconn: 4096,
};

const NOW = "2026-12-01T12:00:00.000Z";
const cert = (endpoint: string, over: Partial<CertificateFacts["certificates"][number]> = {}) => ({
    endpoint,
    subject: endpoint.split(" ").pop()!.split(":")[0],
    issuer: "dpg-dev cluster CA",
    notBefore: "2026-11-01T00:00:00.000Z",
    notAfter: "2027-11-01T00:00:00.000Z",
    verified: true,
    ...over,
});
const goodCerts: CertificateFacts = { now: NOW, certificates: [cert("PostgreSQL via the write port 127.0.0.1:5000"), cert("etcd dpg-dev-etcd-1:2379")] };
const badCerts: CertificateFacts = {
    now: NOW,
    certificates: [
        cert("PostgreSQL via the write port 127.0.0.1:5000", { notAfter: "2026-12-20T00:00:00.000Z" }),
        cert("etcd dpg-dev-etcd-1:2379", { verified: false, error: "self-signed certificate", issuer: "dpg-dev-etcd-1", subject: "dpg-dev-etcd-1" }),
    ],
};

const alertRecord: AlertTestRecord = { stack: "s", systemIdentifier: "42", at: "2026-11-20T10:00:00Z", alertName: "DpgAlertTest1", channels: [{ integration: "email", sent: 1, failed: 0 }] };
const pitrRecord: PitrRecord = { stack: "s", systemIdentifier: "42", at: "2026-11-20T10:00:00Z", target: "2026-11-20 09:58:00+00", seconds: 41, promoted: true };

const drillRecord = {
    stack: "s",
    systemIdentifier: "42",
    at: "2026-11-20T10:00:00Z",
    failover: { seconds: 9.5, oldLeader: "pg-1", newLeader: "pg-2", committedRows: 100, rowsAfter: 100 },
    switchover: { seconds: 3.1, from: "pg-2", to: "pg-3", ok: true },
    reconnect: { ok: true, seconds: 9.6 },
    rejoin: { ok: true, seconds: 14, member: "pg-1" },
};

const benchRecord: BenchRecord = {
    stack: "s",
    systemIdentifier: "42",
    at: "2026-11-20T10:00:00Z",
    concurrentClients: { clients: 1000, succeeded: 1000, seconds: 6.2, errors: [] },
    pgbench: { clients: 8, seconds: 20, tpcbTps: 850, selectOnlyTps: 4100, failed: 0, latencyAvgMs: 9.4 },
    latency: { samples: 500, p50: 0.4, p95: 0.8, p99: 1.6 },
    burst: { container: "pg-1", peakCpuPercentOfLimit: 61, cpuLimit: 1 },
    targetTps: 100,
};

// The lab's three DinD nodes as gatherSwarmFacts reports them, and the same Swarm with dpg-lab-3 stopped.
const labNodes = [1, 2, 3].map((i) => `dpg-lab-${i}`);
const goodSwarmFacts: SwarmFacts = {
    nodes: labNodes.map((n, i) => ({ hostname: n, status: "Ready", availability: "Active", managerStatus: i === 0 ? "Leader" : "Reachable" })),
    probedNodes: labNodes,
    overlay: { network: "dpg-lab-readiness-probe", pairs: labNodes.map((n, i) => ({ from: n, to: labNodes[(i + 1) % 3], ok: true, detail: "tcp connected" })) },
    storage: labNodes.map((n) => ({ node: n, path: "/var/lib/docker", freeBytes: 60e9 })),
    bandwidth: { from: labNodes[0], to: labNodes[1], seconds: 3, bitsPerSecond: 9.4e9 },
};
const nodeDown: SwarmFacts = {
    ...goodSwarmFacts,
    nodes: goodSwarmFacts.nodes.map((n) => (n.hostname === "dpg-lab-3" ? { ...n, status: "Down", managerStatus: "Unreachable" } : n)),
    overlay: { ...goodSwarmFacts.overlay, pairs: [goodSwarmFacts.overlay.pairs[0], { from: "dpg-lab-2", to: "dpg-lab-3", ok: false, detail: "no probe on one side" }] },
    storage: [...goodSwarmFacts.storage.slice(0, 2), { node: "dpg-lab-3", path: "/var/lib/docker", error: "Cannot connect to the Docker daemon" }],
    bandwidth: { ...goodSwarmFacts.bandwidth, bitsPerSecond: 90e6 },
};

const FIXTURES: { [K in MeasureName]: { good: unknown; bad: unknown } } = {
    swarm: {
        good: { kind: "swarm", facts: goodSwarmFacts, requiredBitsPerSecond: REQUIRED_BITS_PER_SECOND } satisfies SwarmLiveFacts,
        bad: { kind: "swarm", facts: nodeDown, requiredBitsPerSecond: REQUIRED_BITS_PER_SECOND } satisfies SwarmLiveFacts,
    },
    postgres: { good: goodPostgres, bad: badPostgres },
    patroni: {
        good: { expectedNodes: 3, members: [{ name: "pg-1", role: "leader", state: "running", lagBytes: 0 }, { name: "pg-2", role: "sync_standby", state: "streaming", lagBytes: 0 }, { name: "pg-3", role: "replica", state: "streaming", lagBytes: 2048 }] } satisfies PatroniFacts,
        bad: { expectedNodes: 3, members: [{ name: "pg-1", role: "leader", state: "running", lagBytes: 0 }, { name: "pg-2", role: "replica", state: "stopped", lagBytes: null }] } satisfies PatroniFacts,
    },
    etcd: {
        good: { expectedMembers: 3, endpoints: ["a", "b", "c"].map((e) => ({ endpoint: e, healthy: true })) } satisfies EtcdFacts,
        bad: { expectedMembers: 3, endpoints: [{ endpoint: "a", healthy: true }, { endpoint: "b", healthy: false, error: "context deadline exceeded" }, { endpoint: "c", healthy: true }] } satisfies EtcdFacts,
    },
    containers: {
        good: { containers: [{ name: "pg-1", component: "patroni", running: true, health: "healthy", appArmorProfile: "docker-default", selinux: false }], dataMounts: [{ container: "pg-1", path: "/var/lib/postgresql/data", volume: "pg-1-data" }], daemonSecurityOptions: ["name=apparmor", "name=seccomp,profile=builtin"] } satisfies ContainerSetFacts,
        bad: { containers: [{ name: "pg-1", component: "patroni", running: true, health: "unhealthy", appArmorProfile: "", selinux: false }], dataMounts: [{ container: "pg-1", path: "/var/lib/postgresql/data" }], daemonSecurityOptions: ["name=seccomp,profile=builtin"] } satisfies ContainerSetFacts,
    },
    host: { good: goodHost, bad: badHost },
    load: { good: goodLoad, bad: badLoad },
    prometheus: {
        good: { targets: [{ job: "patroni", instance: "pg-1:8008", health: "up", lastError: "" }] } satisfies PrometheusFacts,
        bad: { targets: [{ job: "patroni", instance: "pg-1:8008", health: "down", lastError: "connection refused" }] } satisfies PrometheusFacts,
    },
    "backup-capacity": {
        good: { repoFreeBytes: 10 * GiB, databaseBytes: 100 * 1024 ** 2 } satisfies BackupCapacityFacts,
        bad: { repoFreeBytes: 200 * 1024 ** 2, databaseBytes: 100 * 1024 ** 2 } satisfies BackupCapacityFacts,
    },
    bench: {
        good: { stack: "s", record: benchRecord, ageDays: 3 } satisfies BenchFacts,
        bad: {
            stack: "s",
            ageDays: 1,
            record: {
                ...benchRecord,
                concurrentClients: { clients: 1000, succeeded: 712, seconds: 90, errors: ["no more connections allowed (max_client_conn)"] },
                pgbench: { ...benchRecord.pgbench, tpcbTps: 40, failed: 3 },
                burst: { container: "pg-1", peakCpuPercentOfLimit: 100, cpuLimit: 1 },
                latency: { samples: 0, p50: NaN, p95: NaN, p99: NaN },
            },
        } satisfies BenchFacts,
    },
    certificates: { good: goodCerts, bad: badCerts },
    "alert-test": {
        good: { stack: "s", record: alertRecord, ageDays: 2 } satisfies RecordFacts<AlertTestRecord>,
        bad: { stack: "s", record: { ...alertRecord, channels: [{ integration: "email", sent: 0, failed: 2 }] }, ageDays: 2 } satisfies RecordFacts<AlertTestRecord>,
    },
    pitr: {
        good: { stack: "s", record: pitrRecord, ageDays: 2 } satisfies RecordFacts<PitrRecord>,
        bad: { stack: "s", missing: "no point-in-time restore recorded for s", ageDays: Infinity } satisfies RecordFacts<PitrRecord>,
    },
    drills: {
        good: { stack: "s", record: drillRecord, ageDays: 3 } satisfies DrillFacts,
        bad: { stack: "s", missing: "no failover drill recorded for s", ageDays: Infinity } satisfies DrillFacts,
    },
};

for (const [measure, judges] of Object.entries(JUDGES) as Array<[MeasureName, Record<string, (f: any) => { status: string; evidence: string }>]>) {
    test(`live ${measure}: every judge passes on healthy facts and fails on unhealthy ones`, () => {
        for (const [id, judge] of Object.entries(judges)) {
            const good = judge(FIXTURES[measure].good);
            const bad = judge(FIXTURES[measure].bad);
            assert.equal(good.status, "pass", `${id} on good facts: ${good.evidence}`);
            assert.equal(bad.status, "fail", `${id} on bad facts: ${bad.evidence}`);
            assert.ok(bad.evidence.length > 10, `${id} says why it fails`);
        }
    });
}

test("live judges name the figure and the fix where one is a setting", () => {
    assert.match(JUDGES.postgres["000-DB-01"](badPostgres).evidence, /pgvector 0\.8\.0 installed; the seeds require RuVector ≥ 2\.0\.0.*dpg-cluster:patroni\.vectorExtension/);
    assert.match(JUDGES.postgres["001-DB-01"](badPostgres).evidence, /PostgreSQL 14\.9 \(server_version_num 140009 < 150000\).*components\/patroni\/image/);
    assert.match(JUDGES.postgres["001-DB-01"](goodPostgres).evidence, /PostgreSQL 17\.2 \(server_version_num 170002 ≥ 150000\) through the write port$/);
    // No number read is no pass.
    assert.equal(JUDGES.postgres["001-DB-01"]({ ...goodPostgres, serverVersionNum: NaN }).status, "fail");
    assert.match(JUDGES.postgres["001-DB-04"](badPostgres).evidence, /host 0\.0\.0\.0\/0.*dpg-cluster:network\.clientCidrs/);
    assert.match(JUDGES.load["000-PERF-02"](badLoad).evidence, /p95 14\.00 ms \(< 10 ms wanted\)/);
    assert.match(JUDGES.host["000-INF-06"](badHost).evidence, /10\.0 GB free .*≥ 100 GB.*alert missing/);
    assert.match(JUDGES.drills["000-HA-02"](FIXTURES.drills.bad as DrillFacts).evidence, /npm run drill -- --stack s/);
    // A failover that loses a committed row fails even when it is fast.
    const lossy = { stack: "s", record: { ...drillRecord, failover: { ...drillRecord.failover, rowsAfter: 99 } }, ageDays: 1 };
    assert.equal(JUDGES.drills["000-HA-02"](lossy).status, "fail");
    // A Swarm task killed and back within its lease leads again: fast, nothing lost, and still no failover.
    const inPlace = { stack: "s", record: { ...drillRecord, failover: { ...drillRecord.failover, newLeader: drillRecord.failover.oldLeader } }, ageDays: 1 };
    assert.equal(JUDGES.drills["001-HA-02"]({ stack: "s", record: drillRecord, ageDays: 1 }).status, "pass");
    assert.equal(JUDGES.drills["001-HA-02"](inPlace).status, "fail");
    assert.match(JUDGES.drills["001-HA-02"](inPlace).evidence, /no replica took over/);
});

// Issue 8: these passed on an idle cluster, an empty database or an unreadable clock; no data is not a pass.
test("live judges say no data (not pass) when there is nothing to judge", () => {
    // What an application database without the application's tables really measures (the h8prod report, 2026-12-02).
    const idle = { ...goodPostgres, vectorColumns: [], hnswIndexes: [], cacheHit: { hits: 40, reads: 2 }, tables: [], foreignKeys: 0, unvalidatedForeignKeys: [] };
    for (const id of ["001-DB-08", "000-PERF-08", "001-PERF-08", "001-DB-11", "001-DB-17"]) {
        const out = JUDGES.postgres[id](idle);
        assert.equal(out.status, "unknown", `${id}: ${out.evidence}`);
        assert.match(out.evidence, /^no data: /);
    }
    assert.equal(JUDGES.host["001-INF-12"]({ ...goodHost, ntp: null }).status, "unknown");
    assert.equal(JUDGES.certificates["000-INF-07"]({ now: NOW, certificates: [] }).status, "unknown");
});

test("the clock, Compose, the superuser lock and the served certificates are judged from what was measured", () => {
    assert.match(JUDGES.host["001-INF-12"](badHost).evidence, /not synchronised by NTP .*STA_UNSYNC/);
    assert.match(JUDGES.host["000-INF-01"](badHost).evidence, /Docker Compose not installed/);
    assert.equal(JUDGES.host["000-INF-01"]({ ...goodHost, composeVersion: "1.29.2" }).status, "fail", "Compose v1 is below 2.0");
    assert.equal(JUDGES.postgres["001-SEC-01"]({ ...goodPostgres, superuserTcp: { refused: false, detail: "08006: connection refused" } }).status, "fail");
    assert.match(JUDGES.certificates["000-INF-07"](badCerts).evidence, /127\.0\.0\.1:5000 18 d/);
    assert.match(JUDGES.certificates["001-SEC-03"](badCerts).evidence, /etcd dpg-dev-etcd-1:2379 not verified against the cluster CA/);
    assert.match(JUDGES["alert-test"]["000-MON-12"]({ stack: "s", missing: "no alert test recorded for s", ageDays: Infinity }).evidence, /npm run alert-test -- --stack s/);
});

test("versionAtLeast compares numerically, part by part", () => {
    assert.ok(versionAtLeast("17.2", "15"));
    assert.ok(versionAtLeast("20.10.24", "20.10"));
    assert.ok(!versionAtLeast("0.8.0", "2.0.0"));
    assert.ok(!versionAtLeast("19.03.1", "20.10"));
    assert.ok(versionAtLeast("2.0.0", "2.0.0"));
});

test("catalog and judges agree: every measuredBy names a measurement with a judge for that item, and every judge is used", () => {
    const items = catalog();
    for (const i of items.filter((x) => x.measuredBy)) {
        const judges = (JUDGES as Record<string, Record<string, unknown>>)[i.measuredBy!];
        assert.ok(judges, `${i.id}: unknown measurement ${i.measuredBy}`);
        assert.ok(judges[i.id], `${i.id}: measurement ${i.measuredBy} has no judge for it`);
    }
    for (const [measure, judges] of Object.entries(JUDGES))
        for (const id of Object.keys(judges)) {
            const item = items.find((i) => i.id === id)!;
            // On a Swarm the swarm probes take over what they measure per node (measureOf).
            const on = (kind: "docker" | "swarm") => measureOf(item, { config: { target: { kind } } } as never);
            assert.ok(on("docker") === measure || on("swarm") === measure, `judge ${measure}/${id} is not what the catalog says decides ${id}`);
        }
    assert.equal(measureOf(items.find((i) => i.id === "000-INF-04")!, { config: { target: { kind: "swarm" } } } as never), "swarm");
    assert.equal(measureOf(items.find((i) => i.id === "000-INF-04")!, { config: { target: { kind: "docker" } } } as never), "host");
});

test("drill and benchmark records count only for the same cluster and within 30 days", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drill-"));
    const file = path.join(dir, "drills.json");
    assert.match(readRecord(file, "s", "42", "failover drill").missing!, /no failover drill recorded/);
    fs.writeFileSync(file, JSON.stringify(drillRecord));
    assert.ok(readRecord(file, "s", "42", "failover drill", new Date("2026-11-23T00:00:00Z")).record);
    assert.match(readRecord(file, "s", "43", "failover drill", new Date("2026-11-23T00:00:00Z")).missing!, /another cluster/);
    assert.match(readRecord(file, "s", "42", "failover drill", new Date("2027-01-23T00:00:00Z")).missing!, /days old/);
    fs.rmSync(dir, { recursive: true });
});

test("applyLive replaces only unmeasured live items and recomputes the score", () => {
    const base = (id: string, check: "live" | "static", status: "not-measured" | "fail" | "pass") =>
        ({ id, category: "database", severity: "blocker", source: "x", ref: id, check, scored: true, status, evidence: "e" }) as const;
    const e = {
        environment: "dev",
        asOf: "2026-11-23",
        items: [base("A", "live", "not-measured"), base("B", "live", "fail"), base("C", "static", "pass")],
        score: {} as any,
    };
    const live = new Map<string, LiveResult>([
        ["A", { status: "pass", evidence: "measured", measuredAt: "2026-11-23T10:00:00Z", measure: "postgres" }],
        ["B", { status: "pass", evidence: "measured", measuredAt: "2026-11-23T10:00:00Z", measure: "postgres" }],
    ]);
    const out = applyLive(e as any, live);
    assert.equal(out.items[0].status, "pass");
    assert.equal(out.items[1].status, "fail", "a failed precondition is not overridden by a measurement");
    assert.equal(out.score.blockers.passed, 2);
    assert.equal(out.score.status, "not-ready");
});

test("applyLive keeps a failed precondition and adds what was measured to its evidence", () => {
    const item = { id: "000-DB-01", category: "database", severity: "blocker", source: "000", ref: "r", check: "live", scored: true, status: "fail", evidence: "precondition fails: vector-extension: the stack creates pgvector (vector)" };
    const e = { environment: "dev", asOf: "2026-12-01", items: [item], score: {} as any };
    const live = new Map<string, LiveResult>([["000-DB-01", { status: "fail", evidence: "pgvector 0.8.0 installed", measuredAt: "2026-12-01T10:00:00Z", measure: "postgres" }]]);
    const out = applyLive(e as any, live);
    assert.equal(out.items[0].status, "fail");
    assert.equal(out.items[0].evidence, "precondition fails: vector-extension: the stack creates pgvector (vector); measured: pgvector 0.8.0 installed [live 2026-12-01T10:00:00Z]");
});

test("endpoints from stack outputs: host:port, 0.0.0.0 reached over loopback, junk refused", () => {
    assert.deepEqual(parseEndpoint("127.0.0.1:15000", "w"), { host: "127.0.0.1", port: 15000 });
    assert.deepEqual(parseEndpoint("0.0.0.0:5000", "w"), { host: "127.0.0.1", port: 5000 });
    assert.throws(() => parseEndpoint("nope", "writeEndpoint"), /writeEndpoint is not host:port/);
});

test("alert-test reads Alertmanager's notification counters per integration, and only operator channels count", async () => {
    const { countersByIntegration, configuredChannels } = await import("../../../policies/live/alert-test");
    const metrics = [
        "# TYPE alertmanager_notifications_total counter",
        'alertmanager_notifications_total{integration="email"} 3',
        'alertmanager_notifications_total{integration="webhook"} 12',
        'alertmanager_notifications_failed_total{integration="email",reason="other"} 1',
        'alertmanager_notifications_failed_total{integration="email",reason="serverError"} 2',
    ].join("\n");
    assert.deepEqual(countersByIntegration(metrics, "alertmanager_notifications_total"), { email: 3, webhook: 12 });
    assert.deepEqual(countersByIntegration(metrics, "alertmanager_notifications_failed_total"), { email: 3 });
    const { parseStackConfig } = await import("../../../infra/config");
    assert.deepEqual(configuredChannels(parseStackConfig({}, "dev")), [], "the dev defaults configure no channel: only the built-in sink");
    assert.deepEqual(configuredChannels(parseStackConfig({ monitoring: { alerting: { email: { to: "ops@example.com", from: "dpg@example.com", smarthost: "smtp.example.com:587" } } } }, "dev")), ["email"]);
});

test("Swarm items on one Docker host fail with the reason and the setting that changes it", () => {
    const oneHost: SwarmLiveFacts = { kind: "docker", endpoint: "unix:///var/run/docker.sock" };
    for (const id of ["000-INF-02", "001-INF-03", "000-INF-03", "001-INF-04", "001-PERF-09"]) {
        const out = JUDGES.swarm[id](oneHost);
        assert.equal(out.status, "fail", id);
        assert.match(out.evidence, /one Docker host|needs more than one host/);
        assert.match(out.evidence, /fix: set dpg-cluster:target\.kind to swarm/);
    }
    assert.match(JUDGES.swarm["001-PERF-09"]({ kind: "swarm", facts: nodeDown, requiredBitsPerSecond: REQUIRED_BITS_PER_SECOND }).evidence, /90 Mbit\/s .* required 100 Mbit\/s \+ 20 % = 120 Mbit\/s/);
    assert.match(JUDGES.swarm["000-INF-02"]({ kind: "swarm", facts: nodeDown, requiredBitsPerSecond: 1 }).evidence, /dpg-lab-3 Down\/Active\/Unreachable/);
});
