// Checks of a cluster's pgBackRest setup that run against any Patroni node container: the e2e
// test's throwaway node now, and later the nodes of a real `pulumi up` stack.
import assert from "node:assert/strict";
import { BACKUP_STATUS_PATH, STANZA } from "../../components/backup/render";
import { docker, eventually, run } from "./cli";

/** psql as the postgres OS user over the local socket (peer auth); returns trimmed unaligned output. */
export function psql(container: string, sql: string, db = "postgres"): string {
  return docker(["exec", "-u", "postgres", container, "psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql]).stdout.trim();
}

export interface BackupInfo {
  label: string;
  type: "full" | "diff" | "incr";
  start: number;
  stop: number;
  /** Database size and the (compressed, encrypted) size it added to the repository, bytes. */
  size: number;
  repoDelta: number;
}

/** `pgbackrest info --output=json` of the stanza on a node. */
export function pgbackrestInfo(container: string): any {
  const out = docker(["exec", "-u", "postgres", container, "pgbackrest", `--stanza=${STANZA}`, "--output=json", "info"]).stdout;
  const stanzas = JSON.parse(out);
  const stanza = stanzas.find((s: any) => s.name === STANZA);
  assert.ok(stanza, `stanza ${STANZA} missing from pgbackrest info: ${out}`);
  return stanza;
}

export function listBackups(container: string): BackupInfo[] {
  return (pgbackrestInfo(container).backup ?? []).map((b: any) => ({
    label: b.label,
    type: b.type,
    start: b.timestamp.start,
    stop: b.timestamp.stop,
    size: b.info.size,
    repoDelta: b.info.repository.delta,
  }));
}

/** Asserts the stanza is healthy (status ok) and lists a full backup; returns the newest full. */
export function assertFullBackupListed(container: string): BackupInfo {
  const stanza = pgbackrestInfo(container);
  assert.equal(stanza.status.code, 0, `stanza status: ${JSON.stringify(stanza.status)}`);
  const fulls = listBackups(container).filter((b) => b.type === "full");
  assert.ok(fulls.length > 0, "pgbackrest info lists no full backup");
  return fulls[fulls.length - 1];
}

/** Asserts the repository files are encrypted (OpenSSL "Salted__" header), not plain INI. */
export function assertRepoEncrypted(container: string): void {
  const head = docker(["exec", "-u", "postgres", container, "head", "-c", "8", `/var/lib/pgbackrest/backup/${STANZA}/backup.info`]).stdout;
  assert.equal(head, "Salted__", "backup.info should be encrypted");
}

/** The scheduler's status file on the repository volume, or undefined before its first run. */
export function schedulerStatus(container: string): any {
  const r = docker(["exec", "-u", "postgres", container, "cat", BACKUP_STATUS_PATH], { allowFail: true });
  return r.status === 0 ? JSON.parse(r.stdout) : undefined;
}

/** Runs `pgbackrest backup` on a node; returns its duration in ms. */
export function runBackup(container: string, type: "full" | "diff" | "incr"): number {
  const t0 = Date.now();
  docker(["exec", "-u", "postgres", container, "pgbackrest", `--stanza=${STANZA}`, `--type=${type}`, "backup"], { timeoutMs: 30 * 60_000 });
  return Date.now() - t0;
}

/** Forces a WAL switch and waits until the closed segment is archived (pg_stat_archiver and the repository). */
export async function switchWalAndWaitArchived(container: string, timeoutMs = 120_000): Promise<string> {
  const wal = psql(container, "SELECT pg_walfile_name(pg_switch_wal())");
  await eventually(`WAL ${wal} to be archived`, () => {
    const last = psql(container, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
    if (last < wal) return undefined;
    const max = pgbackrestInfo(container).archive?.[0]?.max ?? "";
    return max >= wal ? true : undefined;
  }, timeoutMs, 1000);
  return wal;
}

/** The database clock as a recovery target with an explicit zone, e.g. "2026-11-23 10:15:00.123456+00". */
export function databaseTime(container: string): string {
  return psql(container, "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
}

/** scripts/pitr-restore.sh: restore the stack (by name prefix) to target into container `name`. Returns ms taken. */
export function pitrRestore(prefix: string, target: string, name: string, extra: string[] = []): { ms: number; output: string } {
  const t0 = Date.now();
  const r = run("bash", ["scripts/pitr-restore.sh", "--prefix", prefix, "--target", target, "--name", name, "--wait", "600", ...extra], { timeoutMs: 15 * 60_000 });
  return { ms: Date.now() - t0, output: r.stdout + r.stderr };
}

export function pitrCleanup(prefix: string, name: string): void {
  run("bash", ["scripts/pitr-restore.sh", "--prefix", prefix, "--name", name, "--cleanup"], { allowFail: true });
}
