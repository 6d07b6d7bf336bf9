// `npm run drill -- --stack <name>`: the failover and switchover drills the readiness items 000-HA-02,
// 001-HA-02 and 003-HA-02 ask for, run on the deployed stack and recorded in reports/<stack>/drills.json,
// which the report reads (same cluster, at most 30 days old).
//
// Failover: a client keeps committing rows through HAProxy's write port; the leader is lost with no clean
// hand-over (its container SIGKILLed on one host; its node powered off on the Swarm lab); the drill measures kill → first acknowledged write on
// the new leader, then checks every acknowledged row is there. Reconnect: a second client holds one session
// open through HAProxy across the kill; it must see that session end, then connect again and write. The old leader is started
// again and must rejoin as a streaming replica. Switchover: patronictl moves the leader to a replica on purpose.
import { PatroniMember, patroniMembers, systemIdentifier } from "./gather";
import type { DrillRecord } from "./judges";
import { memberContainer } from "../../components/target/member-exec";
import { docker, dockerOk, memberExec, withClient } from "./sources";
import { openStack, runMain, saveRecord, StackCommand } from "./stack-command";
import { labFaults } from "../../lab/faults";
import { healthy, routerSql, sleep, until as pollUntil } from "./host-drill-observe";
import { HOST_DRILLS, hostDrillMain } from "./host-drills";
import { LiveTarget } from "./target";
import { drillTimeline, RawAttempt } from "./timeline";

const STEP_LIMIT_MS = 120_000;
const log = (s: string) => process.stderr.write(`[drill] ${s}\n`);

/** /cluster from any node still running; empty while none answers (a node is down mid-drill). */
function members(t: LiveTarget, exclude: string[] = []): PatroniMember[] {
    try {
        return patroniMembers(t, exclude);
    } catch {
        return [];
    }
}

/** Polls every 250 ms, by default for up to a drill step's limit. */
const until = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, limitMs = STEP_LIMIT_MS) => pollUntil(what, probe, limitMs, 250);

/**
 * How the leader is lost. One host: SIGKILL to its container, started again for the rejoin. A Swarm
 * restarts a killed task at once, and a member back within its lease simply leads again: there the
 * lab powers off the leader's whole node (lab/faults.ts), the loss that makes a replica take over.
 * A Swarm that is not the lab gets the task kill; if the same member leads again, 001-HA-02's judge says no
 * replica took over.
 */
interface LeaderLoss {
    what: string;
    inject(): void;
    undo(): Promise<void>;
}

function leaderLoss(t: LiveTarget, leader: string): LeaderLoss {
    const c = memberContainer(leader, t.exec);
    if (!c) throw new Error(`${leader} is not running`);
    const host = c.host ? ["-H", c.host] : [];
    if (t.exec.kind === "docker")
        return { what: `SIGKILL to ${leader}`, inject: () => void dockerOk(["kill", c.container]), undo: async () => void docker(["start", leader]) };
    const faults = labFaults(t.exec.nodes.map((n) => n.hostname));
    if (faults && c.hostname) {
        const node = c.hostname;
        return { what: `power-off of ${node}, the node running ${leader}`, inject: () => faults.powerOff(node), undo: () => faults.powerOn(node) };
    }
    return { what: `SIGKILL to ${leader}'s task (Swarm restarts it)`, inject: () => void dockerOk([...host, "kill", c.container]), undo: async () => undefined };
}

/** One short-lived connection per insert, as a client pool after a failover would: connect, write, close. */
async function insert(t: LiveTarget, id: number): Promise<boolean> {
    return withClient(t, t.writeRouters, t.app, (c) => c.query("INSERT INTO dpg_drill.writes (id) VALUES ($1)", [id]).then(() => true), { connectMs: 2000, queryMs: 3000 }).catch(() => false);
}

/** Writes rows until stopped; remembers which inserts were acknowledged and when, and every attempt for the timeline. */
function startWriter(t: LiveTarget) {
    const acked: Array<{ id: number; startedAt: number; at: number }> = [];
    const attempts: RawAttempt[] = [];
    let running = true;
    let next = 1;
    const done = (async () => {
        for (let i = 0; running && i < 100_000; i++) {
            const id = next++;
            const startedAt = Date.now();
            const ok = await insert(t, id);
            const endedAt = Date.now();
            attempts.push({ startedAt, endedAt, ok });
            if (ok) acked.push({ id, startedAt, at: endedAt });
            await sleep(50);
        }
    })();
    return { acked, attempts, stop: async () => ((running = false), await done) };
}

