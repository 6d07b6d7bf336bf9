// PgBackRest: one encrypted repository per cluster, WAL archiving from the leader, a stanza created
// at bootstrap and scheduled backups. With `backup.repository: volume` the Patroni nodes share the
// repository volume and the leader backs up; with `server` a repository workload of its own holds it
// (server.ts) and the nodes reach it over pgBackRest's TLS protocol. This component makes the
// repository, the passphrase and the node files, parameters and commands PatroniCluster adds (see
// README "Backups and point-in-time recovery").
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { NODE_IMAGE_ENTRYPOINT, NODE_IMAGE_UID, NODE_IMAGE_USER, TLS_UPLOAD_FILES } from "../patroni/render";
import type { Target } from "../target";
import type { WorkloadFile } from "../target/workload";
import { TlsMaterial, tlsFilesFor } from "../tls";
import * as random from "@pulumi/random";
import type { BackupSection } from "./settings";
import { PGBACKREST_TLS_PORT, renderNodeServerConf, renderRepositoryConf, repositoryHostname, ServerTopology } from "./server";
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
  /** dpg-cluster:backup.*, parsed (repository kind, schedules, retention, archive_timeout, keep-on-destroy). */
  settings: BackupSection;
  /** What dpg-cluster:backup.repository "server" needs (ignored with "volume"). */
  server?: RepositoryServerArgs;
}

export interface RepositoryServerArgs {
  /** Patroni node names (pg1..pgN of the repository server; their certificates' CNs). */
  nodes: string[];
  /** The cluster's certificates, with the repository server's under repositoryHostname(namePrefix); undefined when TLS is off (refused). */
  tls: TlsMaterial | undefined;
  /** Where the repository server runs. */
  target: Target;
}

/** Where the repository server runs: the node image (it carries pgBackRest and the scheduler). */
export interface RepositoryRunArgs {
  image: pulumi.Input<string>;
  /** node_exporter's textfile volume (one host): the scheduler writes dpg_backup.prom there. */
  metricsVolumeName?: pulumi.Input<string>;
  /** Swarm: the same, a node-local volume of this name that node_exporter mounts on the repository's node. */
  swarmMetricsVolume?: string;
  dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** Where the node image's backup scheduler writes dpg_backup.prom when the directory is mounted (image/docker-entrypoint.sh). */
const METRICS_DIR = "/var/lib/dpg-metrics";

/** Length of the generated repository passphrase (pgBackRest asks for at least 20). */
const PASSPHRASE_LENGTH = 64;

/** What the readiness pack sees of this component (secret-free). */
export type PgBackRestSpec = Pick<
  BackupSettings,
  | "fullSchedule" | "diffSchedule" | "incrSchedule" | "initialFullBackup" | "retentionFull" | "retentionFullType"
  | "cipherType" | "walArchiving" | "archiveAsync" | "archiveTimeoutSeconds" | "repository"
> & { stanza: string; repoPath: string; repositoryHost?: string };

export class PgBackRest extends pulumi.ComponentResource {
  static readonly __pulumiType = "dpg:backup:PgBackRest";

