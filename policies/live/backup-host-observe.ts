// What the backup-host drill (issue 11 part 3) asks of a Swarm cluster with `backup.repository: server`:
// where the repository server runs, what it holds (backups, newest archived WAL segment), SQL as postgres on
// a member's local socket (pg_switch_wal needs it; no password leaves the cluster), and a point-in-time
// restore by the operator's own script, run on the repository's node, whose rows are then counted.
// Everything is asynchronous, like host-drill-observe.ts: the writers must never stall.
import { execFile } from "node:child_process";
import * as path from "node:path";
import { SOCKET_DIR, STANZA } from "../../components/backup/render";
import { repositoryHostname } from "../../components/backup/server";
import { dockerAsync, execIn, locate, Placed } from "./host-drill-observe";
import type { LiveTarget } from "./target";

const REPO_ROOT = path.join(__dirname, "..", "..");

/** The repository server's running task; throws (saying why) when the stack has none. */
export async function repositoryTask(t: LiveTarget): Promise<Placed & { member: string }> {
    if (!t.config.backup.enabled || t.config.backup.repository !== "server") {
        throw new Error(`${t.stack}: the backup-host drill needs dpg-cluster:backup.repository "server" (a repository on its own node)`);
    }
    const member = repositoryHostname(t.namePrefix);
    const p = (await locate(t)).get(member);
    if (!p) throw new Error(`${member} has no running task on any node`);
    return { ...p, member };
}

/** Full/diff/incr backups listed and the newest WAL segment archived, as the repository server itself says. */
export async function repositoryState(repo: Placed): Promise<{ backups: number; archiveMax: string } | undefined> {
    const r = await execIn(repo, ["-u", "postgres"], ["pgbackrest", `--stanza=${STANZA}`, "--output=json", "info"], 30_000);
    if (!r.ok) return undefined;
    try {
        const stanza = (JSON.parse(r.stdout) as Array<{ backup?: unknown[]; archive?: Array<{ max?: string }> }>)[0];
        return { backups: stanza?.backup?.length ?? 0, archiveMax: stanza?.archive?.[0]?.max ?? "" };
    } catch {
        return undefined;
    }
}

/** psql as postgres on a member's local socket (peer authentication); the trimmed unaligned output. */
export async function memberSql(t: LiveTarget, member: string, sql: string, db = "postgres"): Promise<string> {
    const p = (await locate(t)).get(member);
    if (!p) throw new Error(`${member} has no running task on any node`);
    const r = await execIn(p, ["-u", "postgres"], ["psql", "-h", SOCKET_DIR, "-d", db, "-XAtv", "ON_ERROR_STOP=1", "-c", sql], 30_000);
    if (!r.ok) throw new Error(`${member}: ${sql}: ${r.stderr.trim().slice(0, 300)}`);
    return r.stdout.trim();
}

export interface PitrOutcome {
    /** recovery_target_time, with its zone. */
    target: string;
    /** The script's own measure: copy started → promoted (restore + WAL replay). */
    seconds: number;
    /** Rows of `table` in the restored copy. */
    rows: number;
}

/**
 * scripts/pitr-restore.sh --stack (it finds the repository's node itself) into a fresh copy named `name`,
 * then counts `table` in it and removes the copy. Records reports/<stack>/pitr.json, as an operator's run does.
 */
export async function restoreAndCount(t: LiveTarget, repo: Placed, target: string, name: string, table: string): Promise<PitrOutcome> {
    const script = (args: string[], timeoutMs: number) =>
        new Promise<{ ok: boolean; out: string }>((resolve) =>
            execFile("bash", ["scripts/pitr-restore.sh", "--stack", t.stack, "--name", name, ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) =>
                resolve({ ok: !error, out: `${stdout ?? ""}${stderr ?? ""}` }),
            ),
        );
    try {
        const r = await script(["--target", target, "--wait", "600"], 15 * 60_000);
        if (!r.ok) throw new Error(`pitr-restore failed: ${r.out.trim().split("\n").slice(-6).join(" | ")}`);
        const seconds = Number(/promoted after (\d+) s/.exec(r.out)?.[1] ?? NaN);
        const count = await dockerAsync(["-H", repo.endpoint, "exec", "-u", "postgres", name, "psql", "-h", SOCKET_DIR, "-d", t.database, "-XAtc", `SELECT count(*) FROM ${table}`], 60_000);
        if (!count.ok) throw new Error(`counting ${table} in the restored copy: ${count.stderr.trim().slice(0, 300)}`);
        return { target, seconds, rows: Number(count.stdout.trim()) };
    } finally {
        await script(["--cleanup"], 120_000);
    }
}
