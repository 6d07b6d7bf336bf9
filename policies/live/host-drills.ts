// `npm run drill -- --stack <s> --node-loss | --partition | --etcd-member-loss | --etcd-quorum-loss | --backup-host-loss [--runs N]`
// (`--host-summary`: min / median / max of what is recorded):
// the host failures of issue 11 on a Swarm (000: failover < 30 s, zero data loss; 001: failover tested;
// the DR section's partitions and split brain), each run appended to reports/<stack>/host-drills.json.
//
// While one writer per router commits rows and a sampler asks every member's PostgreSQL whether it is
// writable, the drill powers off the leader's node, or cuts it off from the other nodes, or takes etcd
// members away, or powers off the backup repository's node and then the leader's and restores a copy to a
// point in time; then it brings everything back and checks every acknowledged row, that no two members
// ever acknowledged writes at once, and that the old leader streams again. Faults come from the lab
// (lab/faults.ts): a real Swarm's hosts are not this tool's to power off.
import * as fs from "node:fs";
import * as path from "node:path";
import { labFaults, NodeFaults } from "../../lab/faults";
import { memberSql, PitrOutcome, repositoryState, repositoryTask, restoreAndCount } from "./backup-host-observe";
import { systemIdentifier } from "./gather";
import {
    acceptedPerMember, demotedAt, doublePrimaryRounds, firstAckAfter, lostRows, maxWriteGapSeconds, RoleSample, splitBrain, Spread, spread, WriteAttempt,
} from "./host-drill-analysis";
import { clusterView, dockerAsync, healthy, locate, memberAddresses, routerSql, sleep, startRoleSampler, startRouterWriters, until } from "./host-drill-observe";
import { openStack, runMain, StackCommand } from "./stack-command";
import { LiveTarget } from "./target";

const log = (s: string) => process.stderr.write(`[host-drill] ${s}\n`);
export const HOST_DRILLS = ["node-loss", "partition", "etcd-member-loss", "etcd-quorum-loss", "backup-host-loss"] as const;
export type HostDrillKind = (typeof HOST_DRILLS)[number];

/** What every run records; the kind adds its own figures. */
export interface HostDrillRun {
    kind: HostDrillKind;
    at: string;
    /** The Swarm node the fault hit (node loss, partition) or the etcd members taken away. */
    target: string;
    oldLeader: string;
    newLeader?: string;
    /** Fault → first write acknowledged by a member other than the old leader, seconds (when leadership moved). */
    firstWriteSeconds?: number;
    /** Fault → the old leader's PostgreSQL no longer writable (it demoted itself or went down with its node), seconds. */
    demotionSeconds?: number;
    /** Largest gap between acknowledged writes during the fault, seconds. */
    maxWriteGapSeconds: number;
    acknowledged: number;
    failed: number;
    lost: number[];
    /** Writes sent while the fault lasted that each member acknowledged. */
    acceptedDuringFault: Record<string, number>;
    splitBrain: string[];
    doublePrimarySamples: number;
    /** Fault undone → the old leader (or every member) streaming again, seconds; undefined = not within the limit. */
    recoveredSeconds?: number;
    faultSeconds: number;
    /** backup-host-loss: the repository server's node, powered off first. */
    repositoryNode?: string;
    /** backup-host-loss: repository node back → the WAL segment switched during its outage archived, seconds. */
    archiveCatchUpSeconds?: number;
    /** backup-host-loss: the restore to a time after the leader's node was lost, and the rows committed before it. */
    pitr?: PitrOutcome & { expected: number };
    ok: boolean;
    problems: string[];
}

export interface HostDrillRecord {
    stack: string;
    systemIdentifier: string;
    runs: HostDrillRun[];
}

const RECOVERY_LIMIT_MS = 240_000;
const FAILOVER_LIMIT_MS = 120_000;

/** Healthy as Patroni says, and every member's task really running: a dead member stays listed until its key expires. */
const healthyCluster = (t: LiveTarget, limitMs = RECOVERY_LIMIT_MS) =>
    until("a healthy cluster (one leader, every replica streaming, a sync standby, every task running)", async () => {
        const m = await clusterView(t);
        if (!healthy(t, m)) return undefined;
        const placed = await locate(t);
        return [...t.patroniNodes, ...t.etcdMembers].every((x) => placed.has(x)) ? m : undefined;
    }, limitMs, 1000);

