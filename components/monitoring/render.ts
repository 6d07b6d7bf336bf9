// Pure renderers of the monitoring configs: prometheus.yml, alertmanager.yml and the
// postgres_exporter extra queries. Alert rules are in rules.ts, Grafana in dashboards.ts.
import { stringify } from "yaml";

/** Where the monitoring image expects its uploaded configs and secrets. */
export const MONITORING_PATHS = {
  configDir: "/etc/dpg-monitoring",
  prometheusConfig: "/etc/dpg-monitoring/prometheus.yml",
  rulesDir: "/etc/dpg-monitoring/rules",
  rulesFile: "/etc/dpg-monitoring/rules/dpg-alerts.yml",
  alertmanagerConfig: "/etc/dpg-monitoring/alertmanager.yml",
  secretsDir: "/etc/dpg-monitoring/secrets",
  prometheusData: "/var/lib/dpg-monitoring/prometheus",
  alertmanagerData: "/var/lib/dpg-monitoring/alertmanager",
  webhookData: "/var/lib/dpg-monitoring/webhook",
  textfileDir: "/var/lib/dpg-monitoring/textfile",
  /** node_exporter's second textfile directory: files the program renders (certificate expiries), a config on a Swarm. */
  renderedTextfileDir: "/etc/dpg-monitoring/textfile",
  /** In the Patroni image, which runs the postgres_exporter sidecars. */
  postgresExporterQueries: "/etc/postgres_exporter/queries.yml",
  postgresExporterPassword: "/etc/postgres_exporter/password",
  /** The cluster CA, uploaded wherever a TLS connection is verified. */
  caFile: "/etc/dpg-monitoring/ca.crt",
} as const;

/** Ports inside the containers (the same defaults the upstream projects use). */
export const MONITORING_PORTS = {
  prometheus: 9090,
  alertmanager: 9093,
  nodeExporter: 9100,
  pgbouncerExporter: 9127,
  postgresExporter: 9187,
  webhook: 9099,
  grafana: 3000,
} as const;

/**
 * Scrape jobs and the `role` label every target of that job carries. `role` names the service's
 * part in the cluster (not primary/replica: that changes on failover and comes from Patroni's
 * own `patroni_primary`/`patroni_replica` metrics).
 */
export const JOB_ROLES = {
  prometheus: "monitoring",
  alertmanager: "monitoring",
  node: "host",
  postgres: "database",
  patroni: "ha",
  etcd: "dcs",
  haproxy: "proxy",
  pgbouncer: "pooler",
} as const;
export type ScrapeJob = keyof typeof JOB_ROLES;

export interface ScrapeTarget {
  /** "host:port" */
  address: string;
  /** Extra target labels, e.g. { node: "dpg-dev-pg-1" } to tie an exporter to its database node. */
  labels?: Record<string, string>;
}

export interface PrometheusRenderInput {
  /** Value of the `cluster` label on every target (the stack's name prefix). */
  cluster: string;
  scrapeIntervalSeconds: number;
  /** Targets by job; a job with no target is left out. */
  targets: Partial<Record<ScrapeJob, ScrapeTarget[]>>;
  /** "host:port" of Alertmanager. */
  alertmanager: string;
  /** Jobs whose targets serve TLS (Patroni's REST API), verified against MONITORING_PATHS.caFile. */
  tlsJobs?: ScrapeJob[];
}

/** Jobs in the order they are rendered (stable output). */
export const JOB_ORDER: ScrapeJob[] = ["prometheus", "alertmanager", "node", "postgres", "patroni", "etcd", "haproxy", "pgbouncer"];

export function scrapedJobs(targets: PrometheusRenderInput["targets"]): ScrapeJob[] {
  return JOB_ORDER.filter((job) => (targets[job] ?? []).length > 0);
}

