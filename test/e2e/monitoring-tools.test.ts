// Monitoring configs checked by the real tools in the image the program deploys: promtool check
// config / check rules / test rules (unit tests of the critical alerts), amtool check-config,
// and every dashboard query parsed by promtool; the 72-hour success criteria's queries evaluated on synthetic series.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { docker } from "../support/cli";
import { dashboardExprsAsRecordingRules, ensureMonitoringImage, monitoringRendered } from "../support/monitoring";
import { FAILOVER_QUERY, SERIES_CRITERIA, worstOverStep } from "../../policies/live/success-window";

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "dpg-montools-"));
fs.chmodSync(workDir, 0o755);

/** Writes files into a fresh folder readable by the image's unprivileged user. */
function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(workDir, name);
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
    fs.writeFileSync(p, content);
    fs.chmodSync(p, 0o644);
  }
  for (let d = dir; d.startsWith(workDir) && d !== workDir; d = path.dirname(d)) fs.chmodSync(d, 0o755);
  for (const sub of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, sub);
    if (fs.statSync(p).isDirectory()) fs.chmodSync(p, 0o755);
  }
  return dir;
}

let image = "";
function inImage(dir: string, mountAt: string, cmd: string[]) {
  return docker(["run", "--rm", "--network", "none", "-v", `${dir}:${mountAt}:ro`, "--entrypoint", cmd[0], image, ...cmd.slice(1)], { allowFail: true, timeoutMs: 300_000 });
}

