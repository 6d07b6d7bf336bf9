// What the live collector measures: one deployed stack, found from its outputs and its settings.
// Everything here comes from `pulumi stack output` (secrets included: the collector logs in) and the
// validated stack config; nothing is guessed from container names the program did not declare.
import { CONFIG_NAMESPACE, parseStackConfig, StackConfig } from "../../infra/config";
import { ExecTarget, execTargetFor } from "../../components/target/member-exec";

export interface Endpoint {
    host: string;
    port: number;
}

export interface LiveTarget {
    stack: string;
    config: StackConfig;
    /** Label value `dpg.stack` on every container of this stack. */
    namePrefix: string;
    write: Endpoint;
    /** Every router's write listener (one on a single host; one per router node on a Swarm). */
    writeRouters: Endpoint[];
    read: Endpoint;
    pooler?: Endpoint;
    database: string;
    app: { user: string; password: string };
    superuser: { user: string; password: string };
    monitor?: { user: string; password: string };
    /** PEM of the cluster CA when TLS is on: every connection is verify-full against it. */
    caCertPem?: string;
    patroniNodes: string[];
    etcdMembers: string[];
    /** Container that runs Prometheus, when monitoring is deployed. */
    prometheusContainer?: string;
    /** Where `docker exec` into a member goes: this machine's daemon, or the node its Swarm task runs on. */
    exec: ExecTarget;
}

/** The exec target of the stack's dpg-cluster:target settings. */
export function execTargetOf(config: StackConfig): ExecTarget {
    return execTargetFor(config.target);
}

export class NotDeployedError extends Error {}

export function parseEndpoint(value: unknown, what: string): Endpoint {
    // On a Swarm the routers publish on several nodes ("a:5000,b:5000", libpq's multi-host form): the checks use the first.
    return parseEndpoints(value, what)[0];
}

/** Every host:port of an endpoint output (libpq's multi-host form on a Swarm). */
export function parseEndpoints(value: unknown, what: string): Endpoint[] {
    return String(value ?? "").split(",").map((one) => parseOne(one, what));
}

function parseOne(value: string, what: string): Endpoint {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value);
    if (!m) throw new Error(`stack output ${what} is not host:port (${String(value)})`);
    // A listener bound to every address is reached over loopback from this machine.
    const host = m[1] === "0.0.0.0" || m[1] === "::" ? "127.0.0.1" : m[1];
    return { host, port: Number(m[2]) };
}

/** A postgresql:// URL with its first host only: a multi-host URL (postgresql://u:p@a:5000,b:5000/db, a Swarm's routers) is no WHATWG URL. */
export function firstHostUrl(connectionString: string): URL {
    return new URL(connectionString.replace(/@([^/?]*)/, (_, hosts: string) => `@${hosts.split(",")[0]}`));
}

function passwordOf(connectionString: unknown, what: string): { user: string; password: string } {
    try {
        const u = firstHostUrl(String(connectionString));
        return { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
    } catch {
        throw new Error(`stack output ${what} is not a postgresql:// URL`);
    }
}

/** Raw `pulumi config --json` values (`dpg-cluster:key` → value) → the validated settings, defaults filled. */
export function settingsFrom(rawConfig: Record<string, unknown>, stack: string): StackConfig {
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rawConfig)) {
        const [ns, key] = k.split(":", 2);
        if (ns !== CONFIG_NAMESPACE || !key) continue;
        try {
            raw[key] = typeof v === "string" ? JSON.parse(v) : v;
        } catch {
            raw[key] = v;
        }
    }
    return parseStackConfig(raw, stack);
}

/** Builds the target from `pulumi stack output --json --show-secrets`; throws NotDeployedError for an empty stack. */
export function targetFrom(stack: string, outputs: Record<string, unknown>, config: StackConfig): LiveTarget {
    if (!outputs || outputs.writeEndpoint === undefined) throw new NotDeployedError(`stack ${stack} has no deployed cluster (no writeEndpoint output); run pulumi up first`);
    const superPassword = String(outputs.superuserPassword ?? "");
    const exporterPassword = outputs.exporterPassword === undefined ? undefined : String(outputs.exporterPassword);
    const prefix = config.namePrefix;
    return {
        stack,
        config,
        namePrefix: prefix,
        write: parseEndpoint(outputs.writeEndpoint, "writeEndpoint"),
        writeRouters: parseEndpoints(outputs.writeEndpoint, "writeEndpoint"),
        read: parseEndpoint(outputs.readEndpoint, "readEndpoint"),
        pooler: outputs.poolerEndpoint ? parseEndpoint(outputs.poolerEndpoint, "poolerEndpoint") : undefined,
        database: String(outputs.databaseName ?? config.database.name),
        app: passwordOf(outputs.writeConnectionString, "writeConnectionString"),
        superuser: { user: "postgres", password: superPassword },
        monitor: exporterPassword ? { user: "postgres_exporter", password: exporterPassword } : undefined,
        caCertPem: outputs.caCertPem ? String(outputs.caCertPem) : undefined,
        patroniNodes: (outputs.patroniNodes as string[] | undefined) ?? [],
        etcdMembers: ((outputs.etcdEndpoints as string[] | undefined) ?? []).map((e) => e.split(":")[0]),
        prometheusContainer: config.monitoring.enabled ? `${prefix}-prometheus` : undefined,
        exec: execTargetOf(config),
    };
}