export function renderPrometheusConfig(input: PrometheusRenderInput): string {
  if (!Number.isInteger(input.scrapeIntervalSeconds) || input.scrapeIntervalSeconds < 1) {
    throw new Error(`scrapeIntervalSeconds must be a positive integer, got ${input.scrapeIntervalSeconds}`);
  }
  const interval = `${input.scrapeIntervalSeconds}s`;
  const config = {
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      scrape_timeout: `${Math.min(10, input.scrapeIntervalSeconds)}s`,
    },
    rule_files: [`${MONITORING_PATHS.rulesDir}/*.yml`],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [input.alertmanager] }] }] },
    scrape_configs: scrapedJobs(input.targets).map((job) => ({
      job_name: job,
      metrics_path: "/metrics",
      ...(input.tlsJobs?.includes(job) ? { scheme: "https", tls_config: { ca_file: MONITORING_PATHS.caFile } } : {}),
      // One static_config per target so each can carry its own labels (e.g. node).
      static_configs: (input.targets[job] ?? []).map((t) => ({
        targets: [t.address],
        labels: { cluster: input.cluster, role: JOB_ROLES[job], ...(t.labels ?? {}) },
      })),
    })),
  };
  return stringify(config, { lineWidth: 0 });
}

export interface EmailReceiver {
  /** Recipient address(es), comma separated. */
  to: string;
  from: string;
  /** "host:port" of the SMTP server. */
  smarthost: string;
  authUsername?: string;
  /** Whether SMTP must use STARTTLS. Default true. */
  requireTls?: boolean;
}
export interface SlackReceiver {
  channel: string;
}
export type PagerdutyReceiver = Record<string, never>;

export interface AlertmanagerRenderInput {
  /** The built-in receiver every alert goes to: a test device that lets the stack see its own alerts. */
  webhookUrl: string;
  /** An operator's webhook as well (dpg-cluster:monitoring.alerting.webhookUrl): its URL may carry a token, so it is read from a file. */
  operatorWebhook?: boolean;
  /** Secrets are not in the file: the *_file settings point at uploaded files. */
  email?: EmailReceiver & { hasPassword: boolean };
  slack?: SlackReceiver;
  /** When set, critical alerts also page through PagerDuty Events v2. */
  pagerduty?: PagerdutyReceiver;
}

export const ALERTMANAGER_SECRET_FILES = {
  emailPassword: `${MONITORING_PATHS.secretsDir}/smtp-password`,
  slackApiUrl: `${MONITORING_PATHS.secretsDir}/slack-api-url`,
  pagerdutyRoutingKey: `${MONITORING_PATHS.secretsDir}/pagerduty-routing-key`,
  webhookUrl: `${MONITORING_PATHS.secretsDir}/webhook-url`,
} as const;

export type ReceiverKind = "webhook" | "email" | "slack" | "pagerduty";

export function receiverKinds(input: Pick<AlertmanagerRenderInput, "email" | "slack" | "pagerduty">): ReceiverKind[] {
  const kinds: ReceiverKind[] = ["webhook"];
  if (input.email) kinds.push("email");
  if (input.slack) kinds.push("slack");
  if (input.pagerduty) kinds.push("pagerduty");
  return kinds;
}