/**
 * Faults in force, undone if the drill is interrupted (Ctrl-C, a CI timeout's SIGTERM): a drill must
 * never leave a node powered off or cut off.
 */
const inForce = new Map<string, () => Promise<void> | void>();
async function undoAll(): Promise<void> {
    for (const [what, undo] of [...inForce.entries()].reverse()) {
        log(`interrupted: undoing ${what}`);
        await Promise.resolve(undo()).catch((e) => log(`${what}: ${(e as Error).message}`));
    }
    inForce.clear();
}

/**
 * Injects a fault, runs `during` (given the fault's time), and undoes the fault, also when `during` throws
 * or the process is interrupted. The fault's time is taken before `inject` (the conservative side for a
 * failover time) or, with `inEffectAfterInject`, after it (an injection that takes a moment, like a packet
 * filter, is only certainly in force then).
 */
async function withFault(what: string, f: { inject: () => void | Promise<void>; undo: () => Promise<void> | void; inEffectAfterInject?: boolean }, during: (faultAt: number) => Promise<void>): Promise<{ faultAt: number; undoneAt: number }> {
    inForce.set(what, f.undo);
    const before = Date.now();
    let faultAt = before;
    let undoneAt = before;
    try {
        // inside the try: an injection that fails half-way (a node killed, its exec refused) is undone too
        await f.inject();
        if (f.inEffectAfterInject) faultAt = Date.now();
        await during(faultAt);
    } finally {
        log(`undoing: ${what}`);
        inForce.delete(what);
        undoneAt = Date.now();
        await f.undo();
    }
    return { faultAt, undoneAt };
}

/** What runs during every drill: the table, one writer per router, the role sampler. */
async function watch(t: LiveTarget) {
    await routerSql(t, t.writeRouters, "CREATE SCHEMA IF NOT EXISTS dpg_drill; DROP TABLE IF EXISTS dpg_drill.writes; CREATE TABLE dpg_drill.writes (id bigint PRIMARY KEY, router text NOT NULL, at timestamptz NOT NULL DEFAULT now())");
    const addresses = await memberAddresses(t);
    const writers = startRouterWriters(t, t.writeRouters, addresses);
    const sampler = startRoleSampler(t);
    await until("writes flowing through the routers", () => (writers.attempts.filter((a) => a.ok).length >= 20 ? true : undefined), 60_000);
    return {
        attempts: writers.attempts,
        samples: sampler.samples,
        async stop(): Promise<{ attempts: WriteAttempt[]; samples: RoleSample[]; present: Set<number> }> {
            await Promise.all([writers.stop(), sampler.stop()]);
            const rows = await routerSql<{ id: string }>(t, t.writeRouters, "SELECT id FROM dpg_drill.writes");
            return { attempts: writers.attempts, samples: sampler.samples, present: new Set(rows.map((r) => Number(r.id))) };
        },
    };
}

function conclude(kind: HostDrillKind, target: string, oldLeader: string, faultAt: number, undoneAt: number, seen: { attempts: WriteAttempt[]; samples: RoleSample[]; present: Set<number> }, extra: Partial<HostDrillRun>): HostDrillRun {
    const lost = lostRows(seen.attempts, seen.present);
    const brains = splitBrain(seen.attempts);
    const doubles = doublePrimaryRounds(seen.samples);
    const moved = firstAckAfter(seen.attempts, faultAt, oldLeader);
    const problems = [
        ...(lost.length ? [`${lost.length} acknowledged rows missing after the drill (ids ${lost.slice(0, 10).join(", ")})`] : []),
        ...brains,
        ...doubles.map((d) => `two writable PostgreSQL at once (${d.members.join(", ")}) at ${new Date(d.at).toISOString()}`),
        ...(extra.recoveredSeconds === undefined ? [`the cluster was not healthy again within ${RECOVERY_LIMIT_MS / 1000} s after the fault was undone`] : []),
        ...(extra.problems ?? []),
    ];
    return {
        kind,
        at: new Date(faultAt).toISOString(),
        target,
        oldLeader,
        newLeader: moved?.server,
        firstWriteSeconds: moved ? (moved.endedAt - faultAt) / 1000 : undefined,
        maxWriteGapSeconds: maxWriteGapSeconds(seen.attempts, faultAt - 5000),
        acknowledged: seen.attempts.filter((a) => a.ok).length,
        failed: seen.attempts.filter((a) => !a.ok).length,
        lost,
        acceptedDuringFault: acceptedPerMember(seen.attempts, faultAt, undoneAt),
        splitBrain: brains,
        doublePrimarySamples: doubles.length,
        faultSeconds: (undoneAt - faultAt) / 1000,
        ...extra,
        ok: problems.length === 0,
        problems,
    };
}

