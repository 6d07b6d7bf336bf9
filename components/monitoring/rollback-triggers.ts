// The seeds' automatic rollback triggers (001 "Rollback Plan", 002 "Rollback Triggers") as alert rules,
// labelled `rollback_trigger=<trigger>` so whatever watches a promotion selects them by label. Every rule
// reads a metric the stack's exporters really publish (checked on a deployed stack: HAProxy 3.0's exporter,
// postgres_exporter 0.17, node_exporter 1.9, Patroni 4.0); where the seed's measure cannot be computed from
// them, the rule says so in its description and the readiness catalog (002-MON-02) says it too.
import type { AlertRule, RuleGroup } from "./rules";

export const ROLLBACK_TRIGGER_LABEL = "rollback_trigger";

/** Databases whose transactions are the application's: not Patroni's and the exporters' `postgres`, not templates. */
const APP_DATABASES = 'datname!~"postgres|template0|template1"';

export interface RollbackTrigger extends AlertRule {
    /** The trigger's short name, the value of the `rollback_trigger` label. */
    trigger: string;
    /** The seed's own words. */
    seed: string;
}

export const ROLLBACK_TRIGGERS: RollbackTrigger[] = [
    {
        trigger: "error-rate",
        seed: "Error rate > 5% for > 5 minutes",
        alert: "RollbackTriggerErrorRate",
        // Rolled-back over all transactions, summed over every node (replicas serve read transactions too).
        expr: `sum by (cluster) (rate(pg_stat_database_xact_rollback{${APP_DATABASES}}[5m])) / (sum by (cluster) (rate(pg_stat_database_xact_commit{${APP_DATABASES}}[5m])) + sum by (cluster) (rate(pg_stat_database_xact_rollback{${APP_DATABASES}}[5m]))) > 0.05`,
        for: "5m",
        severity: "critical",
        summary: "Rollback trigger: {{ $value | humanizePercentage }} of transactions in {{ $labels.cluster }} rolled back over 5 min (> 5 %)",
        description: "Error rate = rolled-back transactions over all transactions of the application databases (pg_stat_database on every node). A transaction the application rolls back on purpose counts too; PostgreSQL does not tell the two apart.",
    },
    {
        trigger: "latency-p95",
        seed: "Response latency p95 > 2 seconds for > 5 minutes",
        alert: "RollbackTriggerLatencyMean",
        expr: "sum by (cluster) (rate(pg_stat_statements_seconds_total[5m])) / sum by (cluster) (rate(pg_stat_statements_calls_total[5m])) > 2",
        for: "5m",
        severity: "critical",
        summary: "Rollback trigger (approximation): mean statement time in {{ $labels.cluster }} is {{ $value | humanizeDuration }} over 5 min (> 2 s)",
        description:
            "NOT the seed's p95: no exporter of this stack publishes a latency distribution (postgres_exporter's pg_stat_statements and pgbouncer_exporter give sums and counts, HAProxy in TCP mode only averages), so a p95 cannot be computed here. This watches the mean statement time instead; a p95 above 2 s under a lower mean (a slow tail) goes unseen. A p95 needs a latency histogram, e.g. from the application's database client.",
        labels: { approximation: "mean, not p95" },
    },
    {
        trigger: "connection-errors",
        seed: "Database connection errors > 10% for > 5 minutes",
        alert: "RollbackTriggerConnectionErrors",
        // HAProxy counts a session with no healthy server as a backend connection error without a connection
        // attempt (measured: 317 errors, 41 attempts after a failover drill), so the ratio is over the client
        // connections the listener accepted, not over attempts.
        expr: "sum by (cluster, proxy) (rate(haproxy_backend_connection_errors_total[5m])) / sum by (cluster, proxy) (rate(haproxy_frontend_connections_total[5m])) > 0.10",
        for: "5m",
        severity: "critical",
        summary: "Rollback trigger: {{ $value | humanizePercentage }} of connections to the {{ $labels.proxy }} port of {{ $labels.cluster }} failed to reach PostgreSQL over 5 min (> 10 %)",
        description: "Connections HAProxy could not hand to a PostgreSQL server (none healthy behind the port, or the connect failed) over all client connections to that port, PgBouncer's included. Logins PgBouncer refuses itself are not exported and not counted.",
    },
    {
        trigger: "out-of-memory",
        seed: "Out-of-memory conditions",
        // Not "...Memory...": 000's "Memory usage > 90%" item looks for an alert named after memory, which this is not.
        alert: "RollbackTriggerOOMKill",
        expr: "increase(node_vmstat_oom_kill[5m]) > 0",
        severity: "critical",
        summary: "Rollback trigger: the kernel OOM-killed a process on the host of {{ $labels.instance }} in the last 5 min",
        description: "node_exporter reads the kernel's oom_kill counter: every OOM kill on the Docker host counts, a container reaching its memory limit included, whether or not the process belonged to the cluster.",
    },
    {
        trigger: "failovers",
        seed: "Unplanned failovers > 2 in 1 hour",
        alert: "RollbackTriggerFailovers",
        // Each promotion starts a new timeline; the highest timeline of the cluster rises by one per leader change.
        expr: "max_over_time(max by (cluster) (patroni_postgres_timeline)[1h:1m]) - min_over_time(max by (cluster) (patroni_postgres_timeline)[1h:1m]) > 2",
        severity: "critical",
        summary: "Rollback trigger: {{ $value }} leader changes in {{ $labels.cluster }} within 1 h (> 2)",
        description: "Counts every leader change (a new timeline per promotion). A planned switchover starts a timeline too and no exporter tells it from a failover: silence this alert in Alertmanager for the window of a planned switchover.",
    },
];

export function rollbackTriggerGroup(): RuleGroup {
    return {
        name: "dpg-rollback-triggers",
        rules: ROLLBACK_TRIGGERS.map(({ trigger, seed, ...rule }) => ({
            ...rule,
            description: `${rule.description} Seed (001/002): "${seed}".`,
            labels: { [ROLLBACK_TRIGGER_LABEL]: trigger, ...(rule.labels ?? {}) },
        })),
    };
}
