// Pure renderers for pgBackRest on the Patroni nodes: pgbackrest.conf, the backup schedule the
// in-image scheduler reads, and what Patroni must merge (archive parameters, restore_command,
// post_bootstrap commands).
import { PGDATA, POSTGRES_PORT } from "../patroni/render";
import { BackupSection, backupSettings } from "./settings";

/** One stanza per cluster; every node has the same pg1-path, so one name fits all. */
export const STANZA = "main";
export const PGBACKREST_CONFIG_PATH = "/etc/pgbackrest/pgbackrest.conf";
export const BACKUP_SCHEDULE_PATH = "/etc/pgbackrest/backup-schedule";
/** Repository volume mount point on every node (the image creates it postgres 0750). */
export const REPO_PATH = "/var/lib/pgbackrest";
/** Written by the scheduler on the leader, inside the shared repository volume. */
export const BACKUP_STATUS_PATH = `${REPO_PATH}/backup-status.json`;
export const SPOOL_PATH = "/var/spool/pgbackrest";
export const LOG_PATH = "/var/log/pgbackrest";
export const SOCKET_DIR = "/var/run/postgresql";

export type BackupType = "full" | "diff" | "incr";
export type RetentionType = "count" | "time";
export type CipherType = "aes-256-cbc" | "none";
export type CompressType = "zst" | "lz4" | "gz" | "none";

/** How pgBackRest runs here: fixed by the program (the readiness pack checks them), not stack settings. */
export interface BackupMechanics {
  /** Take a full backup as soon as the leader finds the stanza without one (fresh cluster). */
  initialFullBackup: boolean;
  cipherType: CipherType;
  /** archive_mode=on + archive_command on the leader; off = no PITR, only backup-time restores. */
  walArchiving: boolean;
  archiveAsync: boolean;
  /** Parallel processes of backup/restore and async archive-push/get. */
  processMax: number;
  compressType: CompressType;
}

export const BACKUP_MECHANICS: BackupMechanics = {
  initialFullBackup: true,
  cipherType: "aes-256-cbc",
  walArchiving: true,
  archiveAsync: true,
  processMax: 2,
  // pgBackRest 2.55 in Debian trixie is built with zstd (checked in test/e2e/backup-tools.test.ts).
  compressType: "zst",
};

/** What the renderers read: the stack's dpg-cluster:backup.* section plus the fixed mechanics. */
export type BackupSettings = Omit<BackupSection, "enabled" | "retainRepoOnDestroy"> & BackupMechanics;

export function backupRenderInput(section: BackupSection): BackupSettings {
  const { enabled: _enabled, retainRepoOnDestroy: _retain, ...schedules } = section;
  return { ...schedules, ...BACKUP_MECHANICS };
}

export { cronProblem } from "./cron";

/**
 * Every problem of the settings, empty when they are usable: the stack settings by their one
 * declaration (settings.ts), plus the mechanics' own bound.
 */
export function backupSettingsProblems(s: BackupSettings): string[] {
  const { fullSchedule, diffSchedule, incrSchedule, retentionFull, retentionFullType, archiveTimeoutSeconds } = s;
  const parsed = backupSettings.safeParse({ fullSchedule, diffSchedule, incrSchedule, retentionFull, retentionFullType, archiveTimeoutSeconds });
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  if (!Number.isInteger(s.processMax) || s.processMax < 1 || s.processMax > 64) problems.push("processMax: must be 1–64");
  return problems;
}

/**
 * The [global] lines of whoever holds the repository (every node with a shared volume, or the repository
 * server): where it is, its encryption, retention and how backups are taken. The passphrase encrypts it all.
 */
export function repositoryLines(s: BackupSettings, cipherPass: string): string[] {
  if (s.cipherType !== "none" && cipherPass.length < 20) throw new Error("repo1-cipher-pass must be at least 20 characters");
  if (/[\r\n]/.test(cipherPass)) throw new Error("repo1-cipher-pass must be one line");
  return [
    `repo1-path=${REPO_PATH}`,
    ...(s.cipherType === "none" ? [] : [`repo1-cipher-type=${s.cipherType}`, `repo1-cipher-pass=${cipherPass}`]),
    `repo1-retention-full-type=${s.retentionFullType}`,
    `repo1-retention-full=${s.retentionFull}`,
    // Small files bundled, block-level incrementals: smaller incr/diff backups of large relations.
    "repo1-bundle=y",
    "repo1-block=y",
    `compress-type=${s.compressType}`,
    `process-max=${s.processMax}`,
    // Checkpoint at once instead of waiting for the next one (checkpoint_timeout is 15 min).
    "start-fast=y",
    "delta=y",
  ];
}

