// Pure renderers for PgBouncer: pgbouncer.ini and its auth_file.
//
// Where the pooler sits: one PgBouncer in front of HAProxy's write port
// (client -> PgBouncer :6432 -> HAProxy -> Patroni leader). One pooler bounds the server
// connections the leader can ever see, whatever the client count, and follows a failover for
// free because HAProxy re-routes. Reads keep using HAProxy's read port directly.
import * as crypto from "crypto";

export const PGBOUNCER_PORT = 6432;
export const PGBOUNCER_CONFIG_PATH = "/etc/pgbouncer/pgbouncer.ini";
export const PGBOUNCER_AUTH_FILE_PATH = "/etc/pgbouncer/userlist.txt";
/** Role PgBouncer logs in as to look up password hashes (auth_query). */
export const AUTH_USER = "pgbouncer_auth";
/** PgBouncer-only user allowed to read SHOW STATS/POOLS (the exporter). Not a PostgreSQL role. */
export const STATS_USER = "pgbouncer_stats";

export interface PgBouncerRenderInput {
  /** Host and port PgBouncer sends server connections to (HAProxy's write listener). */
  upstreamHost: string;
  upstreamPort: number;
  /** Databases clients may reach through the pooler. */
  databases: string[];
  poolMode: "transaction" | "session";
  maxClientConn: number;
  defaultPoolSize: number;
  reservePoolSize: number;
  reservePoolTimeout: number;
  maxPreparedStatements: number;
  /** TLS to clients (required) and to PostgreSQL (verify-full against the cluster CA). */
  tls: boolean;
}

/** The private copies the image's entrypoint makes of the uploaded TLS files (see components/patroni/image). */
export const PGBOUNCER_TLS_FILES = {
  ca: "/var/lib/postgresql/tls/ca.crt",
  cert: "/var/lib/postgresql/tls/server.crt",
  key: "/var/lib/postgresql/tls/server.key",
} as const;

/**
 * Server connections PgBouncer may open as the auth_query role. Its pool would otherwise be
 * default_pool_size (20), above the role's CONNECTION LIMIT 10 (patroni bootstrap.sql): a burst of
 * new logins then failed with "too many connections for role" and PgBouncer cached the failure
 * for server_login_retry (measured: 985 of 1,000 concurrent clients with `npm run bench`).
 */
export const AUTH_USER_MAX_CONNECTIONS = 5;

/** Server connections one pooler can open per database: pools are capped with max_db_connections. */
export function serverConnectionsPerDatabase(s: Pick<PgBouncerRenderInput, "defaultPoolSize" | "reservePoolSize">): number {
  return s.defaultPoolSize + s.reservePoolSize;
}

export function renderPgBouncerIni(s: PgBouncerRenderInput): string {
  const maxDb = serverConnectionsPerDatabase(s);
  const lines = [
    "[databases]",
    ...s.databases.map((db) => `${db} = host=${s.upstreamHost} port=${s.upstreamPort} dbname=${db}`),
    "",
    "[users]",
    `${AUTH_USER} = max_user_connections=${AUTH_USER_MAX_CONNECTIONS}`,
    "",
    "[pgbouncer]",
    "listen_addr = 0.0.0.0",
    `listen_port = ${PGBOUNCER_PORT}`,
    "unix_socket_dir =",
    // scram-sha-256 end to end: client secrets come from PostgreSQL through auth_query, never from a file.
    "auth_type = scram-sha-256",
    `auth_file = ${PGBOUNCER_AUTH_FILE_PATH}`,
    `auth_user = ${AUTH_USER}`,
    "auth_query = SELECT usename, passwd FROM pgbouncer.get_auth($1)",
    `stats_users = ${STATS_USER}`,
    `pool_mode = ${s.poolMode}`,
    `max_client_conn = ${s.maxClientConn}`,
    `default_pool_size = ${s.defaultPoolSize}`,
    `reserve_pool_size = ${s.reservePoolSize}`,
    `reserve_pool_timeout = ${s.reservePoolTimeout}`,
    `max_db_connections = ${maxDb}`,
    // Protocol-level prepared statements survive transaction pooling (PgBouncer >= 1.21).
    `max_prepared_statements = ${s.maxPreparedStatements}`,
    "server_reset_query = DISCARD ALL",
    "server_check_query = SELECT 1",
    "server_lifetime = 3600",
    "server_idle_timeout = 600",
    "query_wait_timeout = 30",
    "ignore_startup_parameters = extra_float_digits,options",
    "tcp_keepalive = 1",
    "log_connections = 0",
    "log_disconnections = 0",
    "log_pooler_errors = 1",
    "stats_period = 60",
    ...(s.tls
      ? [
          "client_tls_sslmode = require",
          `client_tls_cert_file = ${PGBOUNCER_TLS_FILES.cert}`,
          `client_tls_key_file = ${PGBOUNCER_TLS_FILES.key}`,
          `client_tls_ca_file = ${PGBOUNCER_TLS_FILES.ca}`,
          "client_tls_protocols = tlsv1.2,tlsv1.3",
          // The upstream is HAProxy's name, which every node certificate carries.
          "server_tls_sslmode = verify-full",
          `server_tls_ca_file = ${PGBOUNCER_TLS_FILES.ca}`,
        ]
      : []),
    "",
  ];
  return lines.join("\n");
}

/** A SCRAM-SHA-256 secret as PostgreSQL stores it (RFC 5802/7677), for the auth_file. */
export function scramSecret(password: string, salt: Buffer, iterations = 4096): string {
  const salted = crypto.pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = crypto.createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = crypto.createHash("sha256").update(clientKey).digest();
  const serverKey = crypto.createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** Salt derived from the secret itself so the rendered file is stable across deploys. */
export function stableSalt(user: string, password: string): Buffer {
  return crypto.createHash("sha256").update(`${user}\0${password}`).digest().subarray(0, 16);
}

/**
 * auth_file: only the lookup role (PgBouncer must log in to PostgreSQL as it, which needs its
 * password) and the stats user (stored as a SCRAM secret). Application users are not listed:
 * their secrets are looked up in PostgreSQL.
 */
export function renderAuthFile(passwords: { authUser: string; statsUser: string }): string {
  const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
  return [
    `${quote(AUTH_USER)} ${quote(passwords.authUser)}`,
    `${quote(STATS_USER)} ${quote(scramSecret(passwords.statsUser, stableSalt(STATS_USER, passwords.statsUser)))}`,
    "",
  ].join("\n");
}