const C = { cluster: "dpg-golden" };
const series = (name: string, labels: Record<string, string>, values: string) =>
  ({ series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`, values });
const pgexp = (i: number) => ({ ...C, job: "postgres", role: "database", instance: `dpg-golden-pgexp-${i}:9187`, node: `dpg-golden-pg-${i}` });
const patroni = (i: number) => ({ ...C, job: "patroni", role: "ha", instance: `dpg-golden-pg-${i}:8008` });
const etcd = (i: number) => ({ ...C, job: "etcd", role: "dcs", instance: `dpg-golden-etcd-${i}:2379` });
const crit = { severity: "critical" };

/** promtool unit tests of the critical alerts (and their quiet cases). */
function ruleTests(rulesFile: string): string {
  return stringify(
    {
      rule_files: [rulesFile],
      evaluation_interval: "15s",
      tests: [
        {
          name: "database down",
          interval: "15s",
          input_series: [series("pg_up", pgexp(1), "1 1 0x20"), series("up", pgexp(1), "1x22"), series("pg_up", pgexp(2), "1x22"), series("up", pgexp(2), "1x22")],
          alert_rule_test: [
            { eval_time: "1m", alertname: "PostgresDown", exp_alerts: [] },
            {
              eval_time: "3m",
              alertname: "PostgresDown",
              exp_alerts: [{ exp_labels: { ...pgexp(1), ...crit }, exp_annotations: { summary: "PostgreSQL on dpg-golden-pg-1 (dpg-golden-pgexp-1:9187) is down or unreachable by its exporter" } }],
            },
          ],
        },
        {
          name: "replication lag above 30 s",
          interval: "15s",
          input_series: [series("pg_replication_lag_seconds", pgexp(2), "0 0 45x20"), series("pg_replication_lag_seconds", pgexp(3), "20x22")],
          alert_rule_test: [
            { eval_time: "45s", alertname: "PostgresReplicationLagHigh", exp_alerts: [] },
            {
              eval_time: "3m",
              alertname: "PostgresReplicationLagHigh",
              exp_alerts: [{ exp_labels: { ...pgexp(2), ...crit }, exp_annotations: { summary: "Replica dpg-golden-pg-2 is 45s behind the primary" } }],
            },
          ],
        },
        {
          name: "no leader: every node a replica",
          interval: "15s",
          input_series: [1, 2, 3].flatMap((i) => [series("patroni_primary", { ...patroni(i), scope: "dpg-golden", name: `dpg-golden-pg-${i}` }, i === 1 ? "1 1 0x20" : "0x22"), series("up", patroni(i), "1x22")]),
          alert_rule_test: [
            { eval_time: "30s", alertname: "PatroniNoLeader", exp_alerts: [] },
            { eval_time: "3m", alertname: "PatroniNoLeader", exp_alerts: [{ exp_labels: { ...C, ...crit }, exp_annotations: { summary: "Cluster dpg-golden has no PostgreSQL primary" } }] },
          ],
        },
        {
          name: "no leader: every Patroni down",
          interval: "15s",
          input_series: [1, 2, 3].map((i) => series("up", patroni(i), "0x22")),
          alert_rule_test: [
            { eval_time: "3m", alertname: "PatroniNoLeader", exp_alerts: [{ exp_labels: { ...C, ...crit }, exp_annotations: { summary: "Cluster dpg-golden has no PostgreSQL primary" } }] },
          ],
        },
        {
          name: "more than one leader",
          interval: "15s",
          input_series: [1, 2, 3].map((i) => series("patroni_primary", { ...patroni(i), scope: "dpg-golden", name: `dpg-golden-pg-${i}` }, i === 3 ? "0x22" : i === 2 ? "0 0 1x20" : "1x22")),
          alert_rule_test: [
            { eval_time: "45s", alertname: "PatroniMultipleLeaders", exp_alerts: [] },
            { eval_time: "3m", alertname: "PatroniMultipleLeaders", exp_alerts: [{ exp_labels: { ...C, ...crit }, exp_annotations: { summary: "Cluster dpg-golden has 2 primaries (split brain)" } }] },
          ],
        },
        {
          name: "etcd without leader",
          interval: "15s",
          input_series: [series("etcd_server_has_leader", etcd(1), "1 1 0x10"), series("etcd_server_has_leader", etcd(2), "1x12")],
          alert_rule_test: [
            { eval_time: "30s", alertname: "EtcdNoLeader", exp_alerts: [] },
            { eval_time: "2m", alertname: "EtcdNoLeader", exp_alerts: [{ exp_labels: { ...etcd(1), ...crit }, exp_annotations: { summary: "etcd member dpg-golden-etcd-1:2379 has no leader" } }] },
          ],
        },
        {
          name: "backup too old (26 h)",
          interval: "1m",
          input_series: [series("dpg_backup_last_success_timestamp_seconds", { ...C, job: "node", role: "host", instance: "dpg-golden-node-exporter:9100", stanza: "main", type: "full" }, "0x1700")],
          alert_rule_test: [
            { eval_time: "25h", alertname: "BackupTooOld", exp_alerts: [] },
            {
              eval_time: "27h",
              alertname: "BackupTooOld",
              exp_alerts: [{ exp_labels: { ...C, stanza: "main", ...crit }, exp_annotations: { summary: "Last successful backup of main is older than 26 h" } }],
            },
          ],
        },
        {
          name: "watchdog always fires",
          interval: "15s",
          input_series: [],
          alert_rule_test: [
            { eval_time: "1m", alertname: "Watchdog", exp_alerts: [{ exp_labels: { ...C, severity: "none" }, exp_annotations: { summary: "Always firing: proves the alerting pipeline works" } }] },
          ],
        },
      ],
    },
    { lineWidth: 0 },
  );
}

describe("monitoring configs pass the real tools", { timeout: 20 * 60_000 }, () => {
  before(() => {
    image = ensureMonitoringImage();
  });
  after(() => fs.rmSync(workDir, { recursive: true, force: true }));

  const rules = () => monitoringRendered["monitoring/dpg-alerts.yml"]();

  it("promtool check config accepts prometheus.yml with its rule files", () => {
    const dir = folder("etc", { "prometheus.yml": monitoringRendered["monitoring/prometheus.yml"](), "rules/dpg-alerts.yml": rules() });
    const r = inImage(dir, "/etc/dpg-monitoring", ["promtool", "check", "config", "/etc/dpg-monitoring/prometheus.yml"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS: 1 rule files found/);
  });

  it("promtool check rules accepts the alert rules and rejects a broken one", () => {
    const ok = inImage(folder("rules-ok", { "dpg-alerts.yml": rules() }), "/rules", ["promtool", "check", "rules", "/rules/dpg-alerts.yml"]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const broken = rules().replace("pg_replication_lag_seconds > 30", "pg_replication_lag_seconds >> 30");
    assert.notEqual(broken, rules());
    const ko = inImage(folder("rules-bad", { "dpg-alerts.yml": broken }), "/rules", ["promtool", "check", "rules", "/rules/dpg-alerts.yml"]);
    assert.notEqual(ko.status, 0, "promtool should refuse invalid PromQL");
    assert.match(ko.stdout + ko.stderr, /parse error|unexpected/);
  });

  it("promtool test rules: the critical alerts fire when they should and only then", () => {
    const dir = folder("rules-test", { "dpg-alerts.yml": rules(), "dpg-alerts.test.yml": ruleTests("dpg-alerts.yml") });
    const r = inImage(dir, "/rules", ["promtool", "test", "rules", "/rules/dpg-alerts.test.yml"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });

  it("promtool test rules fails when a threshold drifts (the tests can fail)", () => {
    const drifted = rules().replace("pg_replication_lag_seconds > 30", "pg_replication_lag_seconds > 60");
    const dir = folder("rules-drift", { "dpg-alerts.yml": drifted, "dpg-alerts.test.yml": ruleTests("dpg-alerts.yml") });
    const r = inImage(dir, "/rules", ["promtool", "test", "rules", "/rules/dpg-alerts.test.yml"]);
    assert.notEqual(r.status, 0, "a 60 s threshold must fail the 45 s lag test");
    assert.match(r.stdout + r.stderr, /PostgresReplicationLagHigh/);
  });

  it("promtool parses every dashboard query", () => {
    const dir = folder("dashboards", { "exprs.yml": dashboardExprsAsRecordingRules() });
    const r = inImage(dir, "/d", ["promtool", "check", "rules", "/d/exprs.yml"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("promtool evaluates the 72-hour criteria's queries on synthetic series: each breaks where it should", () => {
    const dir = folder("window", { "empty.yml": "groups: []\n", "window.test.yml": windowTests("empty.yml") });
    const r = inImage(dir, "/w", ["promtool", "test", "rules", "/w/window.test.yml"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });

  it("amtool check-config accepts both alertmanager.yml variants and rejects a broken one", () => {
    const secrets = { "secrets/smtp-password": "x", "secrets/slack-api-url": "https://hooks.example.invalid/x", "secrets/pagerduty-routing-key": "x" };
    for (const variant of ["alertmanager.yml", "alertmanager-all-receivers.yml"]) {
      const dir = folder(`am-${variant}`, { "alertmanager.yml": monitoringRendered[`monitoring/${variant}`](), ...secrets });
      const r = inImage(dir, "/etc/dpg-monitoring", ["amtool", "check-config", "/etc/dpg-monitoring/alertmanager.yml"]);
      assert.equal(r.status, 0, `${variant}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /SUCCESS/);
    }
    const bad = monitoringRendered["monitoring/alertmanager.yml"]().replace("receiver: default", "receiver: nowhere");
    const ko = inImage(folder("am-bad", { "alertmanager.yml": bad }), "/etc/dpg-monitoring", ["amtool", "check-config", "/etc/dpg-monitoring/alertmanager.yml"]);
    assert.notEqual(ko.status, 0, "amtool should refuse a route to an undefined receiver");
  });
});

