// PatroniCluster: PostgreSQL nodes whose leader is elected through etcd, with streaming
// replication over slots, pg_rewind, and the vector extension in the application database.
import * as path from "path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { serviceImageName, ServiceImageArgs } from "../shared/docker";
import type { Target } from "../target";
import type { Workload, WorkloadFile } from "../target/workload";
import { ROLLOUT_KEY_LABEL } from "../target";
import { memberLabel } from "../target/member-exec";
import { runChild } from "../target/rolling";
import { anyNodeRunning, LiveCluster, members as liveMembers } from "./day2-live";
import { describeReplacement, describeScaleIn, planScaleIn, replacementOrder } from "./rolling";
import { TlsMaterial, tlsFilesFor } from "../tls";
import { previewDay2 } from "./day2-preview";
import type { DatabaseSettings, PatroniSettings } from "./settings";
import {
  BOOTSTRAP_SQL_PATH,
  DynamicConfig,
  dynamicConfig,
  NODE_IMAGE_ENTRYPOINT,
  NODE_IMAGE_UID,
  NODE_IMAGE_USER,
  PATRONI_CONFIG_PATH,
  PATRONI_REST_PORT,
  POST_BOOTSTRAP_PATH,
  PatroniClusterSettings,
  pgHba,
  postgresParameters,
  renderBootstrapSql,
  renderPatroniConfig,
  renderPostBootstrapScript,
  TLS_UPLOAD_FILES,
} from "./render";
import { renderRuvectorPromoteHook, ruvectorArtifactImage, RUVECTOR_PROMOTE_HOOK_PATH } from "./ruvector";

export interface PatroniClusterArgs {
  /** dpg-cluster:patroni.*, parsed: node count, extension, sync mode, timings, connections, memory, parameters. */
  settings: PatroniSettings;
  /** dpg-cluster:database.*, parsed: the application database and its login role. */
  database: DatabaseSettings;
  /** Length of generated passwords (dpg-cluster:secrets.passwordLength). */
  passwordLength: number;
  /** Prefix of container and volume names, e.g. "dpg-dev". */
  namePrefix: string;
  /** Base image the node image is built FROM. */
  baseImage: string;
  /** Where the nodes run. */
  target: Target;
  /** Subnet of that network: the only range pg_hba admits. */
  clusterSubnet: string;
  /** etcd client endpoints ("host:port"). */
  etcdEndpoints: string[];
  /** pgBackRest wiring from the PgBackRest component; no backups when absent. */
  backup?: PatroniBackupWiring;
  /** TLS material from ClusterTls, with a certificate per node name; plaintext when absent (prod's policy pack refuses that). */
  tls?: TlsMaterial;
  /** Client networks pg_hba admits besides the cluster subnet (dpg-cluster:network.clientCidrs). */
  clientCidrs: string[];
  /** node_exporter's textfile volume: the backup scheduler writes dpg_backup.prom into it. */
  metricsVolumeName?: pulumi.Input<string>;
}

/** What a node needs for pgBackRest: the shared repository, its config files, and the hooks. */
export interface PatroniBackupWiring {
  /** The shared repository volume (backup.repository=volume); none when a repository server holds it. */
  repoVolumeName?: pulumi.Input<string>;
  repoPath: string;
  /** pgbackrest.conf (secret: the cipher passphrase) and the schedule. */
  files: WorkloadFile[];
  /** archive_mode, archive_command, archive_timeout. */
  postgresParameters: Record<string, string>;
  recoveryConf: Record<string, string>;
  /** Appended to post_bootstrap: stanza-create and check. */
  postBootstrapCommands: string[];
}

/**
 * The node image carries both vector extensions (pgvector from Debian, RuVector copied from the
 * artifact scripts/build-ruvector.sh makes), so a stack picks one by setting and a benchmark can
 * compare them on one cluster.
 */
export function patroniImageArgs(baseImage: string): ServiceImageArgs {
  return { imageDir: path.join(__dirname, "image"), repository: "dpg/patroni", baseImage, buildArgs: { RUVECTOR_IMAGE: ruvectorArtifactImage(baseImage) } };
}