async function leaderAndNode(t: LiveTarget): Promise<{ leader: string; node: string }> {
    const m = await healthyCluster(t);
    const leader = m.find((x) => x.role === "leader")!.name;
    const node = (await locate(t)).get(leader)?.node;
    if (!node) throw new Error(`the leader ${leader} has no running task on any node`);
    return { leader, node };
}

const streamingAgain = (t: LiveTarget, member: string, from: number) =>
    until(`${member} streaming again`, async () => ((await clusterView(t)).find((x) => x.name === member && x.state === "streaming") ? (Date.now() - from) / 1000 : undefined), RECOVERY_LIMIT_MS, 1000).catch(() => undefined);

/** The leader's node powered off; kill → first write on a new leader; power on → the old leader streams again. */
async function nodeLoss(t: LiveTarget, faults: NodeFaults): Promise<HostDrillRun> {
    const { leader, node } = await leaderAndNode(t);
    const w = await watch(t);
    log(`powering off ${node} (runs the leader ${leader})`);
    const { faultAt, undoneAt } = await withFault(`power-off of ${node}`, { inject: () => faults.powerOff(node), undo: () => faults.powerOn(node) }, async (at) => {
        await until("a write acknowledged by a new leader", () => firstAckAfter(w.attempts, at, leader), FAILOVER_LIMIT_MS).catch((e) => log((e as Error).message));
        await sleep(3000);
    });
    const recoveredSeconds = await streamingAgain(t, leader, undoneAt);
    const seen = await w.stop();
    return conclude("node-loss", node, leader, faultAt, undoneAt, seen, { recoveredSeconds });
}

/**
 * The leader's node cut off from the other nodes (the clients still reach every router): the majority
 * elects a new leader, the isolated one must stop taking writes by itself (Patroni cannot renew its lease),
 * and after the heal it rejoins as a replica.
 */
async function partition(t: LiveTarget, faults: NodeFaults, holdMs = 10_000): Promise<HostDrillRun> {
    const { leader, node } = await leaderAndNode(t);
    const w = await watch(t);
    const problems: string[] = [];
    log(`cutting ${node} (runs the leader ${leader}) off from the other nodes`);
    // inEffectAfterInject: from then on, whatever the old leader acknowledges is split brain.
    const { faultAt, undoneAt } = await withFault(`partition of ${node}`, { inject: () => faults.isolate(node), undo: () => faults.heal(node), inEffectAfterInject: true }, async (at) => {
        await until("a new leader taking writes and the isolated one demoted", () => (firstAckAfter(w.attempts, at, leader) && demotedAt(w.samples, leader, at) ? true : undefined), FAILOVER_LIMIT_MS).catch((e) =>
            problems.push((e as Error).message),
        );
        await sleep(holdMs);
    });
    const recoveredSeconds = await streamingAgain(t, leader, undoneAt);
    const seen = await w.stop();
    const demoted = demotedAt(seen.samples, leader, faultAt);
    return conclude("partition", node, leader, faultAt, undoneAt, seen, { recoveredSeconds, demotionSeconds: demoted === undefined ? undefined : (demoted - faultAt) / 1000, problems });
}

/**
 * The backups' host, then the leader's host, lost in turn (issue 11 part 3). While the repository's node is
 * off, commits go on (archiving is asynchronous) and a WAL segment switched meanwhile must reach the
 * repository once it is back. Then the leader's node goes: a replica takes over and archives its new
 * timeline to the same repository. The writers stop, a target time is taken between rows committed before
 * it and 77 after it, and a point-in-time restore from the repository alone (on its node) must hold
 * exactly the rows committed before the target.
 */
