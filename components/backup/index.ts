// PgBackRest: one encrypted repository per cluster on its own volume, WAL archiving from the
// leader, a stanza created at bootstrap and leader-only scheduled backups. The Patroni nodes run
// it: this component makes the repository volume and the passphrase and hands PatroniCluster
// the files, parameters and commands to add (see README "Backups and point-in-time recovery").
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadFile } from "../target/workload";
import * as random from "@pulumi/random";
import type { BackupSection } from "./settings";
import {
  BACKUP_SCHEDULE_PATH,
  BackupSettings,
  PGBACKREST_CONFIG_PATH,
  REPO_PATH,
  STANZA,
  backupRenderInput,
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
  /** dpg-cluster:backup.*, parsed (schedules, retention, archive_timeout, keep-on-destroy). */
  settings: BackupSection;
}

/** Length of the generated repository passphrase (pgBackRest asks for at least 20). */
const PASSPHRASE_LENGTH = 64;

/** What the readiness pack sees of this component (secret-free). */
export type PgBackRestSpec = Pick<
  BackupSettings,
  | "fullSchedule" | "diffSchedule" | "incrSchedule" | "initialFullBackup" | "retentionFull" | "retentionFullType"
  | "cipherType" | "walArchiving" | "archiveAsync" | "archiveTimeoutSeconds"
> & { stanza: string; repoPath: string };

export class PgBackRest extends pulumi.ComponentResource {
  static readonly __pulumiType = "dpg:backup:PgBackRest";

  readonly stanza = STANZA;
  /** Name of the repository volume; mount it at `repoPath` on every Patroni node. */
  readonly repoVolumeName: pulumi.Output<string>;
  readonly repoPath = REPO_PATH;
  /** pgbackrest.conf (holds the passphrase: a secret file, postgres-only) and the backup schedule: every node gets them. */
  readonly nodeFiles: WorkloadFile[];
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
    const s: BackupSettings = backupRenderInput(args.settings);
    const problems = backupSettingsProblems(s);
    if (problems.length) throw new Error(`PgBackRest ${name}: ${problems.join("; ")}`);
    const spec: PgBackRestSpec = {
      stanza: STANZA,
      fullSchedule: s.fullSchedule,
      ...(s.diffSchedule ? { diffSchedule: s.diffSchedule } : {}),
      incrSchedule: s.incrSchedule,
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
      { parent: this, retainOnDelete: args.settings.retainRepoOnDestroy },
    );
    const passphrase = new random.RandomPassword(`${name}-cipher-pass`, { length: PASSPHRASE_LENGTH, special: false }, { parent: this });

    this.settings = s;
    this.repoVolumeName = volume.name;
    this.cipherPassphrase = pulumi.secret(passphrase.result);
    this.nodeFiles = [
      { path: PGBACKREST_CONFIG_PATH, content: pulumi.secret(passphrase.result.apply((pass) => renderPgBackRestConf(s, pass))), secret: true },
      { path: BACKUP_SCHEDULE_PATH, content: renderBackupSchedule(s) },
    ];
    this.postgresParameters = archiveParameters(s);
    this.recoveryConf = recoveryConf(s);
    this.postBootstrapCommands = postBootstrapCommands(s);
    this.registerOutputs({ repoVolumeName: this.repoVolumeName, stanza: this.stanza });
  }
}
