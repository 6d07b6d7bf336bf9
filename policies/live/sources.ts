// The ways the collector reads the running cluster: SQL over the published endpoints (as a client
// would, verify-full against the cluster CA), SQL as the superuser over a node's local socket (the only
// place pg_hba admits it), and the Docker Engine through the docker CLI (inspect, stats, and `exec` for
// the services' own HTTP APIs on the internal network).
import { ChildProcess, spawn, spawnSync } from "child_process";
import { Duplex } from "stream";
import { Client } from "pg";
import { Endpoint, LiveTarget } from "./target";
import { execArgs } from "../../components/target/member-exec";

export interface DockerResult {
    status: number;
    stdout: string;
    stderr: string;
}

/** One bounded docker CLI call; never throws on a non-zero exit (the caller turns it into evidence). */
export function docker(args: string[], timeoutMs = 30_000): DockerResult {
    const r = spawnSync("docker", args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    if (r.error) return { status: 1, stdout: "", stderr: r.error.message };
    return { status: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

export function dockerOk(args: string[], timeoutMs?: number): string {
    const r = docker(args, timeoutMs);
    if (r.status !== 0) throw new Error(`docker ${args.slice(0, 2).join(" ")} failed: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
    return r.stdout;
}

export interface ContainerFacts {
    /** Container name; on a Swarm the service's (the member's) name. */
    name: string;
    id: string;
    /** `-H <endpoint>` of the daemon that runs it ([] = this machine's). */
    host: string[];
    component: string;
    running: boolean;
    health?: string;
    memoryLimitBytes: number;
    /** CPUs the container may use (its --cpus limit; 1 when unlimited, as docker stats counts one core as 100%). */
    cpuLimit: number;
    mounts: Array<{ type: string; name?: string; destination: string }>;
    appArmorProfile: string;
    securityOpt: string[];
}

/**
 * The docker CLI arguments of `docker exec [options] <member> command...` wherever the member runs (on a
 * Swarm: on the node of its running task, components/target/member-exec.ts).
 */
export function memberExec(t: Pick<LiveTarget, "exec">, member: string, options: string[], command: string[]): string[] {
    const args = execArgs(member, options, command, t.exec);
    if (!args) throw new Error(`${member} has no running task on the Swarm (docker service ps ${member})`);
    return args;
}

/** `-H <endpoint>` of each daemon the stack's containers run on: this machine's, or every Swarm node's. */
export function daemons(t: Pick<LiveTarget, "exec">): string[][] {
    return t.exec.kind === "swarm" ? t.exec.nodes.filter((n) => n.endpoint).map((n) => ["-H", n.endpoint!]) : [[]];
}

/** The daemon that answers for the whole stack: this machine's, or the Swarm manager. */
export function managerArgs(t: Pick<LiveTarget, "exec">): string[] {
    return t.exec.kind === "swarm" ? ["-H", t.exec.manager] : [];
}

/** Every container labelled with this stack, inspected (on a Swarm: every task container on every node, named by its service). */
export function stackContainers(t: LiveTarget): ContainerFacts[] {
    return daemons(t).flatMap((host) => {
        const ids = dockerOk([...host, "ps", "-a", "-q", "--filter", `label=dpg.stack=${t.namePrefix}`]).split("\n").filter(Boolean);
        if (ids.length === 0) return [];
        return (JSON.parse(dockerOk([...host, "inspect", ...ids])) as any[]).map((c) => containerFacts(c, host));
    });
}

function containerFacts(c: any, host: string[]): ContainerFacts {
    return {
        name: c.Config?.Labels?.["com.docker.swarm.service.name"] ?? String(c.Name).replace(/^\//, ""),
        id: String(c.Id),
        host,
        component: c.Config?.Labels?.["dpg.component"] ?? "",
        running: c.State?.Running === true,
        health: c.State?.Health?.Status,
        memoryLimitBytes: Number(c.HostConfig?.Memory ?? 0),
        cpuLimit: Number(c.HostConfig?.NanoCpus ?? 0) / 1e9 || 1,
        mounts: (c.Mounts ?? []).map((m: any) => ({ type: m.Type, name: m.Name, destination: m.Destination })),
        appArmorProfile: String(c.AppArmorProfile ?? ""),
        securityOpt: c.HostConfig?.SecurityOpt ?? [],
    };
}

/** A service's HTTP API on the internal network, fetched from inside a cluster member with curl. */
export function httpFromContainer(t: Pick<LiveTarget, "exec">, container: string, url: string, caFile?: string): string {
    return dockerOk(memberExec(t, container, [], ["curl", "-fsS", "--max-time", "10", ...(caFile ? ["--cacert", caFile] : []), url]), 20_000);
}

export interface Login {
    user: string;
    password: string;
}

export interface Timeouts {
    connectMs?: number;
    queryMs?: number;
}

/**
 * One connection for `fn`, verify-full against the stack's CA when TLS is on; always closed. Several
 * endpoints are tried in order until one accepts the connection, as libpq does with a multi-host
 * connection string (a Swarm's routers): a dead router costs its connect timeout, then the next is used.
 */
export async function withClient<T>(t: LiveTarget, at: Endpoint | Endpoint[], login: Login, fn: (c: Client) => Promise<T>, timeouts: Timeouts = {}): Promise<T> {
    const endpoints = Array.isArray(at) ? at : [at];
    let lastError: unknown;
    for (const e of endpoints) {
        const client = new Client({
            host: e.host,
            port: e.port,
            user: login.user,
            password: login.password,
            database: t.database,
            connectionTimeoutMillis: timeouts.connectMs ?? 5000,
            query_timeout: timeouts.queryMs ?? 30_000,
            ssl: t.caCertPem ? { ca: t.caCertPem } : false,
        });
        // A connection cut under a running query (HAProxy marking the leader down on a busy host) rejects that query;
        // without a listener the client's 'error' event would also kill the process before anything is recorded.
        client.on("error", () => undefined);
        try {
            await client.connect();
        } catch (err) {
            lastError = err;
            await client.end().catch(() => undefined);
            continue;
        }
        try {
            return await fn(client);
        } finally {
            await client.end().catch(() => undefined);
        }
    }
    throw lastError;
}

/** Copies bytes between docker exec's stdio and PostgreSQL's unix socket inside the container. */
const SOCKET_BRIDGE = `
import os, socket, threading
s = socket.socket(socket.AF_UNIX)
s.connect("/var/run/postgresql/.s.PGSQL.5432")
def up():
    while True:
        d = os.read(0, 65536)
        if not d:
            break
        s.sendall(d)
    s.shutdown(socket.SHUT_WR)
threading.Thread(target=up, daemon=True).start()
while True:
    d = s.recv(65536)
    if not d:
        break
    os.write(1, d)
`;

/**
 * A socket-like stream to PostgreSQL's local socket in `container`, for node-pg's `stream` option: the
 * superuser is refused over TCP (001-SEC-01), so superuser SQL goes where Patroni's own does, as the
 * postgres OS user (peer authentication), through docker exec.
 */
class LocalSocketStream extends Duplex {
    private child?: ChildProcess;
    /** args: the docker CLI arguments that run the bridge in the member (memberExec). */
    constructor(private readonly container: string, private readonly args: string[]) {
        super();
    }
    setNoDelay(): this {
        return this;
    }
    setKeepAlive(): this {
        return this;
    }
    connect(): this {
        const child = spawn("docker", this.args, { stdio: ["pipe", "pipe", "pipe"] });
        this.child = child;
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        child.stdout!.on("data", (d) => {
            if (!this.push(d)) child.stdout!.pause();
        });
        child.on("error", (e) => this.destroy(e));
        child.on("close", (code) => {
            if (code !== 0 && stderr) this.destroy(new Error(`local socket of ${this.container}: ${stderr.trim().split("\n").pop()}`));
            else this.push(null);
        });
        child.on("spawn", () => this.emit("connect"));
        return this;
    }
    _read(): void {
        this.child?.stdout?.resume();
    }
    _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
        this.child?.stdin?.write(chunk, done) ?? done(new Error("not connected"));
    }
    _final(done: () => void): void {
        this.child?.stdin?.end();
        done();
    }
    _destroy(e: Error | null, done: (e: Error | null) => void): void {
        this.child?.kill();
        done(e);
    }
}

/** One superuser session over the local socket of `container` (a Patroni node); always closed. */
export async function withLocalSuperuser<T>(t: LiveTarget, container: string, fn: (c: Client) => Promise<T>, database = t.database, timeouts: Timeouts = {}): Promise<T> {
    const open = () =>
        new Client({
            user: "postgres",
            database,
            stream: () => new LocalSocketStream(container, memberExec(t, container, ["-i", "-u", "postgres"], ["python3", "-c", SOCKET_BRIDGE])) as never,
            connectionTimeoutMillis: timeouts.connectMs ?? 15_000,
            query_timeout: timeouts.queryMs ?? 60_000,
        } as never);
    let client = open();
    // docker exec itself can fail on a loaded host before the bridge runs: a few bounded retries.
    for (let attempt = 1; ; attempt++) {
        try {
            await client.connect();
            break;
        } catch (e) {
            if (attempt >= 3) throw e;
            await new Promise((r) => setTimeout(r, 2000 * attempt));
            client = open();
        }
    }
    try {
        return await fn(client);
    } finally {
        await client.end().catch(() => undefined);
    }
}

/** Percentile (nearest rank) of a list of numbers. */
export function percentile(values: number[], p: number): number {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** p50/p95/p99 of a list of timings. */
export function percentiles(values: number[]): { samples: number; p50: number; p95: number; p99: number } {
    return { samples: values.length, p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) };
}

/** Runs `n` queries one after another on one connection; returns each one's time in ms. */
export async function timeQueries(c: Client, n: number, sql: () => string): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
        const started = process.hrtime.bigint();
        await c.query(sql());
        out.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return out;
}
