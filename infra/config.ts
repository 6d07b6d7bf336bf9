// The stack settings: one zod schema, validated before any resource is declared.
// Every key has a documented default; every error names the key and what is allowed.
import { z } from "zod";
import { cronProblem } from "../components/backup/render";

/** Settings live under this project namespace in Pulumi.<stack>.yaml. */
export const CONFIG_NAMESPACE = "dpg-cluster";

const port = z.number().int().min(1024, "must be a port between 1024 and 65535").max(65535, "must be a port between 1024 and 65535");
const ipv4 = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$/, "must be an IPv4 address such as 127.0.0.1");
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-8])$/, "must be an IPv4 CIDR between /16 and /28, such as 10.213.0.0/24");

export const stackConfigSchema = z
  .object({
    /** Which promotion stage this stack is: decides policy enforcement. Default "dev". */
    environment: z.enum(["dev", "prod"]).default("dev"),
    /** Base image every service image is built FROM. Default debian:trixie-slim (built offline when it cannot be pulled). */
    baseImage: z.string().min(1).default("debian:trixie-slim"),
    /** Prefix of every container, volume and network name. Default "dpg-<stack>". */
    namePrefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,30}$/, "must be lowercase letters, digits and dashes, 2-31 characters, starting with a letter")
      .optional(),
    network: z
      .object({
        /** Subnet of the internal cluster network; pg_hba admits only this range. Default 10.213.0.0/24. */
        subnet: cidr.default("10.213.0.0/24"),
        /** Further client ranges pg_hba admits (scram, over TLS when tls.enabled). Default none. */
        clientCidrs: z.array(z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, "must be IPv4 CIDRs such as 192.168.10.0/24")).default([]),
      })
      .strict()
      .default({}),
    etcd: z
      .object({
        /** etcd members; odd so a quorum survives a member loss. Default 3. */
        members: z.number().int().min(1).max(7).refine((n) => n % 2 === 1, "must be odd (1, 3, 5 or 7) so a quorum exists").default(3),
      })
      .strict()
      .default({}),
    patroni: z
      .object({
        /** PostgreSQL nodes managed by Patroni (1 leader + replicas). Default 3. */
        nodes: z.number().int().min(1).max(9).default(3),
        /** PostgreSQL major version built into the node image. Only 17 is packaged here. Default 17. */
        postgresMajor: z.literal(17).default(17),
        /** Vector extension created in the application database at bootstrap. Default "vector" (pgvector). */
        vectorExtension: z.enum(["vector", "ruvector"]).default("vector"),
        /** Patroni synchronous_mode: commits wait for a synchronous standby. Default true. */
        synchronousMode: z.boolean().default(true),
        /** Synchronous standbys when synchronousMode is on. Default 1. */
        synchronousNodeCount: z.number().int().min(1).max(8).default(1),
        // A killed leader is replaced after its lease expires (≤ ttl) plus up to one loop, then HAProxy's
        // rise checks. Patroni's own 30/10/10 measured 40.9 s kill → first write here (npm run drill);
        // the seeds want < 30 s, so the defaults are the shortest lease Patroni 4 accepts and a short loop.
        /** Leader lease in seconds; Patroni 4 refuses less than 20. Default 20. */
        ttl: z.number().int().min(20, "must be at least 20: Patroni 4 ignores shorter leases").max(300).default(20),
        /** Seconds between Patroni HA loop runs. Default 2. */
        loopWait: z.number().int().min(1).max(60).default(2),
        /** Seconds Patroni retries DCS and PostgreSQL operations before demoting (loop_wait + 2 × this ≤ ttl). Default 4. */
        retryTimeout: z.number().int().min(3).max(120).default(4),
        /** PostgreSQL max_connections. Default 200. */
        maxConnections: z.number().int().min(20).max(10000).default(200),
        /** postgresql.conf overrides merged over the derived defaults, e.g. { log_min_duration_statement: 500 }. Default {}. */
        parameters: z.record(z.union([z.string(), z.number()])).default({}),
        /** Memory limit of each node in MB; shared_buffers (25 %), effective_cache_size (75 %), work_mem follow. Default 1024. */
        memoryMb: z.number().int().min(256, "must be at least 256 (MB)").max(1048576).default(1024),
      })
      .strict()
      .default({}),
    database: z
      .object({
        /** Application database created at bootstrap. Default "app". */
        name: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lowercase SQL identifier").default("app"),
        /** Application login role (owner of the app database). Default "app_user". */
        appUser: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lowercase SQL identifier").default("app_user"),
      })
      .strict()
      .default({}),
    haproxy: z
      .object({
        /** Host address the routed ports are published on. Default 127.0.0.1 (never 0.0.0.0 in prod: the policy pack refuses it). */
        bindAddress: ipv4.default("127.0.0.1"),
        /** Host port routed to the leader. Default 5000. */
        writePort: port.default(5000),
        /** Host port balanced over healthy replicas. Default 5001. */
        readPort: port.default(5001),
        /** Host port of the HAProxy stats page. Default 7000. */
        statsPort: port.default(7000),
        /** Milliseconds between Patroni REST checks. Default 1000. */
        checkInterMs: z.number().int().min(200).max(30000).default(1000),
        /** Failed checks before a server is marked down. Default 3. */
        fall: z.number().int().min(1).max(10).default(3),
        /** Passed checks before a server is marked up. Default 2. */
        rise: z.number().int().min(1).max(10).default(2),
      })
      .strict()
      .refine((h) => new Set([h.writePort, h.readPort, h.statsPort]).size === 3, {
        message: "writePort, readPort and statsPort must be three different ports",
      })
      .default({}),
    /** Readiness items attested by a person (id → owner, date, expiry); read by the policy pack. Default none. */
    attestations: z
      .record(
        z
          .object({
            owner: z.string().min(1),
            date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD"),
            expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD"),
            evidence: z.string().optional(),
          })
          .strict(),
      )
      .default({}),
    pgbouncer: z
      .object({
        /** Host port of the pooler, published on haproxy.bindAddress. Default 6432. */
        port: port.default(6432),
        /** "transaction" (seed 004) or "session". Default "transaction". */
        poolMode: z.enum(["transaction", "session"]).default("transaction"),
        /** Client connections the pooler accepts. Default 10000 (seed 004). */
        maxClientConn: z.number().int().min(10).max(100000).default(10000),
        /** Server connections per database and user. Default 25 (seed 004). */
        defaultPoolSize: z.number().int().min(1).max(1000).default(25),
        /** Extra server connections under load. Default 5 (seed 004). */
        reservePoolSize: z.number().int().min(0).max(1000).default(5),
        /** Seconds a client waits before the reserve pool is used. Default 3 (seed 004). */
        reservePoolTimeout: z.number().int().min(0).max(600).default(3),
        /** Prepared statements tracked per server connection. Default 100. */
        maxPreparedStatements: z.number().int().min(0).max(10000).default(100),
      })
      .strict()
      .default({}),
    tls: z
      .object({
        /** TLS for PostgreSQL (hostssl only), Patroni REST, etcd (mutual) and PgBouncer, from an internal CA. Default true. */
        enabled: z.boolean().default(true),
        /** Lifetime of issued certificates in days. Default 365. */
        certValidityDays: z.number().int().min(31, "must exceed minDaysLeft's floor of 30 days").max(3650).default(365),
        /** Lifetime of the CA in days. Default 3650. */
        caValidityDays: z.number().int().min(365).max(36500).default(3650),
        /** A certificate with fewer days left is re-issued by the next `pulumi up`. Default 30 (seed 000). */
        minDaysLeft: z.number().int().min(30, "must be at least 30 (seed 000: certificates keep ≥ 30 days)").max(3650).default(30),
      })
      .strict()
      .default({}),
    backup: z
      .object({
        /** pgBackRest repository, WAL archiving and scheduled backups. Default true. */
        enabled: z.boolean().default(true),
        /** Cron (UTC) of full backups. Default "0 2 * * 0" (weekly, seed 004). */
        fullSchedule: z.string().default("0 2 * * 0"),
        /** Cron (UTC) of differential backups. Default none. */
        diffSchedule: z.string().optional(),
        /** Cron (UTC) of incremental backups. Default "0 2 * * 1-6" (daily, seed 004). */
        incrSchedule: z.string().default("0 2 * * 1-6"),
        /** Full backups kept (count) or days kept (time). Default 2. */
        retentionFull: z.number().int().min(1).max(9999).default(2),
        /** "count" or "time". Default "count". */
        retentionFullType: z.enum(["count", "time"]).default("count"),
        /** archive_timeout seconds: the RPO bound of a quiet cluster (seed 000: RPO < 5 min). Default 60. */
        archiveTimeoutSeconds: z.number().int().min(10).max(300, "must be at most 300 (seed 000: RPO < 5 min)").default(60),
        /** Keep the repository volume on `pulumi destroy`. Default false. */
        retainRepoOnDestroy: z.boolean().default(false),
      })
      .strict()
      .default({}),
    monitoring: z
      .object({
        /** Deploy Prometheus, Alertmanager, exporters and the alert webhook. Default true. */
        enabled: z.boolean().default(true),
        /** Host ports (on haproxy.bindAddress); each is published only when set. Default: none. */
        prometheusPort: port.optional(),
        alertmanagerPort: port.optional(),
        webhookPort: port.optional(),
        grafanaPort: port.optional(),
        /** A Grafana image present in the local daemon; unset = Grafana not deployed (none can be had offline). */
        grafanaImage: z.string().min(1).optional(),
        /** Days of metrics Prometheus keeps. Default 15. */
        retentionDays: z.number().int().min(1).max(3650).default(15),
        /** BackupTooOld fires when the last successful backup is older than this. Default 26 (h). */
        backupMaxAgeHours: z.number().int().min(1).max(24 * 31).default(26),
        alerting: z
          .object({
            /** Webhook every alert goes to. Default: the built-in receiver container. */
            webhookUrl: z.string().url("must be a URL such as http://alerts.internal:9000/hook").optional(),
            /** E-mail receiver; set the password with `pulumi config set --secret --path`. */
            email: z
              .object({ to: z.string().email(), from: z.string().email(), smarthost: z.string().regex(/^[^:]+:\d+$/, "must be host:port"), username: z.string().optional(), password: z.string().optional() })
              .strict()
              .optional(),
            /** Slack receiver; apiUrl is a secret. */
            slack: z.object({ channel: z.string().min(1), apiUrl: z.string().url() }).strict().optional(),
            /** PagerDuty (Events v2) for critical alerts; routingKey is a secret. */
            pagerduty: z.object({ routingKey: z.string().min(1) }).strict().optional(),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    benchmark: z
      .object({
        /** Throughput the stack must sustain (pgbench tpcb-like, 8 clients, through the write port), read by `npm run bench` and the report. Default 100. */
        targetTps: z.number().positive().max(1_000_000).default(100),
      })
      .strict()
      .default({}),
    secrets: z
      .object({
        /** Length of every generated password. Default 32. */
        passwordLength: z.number().int().min(16, "must be at least 16 characters").max(128).default(32),
      })
      .strict()
      .default({}),
  })
  .strict();

export type StackConfig = z.infer<typeof stackConfigSchema> & { namePrefix: string };

/** The settings read from `pulumi config`, keyed without the namespace (e.g. "patroni"). */
export type RawStackConfig = Record<string, unknown>;

export class StackConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(
      `Invalid stack configuration (nothing was created):\n` +
        issues.map((i) => `  - ${i}`).join("\n") +
        `\nFix with: pulumi config set --path ${CONFIG_NAMESPACE}:<key> <value>  (see README "Stack settings")`,
    );
    this.name = "StackConfigError";
  }
}