/**
 * promtool unit tests of the 72-hour section's PromQL (policies/live/success-window.ts): each query gives the
 * value its judge reads, on series shaped like the exporters' (a clean case and a breaking one each), and the
 * coarse-step wrapper keeps a one-scrape spike that sampling would miss.
 */
function windowTests(ruleFile: string): string {
  const expr = (id: string) => SERIES_CRITERIA.find((c) => c.id === id)!.expr({ database: "app", backupMaxAgeSeconds: 26 * 3600 });
  const one = (e: string, at: string, value: number) => ({ expr: e, eval_time: at, exp_samples: [{ labels: "{}", value }] });
  const db = (name: string, i: number, values: string) => series(name, { datname: "app", instance: `pgexp-${i}` }, values);
  const up = (job: string) => series("up", { job, instance: job }, "1x40");
  return stringify({
    rule_files: [ruleFile],
    evaluation_interval: "15s",
    tests: [
      {
        interval: "15s",
        input_series: [
          // 1 rollback per 100 commits on node 1 (1 %), none on node 2: 0.5 % of the cluster's transactions.
          db("pg_stat_database_xact_commit", 1, "0+100x40"),
          db("pg_stat_database_xact_rollback", 1, "0+1x40"),
          db("pg_stat_database_xact_commit", 2, "0+100x40"),
          db("pg_stat_database_xact_rollback", 2, "0+0x40"),
          series("pg_stat_statements_seconds_total", { queryid: "1" }, "0+1x20 20+30x40"),
          series("pg_stat_statements_calls_total", { queryid: "1" }, "0+10x61"),
          series("pg_replication_lag_seconds", { node: "pg-2" }, "0 0 0 0 0 0.5 0 0 0 0"),
          series("patroni_postgres_timeline", { instance: "pg-1" }, "1x10 0x10 2x20"),
          series("patroni_postgres_timeline", { instance: "pg-2" }, "1x10 2x10 3x20"),
          up("prometheus"),
          up("alertmanager"),
          series("up", { job: "node", instance: "node" }, "1x20 0x20"),
          series("ALERTS", { alertname: "Watchdog", alertstate: "firing" }, "1x40"),
          series("alertmanager_notifications_failed_total", { integration: "webhook" }, "0x40"),
          series("dpg_backup_last_run_success", { stanza: "main" }, "1x40"),
          series("dpg_backup_last_success_timestamp_seconds", { stanza: "main", type: "full" }, "0x40"),
        ],
        promql_expr_test: [
          // 1/201 of the transactions rolled back: 0.4975 %, just under the seed's 0.5 %.
          one(`round((${expr("error-rate")}) * 100000)`, "5m", 498),
          one(`round((${expr("latency-p95")}) * 1000)`, "4m", 100),
          one(`round((${expr("latency-p95")}) * 1000)`, "15m", 3000),
          one(expr("replication-lag"), "2m", 0),
          one(worstOverStep(expr("replication-lag"), "max", 60), "2m", 0.5),
          one(FAILOVER_QUERY, "2m", 1),
          one(FAILOVER_QUERY, "4m", 2),
          one(FAILOVER_QUERY, "8m", 3),
          one(expr("monitoring"), "4m", 1),
          one(expr("monitoring"), "6m", 0),
          one(expr("backups"), "9m", 1),
        ],
      },
      {
        // Watchdog silent (rules not evaluated): monitoring is not alerting. A backup that last succeeded 27 h ago is too old.
        interval: "1h",
        input_series: [up("prometheus"), up("alertmanager"), up("node"), series("dpg_backup_last_run_success", { stanza: "main" }, "1x40"), series("dpg_backup_last_success_timestamp_seconds", { stanza: "main" }, "0x40")],
        promql_expr_test: [one(expr("monitoring"), "2h", 0), one(expr("backups"), "25h", 1), one(expr("backups"), "27h", 0)],
      },
    ],
  }, { lineWidth: 0 });
}