async function backupHostLoss(t: LiveTarget, faults: NodeFaults, holdMs = 20_000): Promise<HostDrillRun> {
    const { leader, node } = await leaderAndNode(t);
    const repo = await repositoryTask(t);
    if (repo.node === node) throw new Error(`the repository server runs on ${node} with the leader ${leader}: place it on a node of its own (dpg-cluster:target.placement.backup)`);
    // The repository's task changes container (and may take a moment to run) after its node comes back.
    const repoState = async () => {
        const placed = await repositoryTask(t).catch(() => undefined);
        return placed && (await repositoryState(placed));
    };
    await until("a backup in the repository (the scheduler's initial full backup)", async () => ((await repoState())?.backups ? true : undefined), 10 * 60_000, 5000);
    const w = await watch(t);
    const problems: string[] = [];
    const fail = (e: unknown) => void problems.push((e as Error).message);

    log(`powering off ${repo.node} (runs the repository server ${repo.member})`);
    let pending = "";
    const outage = await withFault(`power-off of ${repo.node}`, { inject: () => faults.powerOff(repo.node), undo: () => faults.powerOn(repo.node) }, async () => {
        await sleep(holdMs / 2);
        pending = await memberSql(t, leader, "SELECT pg_walfile_name(pg_switch_wal())");
        await sleep(holdMs / 2);
    });
    const archiveCatchUpSeconds = await until(`segment ${pending} (switched while the repository was off) in the repository`, async () =>
        ((await repoState())?.archiveMax ?? "") >= pending ? (Date.now() - outage.undoneAt) / 1000 : undefined, RECOVERY_LIMIT_MS, 1000,
    ).catch((e) => void fail(e));

    log(`powering off ${node} (runs the leader ${leader})`);
    let seen: Awaited<ReturnType<typeof w.stop>> | undefined;
    let expected = 0;
    let target = "";
    const { faultAt, undoneAt } = await withFault(`power-off of ${node}`, { inject: () => faults.powerOff(node), undo: () => faults.powerOn(node) }, async (at) => {
        const moved = await until("a write acknowledged by a new leader", () => firstAckAfter(w.attempts, at, leader), FAILOVER_LIMIT_MS);
        await sleep(3000);
        seen = await w.stop();
        const rows = (sql: string) => routerSql<{ v: string }>(t, t.writeRouters, sql).then((r) => String(r[0]?.v ?? ""));
        expected = Number(await rows("SELECT count(*) AS v FROM dpg_drill.writes"));
        await sleep(1500);
        target = await rows("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS v");
        await sleep(1500);
        await rows("INSERT INTO dpg_drill.writes (id, router) SELECT -g, 'after-target' FROM generate_series(1, 77) g RETURNING 'x' AS v");
        const segment = await memberSql(t, moved.server!, "SELECT pg_walfile_name(pg_switch_wal())");
        await until(`the new leader's segment ${segment} in the repository`, async () => (((await repoState())?.archiveMax ?? "") >= segment ? true : undefined), RECOVERY_LIMIT_MS, 1000);
    }).catch((e) => (fail(e), { faultAt: Date.now(), undoneAt: Date.now() }));
    const recoveredSeconds = await streamingAgain(t, leader, undoneAt);
    seen ??= await w.stop();

    let pitr: HostDrillRun["pitr"];
    if (target) {
        const placed = await repositoryTask(t);
        log(`restoring a copy to ${target} from the repository on ${placed.node}`);
        const restored = await restoreAndCount(t, placed, target, `${t.namePrefix}-drill-pitr`, "dpg_drill.writes").catch((e) => void fail(e));
        if (restored) {
            pitr = { ...restored, expected };
            if (restored.rows !== expected) problems.push(`the restore to ${target} holds ${restored.rows} rows, ${expected} were committed before it`);
        }
    }
    return conclude("backup-host-loss", `${repo.node},${node}`, leader, faultAt, undoneAt, seen, { recoveredSeconds, repositoryNode: repo.node, archiveCatchUpSeconds, pitr, problems });
}

/** Service replicas of etcd members set to 0 (the members stop, Swarm does not restart them) and back to 1. */
async function scaleEtcd(t: LiveTarget, members: string[], replicas: 0 | 1): Promise<void> {
    if (t.exec.kind !== "swarm") throw new Error("etcd drills need a Swarm target");
    for (const m of members) {
        const r = await dockerAsync(["-H", t.exec.manager, "service", "scale", "--detach", `${m}=${replicas}`], 30_000);
        if (!r.ok) throw new Error(`docker service scale ${m}=${replicas}: ${r.stderr.trim().slice(0, 300)}`);
    }
}

/**
 * etcd members taken away for `holdMs`: one (quorum kept: writes must go on) or a majority (no quorum:
 * Patroni cannot hold its lease, the leader demotes itself; what the cluster does is recorded, and no two
 * members may ever take writes). The members taken are never on the leader's node, so the drill measures
 * etcd, not the leader's host.
 */
