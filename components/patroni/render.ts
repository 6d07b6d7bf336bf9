// Pure renderers for a Patroni node: patroni.yml and the one-time bootstrap SQL.
import { stringify } from "yaml";
import { CONNECTIONS_RESERVED } from "./settings";
import { RUVECTOR_PROMOTE_HOOK_PATH } from "./ruvector";

export const PATRONI_CONFIG_PATH = "/etc/patroni/patroni.yml";
export const BOOTSTRAP_SQL_PATH = "/etc/patroni/bootstrap.sql";
export const POST_BOOTSTRAP_PATH = "/etc/patroni/post-bootstrap.sh";
export const PGDATA = "/var/lib/postgresql/data/pgdata";
export const POSTGRES_PORT = 5432;
export const PATRONI_REST_PORT = 8008;
/** The node image's user, and its entrypoint after dumb-init (components/patroni/image). */
export const NODE_IMAGE_USER = "postgres";
/** Its id (ARG POSTGRES_UID of image/Dockerfile): Swarm secrets are owned by id. */
export const NODE_IMAGE_UID = 999;
export const NODE_IMAGE_ENTRYPOINT = ["/bin/sh", "/usr/local/bin/docker-entrypoint.sh"];
/** Where TLS files are uploaded (root-owned), and where the entrypoint keeps the server user's private copy. */
export const TLS_DIR = "/var/lib/postgresql/tls";
export const TLS_FILES = { ca: `${TLS_DIR}/ca.crt`, cert: `${TLS_DIR}/server.crt`, key: `${TLS_DIR}/server.key` } as const;
export { TLS_UPLOAD_DIR, TLS_UPLOAD_FILES } from "../tls/paths";

/** Role names the cluster uses; superuser is for Patroni and administrators only. */
export const ROLES = { superuser: "postgres", replication: "replicator", rewind: "rewind_user" } as const;

export interface PatroniClusterSettings {
  /** Patroni scope: the cluster's name in etcd. */
  scope: string;
  postgresMajor: number;
  synchronousMode: boolean;
  synchronousNodeCount: number;
  ttl: number;
  loopWait: number;
  retryTimeout: number;
  /** Patroni member_slots_ttl (s): how long a gone member's slot is kept (dpg-cluster:patroni.memberSlotsTtlS). */
  memberSlotsTtlS: number;
  maxConnections: number;
  /** Memory limit of each node's container in MB: the tuning below is derived from it. */
  memoryMb: number;
  /** Operator overrides merged last (dpg-cluster:patroni.parameters). */
  parameterOverrides?: Record<string, string | number>;
  /** TLS everywhere: PostgreSQL (hostssl only), Patroni REST, etcd client (mutual). */
  tls: boolean;
  /** Client networks pg_hba admits besides the cluster subnet (dpg-cluster:network.clientCidrs). */
  clientCidrs?: string[];
  /** Subnet of the cluster network; the only range pg_hba admits. */
  clusterSubnet: string;
  etcdEndpoints: string[];
  /** "ruvector" adds the promotion hook that rebuilds RuVector's HNSW indexes (see ruvector.ts). Default "vector". */
  vectorExtension?: string;
}

export interface PatroniPasswords {
  superuser: string;
  replication: string;
  rewind: string;
}

export interface PatroniNodeRenderInput {
  /** Node name, also its hostname on the cluster network. */
  name: string;
  cluster: PatroniClusterSettings;
  passwords: PatroniPasswords;
  /** postgresql.recovery_conf, e.g. pgBackRest's restore_command so replicas can fetch archived WAL. */
  recoveryConf?: Record<string, string>;
  /**
   * bootstrap.dcs as it was when the cluster was created (default: from `cluster`). Kept fixed afterwards
   * so a settings change does not rewrite patroni.yml, which would re-create every node at once.
   */
  bootstrapDcs?: DynamicConfig;
}

/**
 * Memory settings from the node's memory limit, the usual PGTune-style split: a quarter for
 * shared_buffers, three quarters assumed as OS cache, work_mem sized so max_connections sorts
 * at once cannot exhaust what is left.
 */
export function memoryParameters(memoryMb: number, maxConnections: number): Record<string, string> {
  const sharedBuffers = Math.floor(memoryMb / 4);
  const workMem = Math.max(4, Math.floor((memoryMb - sharedBuffers) / (maxConnections * 3)));
  const maintenance = Math.min(2048, Math.max(64, Math.floor(memoryMb / 16)));
  return {
    shared_buffers: `${sharedBuffers}MB`,
    effective_cache_size: `${Math.floor((memoryMb * 3) / 4)}MB`,
    work_mem: `${workMem}MB`,
    maintenance_work_mem: `${maintenance}MB`,
  };
}

