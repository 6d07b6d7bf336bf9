// What the host-failure drills watch while a node is lost or cut off, without ever blocking the event
// loop (a synchronous docker call would stall the writers and fake a write gap): one writer per router
// recording which member answered each insert, a sampler asking every member's PostgreSQL whether it is
// writable, and Patroni's view of the cluster from a member on a given side of a partition.
import { execFile } from "node:child_process";
import { PATRONI_REST_PORT, TLS_UPLOAD_FILES } from "../../components/patroni/render";
import type { PatroniMember } from "./gather";
import type { RoleSample, WriteAttempt } from "./host-drill-analysis";
import { withClient } from "./sources";
import type { Endpoint, LiveTarget } from "./target";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Out {
    ok: boolean;
    stdout: string;
    stderr: string;
}

export function dockerAsync(args: string[], timeoutMs = 10_000): Promise<Out> {
    return new Promise((resolve) =>
        execFile("docker", args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
            resolve({ ok: !error, stdout: stdout ?? "", stderr: stderr ?? String(error?.message ?? "") }),
        ),
    );
}

/** A member's running task: the node it runs on and its container there. */
export interface Placed {
    node: string;
    endpoint: string;
    container: string;
}

/** Every running task of the stack on every node that answers, by member (service) name. */
export async function locate(t: LiveTarget): Promise<Map<string, Placed>> {
    if (t.exec.kind !== "swarm") throw new Error("host drills need a Swarm target");
    const found = new Map<string, Placed>();
    const nodes = t.exec.nodes.filter((n) => n.endpoint);
    const answers = await Promise.all(
        nodes.map((n) => dockerAsync(["-H", n.endpoint!, "ps", "--filter", `label=dpg.stack=${t.namePrefix}`, "--filter", "status=running", "--format", '{{.ID}} {{.Label "com.docker.swarm.service.name"}}'], 8000)),
    );
    answers.forEach((r, i) => {
        if (!r.ok) return;
        for (const line of r.stdout.split("\n")) {
            const [container, member] = line.trim().split(" ");
            if (container && member) found.set(member, { node: nodes[i].hostname, endpoint: nodes[i].endpoint!, container });
        }
    });
    return found;
}

export function execIn(p: Placed, options: string[], command: string[], timeoutMs = 8000): Promise<Out> {
    return dockerAsync(["-H", p.endpoint, "exec", ...options, p.container, ...command], timeoutMs);
}

/**
 * One running leader, every replica streaming, and in synchronous mode a sync standby named: before that,
 * Patroni rightly refuses to promote anyone (no replica is known to hold every commit), so a fault would
 * test nothing but that refusal.
 */
export function healthy(t: Pick<LiveTarget, "patroniNodes" | "config">, m: PatroniMember[]): boolean {
    return (
        m.length === t.patroniNodes.length &&
        m.filter((x) => x.role === "leader" && x.state === "running").length === 1 &&
        m.filter((x) => x.role !== "leader").every((x) => x.state === "streaming") &&
        (!t.config.patroni.synchronousMode || m.some((x) => x.role === "sync_standby"))
    );
}

/** Patroni's /cluster as seen by a member not on `avoidNodes` (the isolated side answers with a stale view). */
export async function clusterView(t: LiveTarget, avoidNodes: string[] = []): Promise<PatroniMember[]> {
    const placed = await locate(t);
    const scheme = t.caCertPem ? "https" : "http";
    for (const member of t.patroniNodes) {
        const p = placed.get(member);
        if (!p || avoidNodes.includes(p.node)) continue;
        const r = await execIn(p, [], ["curl", "-fsS", "--max-time", "4", ...(t.caCertPem ? ["--cacert", TLS_UPLOAD_FILES.ca] : []), `${scheme}://127.0.0.1:${PATRONI_REST_PORT}/cluster`]);
        if (r.ok) {
            try {
                return JSON.parse(r.stdout).members ?? [];
            } catch {
                continue;
            }
        }
    }
    return [];
}

