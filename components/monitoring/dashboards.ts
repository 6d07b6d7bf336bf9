// Grafana provisioning as pure renderers: the Prometheus datasource, the dashboard provider and
// the four dashboards (PostgreSQL Overview, Vector Performance, System Resources, Replication
// Status). Every panel queries metrics the exporters of this stack really expose.
import { stringify } from "yaml";

export const GRAFANA_DATASOURCE_UID = "dpg-prometheus";
export const GRAFANA_PATHS = {
  datasources: "/etc/grafana/provisioning/datasources/dpg.yml",
  dashboardProvider: "/etc/grafana/provisioning/dashboards/dpg.yml",
  dashboardsDir: "/var/lib/grafana/dashboards/dpg",
  adminPasswordFile: "/etc/grafana/secrets/admin-password",
} as const;

export interface PanelTarget {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  type: "timeseries" | "stat";
  unit: string;
  targets: PanelTarget[];
  description?: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  /** File name under the dashboards folder. */
  file: string;
  tags: string[];
  panels: PanelSpec[];
}

// `$cluster` is the dashboard variable; every query is scoped to it.
const C = 'cluster=~"$cluster"';

export const DASHBOARDS: DashboardSpec[] = [
  {
    uid: "dpg-postgresql-overview",
    title: "PostgreSQL Overview",
    file: "postgresql-overview.json",
    tags: ["dpg", "postgresql"],
    panels: [
      { title: "PostgreSQL up", type: "stat", unit: "none", targets: [{ expr: `pg_up{${C}}`, legend: "{{node}}" }] },
      { title: "Patroni primary", type: "stat", unit: "none", targets: [{ expr: `patroni_primary{${C}}`, legend: "{{instance}}" }] },
      {
        title: "Connections vs max_connections",
        type: "timeseries",
        unit: "short",
        targets: [
          { expr: `sum by (node) (pg_stat_activity_count{${C}})`, legend: "{{node}} connections" },
          { expr: `max by (node) (pg_settings_max_connections{${C}})`, legend: "{{node}} max" },
        ],
      },
      {
        title: "Transactions per second",
        type: "timeseries",
        unit: "ops",
        targets: [
          { expr: `sum by (node) (rate(pg_stat_database_xact_commit{${C}}[$__rate_interval]))`, legend: "{{node}} commit" },
          { expr: `sum by (node) (rate(pg_stat_database_xact_rollback{${C}}[$__rate_interval]))`, legend: "{{node}} rollback" },
        ],
      },
      {
        title: "Cache hit ratio",
        type: "timeseries",
        unit: "percentunit",
        targets: [
          {
            expr: `sum by (node) (rate(pg_stat_database_blks_hit{${C}}[$__rate_interval])) / (sum by (node) (rate(pg_stat_database_blks_hit{${C}}[$__rate_interval])) + sum by (node) (rate(pg_stat_database_blks_read{${C}}[$__rate_interval])))`,
            legend: "{{node}}",
          },
        ],
      },
      {
        title: "Mean statement time (pg_stat_statements)",
        type: "timeseries",
        unit: "s",
        targets: [
          {
            expr: `sum by (node) (rate(pg_stat_statements_seconds_total{${C}}[$__rate_interval])) / sum by (node) (rate(pg_stat_statements_calls_total{${C}}[$__rate_interval]))`,
            legend: "{{node}}",
          },
        ],
      },
      { title: "Database size", type: "timeseries", unit: "bytes", targets: [{ expr: `pg_database_size_bytes{${C}, datname!~"template.*"}`, legend: "{{node}} {{datname}}" }] },
      {
        title: "PgBouncer clients active / waiting",
        type: "timeseries",
        unit: "short",
        targets: [
          { expr: `sum by (database) (pgbouncer_pools_client_active_connections{${C}})`, legend: "{{database}} active" },
          { expr: `sum by (database) (pgbouncer_pools_client_waiting_connections{${C}})`, legend: "{{database}} waiting" },
        ],
      },
      {
        title: "HAProxy healthy servers by listener",
        type: "timeseries",
        unit: "short",
        targets: [{ expr: `haproxy_backend_active_servers{${C}, proxy=~"primary|replicas"}`, legend: "{{proxy}}" }],
      },
    ],
  },
  {
    uid: "dpg-vector-performance",
    title: "Vector (RuVector/pgvector) Performance",
    file: "vector-performance.json",
    tags: ["dpg", "vector"],
    panels: [
      { title: "Vector extension installed", type: "stat", unit: "none", targets: [{ expr: `dpg_vector_extension_installed{${C}}`, legend: "{{node}} {{extname}} {{extversion}}" }] },
      {
        title: "Vector index scans per second",
        type: "timeseries",
        unit: "ops",
        targets: [{ expr: `sum by (node, index_name, method) (rate(dpg_vector_index_idx_scan{${C}}[$__rate_interval]))`, legend: "{{node}} {{index_name}} ({{method}})" }],
      },
      {
        title: "Vector index entries read per second",
        type: "timeseries",
        unit: "ops",
        targets: [{ expr: `sum by (node, index_name) (rate(dpg_vector_index_idx_tup_read{${C}}[$__rate_interval]))`, legend: "{{node}} {{index_name}}" }],
      },
      { title: "Vector index size", type: "timeseries", unit: "bytes", targets: [{ expr: `max by (index_name, method) (dpg_vector_index_size_bytes{${C}})`, legend: "{{index_name}} ({{method}})" }] },
      {
        title: "Sequential scans on tables with a vector index",
        type: "timeseries",
        unit: "ops",
        description: "Similarity queries that miss the index show up as sequential scans.",
        targets: [
          {
            expr: `sum by (node, relname) (rate(pg_stat_user_tables_seq_scan{${C}}[$__rate_interval])) and on (node, relname) label_replace(max by (node, table_name) (dpg_vector_index_size_bytes{${C}}), "relname", "$1", "table_name", "(.*)")`,
            legend: "{{node}} {{relname}}",
          },
        ],
      },
      {
        title: "Mean query time through PgBouncer",
        type: "timeseries",
        unit: "s",
        targets: [
          {
            expr: `sum by (database) (rate(pgbouncer_stats_queries_duration_seconds_total{${C}}[$__rate_interval])) / sum by (database) (rate(pgbouncer_stats_queries_pooled_total{${C}}[$__rate_interval]))`,
            legend: "{{database}}",
          },
        ],
      },
    ],
  },
  {
    uid: "dpg-system-resources",
    title: "System Resources",
    file: "system-resources.json",
    tags: ["dpg", "node"],
    panels: [
      { title: "CPU busy", type: "timeseries", unit: "percentunit", targets: [{ expr: `1 - avg by (instance) (rate(node_cpu_seconds_total{${C}, mode="idle"}[$__rate_interval]))`, legend: "{{instance}}" }] },
      { title: "Memory used", type: "timeseries", unit: "percentunit", targets: [{ expr: `1 - node_memory_MemAvailable_bytes{${C}} / node_memory_MemTotal_bytes{${C}}`, legend: "{{instance}}" }] },
      {
        title: "Disk space free",
        type: "timeseries",
        unit: "percentunit",
        targets: [{ expr: `node_filesystem_avail_bytes{${C}, fstype!~"tmpfs|ramfs|squashfs|nsfs"} / node_filesystem_size_bytes{${C}, fstype!~"tmpfs|ramfs|squashfs|nsfs"}`, legend: "{{mountpoint}}" }],
      },
      { title: "Load average (1m)", type: "timeseries", unit: "short", targets: [{ expr: `node_load1{${C}}`, legend: "{{instance}}" }] },
      {
        title: "Disk I/O",
        type: "timeseries",
        unit: "Bps",
        targets: [
          { expr: `sum by (instance) (rate(node_disk_read_bytes_total{${C}}[$__rate_interval]))`, legend: "read" },
          { expr: `sum by (instance) (rate(node_disk_written_bytes_total{${C}}[$__rate_interval]))`, legend: "written" },
        ],
      },
      {
        title: "Network traffic",
        type: "timeseries",
        unit: "Bps",
        targets: [
          { expr: `sum by (instance) (rate(node_network_receive_bytes_total{${C}, device!="lo"}[$__rate_interval]))`, legend: "received" },
          { expr: `sum by (instance) (rate(node_network_transmit_bytes_total{${C}, device!="lo"}[$__rate_interval]))`, legend: "sent" },
        ],
      },
      {
        title: "etcd WAL fsync p99",
        type: "timeseries",
        unit: "s",
        targets: [{ expr: `histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{${C}}[$__rate_interval])))`, legend: "{{instance}}" }],
      },
    ],
  },
  {
    uid: "dpg-replication-status",
    title: "Replication Status",
    file: "replication-status.json",
    tags: ["dpg", "replication", "patroni"],
    panels: [
      { title: "Replication lag", type: "timeseries", unit: "s", targets: [{ expr: `pg_replication_lag_seconds{${C}}`, legend: "{{node}}" }] },
      {
        title: "Roles (Patroni)",
        type: "stat",
        unit: "none",
        targets: [
          { expr: `sum(patroni_primary{${C}})`, legend: "primaries" },
          { expr: `sum(patroni_replica{${C}})`, legend: "replicas" },
          { expr: `sum(patroni_sync_standby{${C}})`, legend: "sync standbys" },
        ],
      },
      {
        title: "WAL received vs replayed (bytes behind primary)",
        type: "timeseries",
        unit: "bytes",
        targets: [
          { expr: `scalar(max(patroni_xlog_location{${C}})) - patroni_xlog_replayed_location{${C}}`, legend: "{{instance}} replayed" },
          { expr: `scalar(max(patroni_xlog_location{${C}})) - patroni_xlog_received_location{${C}}`, legend: "{{instance}} received" },
        ],
      },
      { title: "Timeline", type: "stat", unit: "none", targets: [{ expr: `max(patroni_postgres_timeline{${C}})`, legend: "timeline" }] },
      { title: "Streaming replicas", type: "timeseries", unit: "short", targets: [{ expr: `patroni_postgres_streaming{${C}}`, legend: "{{instance}}" }] },
      {
        title: "etcd leader and leader changes",
        type: "timeseries",
        unit: "short",
        targets: [
          { expr: `sum(etcd_server_has_leader{${C}})`, legend: "members with a leader" },
          { expr: `sum(increase(etcd_server_leader_changes_seen_total{${C}}[1h]))`, legend: "leader changes (1h)" },
        ],
      },
      { title: "Seconds since Patroni last reached etcd", type: "timeseries", unit: "s", targets: [{ expr: `time() - patroni_dcs_last_seen{${C}}`, legend: "{{instance}}" }] },
    ],
  },
];