/** Node names (also hostnames): known before anything exists, so certificates can name them. */
export function patroniNodeNames(namePrefix: string, nodes: number): string[] {
  return Array.from({ length: nodes }, (_, i) => `${namePrefix}-pg-${i + 1}`);
}

/** CPU limit of each node in cores: PostgreSQL and Patroni share it. */
const NODE_CPUS = 1;

/** What the readiness pack sees of this component (secret-free). */
export interface PatroniClusterSpec {
  nodes: number;
  postgresMajor: number;
  image: string;
  vectorExtension: string;
  synchronousMode: boolean;
  synchronousNodeCount: number;
  tls: { enabled: boolean };
  /** The pg_hba lines Patroni writes on every node, as rendered (the pack reads hostssl-only and the superuser lock here). */
  pgHba: string[];
  passwordEncryption: string;
  maxConnections: number;
  parameters: Record<string, string>;
  ttl: number;
  loopWait: number;
  retryTimeout: number;
  dataChecksums: boolean;
}

export class PatroniCluster extends pulumi.ComponentResource {
  static readonly __pulumiType = "dpg:patroni:PatroniCluster";

  /** Node hostnames on the cluster network, in order. */
  readonly nodeNames: string[];
  /** One container (one host) or service (Swarm) per node. */
  readonly members: pulumi.CustomResource[];
  readonly databaseName: string;
  /** The node image, which also carries pgbouncer, pgbackrest and postgres_exporter. */
  readonly imageId: pulumi.Output<string>;
  readonly appUser: string;
  readonly superuserPassword: pulumi.Output<string>;
  readonly appPassword: pulumi.Output<string>;
  readonly readonlyPassword: pulumi.Output<string>;
  /** Password of postgres_exporter (pg_monitor), for the monitoring component. */
  readonly exporterPassword: pulumi.Output<string>;
  /** Password of pgbouncer_auth (auth_query lookup role), for the pooler. */
  readonly poolerAuthPassword: pulumi.Output<string>;
  /**
   * Applies the dynamic configuration to the running cluster (day2-apply.ts): reload, or a rolling
   * restart with one switchover. Its stdout is the JSON summary of the last change.
   */
  readonly configApplied: command.local.Command;

