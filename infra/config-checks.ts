// Checks that involve more than one setting. Single-setting bounds live in each component's
// settings.ts; these catch the mistakes an operator makes between settings, which would otherwise
// pass validation and fail later inside Docker, PostgreSQL or Patroni (or be silently dropped).
// Each message names the key(s) and the fix.
import type { z } from "zod";
import { catalog } from "../policies/catalog";
import { WINDOW_ATTESTATIONS } from "../policies/score/attestations";
import { memoryParameters } from "../components/patroni/render";
import { BACKEND_MEMORY_MB, CONNECTIONS_RESERVED } from "../components/patroni/settings";
import { placementProblems } from "../components/target/settings";
import type { stackConfigSchema } from "./config";

type ParsedConfig = z.infer<typeof stackConfigSchema>;

const NS = "dpg-cluster";
const key = (k: string) => `${NS}:${k}`;

export function crossFieldProblems(c: ParsedConfig): string[] {
  return [
    ...patroniProblems(c),
    ...portClashes(c),
    ...parameterOverrideProblems(c),
    ...tlsProblems(c),
    ...poolProblems(c),
    ...monitoringProblems(c),
    ...attestationProblems(c),
    ...imagesProblems(c),
    ...placementProblems(c.target, {
      environment: c.environment,
      etcdMembers: c.etcd.members,
      patroniNodes: c.patroni.nodes,
      monitoringEnabled: c.monitoring.enabled,
      backupEnabled: c.backup.enabled,
      backupRepository: c.backup.repository,
    }),
  ];
}

/** Another stack's images or pinned ids are local image ids: runnable only where they were built, on one host. */
function imagesProblems(c: ParsedConfig): string[] {
  if (c.target.kind !== "swarm") return [];
  const set = [c.images.fromStack !== undefined && "images.fromStack", Object.keys(c.images.ids).length > 0 && "images.ids"].filter(Boolean) as string[];
  return set.map((k) => `${key(k)}: runs local image ids, so only with ${key("target.kind")} docker (a Swarm pulls from ${key("target.registry")} by digest); unset it`);
}

function patroniProblems(c: ParsedConfig): string[] {
  const p = c.patroni;
  const out: string[] = [];
  if (p.synchronousMode && p.synchronousNodeCount > p.nodes - 1) {
    out.push(
      `${key("patroni.synchronousNodeCount")}: must be at most patroni.nodes - 1 (${p.nodes - 1}) ` +
        `when patroni.synchronousMode is true (got ${p.synchronousNodeCount})`,
    );
  }
  // Patroni's own rule: a leader must be able to retry the DCS twice and loop once within its lease.
  if (p.loopWait + 2 * p.retryTimeout > p.ttl) {
    out.push(
      `${key("patroni.ttl")}: loopWait ${p.loopWait} + 2 × retryTimeout ${p.retryTimeout} = ${p.loopWait + 2 * p.retryTimeout} exceeds ttl ${p.ttl}; ` +
        `raise patroni.ttl to at least ${p.loopWait + 2 * p.retryTimeout} or lower patroni.loopWait / patroni.retryTimeout`,
    );
  }
  // Every backend needs its own memory next to shared_buffers; a node whose limit cannot hold
  // max_connections idle backends is OOM-killed under a connection burst.
  const sharedBuffersMb = megabytes(p.parameters.shared_buffers) ?? Number.parseInt(memoryParameters(p.memoryMb, p.maxConnections).shared_buffers, 10);
  const needed = sharedBuffersMb + p.maxConnections * BACKEND_MEMORY_MB;
  if (needed > p.memoryMb) {
    const maxConn = Math.max(0, Math.floor((p.memoryMb - sharedBuffersMb) / BACKEND_MEMORY_MB));
    out.push(
      `${key("patroni.memoryMb")}: ${p.memoryMb} MB cannot hold shared_buffers (${sharedBuffersMb} MB) plus ${p.maxConnections} connections × ${BACKEND_MEMORY_MB} MB; ` +
        `raise patroni.memoryMb to at least ${needed} or lower patroni.maxConnections to at most ${maxConn}`,
    );
  }
  return out;
}