export function renderAlertmanagerConfig(input: AlertmanagerRenderInput): string {
  const integrations: Record<string, unknown> = {
    webhook_configs: [
      { url: input.webhookUrl, send_resolved: true },
      ...(input.operatorWebhook ? [{ url_file: ALERTMANAGER_SECRET_FILES.webhookUrl, send_resolved: true }] : []),
    ],
  };
  if (input.email) {
    integrations.email_configs = [
      {
        to: input.email.to,
        from: input.email.from,
        smarthost: input.email.smarthost,
        require_tls: input.email.requireTls ?? true,
        send_resolved: true,
        ...(input.email.authUsername ? { auth_username: input.email.authUsername } : {}),
        ...(input.email.hasPassword ? { auth_password_file: ALERTMANAGER_SECRET_FILES.emailPassword } : {}),
      },
    ];
  }
  if (input.slack) {
    integrations.slack_configs = [
      {
        api_url_file: ALERTMANAGER_SECRET_FILES.slackApiUrl,
        channel: input.slack.channel,
        send_resolved: true,
        title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.cluster }})',
        text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ end }}",
      },
    ];
  }
  const receivers: Record<string, unknown>[] = [{ name: "default", ...integrations }];
  const routes: Record<string, unknown>[] = [
    // The always-firing Watchdog proves the alert path works end to end; it is repeated
    // often so a silent pipeline is noticed, and never pages.
    { matchers: ['alertname="Watchdog"'], receiver: "default", group_wait: "5s", repeat_interval: "5m" },
  ];
  if (input.pagerduty) {
    receivers.push({
      name: "critical",
      ...integrations,
      pagerduty_configs: [{ routing_key_file: ALERTMANAGER_SECRET_FILES.pagerdutyRoutingKey, send_resolved: true }],
    });
    routes.push({ matchers: ['severity="critical"'], receiver: "critical" });
  }
  const config = {
    global: { resolve_timeout: "5m" },
    route: {
      receiver: "default",
      group_by: ["alertname", "cluster"],
      group_wait: "10s",
      group_interval: "1m",
      repeat_interval: "4h",
      routes,
    },
    // A critical alert silences the warning of the same name on the same cluster/instance.
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["alertname", "cluster", "instance"],
      },
    ],
    receivers,
  };
  return stringify(config, { lineWidth: 0 });
}

/**
 * Extra postgres_exporter queries (run in the database the exporter connects to, the
 * application database): the vector indexes' use and size, for the Vector Performance dashboard.
 * pg_monitor can read pg_stat_user_indexes and pg_relation_size of every relation.
 */
export function renderPostgresExporterQueries(): string {
  const queries = {
    dpg_vector_index: {
      query: [
        "SELECT s.schemaname, s.relname AS table_name, s.indexrelname AS index_name, a.amname AS method,",
        "s.idx_scan, s.idx_tup_read, s.idx_tup_fetch, pg_relation_size(s.indexrelid) AS size_bytes",
        "FROM pg_stat_user_indexes s JOIN pg_class c ON c.oid = s.indexrelid JOIN pg_am a ON a.oid = c.relam",
        // pgvector's hnsw/ivfflat and RuVector's own access methods (named *hnsw*/*ivf*).
        "WHERE a.amname IN ('hnsw', 'ivfflat') OR a.amname LIKE '%hnsw%' OR a.amname LIKE '%ivf%'",
      ].join(" "),
      metrics: [
        { schemaname: { usage: "LABEL", description: "Schema of the table" } },
        { table_name: { usage: "LABEL", description: "Table the index is on" } },
        { index_name: { usage: "LABEL", description: "Vector index" } },
        { method: { usage: "LABEL", description: "Index access method (hnsw, ivfflat, ...)" } },
        { idx_scan: { usage: "COUNTER", description: "Scans of the vector index" } },
        { idx_tup_read: { usage: "COUNTER", description: "Index entries returned by scans" } },
        { idx_tup_fetch: { usage: "COUNTER", description: "Live table rows fetched by scans" } },
        { size_bytes: { usage: "GAUGE", description: "Size of the vector index" } },
      ],
    },
    dpg_vector_extension: {
      query: "SELECT extname, extversion, 1 AS installed FROM pg_extension WHERE extname IN ('vector', 'ruvector')",
      metrics: [
        { extname: { usage: "LABEL", description: "Vector extension" } },
        { extversion: { usage: "LABEL", description: "Its version" } },
        { installed: { usage: "GAUGE", description: "1 when the extension is installed in this database" } },
      ],
    },
  };
  return stringify(queries, { lineWidth: 0 });
}

/**
 * Command lines of the monitoring containers, shared by the component and the e2e test that
 * runs the same services with plain `docker run`.
 */
