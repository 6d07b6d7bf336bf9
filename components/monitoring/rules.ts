// Alert rules, as data: the seeds' critical list (database down, replication lag > 30 s, disk
// < 10 %, connection pool exhaustion, query latency > 500 ms, memory > 90 %) plus HA (leader
// count, etcd), backups, certificates, and the rollback triggers (rollback-triggers.ts). Metric names are those of the exporters in the
// images: postgres_exporter 0.17, Patroni 4.0 (patroni_primary; patroni_master is gone since
// 4.0, pgMonitor's PatroniNoLeader never fires for that reason), etcd 3.5, HAProxy 3.0's
// built-in exporter, node_exporter 1.9, pgbouncer_exporter 0.10.
import { stringify } from "yaml";
import { MIN_CERT_DAYS_LEFT } from "../tls/settings";
import { rollbackTriggerGroup } from "./rollback-triggers";
import { monitoringSettings } from "./settings";

export type Severity = "critical" | "warning" | "none";

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  severity: Severity;
  summary: string;
  description?: string;
  /** Extra static labels. */
  labels?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

export interface RulesRenderInput {
  /** The stack's cluster label, put on alerts whose expression has none (Watchdog, absent()). */
  cluster: string;
  /** Age after which the last successful backup is too old. Default: dpg-cluster:monitoring.backupMaxAgeHours' default. */
  backupMaxAgeSeconds?: number;
  /** Certificates closer than this to expiry alert. Default: the seed's 30 days (MIN_CERT_DAYS_LEFT). */
  certificateMinDaysLeft?: number;
}

export const RULE_DEFAULTS = {
  backupMaxAgeSeconds: monitoringSettings.parse({}).backupMaxAgeHours * 3600,
  certificateMinDaysLeft: MIN_CERT_DAYS_LEFT,
} as const;

/**
 * Metrics the backup and certificate alerts read. Nothing in this component produces them: the
 * backup job (pgBackRest) and whatever issues certificates write them in Prometheus text format
 * into the node_exporter textfile volume (Monitoring.textfileVolumeName), e.g. backup.prom:
 *   dpg_backup_last_success_timestamp_seconds{stanza="main",type="full"} 1.7e9
 *   dpg_backup_last_run_success{stanza="main"} 1
 *   dpg_certificate_not_after_timestamp_seconds{cert="postgres-server"} 1.8e9
 */
export const TEXTFILE_METRICS = {
  backupLastSuccess: "dpg_backup_last_success_timestamp_seconds",
  backupLastRunSuccess: "dpg_backup_last_run_success",
  certificateNotAfter: "dpg_certificate_not_after_timestamp_seconds",
} as const;

