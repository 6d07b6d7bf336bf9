// PgBouncer: transaction pooling in front of the write path (see render.ts for why it sits there).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { TLS_UPLOAD_FILES } from "../patroni/render";
import { TlsMaterial, tlsUploadsFor } from "../tls";
import { serviceSettings } from "../shared/docker";
import { PGBOUNCER_AUTH_FILE_PATH, PGBOUNCER_CONFIG_PATH, PGBOUNCER_PORT, PgBouncerSettings, renderAuthFile, renderPgBouncerIni, STATS_USER } from "./render";

export interface PgBouncerArgs {
  namePrefix: string;
  /** Image holding pgbouncer (the Patroni node image has it). */
  image: pulumi.Input<string>;
  clusterNetworkName: pulumi.Input<string>;
  edgeNetworkName: pulumi.Input<string>;
  /** HAProxy's write listener on the cluster network. */
  upstreamHost: string;
  upstreamPort: number;
  /** Databases routed through the pooler. Default ["app"]. */
  databases?: string[];
  /** Password of the PostgreSQL lookup role pgbouncer_auth. */
  authUserPassword: pulumi.Input<string>;
  /** PostgreSQL max_connections, to show the bound in the spec. */
  postgresMaxConnections: number;
  /** Host address the port is published on. Default 127.0.0.1. */
  bindAddress?: string;
  /** Host port. Default 6432. */
  port?: number;
  /** Default "transaction" (seed 004). */
  poolMode?: "transaction" | "session";
  /** Default 10000 (seed 004). */
  maxClientConn?: number;
  /** Default 25 (seed 004). */
  defaultPoolSize?: number;
  /** Default 5 (seed 004). */
  reservePoolSize?: number;
  /** Seconds. Default 3 (seed 004). */
  reservePoolTimeout?: number;
  /** Default 100. */
  maxPreparedStatements?: number;
  /** Memory limit in MB. Default 128. */
  memoryMb?: number;
  passwordLength?: number;
  /** TLS material from ClusterTls, with a certificate for the pooler's hostname. Plaintext when absent. */
  tls?: TlsMaterial;
}

export function pgbouncerHostname(namePrefix: string): string {
  return `${namePrefix}-pgbouncer`;
}

export const PGBOUNCER_DEFAULTS = {
  databases: ["app"],
  bindAddress: "127.0.0.1",
  port: 6432,
  poolMode: "transaction",
  maxClientConn: 10000,
  defaultPoolSize: 25,
  reservePoolSize: 5,
  reservePoolTimeout: 3,
  maxPreparedStatements: 100,
  memoryMb: 128,
  passwordLength: 32,
} as const;

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
  readonly container: docker.Container;
  /** For the PgBouncer exporter: user pgbouncer_stats and its password. */
  readonly statsUser = STATS_USER;
  readonly statsPassword: pulumi.Output<string>;
  readonly containerName: string;

  constructor(name: string, args: PgBouncerArgs, opts?: pulumi.ComponentResourceOptions) {
    const d = PGBOUNCER_DEFAULTS;
    const settings: PgBouncerSettings = {
      upstreamHost: args.upstreamHost,
      upstreamPort: args.upstreamPort,
      databases: args.databases ?? [...d.databases],
      poolMode: args.poolMode ?? d.poolMode,
      maxClientConn: args.maxClientConn ?? d.maxClientConn,
      defaultPoolSize: args.defaultPoolSize ?? d.defaultPoolSize,
      reservePoolSize: args.reservePoolSize ?? d.reservePoolSize,
      reservePoolTimeout: args.reservePoolTimeout ?? d.reservePoolTimeout,
      maxPreparedStatements: args.maxPreparedStatements ?? d.maxPreparedStatements,
      tls: args.tls !== undefined,
    };
    const bindAddress = args.bindAddress ?? d.bindAddress;
    const port = args.port ?? d.port;
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
      poolerCountPerCluster: 1,
      postgresMaxConnections: args.postgresMaxConnections,
    };
    super(PgBouncer.__pulumiType, name, spec, opts);

    const stats = new random.RandomPassword(`${name}-stats-password`, { length: args.passwordLength ?? d.passwordLength, special: false }, { parent: this });
    const authFile = pulumi.secret(
      pulumi.all([args.authUserPassword, stats.result]).apply(([authUser, statsUser]) => renderAuthFile({ authUser, statsUser })),
    );
    this.containerName = pgbouncerHostname(args.namePrefix);
    this.container = new docker.Container(
      name,
      {
        name: this.containerName,
        hostname: this.containerName,
        image: args.image,
        command: ["pgbouncer", PGBOUNCER_CONFIG_PATH],
        networksAdvanced: [{ name: args.edgeNetworkName }, { name: args.clusterNetworkName, aliases: [this.containerName] }],
        ports: [{ internal: PGBOUNCER_PORT, external: port, ip: bindAddress }],
        uploads: pulumi.secret(
          pulumi.all([authFile, tlsUploadsFor(TLS_UPLOAD_FILES, args.tls, pgbouncerHostname(args.namePrefix))]).apply(([auth, tlsFiles]) => [
            { file: PGBOUNCER_CONFIG_PATH, content: renderPgBouncerIni(settings) },
            { file: PGBOUNCER_AUTH_FILE_PATH, content: auth },
            ...tlsFiles,
          ]),
        ),
        healthcheck: {
          tests: ["CMD", "pg_isready", "-q", "-h", "127.0.0.1", "-p", String(PGBOUNCER_PORT)],
          interval: "10s",
          timeout: "3s",
          retries: 3,
        },
        ...serviceSettings(args.namePrefix, "pgbouncer", { memoryMb: args.memoryMb ?? d.memoryMb, cpus: 0.5 }),
      },
      { parent: this },
    );
    this.statsPassword = stats.result;
    this.endpoint = `${bindAddress}:${port}`;
    this.registerOutputs({ endpoint: this.endpoint });
  }
}