/** The cluster-network address of each running Patroni member: what inet_server_addr() answers through a router. */
export async function memberAddresses(t: LiveTarget): Promise<Map<string, string>> {
    const placed = await locate(t);
    const out = new Map<string, string>();
    for (const member of t.patroniNodes) {
        const p = placed.get(member);
        if (!p) continue;
        const r = await execIn(p, [], ["python3", "-c", "import socket; print(socket.gethostbyname(socket.gethostname()))"]);
        if (r.ok && r.stdout.trim()) out.set(r.stdout.trim(), member);
    }
    return out;
}

/** Samples every member's PostgreSQL (local socket, superuser) about once a second until stopped. */
export function startRoleSampler(t: LiveTarget, everyMs = 1000) {
    const samples: RoleSample[] = [];
    let running = true;
    const done = (async () => {
        for (let round = 0; running && round < 3600; round++) {
            const started = Date.now();
            const placed = await locate(t).catch(() => new Map<string, Placed>());
            await Promise.all(
                t.patroniNodes.map(async (member) => {
                    const p = placed.get(member);
                    const at = Date.now();
                    if (!p) return samples.push({ round, at, member, role: "down" });
                    const r = await execIn(p, ["-u", "postgres"], ["psql", "-h", "/var/run/postgresql", "-XtAc", "SELECT pg_is_in_recovery()"], 4000);
                    samples.push({ round, at, member, role: !r.ok ? "down" : r.stdout.trim() === "f" ? "primary" : "replica" });
                }),
            );
            await sleep(Math.max(0, everyMs - (Date.now() - started)));
        }
    })();
    return { samples, stop: async () => ((running = false), await done) };
}

/**
 * One writer per router, each inserting on a fresh connection (as a pool after a failover would), 50 ms
 * apart; every attempt is kept with the member that acknowledged it.
 */
export function startRouterWriters(t: LiveTarget, routers: Endpoint[], addresses: Map<string, string>) {
    const attempts: WriteAttempt[] = [];
    let running = true;
    let next = 1;
    const loops = routers.map(async (router) => {
        const name = `${router.host}:${router.port}`;
        for (let i = 0; running && i < 20_000; i++) {
            const id = next++;
            const startedAt = Date.now();
            const server = await withClient(
                t,
                router,
                t.app,
                async (c) => (await c.query("INSERT INTO dpg_drill.writes (id, router) VALUES ($1, $2) RETURNING host(inet_server_addr()) AS addr", [id, name])).rows[0].addr as string,
                { connectMs: 2000, queryMs: 3000 },
            ).catch(() => undefined);
            const endedAt = Date.now();
            attempts.push({ router: name, id, startedAt, endedAt, ok: server !== undefined, server: server === undefined ? undefined : addresses.get(server) ?? server });
            await sleep(server === undefined ? 200 : 50);
        }
    });
    return { attempts, stop: async () => ((running = false), await Promise.all(loops)) };
}

/** SQL as the application role through the first router that answers; retried while leadership settles. */
export async function routerSql<T = any>(t: LiveTarget, routers: Endpoint[], text: string, attempts = 40): Promise<T[]> {
    let last = "";
    for (let i = 0; i < attempts; i++) {
        try {
            return await withClient(t, routers, t.app, async (c) => (await c.query(text)).rows, { connectMs: 2000, queryMs: 20_000 });
        } catch (e) {
            last = (e as Error).message;
        }
        await sleep(1000);
    }
    throw new Error(`SQL through the routers kept failing for ${attempts} attempts: ${last}`);
}

/** Polls until `probe` gives a value; bounded in time and count. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, limitMs: number, everyMs = 500): Promise<T> {
    const deadline = Date.now() + limitMs;
    for (let i = 0; Date.now() < deadline && i < 10_000; i++) {
        const v = await probe();
        if (v !== undefined) return v;
        await sleep(everyMs);
    }
    throw new Error(`${what}: not reached within ${limitMs / 1000} s`);
}