export function panelCount(dashboards: DashboardSpec[] = DASHBOARDS): number {
  return dashboards.reduce((n, d) => n + d.panels.length, 0);
}

/** Every PromQL expression of the dashboards (with Grafana's variables), for validation. */
export function dashboardExpressions(dashboards: DashboardSpec[] = DASHBOARDS): { dashboard: string; panel: string; expr: string }[] {
  return dashboards.flatMap((d) => d.panels.flatMap((p) => p.targets.map((t) => ({ dashboard: d.title, panel: p.title, expr: t.expr }))));
}

const datasourceRef = { type: "prometheus", uid: GRAFANA_DATASOURCE_UID };

export function renderDashboard(d: DashboardSpec): string {
  const width = 12;
  const height = 8;
  const dashboard = {
    uid: d.uid,
    title: d.title,
    tags: d.tags,
    editable: false,
    schemaVersion: 39,
    version: 1,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    timezone: "browser",
    templating: {
      list: [
        {
          name: "cluster",
          label: "Cluster",
          type: "query",
          datasource: datasourceRef,
          query: { query: "label_values(up, cluster)", refId: "cluster" },
          definition: "label_values(up, cluster)",
          includeAll: true,
          multi: false,
          current: { selected: true, text: "All", value: "$__all" },
          refresh: 1,
          sort: 1,
        },
      ],
    },
    annotations: { list: [] },
    panels: d.panels.map((p, i) => ({
      id: i + 1,
      type: p.type,
      title: p.title,
      ...(p.description ? { description: p.description } : {}),
      datasource: datasourceRef,
      gridPos: { x: (i % 2) * width, y: Math.floor(i / 2) * height, w: width, h: height },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      options: p.type === "stat" ? { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "value" } : { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } },
      targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), datasource: datasourceRef, expr: t.expr, legendFormat: t.legend })),
    })),
  };
  return JSON.stringify(dashboard, null, 2) + "\n";
}

export function renderGrafanaDatasources(prometheusUrl: string, scrapeIntervalSeconds: number): string {
  return stringify(
    {
      apiVersion: 1,
      datasources: [
        { name: "Prometheus", uid: GRAFANA_DATASOURCE_UID, type: "prometheus", access: "proxy", url: prometheusUrl, isDefault: true, editable: false, jsonData: { timeInterval: `${scrapeIntervalSeconds}s` } },
      ],
    },
    { lineWidth: 0 },
  );
}

export function renderGrafanaDashboardProvider(): string {
  return stringify(
    {
      apiVersion: 1,
      providers: [
        {
          name: "dpg",
          folder: "dpg-cluster",
          type: "file",
          disableDeletion: true,
          allowUiUpdates: false,
          updateIntervalSeconds: 60,
          options: { path: GRAFANA_PATHS.dashboardsDir, foldersFromFilesStructure: false },
        },
      ],
    },
    { lineWidth: 0 },
  );
}
