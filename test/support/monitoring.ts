// Monitoring test support: fixed renderer inputs (golden files, real-tool checks), the monitoring
// image as the program builds it, and assertion helpers that only need URLs, so the same checks
// run against the throwaway e2e stack and, later, the real `pulumi up` stack.
import assert from "node:assert/strict";
import * as path from "node:path";
import { stringify } from "yaml";
import { DASHBOARDS, dashboardExpressions, renderDashboard, renderGrafanaDashboardProvider, renderGrafanaDatasources } from "../../components/monitoring/dashboards";
import { PrometheusRenderInput, renderAlertmanagerConfig, renderPostgresExporterQueries, renderPrometheusConfig } from "../../components/monitoring/render";
import { renderAlertRules } from "../../components/monitoring/rules";
import { imageTag } from "../../components/shared/docker";
import { docker, eventually, REPO_ROOT } from "./cli";
import { BASE_IMAGE } from "./images";

export const GOLDEN_CLUSTER = "dpg-golden";

export const goldenTargets: PrometheusRenderInput["targets"] = {
  prometheus: [{ address: "dpg-golden-prometheus:9090" }],
  alertmanager: [{ address: "dpg-golden-alertmanager:9093" }],
  node: [{ address: "dpg-golden-node-exporter:9100" }],
  postgres: [1, 2, 3].map((i) => ({ address: `dpg-golden-pgexp-${i}:9187`, labels: { node: `dpg-golden-pg-${i}` } })),
  patroni: [1, 2, 3].map((i) => ({ address: `dpg-golden-pg-${i}:8008` })),
  etcd: [1, 2, 3].map((i) => ({ address: `dpg-golden-etcd-${i}:2379` })),
  haproxy: [{ address: "dpg-golden-haproxy:7000" }],
  pgbouncer: [{ address: "dpg-golden-pgbouncer-exporter:9127" }],
};

export const monitoringRendered: Record<string, () => string> = {
  "monitoring/prometheus.yml": () =>
    renderPrometheusConfig({ cluster: GOLDEN_CLUSTER, scrapeIntervalSeconds: 15, targets: goldenTargets, alertmanager: "dpg-golden-alertmanager:9093" }),
  "monitoring/dpg-alerts.yml": () => renderAlertRules({ cluster: GOLDEN_CLUSTER }),
  "monitoring/alertmanager.yml": () => renderAlertmanagerConfig({ webhookUrl: "http://dpg-golden-alert-webhook:9099/alerts" }),
  "monitoring/alertmanager-all-receivers.yml": () =>
    renderAlertmanagerConfig({
      webhookUrl: "http://dpg-golden-alert-webhook:9099/alerts",
      operatorWebhook: true,
      email: { to: "oncall@example.org", from: "alertmanager@example.org", smarthost: "smtp.example.org:587", authUsername: "alertmanager", hasPassword: true },
      slack: { channel: "#dpg-alerts" },
      pagerduty: {},
    }),
  "monitoring/postgres-exporter-queries.yml": () => renderPostgresExporterQueries(),
  "monitoring/grafana-datasources.yml": () => renderGrafanaDatasources("http://dpg-golden-prometheus:9090", 15),
  "monitoring/grafana-dashboards.yml": () => renderGrafanaDashboardProvider(),
  ...Object.fromEntries(DASHBOARDS.map((d) => [`monitoring/dashboards/${d.file}`, () => renderDashboard(d)])),
};

/** The dashboards' PromQL as recording rules, so `promtool check rules` parses every query. */
export function dashboardExprsAsRecordingRules(): string {
  const rules = dashboardExpressions().map((e, i) => ({
    record: `dpg:dashboard_expr:${i}`,
    // Grafana's variables, replaced by values a query could have.
    expr: e.expr.replace(/\$__rate_interval/g, "1m").replace(/\$cluster/g, ".*"),
  }));
  return stringify({ groups: [{ name: "dashboard-exprs", rules }] }, { lineWidth: 0 });
}