/** SQL as the application role through the routers; retried while a leader change is still settling. */
const sql = <T = any>(t: LiveTarget, text: string) => routerSql<T>(t, t.writeRouters, text, 30);

/**
 * A long-lived client session through HAProxy, open before the kill. After the kill it must see its session
 * end (HAProxy drops connections to a server marked down), connect again and write: 003-HA-02 measured,
 * not assumed.
 */
async function startReconnectProbe(t: LiveTarget) {
    const { Client } = await import("pg");
    const open = (at = t.write) =>
        new Client({ host: at.host, port: at.port, user: t.app.user, password: t.app.password, database: t.database, connectionTimeoutMillis: 2000, query_timeout: 3000, ssl: t.caCertPem ? { ca: t.caCertPem } : false });
    // Sessions after the kill go to the routers in turn, as a multi-host connection string does.
    let nextRouter = 0;
    const reopen = () => open(t.writeRouters[nextRouter++ % t.writeRouters.length]);
    const first = open();
    await first.connect();
    let sessionEndedAt: number | undefined;
    let sessionError = "";
    first.on("error", (e) => {
        sessionEndedAt ??= Date.now();
        sessionError = e.message;
    });
    return {
        /** Polls the old session until it fails, then reconnects until a write is acknowledged. */
        async measure(killedAt: number): Promise<DrillRecord["reconnect"]> {
            const deadline = killedAt + STEP_LIMIT_MS;
            for (let i = 0; sessionEndedAt === undefined && Date.now() < deadline && i < 1000; i++) {
                try {
                    await first.query("INSERT INTO dpg_drill.writes (id) VALUES ($1)", [-1 - i]);
                    await sleep(200);
                } catch (e) {
                    sessionEndedAt ??= Date.now();
                    sessionError = (e as Error).message;
                }
            }
            await first.end().catch(() => undefined);
            if (sessionEndedAt === undefined) return { ok: false, seconds: 0, error: "the session opened before the kill never ended: it was not on the killed leader, so no reconnect was exercised" };
            for (let i = 0; Date.now() < deadline && i < 1000; i++) {
                const c = reopen();
                try {
                    await c.connect();
                    await c.query("INSERT INTO dpg_drill.writes (id) VALUES ($1)", [-100_000 - i]);
                    return { ok: true, seconds: (Date.now() - killedAt) / 1000, sessionError };
                } catch {
                    await sleep(250);
                } finally {
                    await c.end().catch(() => undefined);
                }
            }
            return { ok: false, seconds: 0, error: `no new session could write within ${STEP_LIMIT_MS / 1000} s after the kill (old session ended: ${sessionError})` };
        },
    };
}

async function failoverDrill(t: LiveTarget): Promise<Pick<DrillRecord, "failover" | "reconnect" | "rejoin" | "timeline">> {
    const before = await until("a healthy cluster before the failover", () => { const m = members(t); return healthy(t, m) ? m : undefined; });
    const oldLeader = before.find((m) => m.role === "leader")!.name;
    await sql(t, "CREATE SCHEMA IF NOT EXISTS dpg_drill; DROP TABLE IF EXISTS dpg_drill.writes; CREATE TABLE dpg_drill.writes (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())");
    const writer = startWriter(t);
    await until("writes flowing before the failover", () => (writer.acked.length >= 20 ? true : undefined), 30_000);
    const probe = await startReconnectProbe(t);
    const loss = leaderLoss(t, oldLeader);
    log(`losing the leader (${loss.what}) while a client writes through ${t.writeRouters.map((r) => `${r.host}:${r.port}`).join(",")}`);
    const killedAt = Date.now();
    loss.inject();
    let firstAfter: number;
    let reconnect: DrillRecord["reconnect"];
    try {
        const reconnecting = probe.measure(killedAt);
        // An insert already in flight at the kill may still be acknowledged by the old leader: only an
        // insert started after the kill proves the write path is back.
        firstAfter = await until("a write acknowledged by a new leader", () => writer.acked.find((a) => a.startedAt > killedAt)?.at);
        reconnect = await reconnecting;
        await sleep(1000);
    } catch (e) {
        await loss.undo(); // never leave the cluster a node short because the drill failed
        throw e;
    } finally {
        await writer.stop();
    }
    const seconds = (firstAfter - killedAt) / 1000;
    const newLeader = members(t).find((m) => m.role === "leader")?.name ?? "?";
    const present = new Set((await sql<{ id: string }>(t, "SELECT id FROM dpg_drill.writes WHERE id > 0")).map((r) => Number(r.id)));
    const kept = writer.acked.filter((a) => present.has(a.id)).length;
    log(`failover: ${newLeader} took writes ${seconds.toFixed(1)} s after the kill; ${kept}/${writer.acked.length} acknowledged rows present`);

    log(`undoing the ${loss.what}; ${oldLeader} must rejoin as a streaming replica`);
    const startedAt = Date.now();
    await loss.undo();
    let rejoinSeconds = 0;
    let rejoined = false;
    try {
        await until(`${oldLeader} streaming again`, () => (members(t).find((m) => m.name === oldLeader && m.state === "streaming") ? true : undefined));
        rejoinSeconds = (Date.now() - startedAt) / 1000;
        rejoined = true;
    } catch (e) {
        log((e as Error).message);
    }
    return {
        failover: { seconds, oldLeader, newLeader, committedRows: writer.acked.length, rowsAfter: kept },
        reconnect,
        rejoin: { ok: rejoined, seconds: rejoinSeconds, member: oldLeader },
        timeline: drillTimeline(writer.attempts, killedAt),
    };
}