async function etcdLoss(t: LiveTarget, kind: "etcd-member-loss" | "etcd-quorum-loss", holdMs: number): Promise<HostDrillRun> {
    const { leader, node } = await leaderAndNode(t);
    const placed = await locate(t);
    const count = kind === "etcd-member-loss" ? 1 : Math.floor(t.etcdMembers.length / 2) + 1;
    const members = [...t.etcdMembers].sort((a, b) => Number(placed.get(a)?.node === node) - Number(placed.get(b)?.node === node)).slice(0, count);
    const w = await watch(t);
    log(`stopping etcd ${members.join(", ")} for ${holdMs / 1000} s (leader ${leader} on ${node})`);
    const { faultAt, undoneAt } = await withFault(`etcd ${members.join(", ")} scaled to 0`, { inject: () => scaleEtcd(t, members, 0), undo: () => scaleEtcd(t, members, 1) }, async () => void (await sleep(holdMs)));
    const recoveredSeconds = await healthyCluster(t).then(() => (Date.now() - undoneAt) / 1000).catch(() => undefined);
    // writes must be flowing again before the writers stop
    await until("writes acknowledged after etcd came back", () => (w.attempts.some((a) => a.ok && a.startedAt > undoneAt) ? true : undefined), RECOVERY_LIMIT_MS).catch((e) => log((e as Error).message));
    const seen = await w.stop();
    const run = conclude(kind, members.join(","), leader, faultAt, undoneAt, seen, { recoveredSeconds, demotionSeconds: ((x) => (x === undefined ? undefined : (x - faultAt) / 1000))(demotedAt(seen.samples, leader, faultAt)) });
    if (kind === "etcd-member-loss" && run.maxWriteGapSeconds > 5) {
        run.problems.push(`writes stopped for ${run.maxWriteGapSeconds.toFixed(1)} s while etcd kept its quorum`);
        run.ok = false;
    }
    return run;
}

function recordPath(stack: string): string {
    return path.join(__dirname, "..", "..", "reports", stack, "host-drills.json");
}

/** Appends one run to the stack's record (kept: the last 50 runs of the same cluster). */
export function appendRun(stack: string, systemId: string, run: HostDrillRun): string {
    const file = recordPath(stack);
    let record: HostDrillRecord = { stack, systemIdentifier: systemId, runs: [] };
    try {
        const have = JSON.parse(fs.readFileSync(file, "utf8")) as HostDrillRecord;
        if (have.systemIdentifier === systemId && Array.isArray(have.runs)) record = have;
    } catch {
        // no record yet, or an unreadable one: start again
    }
    record.runs = [...record.runs, run].slice(-50);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
    return path.relative(process.cwd(), file);
}

function describe(run: HostDrillRun): string {
    const f = (v?: number) => (v === undefined ? "—" : `${v.toFixed(1)} s`);
    const per = Object.entries(run.acceptedDuringFault).map(([m, n]) => `${m} ${n}`).join(", ") || "none";
    return (
        `${run.kind} of ${run.target} (leader ${run.oldLeader}${run.newLeader ? ` → ${run.newLeader}` : ""}): first write on a new leader ${f(run.firstWriteSeconds)}, ` +
        `${run.demotionSeconds === undefined ? "" : `old leader no longer writable ${f(run.demotionSeconds)}, `}largest write gap ${f(run.maxWriteGapSeconds)}; writes sent during the fault and acknowledged: ${per}; ` +
        `${run.acknowledged} acknowledged, ${run.failed} failed, ${run.lost.length} lost; two writable primaries: ${run.splitBrain.length + run.doublePrimarySamples ? "YES" : "never"}; ` +
        `healthy again ${f(run.recoveredSeconds)} after the fault was undone` +
        (run.kind === "backup-host-loss"
            ? `; repository ${run.repositoryNode} back → outage WAL archived ${f(run.archiveCatchUpSeconds)}; restore to ${run.pitr?.target ?? "—"}: ${run.pitr ? `${run.pitr.seconds} s, ${run.pitr.rows} rows (${run.pitr.expected} committed before it)` : "not done"}`
            : "") +
        ` — ${run.ok ? "ok" : `FAILED: ${run.problems.join("; ")}`}\n`
    );
}

