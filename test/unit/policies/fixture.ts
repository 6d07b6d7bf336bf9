// A production-shaped declared stack, as the policies would see it: component specs (per the contract with the
// program) and the Docker/random resources under them. Every static rule passes on it; tests mutate one field.
import { T } from "../../../policies/rules/settings";
import { etcdSecurity, renderEtcdConfig } from "../../../components/etcd/render";
import { pgHba } from "../../../components/patroni/render";
import { clusterSettings } from "../../support/fixtures";
import { serviceArgs } from "../../../components/target/service";
import type { Workload } from "../../../components/target/workload";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { StackConfig } from "../../../infra/config";
import { settingsFrom } from "../../../policies/live/target";

/** The validated settings of a committed stack file (Pulumi.<stack>.yaml), defaults filled: a real config. */
export function committedSettings(stack: "dev" | "prod"): StackConfig {
    const file = path.resolve(__dirname, "..", "..", "..", `Pulumi.${stack}.yaml`);
    return settingsFrom(parse(fs.readFileSync(file, "utf8")).config ?? {}, stack);
}

/** What the etcd component exposes for a member config rendered with or without TLS (the real renderer). */
export function etcdSpecFields(tls: boolean) {
    return etcdSecurity(renderEtcdConfig({ name: "dpg-e-1", founders: ["dpg-e-1", "dpg-e-2", "dpg-e-3"], clusterToken: "dpg-e", tls }));
}

/** The pg_hba lines the Patroni component renders (the real renderer) for TLS on or off. */
export function renderedHba(tls: boolean): string[] {
    return pgHba({ ...clusterSettings, tls });
}

export interface FixtureResource {
    type: string;
    name: string;
    urn: string;
    props: any;
    provider?: { type: string; name: string; urn: string; props: any };
}

const STACK = "prod";
const PROJECT = "dpg-cluster";

export function urnOf(type: string, name: string, parents: string[] = []): string {
    return `urn:pulumi:${STACK}::${PROJECT}::${[...parents, type].join("$")}::${name}`;
}

function provider(host: string) {
    return { type: "pulumi:providers:docker", name: host, urn: urnOf("pulumi:providers:docker", host), props: { host } };
}

const HOSTS = ["ssh://node-a", "ssh://node-b", "ssh://node-c"];
const PG_IMAGE = "ghcr.io/dpg/patroni-ruvector:17-2.0.0";
const ETCD_IMAGE = "quay.io/coreos/etcd:v3.5.17";

function container(name: string, parentType: string, i: number, extra: Record<string, unknown> = {}): FixtureResource {
    return {
        type: T.container,
        name,
        urn: urnOf(T.container, name, [parentType]),
        provider: provider(HOSTS[i % HOSTS.length]),
        props: {
            name,
            image: parentType === T.etcd ? ETCD_IMAGE : PG_IMAGE,
            envs: [`NODE_NAME=${name}`, "PATRONI_SUPERUSER_PASSWORD_FILE=/run/secrets/superuser"],
            healthcheck: { tests: ["CMD-SHELL", "pg_isready -h 127.0.0.1"], interval: "5s", retries: 5 },
            restart: "unless-stopped",
            logDriver: "json-file",
            logOpts: { "max-size": "10m", "max-file": "5" },
            memory: 2048,
            ulimits: [{ name: "nofile", soft: 65536, hard: 65536 }],
            labels: [{ label: "dpg.role", value: name }],
            ports: [],
            ...extra,
        },
    };
}