async function switchoverDrill(t: LiveTarget): Promise<DrillRecord["switchover"]> {
    const m = await until("a healthy cluster before the switchover", () => { const x = members(t); return healthy(t, x) ? x : undefined; });
    const from = m.find((x) => x.role === "leader")!.name;
    const to = (m.find((x) => x.role === "sync_standby") ?? m.find((x) => x.role !== "leader"))!.name;
    log(`switchover ${from} → ${to} (patronictl)`);
    const t0 = Date.now();
    const r = docker([...memberExec(t, from, ["-u", "postgres"], []), "patronictl", "-c", "/etc/patroni/patroni.yml", "switchover", "--leader", from, "--candidate", to, "--force"], 90_000);
    if (r.status !== 0) return { seconds: 0, from, to, ok: false, error: (r.stderr || r.stdout).trim().slice(0, 300) };
    await until(`writes on ${to}`, async () => {
        try {
            const [row] = await sql<{ leader: boolean }>(t, "SELECT NOT pg_is_in_recovery() AS leader");
            return row.leader && members(t).find((x) => x.role === "leader")?.name === to ? true : undefined;
        } catch {
            return undefined;
        }
    });
    return { seconds: (Date.now() - t0) / 1000, from, to, ok: true };
}

const DRILL_COMMAND: StackCommand = {
    name: "drill",
    usage: "kills the stack's Patroni leader, measures the failover, then runs a switchover",
    prodRisk: "the drill interrupts writes for up to ~30 s",
};

export async function main(argv: string[]): Promise<number> {
    if (argv.includes("--host-summary") || HOST_DRILLS.some((k) => argv.includes(`--${k}`))) return hostDrillMain(argv);
    const opened = openStack(DRILL_COMMAND, argv);
    if (typeof opened === "number") return opened;
    const t = opened.t;
    const clusterId = await until("the cluster's system identifier", () => systemIdentifier(t).catch(() => undefined), 30_000);
    const fo = await failoverDrill(t);
    const switchover = await switchoverDrill(t);
    await sql(t, "DROP SCHEMA IF EXISTS dpg_drill CASCADE").catch((e) => log(`cleanup: ${(e as Error).message}`));
    const record: DrillRecord = { stack: t.stack, systemIdentifier: clusterId, at: new Date().toISOString(), ...fo, switchover };
    const file = saveRecord(DRILL_COMMAND, t.stack, record);
    process.stdout.write(
        `failover ${fo.failover.oldLeader} → ${fo.failover.newLeader}: ${fo.failover.seconds.toFixed(1)} s to the first acknowledged write; ` +
            `${fo.failover.rowsAfter}/${fo.failover.committedRows} acknowledged rows kept; ${fo.rejoin.member} rejoined ${fo.rejoin.ok ? `in ${fo.rejoin.seconds.toFixed(1)} s` : "— NO"}\n` +
            `switchover ${switchover.from} → ${switchover.to}: ${switchover.ok ? `${switchover.seconds.toFixed(1)} s` : `failed: ${switchover.error}`}\n` +
            `recorded: ${file}\n`,
    );
    return fo.failover.rowsAfter === fo.failover.committedRows && fo.rejoin.ok && switchover.ok ? 0 : 1;
}

if (require.main === module) runMain(DRILL_COMMAND, main);
