// PgBouncer: transaction pooling in front of the write path (see render.ts for why it sits there).
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { NODE_IMAGE_ENTRYPOINT, NODE_IMAGE_UID, NODE_IMAGE_USER, TLS_UPLOAD_FILES } from "../patroni/render";
import type { Target } from "../target";
import { TlsMaterial, tlsFilesFor } from "../tls";
import type { PgbouncerSettings } from "./settings";
import { PGBOUNCER_AUTH_FILE_PATH, PGBOUNCER_CONFIG_PATH, PGBOUNCER_PORT, PgBouncerRenderInput, renderAuthFile, renderPgBouncerIni, STATS_USER } from "./render";
import { runOneAtATime } from "../target/rolling";

export interface PgBouncerArgs {
  namePrefix: string;
  /** Image holding pgbouncer (the Patroni node image has it). */
  image: pulumi.Input<string>;
  /** Where the poolers run. */
  target: Target;
  /** HAProxy's write listener on the cluster network. */
  upstreamHost: string;
  upstreamPort: number;
  /** Databases routed through the pooler (the application database). */
  databases: string[];
  /** Password of the PostgreSQL lookup role pgbouncer_auth. */
  authUserPassword: pulumi.Input<string>;
  /** PostgreSQL max_connections, to show the bound in the spec. */
  postgresMaxConnections: number;
  /** Host address the port is published on (dpg-cluster:haproxy.bindAddress). */
  bindAddress: string;
  /** dpg-cluster:pgbouncer.*, parsed. */
  settings: PgbouncerSettings;
  /** Length of the generated stats password (dpg-cluster:secrets.passwordLength). */
  passwordLength: number;
  /** TLS material from ClusterTls, with a certificate for the pooler's hostname. Plaintext when absent. */
  tls?: TlsMaterial;
}

export function pgbouncerHostname(namePrefix: string): string {
  return `${namePrefix}-pgbouncer`;
}

/** Memory limit of the pooler in MB: ~2 kB per client (seed 004's 10,000) plus its buffers. */
const PGBOUNCER_MEMORY_MB = 128;

/** What the readiness pack sees of this component. */
export interface PgBouncerSpec {
  poolMode: string;
  maxClientConn: number;
  defaultPoolSize: number;
  reservePoolSize: number;
  authType: string;
  usesAuthQuery: boolean;
  bindAddress: string;
  port: number;
  maxPreparedStatements: number;
  poolerCountPerCluster: number;
  postgresMaxConnections: number;
}

export class PgBouncer extends pulumi.ComponentResource {
  static readonly __pulumiType = "dpg:pgbouncer:PgBouncer";

  readonly endpoint: string;
  /** One pooler on a host; one per placement on a Swarm. */
  readonly instances: pulumi.CustomResource[];
  /** For the PgBouncer exporter: user pgbouncer_stats and its password. */
  readonly statsUser = STATS_USER;
  readonly statsPassword: pulumi.Output<string>;
  readonly containerName: string;

  constructor(name: string, args: PgBouncerArgs, opts?: pulumi.ComponentResourceOptions) {
    const { port, ...pool } = args.settings;
    const bindAddress = args.bindAddress;
    const settings: PgBouncerRenderInput = {
      ...pool,
      upstreamHost: args.upstreamHost,
      upstreamPort: args.upstreamPort,
      databases: args.databases,
      tls: args.tls !== undefined,
    };
    const spec: PgBouncerSpec = {
      poolMode: settings.poolMode,
      maxClientConn: settings.maxClientConn,
      defaultPoolSize: settings.defaultPoolSize,
      reservePoolSize: settings.reservePoolSize,
      authType: "scram-sha-256",
      usesAuthQuery: true,
      bindAddress,
      port,
      maxPreparedStatements: settings.maxPreparedStatements,
      poolerCountPerCluster: args.target.routerNames("pgbouncer", pgbouncerHostname(args.namePrefix)).length,
      postgresMaxConnections: args.postgresMaxConnections,
    };
    super(PgBouncer.__pulumiType, name, spec, opts);

    const stats = new random.RandomPassword(`${name}-stats-password`, { length: args.passwordLength, special: false }, { parent: this });
    const authFile = pulumi.secret(
      pulumi.all([args.authUserPassword, stats.result]).apply(([authUser, statsUser]) => renderAuthFile({ authUser, statsUser })),
    );
    this.containerName = pgbouncerHostname(args.namePrefix);
    const tlsFiles = tlsFilesFor(TLS_UPLOAD_FILES, args.tls);
    const instances = args.target.routerNames("pgbouncer", this.containerName);
    this.instances = runOneAtATime(
      args.target,
      instances.map((instance, i) => ({
        // One host keeps the resource name it always had (a rename would re-create the pooler).
        resourceName: instances.length === 1 ? name : `${name}-${i + 1}`,
        workload: {
          name: instance,
          component: "pgbouncer",
          image: args.image,
          // The pooler runs from the node image, as postgres.
          process: { user: NODE_IMAGE_USER, uid: NODE_IMAGE_UID, entrypoint: NODE_IMAGE_ENTRYPOINT, command: ["pgbouncer", PGBOUNCER_CONFIG_PATH] },
          files: [
            { path: PGBOUNCER_CONFIG_PATH, content: renderPgBouncerIni(settings) },
            { path: PGBOUNCER_AUTH_FILE_PATH, content: authFile, secret: true },
            // Every instance presents the certificate of the common name clients use.
            ...tlsFiles(this.containerName),
          ],
          ports: [{ internal: PGBOUNCER_PORT, external: port }],
          aliases: instance === this.containerName ? [] : [this.containerName],
          healthcheck: { test: ["CMD", "pg_isready", "-q", "-h", "127.0.0.1", "-p", String(PGBOUNCER_PORT)], intervalS: 10, timeoutS: 3, retries: 3 },
          limits: { memoryMb: PGBOUNCER_MEMORY_MB, cpus: 0.5 },
          placement: args.target.placement("pgbouncer", i),
        },
      })),
      { parent: this },
    );
    this.statsPassword = stats.result;
    this.endpoint = args.target.publishedAddresses("pgbouncer").map((a) => `${a}:${port}`).join(",");
    this.registerOutputs({ endpoint: this.endpoint });
  }
}