export function goodCluster(): FixtureResource[] {
    const comp = (type: string, name: string, props: any): FixtureResource => ({ type, name, urn: urnOf(type, name), props });
    return [
        comp(T.etcd, "etcd", { members: 3, image: ETCD_IMAGE, ...etcdSpecFields(true) }),
        comp(T.patroni, "pg", {
            nodes: 3,
            postgresMajor: 17,
            image: PG_IMAGE,
            vectorExtension: "ruvector",
            synchronousMode: true,
            synchronousNodeCount: 1,
            tls: { enabled: true },
            pgHba: renderedHba(true),
            passwordEncryption: "scram-sha-256",
            maxConnections: 500,
            ttl: 30,
            loopWait: 10,
            retryTimeout: 10,
            dataChecksums: true,
            parameters: {
                max_connections: "500",
                shared_buffers: "2GB",
                effective_cache_size: "6GB",
                work_mem: "32MB",
                maintenance_work_mem: "512MB",
                max_wal_size: "4GB",
                checkpoint_completion_target: "0.9",
                random_page_cost: "1.1",
                log_statement: "ddl",
                log_min_duration_statement: "1000",
                log_connections: "on",
                log_disconnections: "on",
                ssl: "on",
                archive_mode: "on",
                wal_level: "logical",
                autovacuum: "on",
                autovacuum_vacuum_scale_factor: "0.05",
                password_encryption: "scram-sha-256",
                shared_preload_libraries: "pg_stat_statements,ruvector",
            },
        }),
        comp(T.haproxy, "lb", { writePort: 5000, readPort: 5001, statsPort: 7000, bindAddress: "127.0.0.1", checkInterMs: 2000, fall: 3, rise: 2 }),
        comp(T.pgbouncer, "pool", {
            poolMode: "transaction", maxClientConn: 1000, defaultPoolSize: 40, reservePoolSize: 10, authType: "scram-sha-256",
            usesAuthQuery: true, bindAddress: "127.0.0.1", port: 6432, maxPreparedStatements: 100, poolerCountPerCluster: 2, postgresMaxConnections: 500,
        }),
        comp(T.backup, "backup", { fullSchedule: "0 1 * * 0", diffSchedule: "0 1 * * 1-6", retentionFull: 2, cipherType: "aes-256-cbc", walArchiving: true, archiveAsync: true }),
        comp(T.monitoring, "mon", {
            scrapeIntervalSeconds: 15,
            scrapedJobs: ["postgres", "patroni", "etcd", "haproxy", "pgbouncer", "node"],
            alertRules: ["PostgreSQLDown", "ReplicationLagHigh", "DiskSpaceLow", "ConnectionPoolExhausted", "SlowQueryLatency", "MemoryUsageHigh", "RollbackTriggerErrorRate", "RollbackTriggerLatencyMean", "RollbackTriggerConnectionErrors", "RollbackTriggerOOMKill", "RollbackTriggerFailovers"],
            receivers: ["webhook", "pagerduty"],
            dashboards: ["PostgreSQL Overview", "Vector Performance", "System Resources", "Replication Status"],
            // Only where a deployed Grafana serves them (components/monitoring/index.ts).
            grafanaDeployed: true,
        }),
        comp(T.tls, "tls", { certValidityDays: 365, minDaysLeft: 30, keyAlgorithm: "ECDSA" }),
        ...[0, 1, 2].map((i) => container(`pg-${i}`, T.patroni, i)),
        ...[0, 1, 2].map((i) => container(`etcd-${i}`, T.etcd, i)),
        container("haproxy", T.haproxy, 0, { ports: [{ internal: 5000, external: 5000, ip: "127.0.0.1" }] }),
        { type: T.network, name: "db-net", urn: urnOf(T.network, "db-net"), props: { name: "dpg-db", driver: "overlay", internal: true } },
        { type: T.network, name: "mon-net", urn: urnOf(T.network, "mon-net"), props: { name: "dpg-mon", driver: "overlay", internal: false } },
        { type: T.volume, name: "pg-0-data", urn: urnOf(T.volume, "pg-0-data", [T.patroni]), props: { name: "pg-0-data" } },
        { type: T.volume, name: "backup-repo", urn: urnOf(T.volume, "backup-repo", [T.backup]), props: { name: "dpg-prod-pgbackrest-repo", driver: "local", driverOpts: { type: "nfs", o: "addr=10.0.0.9,rw", device: ":/backups" } } },
        { type: T.remoteImage, name: "pg-image", urn: urnOf(T.remoteImage, "pg-image", [T.patroni]), props: { name: PG_IMAGE } },
        { type: T.randomPassword, name: "superuser", urn: urnOf(T.randomPassword, "superuser", [T.patroni]), props: { length: 32, special: false } },
    ];
}

export function find(cluster: FixtureResource[], name: string): FixtureResource {
    const r = cluster.find((x) => x.name === name);
    if (!r) throw new Error(`fixture has no resource ${name}`);
    return r;
}