/** The PostgreSQL parameters Patroni keeps in the DCS (same on every node). */
export function postgresParameters(c: PatroniClusterSettings): Record<string, string | number> {
  return {
    max_connections: c.maxConnections,
    superuser_reserved_connections: CONNECTIONS_RESERVED.superuser,
    password_encryption: "scram-sha-256",
    ...memoryParameters(c.memoryMb, c.maxConnections),
    // WAL and checkpoints: spread checkpoints over 15 min, keep enough WAL for a replica to catch up.
    wal_level: "replica",
    wal_compression: "on",
    wal_buffers: "16MB",
    min_wal_size: "512MB",
    max_wal_size: "2GB",
    checkpoint_timeout: "15min",
    checkpoint_completion_target: "0.9",
    wal_keep_size: "1GB",
    wal_log_hints: "on", // pg_rewind needs it unless data checksums are on; both cost little.
    hot_standby: "on",
    hot_standby_feedback: "on",
    max_wal_senders: 10,
    max_replication_slots: 10,
    // SSD-class storage (seed 004): index scans are nearly as cheap as sequential reads.
    random_page_cost: "1.1",
    effective_io_concurrency: 200,
    // Audit and slow-query logging (seed 004): DDL, connections, anything slower than 1 s.
    log_statement: "ddl",
    log_min_duration_statement: 1000,
    log_connections: "on",
    log_disconnections: "on",
    log_lock_waits: "on",
    log_temp_files: 0,
    log_checkpoints: "on",
    log_line_prefix: "%m [%p] %q%u@%d ",
    shared_preload_libraries: "pg_stat_statements",
    "pg_stat_statements.track": "all",
    track_io_timing: "on",
    ...(c.tls
      ? { ssl: "on", ssl_cert_file: TLS_FILES.cert, ssl_key_file: TLS_FILES.key, ssl_ca_file: TLS_FILES.ca, ssl_min_protocol_version: "TLSv1.2" }
      : { ssl: "off" }),
    ...(c.parameterOverrides ?? {}),
  };
}

/**
 * pg_hba: the superuser only as the postgres OS user over the socket, password logins (scram) only from the cluster
 * network and configured client ranges; with TLS on, only over TLS ("hostssl") and anything
 * without TLS rejected before authentication.
 */
export function pgHba(c: PatroniClusterSettings): string[] {
  const host = c.tls ? "hostssl" : "host";
  const sources = [c.clusterSubnet, ...(c.clientCidrs ?? [])];
  return [
    "local all postgres peer",
    "local all all scram-sha-256",
    // The superuser is locked to the local socket (001-SEC-01): Patroni (use_unix_socket) and pgBackRest
    // (pg1-socket-path) reach it there; pg_rewind and replicas use their own roles over TCP.
    `host all ${ROLES.superuser} 0.0.0.0/0 reject`,
    // "all" does not match replication connections in pg_hba, so both are rejected explicitly.
    ...(c.tls ? ["hostnossl all all 0.0.0.0/0 reject", "hostnossl replication all 0.0.0.0/0 reject"] : []),
    `${host} all all 127.0.0.1/32 scram-sha-256`,
    // Patroni reads its own timeline over a local replication connection before it may join a leader
    // race; without this line no replica can prove it is current and a dead leader is never replaced.
    `${host} replication ${ROLES.replication} 127.0.0.1/32 scram-sha-256`,
    ...sources.map((cidr) => `${host} replication ${ROLES.replication} ${cidr} scram-sha-256`),
    ...sources.map((cidr) => `${host} all all ${cidr} scram-sha-256`),
    "host all all 0.0.0.0/0 reject",
  ];
}

/** Patroni's dynamic configuration: read once from bootstrap.dcs, then owned by the DCS (GET/PATCH /config). */
export interface DynamicConfig {
  ttl: number;
  loop_wait: number;
  retry_timeout: number;
  maximum_lag_on_failover: number;
  member_slots_ttl: number;
  synchronous_mode: boolean;
  synchronous_node_count: number;
  postgresql: {
    use_pg_rewind: boolean;
    use_slots: boolean;
    parameters: Record<string, string | number>;
    pg_hba: string[];
  };
}