export const SERVICE_COMMANDS = {
  prometheus: (retentionDays: number): string[] => [
    "prometheus",
    `--config.file=${MONITORING_PATHS.prometheusConfig}`,
    `--storage.tsdb.path=${MONITORING_PATHS.prometheusData}`,
    `--storage.tsdb.retention.time=${retentionDays}d`,
    `--web.listen-address=:${MONITORING_PORTS.prometheus}`,
  ],
  alertmanager: (): string[] => [
    "prometheus-alertmanager",
    `--config.file=${MONITORING_PATHS.alertmanagerConfig}`,
    `--storage.path=${MONITORING_PATHS.alertmanagerData}`,
    `--web.listen-address=:${MONITORING_PORTS.alertmanager}`,
    // single instance: no gossip cluster
    "--cluster.listen-address=",
  ],
  webhook: (): string[] => ["python3", "/usr/local/bin/alert-webhook.py"],
  /** The textfile volume (backup metrics) and, when the program renders some, its own directory (node_exporter ≥ 1.7 reads several). */
  nodeExporter: (rendered = false): string[] => [
    "prometheus-node-exporter",
    `--web.listen-address=:${MONITORING_PORTS.nodeExporter}`,
    `--collector.textfile.directory=${MONITORING_PATHS.textfileDir}`,
    ...(rendered ? [`--collector.textfile.directory=${MONITORING_PATHS.renderedTextfileDir}`] : []),
  ],
  /** Runs in the Patroni image, which has Debian's prometheus-postgres-exporter. */
  postgresExporter: (): string[] => [
    "prometheus-postgres-exporter",
    `--web.listen-address=:${MONITORING_PORTS.postgresExporter}`,
    `--extend.query-path=${MONITORING_PATHS.postgresExporterQueries}`,
    "--collector.stat_statements",
    "--collector.long_running_transactions",
  ],
  pgbouncerExporter: (): string[] => ["/bin/sh", "/usr/local/bin/pgbouncer-exporter.sh", `--web.listen-address=:${MONITORING_PORTS.pgbouncerExporter}`],
} as const;

export const PGBOUNCER_EXPORTER_PASSWORD_FILE = `${MONITORING_PATHS.secretsDir}/pgbouncer-password`;

/** libpq TLS options: verify the server's name against the cluster CA, or none without TLS. */
export function sslParams(tls: boolean): string {
  return tls ? `sslmode=verify-full&sslrootcert=${MONITORING_PATHS.caFile}` : "sslmode=disable";
}

/** postgres_exporter's environment: where and as whom to connect; the password only as a file path. */
export function postgresExporterEnv(input: { host: string; port: number; database: string; user: string; tls: boolean }): string[] {
  return [
    `DATA_SOURCE_URI=${input.host}:${input.port}/${input.database}?${sslParams(input.tls)}`,
    `DATA_SOURCE_USER=${input.user}`,
    `DATA_SOURCE_PASS_FILE=${MONITORING_PATHS.postgresExporterPassword}`,
  ];
}

/** pgbouncer_exporter's environment (read by image/pgbouncer-exporter.sh); the password only as a file path. */
export function pgbouncerExporterEnv(input: { host: string; port: number; user: string; tls: boolean }): string[] {
  return [
    `PGBOUNCER_HOST=${input.host}`,
    `PGBOUNCER_PORT=${input.port}`,
    `PGBOUNCER_USER=${input.user}`,
    `PGBOUNCER_PASSWORD_FILE=${PGBOUNCER_EXPORTER_PASSWORD_FILE}`,
    `PGBOUNCER_SSL_PARAMS=${sslParams(input.tls)}`,
  ];
}

/** Prometheus textfile with each certificate's expiry, for the CertificateExpiringSoon rule. */
export function renderCertificateMetrics(expiries: Record<string, string>): string {
  const lines = [
    "# HELP dpg_certificate_not_after_timestamp_seconds When the certificate expires (Unix time).",
    "# TYPE dpg_certificate_not_after_timestamp_seconds gauge",
  ];
  for (const [cert, notAfter] of Object.entries(expiries).sort(([a], [b]) => a.localeCompare(b))) {
    const seconds = Date.parse(notAfter) / 1000;
    if (!Number.isFinite(seconds)) throw new Error(`certificate ${cert} has an unreadable expiry ${JSON.stringify(notAfter)}`);
    lines.push(`dpg_certificate_not_after_timestamp_seconds{cert="${cert}"} ${Math.floor(seconds)}`);
  }
  return lines.join("\n") + "\n";
}
