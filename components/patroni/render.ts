// Pure renderers for a Patroni node: patroni.yml and the one-time bootstrap SQL.
import { stringify } from "yaml";

export const PATRONI_CONFIG_PATH = "/etc/patroni/patroni.yml";
export const BOOTSTRAP_SQL_PATH = "/etc/patroni/bootstrap.sql";
export const POST_BOOTSTRAP_PATH = "/etc/patroni/post-bootstrap.sh";
export const PGDATA = "/var/lib/postgresql/data/pgdata";
export const POSTGRES_PORT = 5432;
export const PATRONI_REST_PORT = 8008;

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
  maxConnections: number;
  /** Subnet of the cluster network; the only range pg_hba admits. */
  clusterSubnet: string;
  etcdEndpoints: string[];
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
}

/** The PostgreSQL parameters Patroni keeps in the DCS (same on every node). */
export function postgresParameters(c: PatroniClusterSettings): Record<string, string | number> {
  return {
    max_connections: c.maxConnections,
    password_encryption: "scram-sha-256",
    wal_level: "replica",
    hot_standby: "on",
    max_wal_senders: 10,
    max_replication_slots: 10,
    wal_keep_size: "1GB",
    wal_log_hints: "on", // pg_rewind needs it unless data checksums are on; both cost little.
    hot_standby_feedback: "on",
    shared_preload_libraries: "pg_stat_statements",
  };
}

/** pg_hba: local socket for the postgres OS user, password logins only from the cluster network. */
export function pgHba(c: PatroniClusterSettings): string[] {
  return [
    "local all postgres peer",
    "local all all scram-sha-256",
    `host replication ${ROLES.replication} ${c.clusterSubnet} scram-sha-256`,
    `host all all ${c.clusterSubnet} scram-sha-256`,
    "host all all 0.0.0.0/0 reject",
  ];
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
    },
    etcd3: { hosts: c.etcdEndpoints, protocol: "http" },
    bootstrap: {
      dcs: {
        ttl: c.ttl,
        loop_wait: c.loopWait,
        retry_timeout: c.retryTimeout,
        // A replica further behind than this (bytes) may not be promoted: bounds data loss on async failover.
        maximum_lag_on_failover: 1048576,
        synchronous_mode: c.synchronousMode,
        synchronous_node_count: c.synchronousNodeCount,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: postgresParameters(c),
          pg_hba: pgHba(c),
        },
      },
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
      authentication: {
        superuser: { username: ROLES.superuser, password: input.passwords.superuser },
        replication: { username: ROLES.replication, password: input.passwords.replication },
        rewind: { username: ROLES.rewind, password: input.passwords.rewind },
      },
      // Patroni rewrites pg_hba.conf from here on every node, also after a rewind or re-clone.
      pg_hba: pgHba(c),
      parameters: { unix_socket_directories: "/var/run/postgresql" },
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
  return stringify(config, { lineWidth: 0 });
}

export interface BootstrapSqlInput {
  database: string;
  appUser: string;
  appPassword: string;
  vectorExtension: string;
}

/** SQL quoting for a literal: double every single quote. */
export function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Runs once on the first leader (Patroni post_bootstrap): app role, app database, vector extension. */
export function renderBootstrapSql(input: BootstrapSqlInput): string {
  return [
    "-- Statement logging would write the password below into the server log.",
    "SET log_statement = 'none';",
    `CREATE ROLE ${input.appUser} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${sqlLiteral(input.appPassword)};`,
    `CREATE DATABASE ${input.database} OWNER ${input.appUser};`,
    `\\connect ${input.database}`,
    `CREATE EXTENSION IF NOT EXISTS ${input.vectorExtension};`,
    "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;",
    "",
  ].join("\n");
}

/** Patroni calls post_bootstrap with a superuser connection string as its only argument. */
export function renderPostBootstrapScript(): string {
  return ["#!/bin/sh", "set -eu", `exec psql "$1" --no-psqlrc -v ON_ERROR_STOP=1 -q -f ${BOOTSTRAP_SQL_PATH}`, ""].join("\n");
}