export function alertRuleGroups(input: RulesRenderInput): RuleGroup[] {
  const backupMaxAge = input.backupMaxAgeSeconds ?? RULE_DEFAULTS.backupMaxAgeSeconds;
  const certDays = input.certificateMinDaysLeft ?? RULE_DEFAULTS.certificateMinDaysLeft;
  const cluster = { cluster: input.cluster };
  return [
    {
      name: "dpg-availability",
      rules: [
        {
          alert: "PostgresDown",
          expr: 'pg_up == 0 or up{job="postgres"} == 0',
          for: "1m",
          severity: "critical",
          summary: "PostgreSQL on {{ $labels.node }} ({{ $labels.instance }}) is down or unreachable by its exporter",
        },
        {
          alert: "PatroniPostgresNotRunning",
          expr: "patroni_postgres_running == 0",
          for: "1m",
          severity: "critical",
          summary: "Patroni on {{ $labels.instance }} reports PostgreSQL not running",
        },
        {
          alert: "PatroniDown",
          expr: 'up{job="patroni"} == 0',
          for: "1m",
          severity: "critical",
          summary: "Patroni REST API on {{ $labels.instance }} does not answer",
        },
        {
          // Down nodes count as "not primary" (the `or` fills them with 0), so the alert also
          // fires when every Patroni is down, not only when all say "replica".
          alert: "PatroniNoLeader",
          expr: 'sum by (cluster) (max by (cluster, instance) (patroni_primary) or max by (cluster, instance) (up{job="patroni"} * 0)) < 1',
          for: "1m",
          severity: "critical",
          summary: "Cluster {{ $labels.cluster }} has no PostgreSQL primary",
        },
        {
          alert: "PatroniMultipleLeaders",
          expr: "sum by (cluster) (patroni_primary) > 1",
          for: "1m",
          severity: "critical",
          summary: "Cluster {{ $labels.cluster }} has {{ $value }} primaries (split brain)",
        },
        {
          alert: "EtcdMemberDown",
          expr: 'up{job="etcd"} == 0',
          for: "1m",
          severity: "warning",
          summary: "etcd member {{ $labels.instance }} is down",
        },
        {
          alert: "EtcdNoLeader",
          expr: "etcd_server_has_leader == 0",
          for: "30s",
          severity: "critical",
          summary: "etcd member {{ $labels.instance }} has no leader",
        },
        {
          alert: "EtcdQuorumAtRisk",
          expr: 'count by (cluster) (up{job="etcd"} == 1) < floor(count by (cluster) (up{job="etcd"}) / 2) + 1',
          for: "1m",
          severity: "critical",
          summary: "Fewer than a quorum of etcd members are up in {{ $labels.cluster }}",
        },
        {
          alert: "HAProxyDown",
          expr: 'up{job="haproxy"} == 0',
          for: "1m",
          severity: "critical",
          summary: "HAProxy {{ $labels.instance }} does not answer",
        },
        {
          alert: "HAProxyNoWriteBackend",
          expr: 'haproxy_backend_active_servers{proxy="primary"} < 1',
          for: "1m",
          severity: "critical",
          summary: "HAProxy has no healthy server behind the write port",
        },
        {
          alert: "PgBouncerDown",
          expr: 'pgbouncer_up == 0 or up{job="pgbouncer"} == 0',
          for: "1m",
          severity: "critical",
          summary: "PgBouncer {{ $labels.instance }} is down or unreachable by its exporter",
        },
        {
          alert: "MonitoringTargetDown",
          expr: 'up{job=~"node|alertmanager|prometheus"} == 0',
          for: "5m",
          severity: "warning",
          summary: "{{ $labels.job }} target {{ $labels.instance }} is down",
        },
      ],
    },
    {
      name: "dpg-replication",
      rules: [
        {
          // postgres_exporter 0.17 reports 0 on a replica that has replayed all it received, so
          // an idle primary does not look like lag.
          alert: "PostgresReplicationLagHigh",
          expr: "pg_replication_lag_seconds > 30",
          for: "1m",
          severity: "critical",
          summary: "Replica {{ $labels.node }} is {{ $value | humanizeDuration }} behind the primary",
        },
        {
          alert: "PatroniReplicaNotStreaming",
          expr: "patroni_replica == 1 and on (instance) patroni_postgres_streaming == 0",
          for: "2m",
          severity: "warning",
          summary: "Replica {{ $labels.instance }} is not streaming from the primary",
        },
        {
          alert: "PatroniTimelineChanged",
          expr: "changes(patroni_postgres_timeline[10m]) > 0 and patroni_primary == 1",
          severity: "warning",
          summary: "A failover or switchover happened in {{ $labels.cluster }} (timeline changed)",
        },
      ],
    },
    {
      name: "dpg-capacity",
      rules: [
        {
          alert: "HostDiskSpaceLow",
          expr: 'node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|squashfs|nsfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|ramfs|squashfs|nsfs"} < 0.10',
          for: "5m",
          severity: "critical",
          summary: "Less than 10 % disk left on {{ $labels.mountpoint }}",
        },
        {
          alert: "HostMemoryHigh",
          expr: "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes > 0.90",
          for: "5m",
          severity: "critical",
          summary: "Memory use above 90 % on {{ $labels.instance }}",
        },
        {
          alert: "PostgresConnectionsExhausted",
          expr: "sum by (cluster, instance, node) (pg_stat_activity_count) / max by (cluster, instance, node) (pg_settings_max_connections) > 0.90",
          for: "2m",
          severity: "critical",
          summary: "{{ $labels.node }} uses more than 90 % of max_connections",
        },
        {
          alert: "PgBouncerPoolExhausted",
          expr: "sum by (cluster, instance, database) (pgbouncer_pools_client_waiting_connections) > 0",
          for: "1m",
          severity: "critical",
          summary: "Clients wait for a server connection in PgBouncer pool {{ $labels.database }}",
        },
        {
          alert: "PostgresQueryLatencyHigh",
          expr: "sum by (cluster, instance, node) (rate(pg_stat_statements_seconds_total[5m])) / sum by (cluster, instance, node) (rate(pg_stat_statements_calls_total[5m])) > 0.5",
          for: "5m",
          severity: "critical",
          summary: "Mean statement time on {{ $labels.node }} is {{ $value | humanizeDuration }} (> 500 ms)",
        },
        {
          alert: "PgBouncerQueryLatencyHigh",
          expr: "sum by (cluster, instance, database) (rate(pgbouncer_stats_queries_duration_seconds_total[5m])) / sum by (cluster, instance, database) (rate(pgbouncer_stats_queries_pooled_total[5m])) > 0.5",
          for: "5m",
          severity: "critical",
          summary: "Mean query time through PgBouncer for {{ $labels.database }} is above 500 ms",
        },
      ],
    },
    {
      name: "dpg-backup",
      rules: [
        {
          alert: "BackupTooOld",
          expr: `time() - max by (cluster, stanza) (${TEXTFILE_METRICS.backupLastSuccess}) > ${backupMaxAge}`,
          for: "5m",
          severity: "critical",
          summary: `Last successful backup of {{ $labels.stanza }} is older than ${Math.round(backupMaxAge / 3600)} h`,
        },
        {
          alert: "BackupFailed",
          expr: `${TEXTFILE_METRICS.backupLastRunSuccess} == 0`,
          severity: "critical",
          summary: "The last backup run of {{ $labels.stanza }} failed",
        },
        {
          alert: "BackupStatusMissing",
          expr: `absent(${TEXTFILE_METRICS.backupLastSuccess})`,
          for: "1h",
          severity: "warning",
          summary: "No backup status is reported (no backup job writes the textfile metrics)",
          labels: cluster,
        },
        {
          alert: "PostgresWalArchiveFailing",
          expr: "increase(pg_stat_archiver_failed_count[10m]) > 0",
          severity: "critical",
          summary: "WAL archiving fails on {{ $labels.node }}: point-in-time recovery is at risk",
        },
      ],
    },
    {
      name: "dpg-certificates",
      rules: [
        {
          alert: "CertificateExpiringSoon",
          expr: `${TEXTFILE_METRICS.certificateNotAfter} - time() < ${certDays} * 86400`,
          for: "10m",
          severity: "critical",
          summary: `Certificate {{ $labels.cert }} expires in less than ${certDays} days`,
        },
      ],
    },
    {
      name: "dpg-meta",
      rules: [
        {
          // Dead man's switch: always firing, so a receiver that stops getting it knows the
          // alerting path (Prometheus -> Alertmanager -> receiver) is broken.
          alert: "Watchdog",
          expr: "vector(1)",
          severity: "none",
          summary: "Always firing: proves the alerting pipeline works",
          labels: cluster,
        },
        {
          alert: "AlertmanagerNotificationsFailing",
          expr: "rate(alertmanager_notifications_failed_total[5m]) > 0",
          for: "5m",
          severity: "warning",
          summary: "Alertmanager fails to deliver to {{ $labels.integration }}",
        },
      ],
    },
    rollbackTriggerGroup(),
  ];
}

export function alertNames(input: RulesRenderInput): string[] {
  return alertRuleGroups(input).flatMap((g) => g.rules.map((r) => r.alert));
}

export function renderAlertRules(input: RulesRenderInput): string {
  const groups = alertRuleGroups(input).map((g) => ({
    name: g.name,
    rules: g.rules.map((r) => ({
      alert: r.alert,
      expr: r.expr,
      ...(r.for ? { for: r.for } : {}),
      labels: { severity: r.severity, ...(r.labels ?? {}) },
      annotations: { summary: r.summary, ...(r.description ? { description: r.description } : {}) },
    })),
  }));
  return stringify({ groups }, { lineWidth: 0 });
}