/** Every host port the stack publishes, by setting; two settings on one port fail inside Docker. */
function portClashes(c: ParsedConfig): string[] {
  const published: [string, number | undefined][] = [
    ["haproxy.writePort", c.haproxy.writePort],
    ["haproxy.readPort", c.haproxy.readPort],
    ["haproxy.statsPort", c.haproxy.statsPort],
    ["pgbouncer.port", c.pgbouncer.port],
    ...(c.monitoring.enabled
      ? ([
          ["monitoring.prometheusPort", c.monitoring.prometheusPort],
          ["monitoring.alertmanagerPort", c.monitoring.alertmanagerPort],
          ["monitoring.webhookPort", c.monitoring.webhookPort],
          ["monitoring.grafanaPort", c.monitoring.grafanaPort],
        ] as [string, number | undefined][])
      : []),
  ];
  const byPort = new Map<number, string[]>();
  for (const [name, port] of published) {
    if (port !== undefined) byPort.set(port, [...(byPort.get(port) ?? []), name]);
  }
  return [...byPort.entries()]
    .filter(([, names]) => names.length > 1)
    .map(([port, names]) => `${key(names[0])}: port ${port} is also used by ${names.slice(1).map(key).join(", ")}; every published port must be different`);
}

/**
 * postgresql.conf keys the program sets from another setting, or needs for replication, TLS and
 * backups: an override would silently fight that setting or break the cluster.
 */
const OWNED_BY_SETTING: Record<string, string> = {
  max_connections: "patroni.maxConnections",
  ssl: "tls.enabled",
  ssl_cert_file: "tls.enabled",
  ssl_key_file: "tls.enabled",
  ssl_ca_file: "tls.enabled",
  archive_mode: "backup.enabled",
  archive_command: "backup.enabled",
  archive_timeout: "backup.archiveTimeoutSeconds",
  superuser_reserved_connections: "patroni.maxConnections (the program reserves them)",
};
/** Patroni writes these itself on every start; an override is ignored or breaks the node. */
const PATRONI_MANAGED = ["listen_addresses", "port", "hba_file", "ident_file", "data_directory", "config_file", "cluster_name", "primary_conninfo", "primary_slot_name", "synchronous_standby_names"];

function parameterOverrideProblems(c: ParsedConfig): string[] {
  const out: string[] = [];
  const params = c.patroni.parameters;
  const k = (name: string) => key(`patroni.parameters.${name}`);
  for (const [name, raw] of Object.entries(params)) {
    const value = String(raw).trim().toLowerCase();
    if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(name)) {
      out.push(`${k(name)}: not a PostgreSQL parameter name (lowercase letters, digits, underscores, one optional "extension." prefix)`);
    } else if (OWNED_BY_SETTING[name]) {
      out.push(`${k(name)}: set by the program from ${key(OWNED_BY_SETTING[name])}; change that setting instead and remove this override`);
    } else if (PATRONI_MANAGED.includes(name)) {
      out.push(`${k(name)}: Patroni sets this itself on every start; remove the override`);
    } else if (name === "wal_level" && !["replica", "logical"].includes(value)) {
      out.push(`${k(name)}: "${raw}" stops streaming replication; use "replica" or "logical", or remove the override`);
    } else if (name === "hot_standby" && ["off", "false", "0", "no"].includes(value)) {
      out.push(`${k(name)}: off makes replicas refuse connections (Patroni and HAProxy's read port need them); remove the override`);
    } else if ((name === "max_wal_senders" || name === "max_replication_slots") && Number(raw) < c.patroni.nodes + 1) {
      out.push(`${k(name)}: ${raw} leaves no room for ${c.patroni.nodes - 1} replicas plus a backup or rejoin; use at least ${c.patroni.nodes + 1}, or remove the override`);
    } else if (name === "synchronous_commit" && ["off", "local"].includes(value) && c.patroni.synchronousMode) {
      out.push(`${k(name)}: "${raw}" acknowledges commits before a standby has them, defeating ${key("patroni.synchronousMode")}; set patroni.synchronousMode to false instead if you accept losing commits on failover`);
    } else if (name === "password_encryption" && value !== "scram-sha-256") {
      out.push(`${k(name)}: pg_hba requires scram-sha-256, so passwords hashed as "${raw}" could not log in; remove the override`);
    } else if (name === "shared_preload_libraries" && !value.split(",").map((s) => s.trim()).includes("pg_stat_statements")) {
      out.push(`${k(name)}: must keep pg_stat_statements (the exporter, alerts and the readiness report read it), e.g. "pg_stat_statements,${raw}"`);
    } else if (name === "shared_buffers") {
      const mb = megabytes(raw);
      if (mb === undefined) out.push(`${k(name)}: "${raw}" is not a size such as 256MB or 1GB`);
      else if (mb >= c.patroni.memoryMb * 0.8) {
        out.push(`${k(name)}: ${raw} leaves no memory for backends within ${key("patroni.memoryMb")} (${c.patroni.memoryMb} MB); use at most ${Math.floor(c.patroni.memoryMb * 0.4)}MB or raise patroni.memoryMb`);
      }
    }
  }
  return out;
}