/** A node's WAL archiving and logging lines, whichever kind of repository it pushes to. */
export function nodeArchivingLines(s: BackupSettings): string[] {
  return [
    `archive-async=${s.archiveAsync ? "y" : "n"}`,
    `spool-path=${SPOOL_PATH}`,
    // Past this much unarchived WAL (or the repository unreachable) pgBackRest drops WAL (a PITR gap; the
    // next backup closes it) rather than filling the data volume and stopping the leader.
    "archive-push-queue-max=4GiB",
    `log-path=${LOG_PATH}`,
    "log-level-file=info",
    "log-level-console=warn",
  ];
}

/** A node's stanza section: its own PostgreSQL, over the local socket. */
export function localStanzaLines(): string[] {
  return ["", `[${STANZA}]`, `pg1-path=${PGDATA}`, `pg1-socket-path=${SOCKET_DIR}`, `pg1-port=${POSTGRES_PORT}`, ""];
}

/** pgbackrest.conf, the same on every node, when they share the repository volume. */
export function renderPgBackRestConf(s: BackupSettings, cipherPass: string): string {
  const lines = [
    "# Rendered by components/backup/render.ts; the same file on every Patroni node.",
    "[global]",
    ...repositoryLines(s, cipherPass),
    ...nodeArchivingLines(s),
    ...localStanzaLines(),
  ];
  return lines.join("\n");
}

/** The file the in-image scheduler (dpg_backup_scheduler.py) reads. */
export function renderBackupSchedule(s: BackupSettings): string {
  const entries: [string | undefined, BackupType][] = [[s.fullSchedule, "full"], [s.diffSchedule, "diff"], [s.incrSchedule, "incr"]];
  return [
    "# Rendered by components/backup/render.ts: minute hour day-of-month month day-of-week type.",
    "# Container clock (UTC). Runs only where Patroni's GET /primary answers 200 (the leader).",
    ...(s.initialFullBackup ? ["@initial full"] : []),
    ...entries.filter(([expr]) => expr !== undefined).map(([expr, type]) => `${expr!.trim().split(/\s+/).join(" ")} ${type}`),
    "",
  ].join("\n");
}

/** PostgreSQL parameters for Patroni's bootstrap.dcs.postgresql.parameters (leader archives, replicas do not). */
export function archiveParameters(s: BackupSettings): Record<string, string> {
  if (!s.walArchiving) return { archive_mode: "off" };
  return {
    // "on", not "always": only the leader pushes, so one shared repository cannot get two writers.
    archive_mode: "on",
    archive_command: `pgbackrest --stanza=${STANZA} archive-push %p`,
    archive_timeout: `${s.archiveTimeoutSeconds}s`,
  };
}

/** Patroni postgresql.recovery_conf: replicas that fell behind their slot fetch WAL from the repository. */
export function recoveryConf(s: BackupSettings): Record<string, string> {
  return s.walArchiving ? { restore_command: `pgbackrest --stanza=${STANZA} archive-get %f "%p"` } : {};
}

/**
 * Lines for the post_bootstrap script (after the bootstrap SQL). Never fatal: a failing
 * post_bootstrap makes Patroni throw the new cluster away; the scheduler runs stanza-create
 * again before every backup and records failures in its status file.
 */
export function postBootstrapCommands(s: BackupSettings): string[] {
  const warn = (what: string) => `|| echo "post-bootstrap: WARNING: pgbackrest ${what} failed; see ${LOG_PATH}" >&2`;
  return [
    `pgbackrest --stanza=${STANZA} --log-level-console=info stanza-create ${warn("stanza-create")}`,
    ...(s.walArchiving ? [`pgbackrest --stanza=${STANZA} --log-level-console=info --archive-timeout=60 check ${warn("check")}`] : []),
  ];
}