/** The monitoring image, built like the program builds it (same folder, same tag). */
export function ensureMonitoringImage(): string {
  const dir = path.join(REPO_ROOT, "components", "monitoring", "image");
  const name = `dpg/monitoring:${imageTag(dir, BASE_IMAGE)}`;
  if (docker(["image", "inspect", name], { allowFail: true }).status !== 0) {
    docker(["build", "-q", "-t", name, "--build-arg", `BASE_IMAGE=${BASE_IMAGE}`, dir], { timeoutMs: 15 * 60_000 });
  }
  return name;
}

/**
 * GET and parse JSON, bounded to 5 s. The timer is a plain (ref'd) setTimeout on purpose:
 * AbortSignal.timeout's timer is unref'd, and a fetch pending on a half-open published port
 * then leaves node:test with an empty event loop ("Promise resolution is still pending").
 */
export async function getJson(url: string): Promise<any> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new Error(`${url}: no answer in 5 s`)), 5000);
  try {
    const res = await fetch(url, { signal: ctl.signal });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return await res.json();
  } finally {
    clearTimeout(timer);
  }
}

export interface PromTarget {
  job: string;
  instance: string;
  health: string;
  lastError: string;
  labels: Record<string, string>;
}

export async function activeTargets(promUrl: string): Promise<PromTarget[]> {
  const body = await getJson(`${promUrl}/api/v1/targets?state=active`);
  return body.data.activeTargets.map((t: any) => ({ job: t.labels.job, instance: t.labels.instance, health: t.health, lastError: t.lastError, labels: t.labels }));
}

/**
 * Waits until Prometheus reports every active target up (and, if given, exactly these jobs),
 * then checks each carries the cluster and role labels. Returns the targets.
 */
export async function assertTargetsUp(promUrl: string, opts: { jobs?: string[]; cluster?: string; timeoutMs?: number } = {}): Promise<PromTarget[]> {
  let last: PromTarget[] = [];
  try {
    return await eventually(
      "every Prometheus target to be up",
      async () => {
        last = await activeTargets(promUrl);
        if (last.length === 0 || last.some((t) => t.health !== "up")) return undefined;
        if (opts.jobs) assert.deepEqual([...new Set(last.map((t) => t.job))].sort(), [...opts.jobs].sort());
        for (const t of last) {
          assert.ok(t.labels.role, `${t.instance} has no role label`);
          assert.ok(t.labels.cluster, `${t.instance} has no cluster label`);
          if (opts.cluster) assert.equal(t.labels.cluster, opts.cluster);
        }
        return last;
      },
      opts.timeoutMs ?? 90_000,
      2000,
    );
  } catch (e) {
    const down = last.filter((t) => t.health !== "up").map((t) => `${t.job}/${t.instance}: ${t.health} ${t.lastError}`);
    throw new Error(`${(e as Error).message}\nnot up: ${down.join("; ") || "(none)"}`);
  }
}

/** Waits until Prometheus has loaded these rule groups (names) and returns the loaded alert names. */
export async function assertRulesLoaded(promUrl: string, groups: string[], timeoutMs = 60_000): Promise<string[]> {
  return eventually(
    `rule groups ${groups.join(", ")} to be loaded`,
    async () => {
      const body = await getJson(`${promUrl}/api/v1/rules`);
      const loaded: any[] = body.data.groups;
      const names = loaded.map((g) => g.name);
      if (!groups.every((g) => names.includes(g))) return undefined;
      const unhealthy = loaded.flatMap((g) => g.rules).filter((r: any) => r.health === "err");
      assert.deepEqual(unhealthy.map((r: any) => `${r.name}: ${r.lastError}`), [], "rules evaluating with errors");
      return loaded.flatMap((g) => g.rules.filter((r: any) => r.type === "alerting").map((r: any) => r.name));
    },
    timeoutMs,
    2000,
  );
}

/** Waits (bounded) until the webhook receiver (GET /alerts) has a notification with this alert firing. */
export async function waitForWebhookAlert(receiverUrl: string, alertname: string, timeoutMs = 90_000): Promise<any> {
  return eventually(
    `alert ${alertname} to reach the webhook receiver`,
    async () => {
      const notifications: any[] = await getJson(`${receiverUrl}/alerts`);
      for (const n of notifications) {
        const a = (n.alerts ?? []).find((x: any) => x.labels?.alertname === alertname && x.status === "firing");
        if (a) return a;
      }
      return undefined;
    },
    timeoutMs,
    2000,
  );
}