  constructor(name: string, args: PatroniClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const a = { ...args.settings, databaseName: args.database.name, appUser: args.database.appUser, passwordLength: args.passwordLength, cpus: NODE_CPUS };
    const settings: PatroniClusterSettings = {
      scope: args.namePrefix,
      postgresMajor: a.postgresMajor,
      synchronousMode: a.synchronousMode,
      synchronousNodeCount: a.synchronousNodeCount,
      ttl: a.ttl,
      loopWait: a.loopWait,
      retryTimeout: a.retryTimeout,
      memberSlotsTtlS: a.memberSlotsTtlS,
      maxConnections: a.maxConnections,
      memoryMb: a.memoryMb,
      // Archive settings first, so an operator's explicit override still wins.
      parameterOverrides: { ...(args.backup?.postgresParameters ?? {}), ...a.parameters },
      tls: args.tls !== undefined,
      clientCidrs: args.clientCidrs,
      clusterSubnet: args.clusterSubnet,
      etcdEndpoints: args.etcdEndpoints,
      vectorExtension: a.vectorExtension,
    };
    const imageArgs = patroniImageArgs(args.baseImage);
    const parameters = Object.fromEntries(Object.entries(postgresParameters(settings)).map(([k, v]) => [k, String(v)]));
    const spec: PatroniClusterSpec = {
      nodes: a.nodes,
      postgresMajor: a.postgresMajor,
      image: serviceImageName(imageArgs),
      vectorExtension: a.vectorExtension,
      synchronousMode: a.synchronousMode,
      synchronousNodeCount: a.synchronousNodeCount,
      tls: { enabled: args.tls !== undefined },
      pgHba: pgHba(settings),
      passwordEncryption: parameters.password_encryption,
      maxConnections: a.maxConnections,
      parameters,
      ttl: a.ttl,
      loopWait: a.loopWait,
      retryTimeout: a.retryTimeout,
      dataChecksums: true,
    };
    super(PatroniCluster.__pulumiType, name, spec, opts);

    const password = (role: string) =>
      new random.RandomPassword(`${name}-${role}-password`, { length: a.passwordLength, special: false }, { parent: this });
    const superuser = password("superuser");
    const replication = password("replication");
    const rewind = password("rewind");
    const app = password("app");
    const readonly = password("readonly");
    const exporter = password("exporter");
    const poolerAuth = password("pooler-auth");

    const image = args.target.image(`${name}-image`, imageArgs, this);

    const bootstrapSql = pulumi.secret(
      pulumi
        .all([app.result, readonly.result, exporter.result, poolerAuth.result])
        .apply(([appPw, readonlyPw, exporterPw, poolerAuthPw]) =>
          renderBootstrapSql({
            database: a.databaseName,
            appUser: a.appUser,
            vectorExtension: a.vectorExtension,
            passwords: { app: appPw, readonly: readonlyPw, exporter: exporterPw, poolerAuth: poolerAuthPw },
          }),
        ),
    );

    this.nodeNames = patroniNodeNames(args.namePrefix, a.nodes);
    const desired = dynamicConfig(settings);
    // bootstrap.dcs is read once, when the cluster is created; afterwards the DCS owns these settings and
    // configApplied below changes them in place. So patroni.yml keeps the bootstrap.dcs of creation time:
    // a changed setting must not rewrite the file, which would re-create every node at once. The keepers of
    // a RandomId that ignores their changes are that snapshot (a destroyed stack starts a new one).
    const bootstrapSnapshot = new random.RandomId(
      `${name}-bootstrap-dcs`,
      { byteLength: 4, keepers: { dcs: JSON.stringify(desired) } },
      { parent: this, ignoreChanges: ["keepers"] },
    );
    const bootstrapDcs = bootstrapSnapshot.keepers.apply((k) => JSON.parse(k!.dcs) as DynamicConfig);
    // On one host the node containers carry the node names; elsewhere day-2 asks the target where they run.
    const live = { nodes: this.nodeNames, tls: args.tls !== undefined, ...(args.target.kind === "swarm" ? { target: args.target.exec } : {}) };
    if (pulumi.runtime.isDryRun()) {
      const plan = previewDay2(live, desired);
      if (plan) (plan.restarts ? pulumi.log.warn : pulumi.log.info)(plan.message, this);
    }
    const tlsFiles = tlsFilesFor(TLS_UPLOAD_FILES, args.tls);
    // A check of the node's own Patroni REST endpoint (verified against the cluster CA with TLS).
    const restCheck = (endpoint: string) => ({
      test: ["CMD", "curl", "-fsS", "-o", "/dev/null", ...(args.tls ? ["--cacert", TLS_UPLOAD_FILES.ca] : []), `${args.tls ? "https" : "http"}://127.0.0.1:${PATRONI_REST_PORT}${endpoint}`],
      intervalS: 5,
      timeoutS: 3,
      retries: 3,
      startPeriodS: 60,
    });
    const workloads: Workload[] = this.nodeNames.map((nodeName, i) => {
      const patroniYml = pulumi.secret(
        pulumi
          .all([superuser.result, replication.result, rewind.result, bootstrapDcs])
          .apply(([su, repl, rw, dcs]) =>
            renderPatroniConfig({
              name: nodeName,
              cluster: settings,
              passwords: { superuser: su, replication: repl, rewind: rw },
              recoveryConf: args.backup?.recoveryConf,
              bootstrapDcs: dcs,
            }),
          ),
      );
      return {
        name: nodeName,
        component: "patroni",
        image,
        process: { user: NODE_IMAGE_USER, uid: NODE_IMAGE_UID, entrypoint: NODE_IMAGE_ENTRYPOINT, command: ["patroni", PATRONI_CONFIG_PATH] },
        files: [
          { path: PATRONI_CONFIG_PATH, content: patroniYml, secret: true },
          { path: BOOTSTRAP_SQL_PATH, content: bootstrapSql, secret: true },
          { path: POST_BOOTSTRAP_PATH, content: renderPostBootstrapScript(args.backup?.postBootstrapCommands) },
          ...(a.vectorExtension === "ruvector" ? [{ path: RUVECTOR_PROMOTE_HOOK_PATH, content: renderRuvectorPromoteHook() }] : []),
          ...(args.backup?.files ?? []),
          ...tlsFiles(nodeName),
        ],
        memberVolumes: [{ resourceName: `${name}-data-${i + 1}`, name: `${nodeName}-data`, containerPath: "/var/lib/postgresql/data" }],
        sharedVolumes: [
          ...(args.backup?.repoVolumeName ? [{ volumeName: args.backup.repoVolumeName, containerPath: args.backup.repoPath }] : []),
          ...(args.metricsVolumeName ? [{ volumeName: args.metricsVolumeName, containerPath: "/var/lib/dpg-metrics" }] : []),
        ],
        // 200 once PostgreSQL runs on this node, leader or replica.
        healthcheck: restCheck("/health"),
        // Patroni's loop runs (200 while it heartbeats): a replica in a long basebackup is not restarted.
        swarmHealthcheck: restCheck("/liveness"),
        shmSizeMb: 256,
        // Patroni needs time to stop PostgreSQL cleanly (a fast shutdown, then a checkpoint).
        stopGraceS: 60,
        // On a Swarm a destroy stops all nodes at once and the provider fails if a task's container outlives
        // this (seen: > 60 s for the leader at load average 38 on the lab); a SIGKILL there costs crash recovery.
        swarmStopGraceS: 120,
        limits: { memoryMb: a.memoryMb, cpus: a.cpus },
        placement: args.target.placement("patroni", i),
      };
    });
    this.members = this.rollingMembers(name, workloads, live, a.synchronousMode, a.memberSlotsTtlS, args.target, desired);
    // A scale-in: once the members that stay are in place, and before Pulumi deletes those past
    // patroni.nodes (deletes come last in an update), a leaving leader hands over to a member that stays
    // (rolling-step.ts leave). Runs again whenever the node list changes; otherwise it finds no one leaving.
    const membership = new command.local.Command(
      `${name}-membership`,
      {
        create: `node --import tsx ${path.relative(process.cwd(), path.join(__dirname, "rolling-step.ts"))} leave`,
        stdin: JSON.stringify({ ...live, synchronousMode: a.synchronousMode }),
        logging: "stderr",
      },
      { parent: this, dependsOn: this.members },
    );
    this.configApplied = new command.local.Command(
      `${name}-dynamic-config`,
      {
        // Relative to the project directory, where Pulumi runs the program and the command provider.
        create: `node --import tsx ${path.relative(process.cwd(), path.join(__dirname, "day2-apply.ts"))}`,
        // A change of the desired configuration is an update: the same command runs with the new stdin.
        stdin: JSON.stringify({ ...live, synchronousMode: a.synchronousMode, desired }),
        logging: "stderr",
      },
      // After the membership step: a leader that is leaving has handed over before the configuration is applied.
      { parent: this, dependsOn: [...this.members, membership] },
    );
    this.databaseName = a.databaseName;
    this.imageId = image;
    this.appUser = a.appUser;
    this.superuserPassword = superuser.result;
    this.appPassword = app.result;
    this.readonlyPassword = readonly.result;
    this.exporterPassword = exporter.result;
    this.poolerAuthPassword = poolerAuth.result;
    this.registerOutputs({ nodeNames: this.nodeNames, databaseName: this.databaseName, appUser: this.appUser });
  }
  /**
   * The members, chained so that a change which needs new containers (or new Swarm tasks) replaces them one
   * at a time in the order of rolling.ts, read from the live cluster now (who leads): replicas first, the
   * leader last. Before each member's resource changes, its handover (rolling-step.ts, a command run only
   * when the member's replacement key changes) waits for a whole cluster and switches over when the member
   * leads; after it, the member's afterCreate/afterUpdate hook waits until it streams again, and only then
   * does the next member's turn begin (its handover depends on this member). A first `up` (no node runs
   * yet) has no chain and no waits, so the nodes are created in parallel as before.
   */
  private rollingMembers(
    name: string,
    workloads: Workload[],
    live: LiveCluster,
    synchronousMode: boolean,
    memberSlotsTtlS: number,
    target: Target,
    desired: DynamicConfig,
  ): pulumi.CustomResource[] {
    const existing = process.env.DPG_NO_LIVE_CLUSTER !== "1" && anyNodeRunning(live);
    const ms = existing ? liveMembers(live) : [];
    const order = replacementOrder(this.nodeNames, ms);
    const keys = workloads.map((w) => target.replacementKey(w));
    const script = path.relative(process.cwd(), path.join(__dirname, "rolling-step.ts"));
    const stepInput = (node: string) => JSON.stringify({ ...live, node, synchronousMode });
    // Members replaced in this up start with the new restart-bound parameters: PATCHed before the first
    // member's turn (day2-apply.ts early), which compares each running member's key with its new one.
    const early = new command.local.Command(
      `${name}-dynamic-config-early`,
      {
        create: `node --import tsx ${path.relative(process.cwd(), path.join(__dirname, "day2-apply.ts"))} early`,
        stdin: pulumi.all(keys).apply((ks) => JSON.stringify({ ...live, synchronousMode, desired, keys: Object.fromEntries(this.nodeNames.map((n, i) => [n, ks[i]])) })),
        logging: "stderr",
      },
      { parent: this },
    );
    if (pulumi.runtime.isDryRun() && existing) {
      try {
        const scaleIn = planScaleIn(this.nodeNames, ms);
        if (scaleIn) pulumi.log.warn(describeScaleIn(scaleIn, memberSlotsTtlS), this);
      } catch (e) {
        // The leave step fails the same way in the update; the preview says why now.
        pulumi.log.warn(`Patroni scale-in: ${(e as Error).message}`, this);
      }
      const liveKeys = this.nodeNames.map((n) => memberLabel(n, ROLLOUT_KEY_LABEL, live.target));
      const all = pulumi.all(keys);
      all.apply((ks) => {
        const replaced = this.nodeNames.filter((_, i) => liveKeys[i] !== ks[i]);
        (replaced.length ? pulumi.log.warn : pulumi.log.info)(describeReplacement(order, ms, replaced), this);
      });
      // An image still to be built leaves the keys unknown in a preview: say the order without the list.
      void (all as unknown as { isKnown: Promise<boolean> }).isKnown?.then((known) => {
        if (!known) pulumi.log.warn(describeReplacement(order, ms, undefined), this);
      });
    }
    const byName = new Map<string, pulumi.CustomResource>();
    let previous: pulumi.CustomResource | undefined;
    for (const node of order) {
      const i = this.nodeNames.indexOf(node);
      const handover = new command.local.Command(
        `${name}-${i + 1}-handover`,
        {
          create: `node --import tsx ${script} handover`,
          // Only a changed key (a replacement) hands over; any other input change (the stdin after a
          // synchronous_mode change) must not switch the leader over, so an update does nothing.
          update: "true",
          stdin: stepInput(node),
          triggers: [keys[i]],
          logging: "stderr",
        },
        { parent: this, dependsOn: existing && previous ? [previous] : [early] },
      );
      // Registered only when a cluster runs: a first `up` waits for nothing (and hooks never hold state).
      const ready = existing
        ? new pulumi.ResourceHook(`${name}-${i + 1}-ready`, async () => {
            pulumi.log.info(`${node}: waiting until it streams again before the next member's turn`, this);
            await runChild(script, stepInput(node), ["ready"]);
          })
        : undefined;
      const member = target.run(`${name}-${i + 1}`, workloads[i], {
        parent: this,
        dependsOn: [handover],
        rolloutKey: keys[i],
        ...(ready ? { hooks: { afterCreate: [ready], afterUpdate: [ready] } } : {}),
      });
      byName.set(node, member);
      previous = member;
    }
    return this.nodeNames.map((n) => byName.get(n)!);
  }

}