  readonly stanza = STANZA;
  /** Name of the repository volume to mount at `repoPath` on every Patroni node; none with a repository server. */
  readonly repoVolumeName?: pulumi.Output<string>;
  /** The repository server's name on the cluster network (`server` only). */
  readonly repositoryHost?: string;
  /** The repository workload, once runRepository made it (`server` only). */
  repository?: pulumi.CustomResource;
  readonly repoPath = REPO_PATH;
  /** What every node gets: pgbackrest.conf (volume: with the passphrase, a secret file) and, with a volume, the backup schedule. */
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
      repository: s.repository,
      repoPath: REPO_PATH,
      ...(s.repository === "server" ? { repositoryHost: repositoryHostname(args.namePrefix) } : {}),
    };
    super(PgBackRest.__pulumiType, name, spec, opts);
    this.settings = s;
    this.args = args;
    this.resourceName = name;
    const passphrase = new random.RandomPassword(`${name}-cipher-pass`, { length: PASSPHRASE_LENGTH, special: false }, { parent: this });
    this.cipherPassphrase = pulumi.secret(passphrase.result);
    this.postgresParameters = archiveParameters(s);
    this.recoveryConf = recoveryConf(s);
    this.postBootstrapCommands = postBootstrapCommands(s);
    if (s.repository === "server") {
      if (!args.server?.tls) throw new Error(`PgBackRest ${name}: dpg-cluster:backup.repository "server" needs dpg-cluster:tls.enabled (the config check should have said so)`);
      this.repositoryHost = repositoryHostname(args.namePrefix);
      this.topology = { repositoryHost: this.repositoryHost, nodes: args.server.nodes, tls: TLS_UPLOAD_FILES };
      // The nodes hold no passphrase: pgBackRest encrypts on the repository host.
      this.nodeFiles = [{ path: PGBACKREST_CONFIG_PATH, content: renderNodeServerConf(s, this.topology) }];
      this.registerOutputs({ stanza: this.stanza, repositoryHost: this.repositoryHost });
      return;
    }

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
    this.repoVolumeName = volume.name;
    this.nodeFiles = [
      { path: PGBACKREST_CONFIG_PATH, content: pulumi.secret(passphrase.result.apply((pass) => renderPgBackRestConf(s, pass))), secret: true },
      { path: BACKUP_SCHEDULE_PATH, content: renderBackupSchedule(s) },
    ];
    this.registerOutputs({ repoVolumeName: this.repoVolumeName, stanza: this.stanza });
  }

  private readonly args: PgBackRestArgs;
  private readonly resourceName: string;
  private readonly topology?: ServerTopology;

  /**
   * Runs the repository workload of `server` (after the nodes' image exists): the repository volume,
   * the passphrase, the TLS repository server and the scheduler. Nothing with `volume`.
   */
  runRepository(run: RepositoryRunArgs): pulumi.CustomResource | undefined {
    const { args, settings: s, topology: t } = this;
    if (!t || !args.server) return undefined;
    const { target, tls } = args.server;
    const conf = pulumi.secret(this.cipherPassphrase.apply((pass) => renderRepositoryConf(s, pass, t)));
    const onHost = target.kind === "docker";
    this.repository = target.run(
      `${this.resourceName}-repository`,
      {
        name: t.repositoryHost,
        component: "pgbackrest-repo",
        image: run.image,
        process: { user: NODE_IMAGE_USER, uid: NODE_IMAGE_UID, entrypoint: NODE_IMAGE_ENTRYPOINT, command: ["pgbackrest-repository"] },
        files: [
          { path: PGBACKREST_CONFIG_PATH, content: conf, secret: true },
          { path: BACKUP_SCHEDULE_PATH, content: renderBackupSchedule(s) },
          ...tlsFilesFor(TLS_UPLOAD_FILES, tls)(t.repositoryHost),
        ],
        // Same Pulumi and Docker names as the shared volume of `volume`: switching keeps the data.
        memberVolumes: [
          { resourceName: `${this.resourceName}-repo`, name: `${args.namePrefix}-pgbackrest-repo`, containerPath: REPO_PATH, retainOnDestroy: args.settings.retainRepoOnDestroy },
          // Mounted here first (monitoring waits for this workload), so the volume takes this image's owner of the directory.
          ...(!onHost && run.swarmMetricsVolume ? [{ resourceName: `${this.resourceName}-metrics`, name: run.swarmMetricsVolume, containerPath: METRICS_DIR }] : []),
        ],
        sharedVolumes: onHost && run.metricsVolumeName ? [{ volumeName: run.metricsVolumeName, containerPath: METRICS_DIR }] : [],
        // The TLS server accepts connections (a TLS handshake needs a client certificate the check has no business holding).
        healthcheck: {
          test: ["CMD", "python3", "-c", `import socket; socket.create_connection(("127.0.0.1", ${PGBACKREST_TLS_PORT}), 3).close()`],
          intervalS: 10,
          timeoutS: 5,
          retries: 3,
          startPeriodS: 10,
        },
        // A backup in flight is lost on SIGKILL; the next scheduled or initial run repeats it.
        stopGraceS: 30,
        limits: { memoryMb: 512, cpus: 1 },
        placement: target.placement("backup", 0),
      },
      { parent: this, dependsOn: run.dependsOn },
    );
    return this.repository;
  }
}