/** "256MB", "1GB", "8192kB", or a bare number of 8 kB pages (PostgreSQL's own unit for shared_buffers), in MB. */
export function megabytes(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") return (value * 8) / 1024;
  const m = /^\s*(\d+)\s*(kB|MB|GB|TB)?\s*$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const factor = { kB: 1 / 1024, MB: 1, GB: 1024, TB: 1024 * 1024 }[m[2] ?? ""] ?? 8 / 1024;
  return n * factor;
}

function tlsProblems(c: ParsedConfig): string[] {
  const t = c.tls;
  const out: string[] = [];
  if (t.minDaysLeft >= t.certValidityDays) {
    out.push(`${key("tls.minDaysLeft")} (${t.minDaysLeft}) must be below tls.certValidityDays (${t.certValidityDays}), or every deploy re-issues every certificate`);
  }
  if (t.caValidityDays <= t.certValidityDays) {
    out.push(`${key("tls.caValidityDays")} (${t.caValidityDays}) must exceed tls.certValidityDays (${t.certValidityDays}): a certificate cannot outlive the CA that signed it`);
  }
  // The repository server admits nodes by their client certificates (pgBackRest's tls-server-auth).
  if (!t.enabled && c.backup.enabled && c.backup.repository === "server") {
    out.push(`${key("backup.repository")}: "server" authenticates the nodes and the repository by certificates of the cluster CA; set ${key("tls.enabled")} true, or backup.repository "volume"`);
  }
  return out;
}

function poolProblems(c: ParsedConfig): string[] {
  const pooled = c.pgbouncer.defaultPoolSize + c.pgbouncer.reservePoolSize;
  if (pooled <= c.patroni.maxConnections - CONNECTIONS_RESERVED.total) return [];
  return [
    `${key("pgbouncer.defaultPoolSize")} + pgbouncer.reservePoolSize (${pooled}) can exceed what ` +
      `${key("patroni.maxConnections")} (${c.patroni.maxConnections}) leaves after ${CONNECTIONS_RESERVED.total} reserved connections; ` +
      `lower the pool sizes or raise patroni.maxConnections to at least ${pooled + CONNECTIONS_RESERVED.total}`,
  ];
}

function monitoringProblems(c: ParsedConfig): string[] {
  const m = c.monitoring;
  const out: string[] = [];
  if (!m.enabled) {
    const set = (["prometheusPort", "alertmanagerPort", "webhookPort", "grafanaPort", "grafanaImage"] as const).filter((k) => m[k] !== undefined);
    if (set.length) out.push(`${key(`monitoring.${set[0]}`)}: set while monitoring.enabled is false, so nothing would use it; remove ${set.map((s) => `monitoring.${s}`).join(", ")} or enable monitoring`);
  }
  if (m.grafanaPort !== undefined && m.grafanaImage === undefined) {
    out.push(`${key("monitoring.grafanaPort")}: Grafana is only deployed with ${key("monitoring.grafanaImage")} (an image in the local daemon); set it or remove grafanaPort`);
  }
  if (m.enabled && m.grafanaImage !== undefined && c.target.kind === "swarm") {
    out.push(`${key("monitoring.grafanaImage")}: Grafana runs from this machine's daemon, on one host only; on kind "swarm" remove it (and grafanaPort); the rendered dashboards fit any Grafana`);
  }
  return out;
}

function attestationProblems(c: ParsedConfig): string[] {
  const items = new Map(catalog().map((i) => [i.id, i]));
  const out: string[] = [];
  for (const [id, a] of Object.entries(c.attestations)) {
    const item = items.get(id);
    const windowCriterion = WINDOW_ATTESTATIONS.some((w) => w.id === id);
    if (!item && !windowCriterion) out.push(`${key(`attestations.${id}`)}: no readiness item has this id; list them with \`npm run --silent readiness -- --catalog\` (or a 72-hour criterion: ${WINDOW_ATTESTATIONS.map((w) => w.id).join(", ")})`);
    else if (item && item.check !== "attested") {
      out.push(`${key(`attestations.${id}`)}: ${id} is decided by ${item.check === "live" ? "measuring the running cluster" : item.check === "static" ? "the stack's resources" : "nobody (not applicable)"}, not by a person; remove the attestation`);
    }
    if (a.expires <= a.date) out.push(`${key(`attestations.${id}.expires`)} (${a.expires}) must be after its date (${a.date})`);
  }
  return out;
}