/** The dynamic configuration the stack settings ask for (bootstrap.dcs at creation, PATCH /config after). */
export function dynamicConfig(c: PatroniClusterSettings): DynamicConfig {
  return {
    ttl: c.ttl,
    loop_wait: c.loopWait,
    retry_timeout: c.retryTimeout,
    // A replica further behind than this (bytes) may not be promoted: bounds data loss on async failover.
    maximum_lag_on_failover: 1048576,
    // A gone member's slot (and the WAL it holds) is kept this long for its return, then dropped: also what
    // clears the slots of members a scale-in removed.
    member_slots_ttl: c.memberSlotsTtlS,
    synchronous_mode: c.synchronousMode,
    synchronous_node_count: c.synchronousNodeCount,
    postgresql: {
      use_pg_rewind: true,
      use_slots: true,
      parameters: postgresParameters(c),
      pg_hba: pgHba(c),
    },
  };
}

function verifyFull(c: PatroniClusterSettings): Record<string, string> {
  return c.tls ? { sslmode: "verify-full", sslrootcert: TLS_FILES.ca } : {};
}

export function renderPatroniConfig(input: PatroniNodeRenderInput): string {
  const c = input.cluster;
  const config = {
    scope: c.scope,
    namespace: "/service/",
    name: input.name,
    log: { level: "INFO", format: "%(asctime)s %(levelname)s: %(message)s" },
    restapi: {
      listen: `0.0.0.0:${PATRONI_REST_PORT}`,
      connect_address: `${input.name}:${PATRONI_REST_PORT}`,
      ...(c.tls ? { certfile: TLS_FILES.cert, keyfile: TLS_FILES.key, cafile: TLS_FILES.ca } : {}),
    },
    ...(c.tls ? { ctl: { cacert: TLS_FILES.ca, certfile: TLS_FILES.cert, keyfile: TLS_FILES.key } } : {}),
    // With TLS, etcd authenticates Patroni by its client certificate (mutual TLS).
    etcd3: c.tls
      ? { hosts: c.etcdEndpoints, protocol: "https", cacert: TLS_FILES.ca, cert: TLS_FILES.cert, key: TLS_FILES.key }
      : { hosts: c.etcdEndpoints, protocol: "http" },
    bootstrap: {
      // Read by Patroni only when it creates the cluster; later changes go through PATCH /config (day2.ts).
      dcs: input.bootstrapDcs ?? dynamicConfig(c),
      initdb: [{ encoding: "UTF8" }, { locale: "C.UTF-8" }, "data-checksums"],
      // Run through sh: uploaded files are root-owned and not executable for postgres.
      post_bootstrap: `/bin/sh ${POST_BOOTSTRAP_PATH}`,
    },
    postgresql: {
      listen: `0.0.0.0:${POSTGRES_PORT}`,
      connect_address: `${input.name}:${POSTGRES_PORT}`,
      data_dir: PGDATA,
      bin_dir: `/usr/lib/postgresql/${c.postgresMajor}/bin`,
      pgpass: "/tmp/pgpass",
      // A new replica's pg_basebackup would otherwise wait for a spread checkpoint (up to
      // checkpoint_timeout x 0.9, i.e. 13 minutes here) before copying anything. (Patroni sets
      // --wal-method itself and rejects the whole list if it is given here.)
      basebackup: [{ checkpoint: "fast" }],
      // Patroni's own connections go over the socket, where the postgres OS user is trusted by peer auth.
      use_unix_socket: true,
      // Replicas and pg_rewind reach the leader by its hostname, verified against the cluster CA.
      authentication: {
        superuser: { username: ROLES.superuser, password: input.passwords.superuser },
        replication: { username: ROLES.replication, password: input.passwords.replication, ...verifyFull(c) },
        rewind: { username: ROLES.rewind, password: input.passwords.rewind, ...verifyFull(c) },
      },
      // Patroni rewrites pg_hba.conf from here on every node, also after a rewind or re-clone.
      pg_hba: pgHba(c),
      ...(input.recoveryConf && Object.keys(input.recoveryConf).length ? { recovery_conf: input.recoveryConf } : {}),
      parameters: { unix_socket_directories: "/var/run/postgresql" },
      ...(c.vectorExtension === "ruvector" ? { callbacks: { on_role_change: `/bin/sh ${RUVECTOR_PROMOTE_HOOK_PATH}` } } : {}),
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
  return stringify(config, { lineWidth: 0 });
}

/** Login roles created at bootstrap besides Patroni's own (superuser, replication, rewind). */
export const APP_ROLES = { readonly: "readonly_user", exporter: "postgres_exporter", poolerAuth: "pgbouncer_auth" } as const;

export interface BootstrapSqlInput {
  database: string;
  appUser: string;
  vectorExtension: string;
  passwords: { app: string; readonly: string; exporter: string; poolerAuth: string };
}

/** SQL quoting for a literal: double every single quote. */
export function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Runs once on the first leader (Patroni post_bootstrap). Least privilege: app_user owns the
 * app schema (CRUD and its own migrations) but is no superuser and cannot create roles or
 * databases; readonly_user only reads; postgres_exporter only has pg_monitor; PgBouncer's
 * lookup role can only call a function that returns non-superuser password hashes.
 */
export function renderBootstrapSql(input: BootstrapSqlInput): string {
  const { database: db, appUser: app, passwords: pw } = input;
  const poolerLookup = (where: string) => [
    `-- PgBouncer auth_query target in ${where}: hashes of ordinary roles only, never of superusers.`,
    "CREATE SCHEMA IF NOT EXISTS pgbouncer AUTHORIZATION postgres;",
    "REVOKE ALL ON SCHEMA pgbouncer FROM PUBLIC;",
    `GRANT USAGE ON SCHEMA pgbouncer TO ${APP_ROLES.poolerAuth};`,
    "CREATE OR REPLACE FUNCTION pgbouncer.get_auth(p_usename text) RETURNS TABLE(usename name, passwd text)",
    "  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS",
    "  $$ SELECT rolname, rolpassword FROM pg_authid WHERE rolname = p_usename AND NOT rolsuper AND rolcanlogin $$;",
    "REVOKE ALL ON FUNCTION pgbouncer.get_auth(text) FROM PUBLIC;",
    `GRANT EXECUTE ON FUNCTION pgbouncer.get_auth(text) TO ${APP_ROLES.poolerAuth};`,
  ];
  return [
    "-- Statement logging would write the passwords below into the server log.",
    "SET log_statement = 'none';",
    `CREATE ROLE ${app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD ${sqlLiteral(pw.app)};`,
    `CREATE ROLE ${APP_ROLES.readonly} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD ${sqlLiteral(pw.readonly)};`,
    `CREATE ROLE ${APP_ROLES.exporter} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION CONNECTION LIMIT 5 PASSWORD ${sqlLiteral(pw.exporter)};`,
    `GRANT pg_monitor TO ${APP_ROLES.exporter};`,
    `CREATE ROLE ${APP_ROLES.poolerAuth} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION CONNECTION LIMIT 10 PASSWORD ${sqlLiteral(pw.poolerAuth)};`,
    ...poolerLookup("postgres"),
    `CREATE DATABASE ${db} OWNER ${app};`,
    `REVOKE ALL ON DATABASE ${db} FROM PUBLIC;`,
    `GRANT CONNECT ON DATABASE ${db} TO ${APP_ROLES.readonly}, ${APP_ROLES.exporter}, ${APP_ROLES.poolerAuth};`,
    `\\connect ${db}`,
    "SET log_statement = 'none';",
    `CREATE EXTENSION IF NOT EXISTS ${input.vectorExtension};`,
    // RuVector 2.0.x prices its HNSW index as nearly free for any path, so a plain COUNT(*) becomes an
    // index-only scan of it, which returns no rows (measured: 0 instead of 2000; upstream #271, #813).
    // Without index-only scans COUNT(*) reads the table again; k-NN still uses the index.
    ...(input.vectorExtension === "ruvector" ? [`ALTER DATABASE ${db} SET enable_indexonlyscan = off;`] : []),
    "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;",
    "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
    `CREATE SCHEMA app AUTHORIZATION ${app};`,
    `ALTER ROLE ${app} IN DATABASE ${db} SET search_path = app, public;`,
    `ALTER ROLE ${APP_ROLES.readonly} IN DATABASE ${db} SET search_path = app, public;`,
    `GRANT USAGE ON SCHEMA app TO ${APP_ROLES.readonly};`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${app} IN SCHEMA app GRANT SELECT ON TABLES TO ${APP_ROLES.readonly};`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${app} IN SCHEMA app GRANT SELECT ON SEQUENCES TO ${APP_ROLES.readonly};`,
    ...poolerLookup(db),
    "",
  ].join("\n");
}

/** Patroni calls post_bootstrap with a superuser connection string as its only argument. */
export function renderPostBootstrapScript(extraCommands: string[] = []): string {
  const psql = `psql "$1" --no-psqlrc -v ON_ERROR_STOP=1 -q -f ${BOOTSTRAP_SQL_PATH}`;
  return ["#!/bin/sh", "set -eu", extraCommands.length ? psql : `exec ${psql}`, ...extraCommands, ""].join("\n");
}