/** min / median / max per kind over every run the record holds (the figures issue 11 asks for). */
export function summarize(record: HostDrillRecord): string {
    const lines: string[] = [];
    const f = (x?: Spread) => (x ? `${x.min.toFixed(1)} / ${x.median.toFixed(1)} / ${x.max.toFixed(1)} s` : "—");
    for (const kind of HOST_DRILLS) {
        const runs = record.runs.filter((r) => r.kind === kind);
        if (runs.length === 0) continue;
        const lost = runs.reduce((n, r) => n + r.lost.length, 0);
        const brains = runs.filter((r) => r.splitBrain.length + r.doublePrimarySamples > 0).length;
        lines.push(
            `${kind}: ${runs.length} runs (${runs.filter((r) => r.ok).length} ok); first write on a new leader ${f(spread(runs.map((r) => r.firstWriteSeconds)))}; ` +
                `old leader not writable ${f(spread(runs.map((r) => r.demotionSeconds)))}; largest write gap ${f(spread(runs.map((r) => r.maxWriteGapSeconds)))}; ` +
                `healthy again ${f(spread(runs.map((r) => r.recoveredSeconds)))} (min / median / max); acknowledged rows lost ${lost}; runs with two writable primaries ${brains}` +
                (kind === "backup-host-loss"
                    ? `; outage WAL archived after the repository's node came back ${f(spread(runs.map((r) => r.archiveCatchUpSeconds)))}; restore ${f(spread(runs.map((r) => r.pitr?.seconds)))}; ` +
                      `restores with exactly the rows before their target ${runs.filter((r) => r.pitr && r.pitr.rows === r.pitr.expected).length} of ${runs.length}`
                    : ""),
        );
    }
    return lines.join("\n") + "\n";
}

export const HOST_DRILL_COMMAND: StackCommand = {
    name: "drill",
    usage: "host failures on a Swarm stack: --node-loss, --partition, --etcd-member-loss, --etcd-quorum-loss, --backup-host-loss [--runs N]",
    prodRisk: "a host drill stops writes for up to a minute",
};

export async function hostDrillMain(argv: string[]): Promise<number> {
    const kinds = HOST_DRILLS.filter((k) => argv.includes(`--${k}`));
    const opened = openStack(HOST_DRILL_COMMAND, argv);
    if (typeof opened === "number") return opened;
    const t = opened.t;
    if (t.exec.kind !== "swarm") {
        process.stderr.write(`drill: ${t.stack} runs on one Docker host (dpg-cluster:target.kind docker): host drills need a Swarm target\n`);
        return 1;
    }
    const faults = labFaults(t.exec.nodes.map((n) => n.hostname));
    if (!faults && kinds.some((k) => k === "node-loss" || k === "partition" || k === "backup-host-loss")) {
        process.stderr.write(`drill: the nodes of ${t.stack} (${t.exec.nodes.map((n) => n.hostname).join(", ")}) are not this machine's lab nodes: node loss and partitions are injected on the lab only (npm run lab -- up)\n`);
        return 1;
    }
    if (kinds.length === 0) {
        // --host-summary: the figures of what was recorded, without running anything
        if (!fs.existsSync(recordPath(t.stack))) return (process.stderr.write(`drill: no host drill recorded for ${t.stack} yet\n`), 1);
        process.stdout.write(summarize(JSON.parse(fs.readFileSync(recordPath(t.stack), "utf8"))));
        return 0;
    }
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void undoAll().finally(() => process.exit(130)));
    const runsAt = argv.indexOf("--runs");
    const runs = runsAt >= 0 ? Math.min(20, Math.max(1, Number(argv[runsAt + 1]) || 1)) : 1;
    const systemId = await systemIdentifier(t);
    let failed = 0;
    for (const kind of kinds) {
        for (let i = 0; i < runs; i++) {
            const run =
                kind === "node-loss"
                    ? await nodeLoss(t, faults!)
                    : kind === "partition"
                      ? await partition(t, faults!)
                      : kind === "backup-host-loss"
                        ? await backupHostLoss(t, faults!)
                        : await etcdLoss(t, kind, kind === "etcd-member-loss" ? 20_000 : 45_000);
            const file = appendRun(t.stack, systemId, run);
            process.stdout.write(describe(run) + `  recorded: ${file}\n`);
            if (!run.ok) failed++;
        }
    }
    await routerSql(t, t.writeRouters, "DROP SCHEMA IF EXISTS dpg_drill CASCADE").catch((e) => log(`cleanup: ${(e as Error).message}`));
    process.stdout.write(`over every run recorded for this cluster:\n${summarize(JSON.parse(fs.readFileSync(recordPath(t.stack), "utf8")))}`);
    return failed ? 1 : 0;
}
