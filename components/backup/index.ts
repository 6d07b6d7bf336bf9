// PgBackRest: one encrypted repository per cluster on its own volume, WAL archiving from the
// leader, a stanza created at bootstrap and leader-only scheduled backups. The Patroni nodes run
// it: this component makes the repository volume and the passphrase and hands PatroniCluster
// the files, parameters and commands to add (see README "Backups and point-in-time recovery").
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  BACKUP_DEFAULTS,
  BACKUP_SCHEDULE_PATH,
  BackupSettings,
  CipherType,
  CompressType,
  PGBACKREST_CONFIG_PATH,
  REPO_PATH,
  RetentionType,
  STANZA,
  archiveParameters,
  backupSettingsProblems,
  postBootstrapCommands,
  recoveryConf,
  renderBackupSchedule,
  renderPgBackRestConf,
} from "./render";

export interface PgBackRestArgs {
  /** Prefix of the volume name, e.g. "dpg-dev": the repository is `<prefix>-pgbackrest-repo`. */
  namePrefix: string;
  /** Cron (UTC) of full backups. Default "0 2 * * 0" (Sunday 02:00). */
  fullSchedule?: string;
  /** Cron (UTC) of differential backups. Default none. */
  diffSchedule?: string;
  /** Cron (UTC) of incremental backups. Default "0 2 * * 1-6" (Monday–Saturday 02:00). */
  incrSchedule?: string;
  /** Full backup as soon as the leader finds none (fresh cluster). Default true. */
  initialFullBackup?: boolean;
  /** Full backups kept (count), or days kept (time). Default 2. */
  retentionFull?: number;
  /** "count" or "time". Default "count". */
  retentionFullType?: RetentionType;
  /** Repository encryption. Default "aes-256-cbc" with a generated passphrase. */
  cipherType?: CipherType;
  /** Length of the generated passphrase (≥ 32). Default 64. */
  passphraseLength?: number;
  /** WAL archiving from the leader (needed for point-in-time recovery). Default true. */
  walArchiving?: boolean;
  /** archive-async: parallel, batched archive-push. Default true. */
  archiveAsync?: boolean;
  /** PostgreSQL archive_timeout in seconds (RPO bound of a quiet cluster). Default 60. */
  archiveTimeoutSeconds?: number;
  /** pgBackRest process-max. Default 2. */
  processMax?: number;
  /** Compression of backups and WAL. Default "zst". */
  compressType?: CompressType;
  /** Keep the repository volume on `pulumi destroy`. Default false (destroy removes it). */
  retainRepoOnDestroy?: boolean;
}

/** What the readiness pack sees of this component (secret-free). */
export type PgBackRestSpec = Pick<
  BackupSettings,
  | "fullSchedule" | "diffSchedule" | "incrSchedule" | "initialFullBackup" | "retentionFull" | "retentionFullType"
  | "cipherType" | "walArchiving" | "archiveAsync" | "archiveTimeoutSeconds"
> & { stanza: string; repoPath: string };

export interface NodeUpload {
  file: string;
  content: string;
}

export class PgBackRest extends pulumi.ComponentResource {
  static readonly __pulumiType = "dpg:backup:PgBackRest";

  readonly stanza = STANZA;
  /** Name of the repository volume; mount it at `repoPath` on every Patroni node. */
  readonly repoVolumeName: pulumi.Output<string>;
  readonly repoPath = REPO_PATH;
  /** pgbackrest.conf (holds the passphrase) and the backup schedule: add to every node's uploads. Secret. */
  readonly nodeUploads: pulumi.Output<NodeUpload[]>;
  /** Merge into Patroni's bootstrap.dcs.postgresql.parameters. */
  readonly postgresParameters: Record<string, string>;
  /** Patroni postgresql.recovery_conf (restore_command for replicas). */
  readonly recoveryConf: Record<string, string>;
  /** Shell lines to run at the end of post_bootstrap, after the bootstrap SQL. */
  readonly postBootstrapCommands: string[];
  /** The repository passphrase (secret): needed to read the repository without a running node. */
  readonly cipherPassphrase: pulumi.Output<string>;
  readonly settings: BackupSettings;

  constructor(name: string, args: PgBackRestArgs, opts?: pulumi.ComponentResourceOptions) {
    const defined = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) as Partial<PgBackRestArgs>;
    const s: BackupSettings = {
      ...BACKUP_DEFAULTS,
      ...pick(defined, ["fullSchedule", "diffSchedule", "incrSchedule", "initialFullBackup", "retentionFull", "retentionFullType",
        "cipherType", "walArchiving", "archiveAsync", "archiveTimeoutSeconds", "processMax", "compressType"]),
    };
    const passphraseLength = args.passphraseLength ?? 64;
    const problems = backupSettingsProblems(s);
    if (passphraseLength < 32) problems.push("passphraseLength: must be at least 32");
    if (problems.length) throw new Error(`PgBackRest ${name}: ${problems.join("; ")}`);
    const spec: PgBackRestSpec = {
      stanza: STANZA,
      fullSchedule: s.fullSchedule,
      ...(s.diffSchedule ? { diffSchedule: s.diffSchedule } : {}),
      ...(s.incrSchedule ? { incrSchedule: s.incrSchedule } : {}),
      initialFullBackup: s.initialFullBackup,
      retentionFull: s.retentionFull,
      retentionFullType: s.retentionFullType,
      cipherType: s.cipherType,
      walArchiving: s.walArchiving,
      archiveAsync: s.archiveAsync,
      archiveTimeoutSeconds: s.archiveTimeoutSeconds,
      repoPath: REPO_PATH,
    };
    super(PgBackRest.__pulumiType, name, spec, opts);

    const volume = new docker.Volume(
      `${name}-repo`,
      {
        name: `${args.namePrefix}-pgbackrest-repo`,
        labels: [
          { label: "dpg.stack", value: args.namePrefix },
          { label: "dpg.component", value: "pgbackrest" },
        ],
      },
      { parent: this, retainOnDelete: args.retainRepoOnDestroy ?? false },
    );
    const passphrase = new random.RandomPassword(`${name}-cipher-pass`, { length: passphraseLength, special: false }, { parent: this });

    this.settings = s;
    this.repoVolumeName = volume.name;
    this.cipherPassphrase = pulumi.secret(passphrase.result);
    this.nodeUploads = pulumi.secret(
      passphrase.result.apply((pass) => [
        { file: PGBACKREST_CONFIG_PATH, content: renderPgBackRestConf(s, pass) },
        { file: BACKUP_SCHEDULE_PATH, content: renderBackupSchedule(s) },
      ]),
    );
    this.postgresParameters = archiveParameters(s);
    this.recoveryConf = recoveryConf(s);
    this.postBootstrapCommands = postBootstrapCommands(s);
    this.registerOutputs({ repoVolumeName: this.repoVolumeName, stanza: this.stanza });
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]])) as Pick<T, K>;
}