export function without(cluster: FixtureResource[], type: string): FixtureResource[] {
    return cluster.filter((r) => r.type !== type);
}

/** Model for stack rules, as the inputs cache would build it. */
export function modelOf(cluster: FixtureResource[]) {
    return { resources: cluster.map((r) => ({ type: r.type, urn: r.urn, name: r.name, props: r.props, providerHost: r.provider?.props.host })) };
}

const SWARM_NODES = [1, 2, 3].map((i) => `node.labels.dpg.node==${i}`);

/** A member as the Swarm target declares it: the real serviceArgs of a workload shaped like the component's. */
function service(name: string, parentType: string, i: number, extra: Partial<Workload> = {}): FixtureResource {
    const isEtcd = parentType === T.etcd;
    const w: Workload = {
        name,
        component: isEtcd ? "etcd" : parentType === T.haproxy ? "haproxy" : "patroni",
        image: `10.77.0.10:5000/dpg/${isEtcd ? "etcd" : "patroni"}@sha256:${"a".repeat(64)}`,
        process: { user: "postgres", uid: 999, entrypoint: [], command: ["patroni", "/etc/patroni/patroni.yml"] },
        files: [{ path: "/etc/patroni/patroni.yml", content: "x", secret: true }],
        healthcheck: { test: ["CMD-SHELL", "pg_isready -h 127.0.0.1"], intervalS: 5, timeoutS: 3, retries: 5 },
        limits: { memoryMb: 2048, cpus: 1 },
        placement: SWARM_NODES[i % SWARM_NODES.length],
        ...extra,
    };
    const ctx = { namePrefix: "dpg-prod", networks: { cluster: "net-cluster", edge: "net-edge" }, fileRefs: { "/etc/patroni/patroni.yml": { id: "sec", name: "sec" } } };
    return { type: T.service, name, urn: urnOf(T.service, name, [parentType]), provider: provider("ssh://manager-1"), props: serviceArgs(w, ctx) };
}

/**
 * The same stack on the Swarm target: services pinned one per node instead of containers, the internal
 * cluster overlay and the edge overlay. Two rules fail on it by the nature of Swarm (SWARM_FAILS).
 */
export function swarmCluster(): FixtureResource[] {
    const rest = goodCluster().filter((r) => r.type !== T.container && r.type !== T.network);
    return [
        ...rest,
        ...[0, 1, 2].map((i) => service(`pg-${i}`, T.patroni, i)),
        ...[0, 1, 2].map((i) => service(`etcd-${i}`, T.etcd, i)),
        ...[0, 1].map((i) => service(`haproxy-${i}`, T.haproxy, i, { files: [], process: { user: "haproxy", entrypoint: [], command: ["haproxy"] }, ports: [{ internal: 5000, external: 5000 }] })),
        { type: T.network, name: "cluster-network", urn: urnOf(T.network, "cluster-network"), props: { name: "dpg-prod-cluster", driver: "overlay", internal: true, attachable: true } },
        { type: T.network, name: "edge-network", urn: urnOf(T.network, "edge-network"), props: { name: "dpg-prod-edge", driver: "overlay", internal: false, attachable: true } },
    ];
}

/**
 * backup.repository=server: the repository as its own workload (a service pinned to `placement` on a
 * Swarm, a container on one host) instead of the volume; the backup spec says so.
 */
export function withRepositoryServer(cluster: FixtureResource[], placement?: string): FixtureResource[] {
    const out = cluster.filter((r) => r.name !== "backup-repo");
    find(out, "backup").props.repository = "server";
    out.push(
        placement
            ? service("backup-repository", T.backup, 0, { component: "pgbackrest-repo", placement })
            : container("backup-repository", T.backup, 0, { name: "dpg-prod-backup" }),
    );
    return out;
}

/** Rules a Swarm stack fails whatever its settings, with what the message must say (the operator's fix). */
export const SWARM_FAILS: Record<string, string> = {
    "container-nofile-ulimit": "default-ulimits nofile=65536:65536 in /etc/docker/daemon.json",
    "db-ports-not-public": "firewall the Swarm nodes",
};