function describeIssue(issue: z.ZodIssue): string {
  const key = [CONFIG_NAMESPACE, issue.path.join(".")].filter(Boolean).join(":");
  if (issue.code === "unrecognized_keys") {
    const where = issue.path.length ? `${CONFIG_NAMESPACE}:${issue.path.join(".")}` : CONFIG_NAMESPACE;
    return `${where}: unknown setting(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}; check the spelling against README "Stack settings"`;
  }
  if (issue.code === "invalid_type") {
    return `${key}: expected ${issue.expected}, got ${issue.received}`;
  }
  if (issue.code === "invalid_enum_value") {
    return `${key}: must be one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")} (got ${JSON.stringify(issue.received)})`;
  }
  if (issue.code === "invalid_literal") {
    return `${key}: must be ${JSON.stringify(issue.expected)} (got ${JSON.stringify(issue.received)})`;
  }
  if (issue.code === "too_small" || issue.code === "too_big") {
    const bound = issue.code === "too_small" ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
    return `${key}: ${issue.message.startsWith("must") ? issue.message : `must be ${bound}`}`;
  }
  return `${key}: ${issue.message}`;
}

/**
 * Validates raw settings and fills in defaults. Throws StackConfigError listing every problem,
 * so an operator fixes them in one pass.
 */
export function parseStackConfig(raw: RawStackConfig, stackName: string): StackConfig {
  const result = stackConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new StackConfigError(result.error.issues.map(describeIssue));
  }
  const config = result.data;
  const problems: string[] = [];
  if (config.patroni.synchronousMode && config.patroni.synchronousNodeCount > config.patroni.nodes - 1) {
    problems.push(
      `${CONFIG_NAMESPACE}:patroni.synchronousNodeCount: must be at most patroni.nodes - 1 (${config.patroni.nodes - 1}) ` +
        `when patroni.synchronousMode is true (got ${config.patroni.synchronousNodeCount})`,
    );
  }
  if (config.tls.minDaysLeft >= config.tls.certValidityDays) {
    problems.push(
      `${CONFIG_NAMESPACE}:tls.minDaysLeft (${config.tls.minDaysLeft}) must be below tls.certValidityDays (${config.tls.certValidityDays}), or every deploy re-issues every certificate`,
    );
  }
  for (const key of ["fullSchedule", "diffSchedule", "incrSchedule"] as const) {
    const expr = config.backup[key];
    const problem = expr === undefined ? undefined : cronProblem(expr);
    if (problem) problems.push(`${CONFIG_NAMESPACE}:backup.${key}: ${problem} (got ${JSON.stringify(expr)})`);
  }
  // Connections PostgreSQL keeps for itself: superuser_reserved_connections (3) plus Patroni,
  // replication, the exporter and backups (10).
  const reserved = 13;
  const pooled = config.pgbouncer.defaultPoolSize + config.pgbouncer.reservePoolSize;
  if (pooled > config.patroni.maxConnections - reserved) {
    problems.push(
      `${CONFIG_NAMESPACE}:pgbouncer.defaultPoolSize + pgbouncer.reservePoolSize (${pooled}) can exceed what ` +
        `${CONFIG_NAMESPACE}:patroni.maxConnections (${config.patroni.maxConnections}) leaves after ${reserved} reserved connections; ` +
        `lower the pool sizes or raise patroni.maxConnections to at least ${pooled + reserved}`,
    );
  }
  if (problems.length) throw new StackConfigError(problems);
  return { ...config, namePrefix: config.namePrefix ?? `dpg-${stackName}`.toLowerCase().replace(/[^a-z0-9-]/g, "-") };
}

/** The settings this program knows, as top-level keys of the namespace. */
export const CONFIG_KEYS = Object.keys(stackConfigSchema.shape);
