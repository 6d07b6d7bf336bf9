// Monitoring renderers (golden files, structure) and the Monitoring component under Pulumi mocks.
import { imagesSettings } from "../../components/target/images";
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { DASHBOARDS, GRAFANA_DATASOURCE_UID, panelCount, renderDashboard } from "../../components/monitoring/dashboards";
import { grafanaAvailability } from "../../components/monitoring/index";
import { JOB_ROLES, renderAlertmanagerConfig, renderPrometheusConfig } from "../../components/monitoring/render";
import { alertRuleGroups, renderAlertRules } from "../../components/monitoring/rules";
import { assertGolden } from "../support/golden";
import { installMocks, isSecretValue, ofType, settle, unsecret, valueOf } from "../support/mocks";
import { GOLDEN_CLUSTER, goldenTargets, monitoringRendered } from "../support/monitoring";

describe("monitoring renderers match their golden files", () => {
  for (const [file, render] of Object.entries(monitoringRendered)) {
    it(file, () => assertGolden(file, render()));
  }
});

describe("prometheus.yml", () => {
  const c = parse(monitoringRendered["monitoring/prometheus.yml"]());
  it("scrapes and evaluates every 15 s", () => {
    assert.equal(c.global.scrape_interval, "15s");
    assert.equal(c.global.evaluation_interval, "15s");
  });
  it("has one job per exporter kind", () => {
    assert.deepEqual(c.scrape_configs.map((j: any) => j.job_name), ["prometheus", "alertmanager", "node", "postgres", "patroni", "etcd", "haproxy", "pgbouncer"]);
  });
  it("labels every target with cluster and its job's role", () => {
    let n = 0;
    for (const job of c.scrape_configs) {
      for (const sc of job.static_configs) {
        n += sc.targets.length;
        assert.equal(sc.labels.cluster, GOLDEN_CLUSTER);
        assert.equal(sc.labels.role, JOB_ROLES[job.job_name as keyof typeof JOB_ROLES]);
      }
    }
    assert.equal(n, Object.values(goldenTargets).flat().length);
  });
  it("ties each postgres_exporter to its node", () => {
    const pg = c.scrape_configs.find((j: any) => j.job_name === "postgres");
    assert.deepEqual(pg.static_configs.map((s: any) => s.labels.node), ["dpg-golden-pg-1", "dpg-golden-pg-2", "dpg-golden-pg-3"]);
  });
  it("leaves out jobs without targets and refuses a bad interval", () => {
    const small = parse(renderPrometheusConfig({ cluster: "x", scrapeIntervalSeconds: 30, targets: { etcd: [{ address: "e:2379" }] }, alertmanager: "a:9093" }));
    assert.deepEqual(small.scrape_configs.map((j: any) => j.job_name), ["etcd"]);
    assert.throws(() => renderPrometheusConfig({ cluster: "x", scrapeIntervalSeconds: 0, targets: {}, alertmanager: "a:9093" }), /positive integer/);
  });
});

describe("alert rules", () => {
  const groups = alertRuleGroups({ cluster: GOLDEN_CLUSTER });
  const rules = groups.flatMap((g) => g.rules);
  const byName = new Map(rules.map((r) => [r.alert, r]));
  it("cover the seeds' critical list and the HA, backup and certificate alerts", () => {
    for (const name of [
      "PostgresDown", // database down
      "PostgresReplicationLagHigh", // > 30 s
      "HostDiskSpaceLow", // < 10 %
      "PgBouncerPoolExhausted", // connection pool exhaustion
      "PostgresConnectionsExhausted",
      "PostgresQueryLatencyHigh", // > 500 ms
      "HostMemoryHigh", // > 90 %
      "PatroniNoLeader",
      "PatroniMultipleLeaders",
      "EtcdMemberDown",
      "EtcdNoLeader",
      "BackupTooOld",
      "BackupFailed",
      "CertificateExpiringSoon",
      "Watchdog",
    ]) {
      assert.ok(byName.has(name), `missing alert ${name}`);
    }
  });
  it("encode the seeds' thresholds", () => {
    assert.match(byName.get("PostgresReplicationLagHigh")!.expr, /> 30$/);
    assert.match(byName.get("HostDiskSpaceLow")!.expr, /< 0\.10$/);
    assert.match(byName.get("PostgresQueryLatencyHigh")!.expr, /> 0\.5$/);
    assert.match(byName.get("HostMemoryHigh")!.expr, /> 0\.90$/);
    assert.match(byName.get("CertificateExpiringSoon")!.expr, /< 30 \* 86400$/);
  });
  it("use Patroni 4 metric names (patroni_primary, never patroni_master)", () => {
    const text = renderAlertRules({ cluster: GOLDEN_CLUSTER });
    assert.ok(!text.includes("patroni_master"));
    assert.match(byName.get("PatroniNoLeader")!.expr, /patroni_primary/);
    assert.match(byName.get("PatroniMultipleLeaders")!.expr, /sum by \(cluster\) \(patroni_primary\) > 1/);
  });
  it("give every alert a unique name, a severity and a summary", () => {
    assert.equal(byName.size, rules.length);
    for (const r of rules) {
      assert.ok(["critical", "warning", "none"].includes(r.severity), r.alert);
      assert.ok(r.summary.length > 10, r.alert);
    }
    const critical = rules.filter((r) => r.severity === "critical").length;
    assert.ok(critical >= 10, `only ${critical} critical alerts`);
  });
  it("put the cluster label on alerts whose expression has none", () => {
    const parsed = parse(renderAlertRules({ cluster: "dpg-x" }));
    const watchdog = parsed.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === "Watchdog");
    assert.deepEqual(watchdog.labels, { severity: "none", cluster: "dpg-x" });
  });
});

describe("alertmanager.yml", () => {
  it("sends everything to the webhook by default", () => {
    const c = parse(monitoringRendered["monitoring/alertmanager.yml"]());
    assert.equal(c.route.receiver, "default");
    assert.deepEqual(c.receivers.map((r: any) => r.name), ["default"]);
    assert.equal(c.receivers[0].webhook_configs[0].url, "http://dpg-golden-alert-webhook:9099/alerts");
  });
  it("reads e-mail, Slack and PagerDuty secrets from files and pages only for critical alerts", () => {
    const c = parse(monitoringRendered["monitoring/alertmanager-all-receivers.yml"]());
    const def = c.receivers.find((r: any) => r.name === "default");
    assert.equal(def.email_configs[0].auth_password_file, "/etc/dpg-monitoring/secrets/smtp-password");
    assert.equal(def.slack_configs[0].api_url_file, "/etc/dpg-monitoring/secrets/slack-api-url");
    // The operator's webhook URL may carry a token: read from a file, next to the built-in test sink.
    assert.deepEqual(def.webhook_configs.map((w: any) => w.url ?? w.url_file), ["http://dpg-golden-alert-webhook:9099/alerts", "/etc/dpg-monitoring/secrets/webhook-url"]);
    assert.equal(def.pagerduty_configs, undefined);
    const crit = c.receivers.find((r: any) => r.name === "critical");
    assert.equal(crit.pagerduty_configs[0].routing_key_file, "/etc/dpg-monitoring/secrets/pagerduty-routing-key");
    assert.ok(c.route.routes.some((r: any) => r.receiver === "critical" && r.matchers[0] === 'severity="critical"'));
    const text = renderAlertmanagerConfig({ webhookUrl: "http://w/alerts", email: { to: "a@b", from: "c@d", smarthost: "s:25", hasPassword: true } });
    assert.ok(!/auth_password:|api_url:|routing_key:/.test(text), "no inline secret settings");
  });
});

describe("grafana dashboards", () => {
  it("are the four the seeds ask for, with at least 15 panels in all", () => {
    assert.deepEqual(DASHBOARDS.map((d) => d.title), ["PostgreSQL Overview", "Vector (RuVector/pgvector) Performance", "System Resources", "Replication Status"]);
    assert.ok(panelCount() >= 15, `only ${panelCount()} panels`);
    for (const d of DASHBOARDS) assert.ok(d.panels.length >= 3, `${d.title} has ${d.panels.length} panels`);
  });
  it("query the provisioned datasource by uid in every panel and target", () => {
    const ds = parse(monitoringRendered["monitoring/grafana-datasources.yml"]());
    assert.equal(ds.datasources[0].uid, GRAFANA_DATASOURCE_UID);
    assert.equal(ds.datasources[0].type, "prometheus");
    for (const d of DASHBOARDS) {
      const json = JSON.parse(renderDashboard(d));
      assert.equal(json.title, d.title);
      assert.equal(json.uid, d.uid);
      const ids = new Set<number>();
      for (const p of json.panels) {
        assert.equal(p.datasource.uid, GRAFANA_DATASOURCE_UID);
        assert.ok(!ids.has(p.id), `duplicate panel id in ${d.title}`);
        ids.add(p.id);
        assert.ok(p.targets.length > 0, `${d.title} / ${p.title} has no query`);
        for (const t of p.targets) {
          assert.equal(t.datasource.uid, GRAFANA_DATASOURCE_UID);
          assert.match(t.expr, /cluster=~"\$cluster"/, `${p.title}: query not scoped to the cluster variable`);
        }
      }
    }
    assert.equal(new Set(DASHBOARDS.map((d) => d.uid)).size, DASHBOARDS.length);
  });
  it("provision from the folder the provider watches", () => {
    const p = parse(monitoringRendered["monitoring/grafana-dashboards.yml"]());
    assert.equal(p.providers[0].options.path, "/var/lib/grafana/dashboards/dpg");
  });
});

describe("grafana availability", () => {
  it("says plainly why Grafana is not deployed", () => {
    const none = grafanaAvailability(undefined);
    assert.equal(none.deploy, false);
    assert.match(none.message, /Grafana not deployed: no grafanaImage was given/);
    const missing = grafanaAvailability("grafana/grafana:11.0.0", () => false);
    assert.equal(missing.deploy, false);
    assert.match(missing.message, /not present in the local Docker daemon/);
    assert.equal(grafanaAvailability("grafana/grafana:11.0.0", () => true).deploy, true);
  });
});

describe("Monitoring component under mocks", () => {
  let component: any;
  const containers = () => ofType("docker:index/container:Container");
  const byName = (n: string) => containers().find((c) => c.inputs.name === n)!;
  before(async () => {
    installMocks({}, "unit");
    const { Monitoring } = await import("../../components/monitoring/index");
    const { createTarget } = await import("../../components/target");
    const { targetSettings } = await import("../../components/target/settings");
    const target = createTarget({ namePrefix: "dpg-unit", settings: targetSettings.parse({}), subnet: "10.213.99.0/24", bindAddress: "127.0.0.1", images: imagesSettings.parse({}) });
    component = new Monitoring("monitoring", {
      namePrefix: "dpg-unit",
      baseImage: "debian:trixie-slim",
      target,
      postgresNodes: ["dpg-unit-pg-1", "dpg-unit-pg-2"],
      postgresExporterImage: "sha256:patroni",
      exporterPassword: "exporter-secret-pw",
      patroniEndpoints: ["dpg-unit-pg-1:8008", "dpg-unit-pg-2:8008"],
      etcdEndpoints: ["dpg-unit-etcd-1:2379"],
      haproxyEndpoints: ["dpg-unit-haproxy:7000"],
      pgbouncer: { hosts: ["dpg-unit-pgbouncer"], user: "pgbouncer_stats", password: "pgbouncer-secret-pw" },
      alerting: { slack: { channel: "#x", apiUrl: "https://hooks.example/slack-secret" } },
      publish: { prometheusPort: 19090 },
      grafanaImage: "dpg/no-such-grafana:none",
      retentionDays: 15,
      backupMaxAgeHours: 26,
    });
    await settle();
  });

  it("registers its type with a secret-free spec", async () => {
    const comp = ofType("dpg:monitoring:Monitoring")[0];
    assert.ok(comp);
    const spec = comp.inputs;
    assert.equal(spec.scrapeIntervalSeconds, 15);
    assert.deepEqual(spec.scrapedJobs, ["prometheus", "alertmanager", "node", "postgres", "patroni", "etcd", "haproxy", "pgbouncer"]);
    // The built-in webhook sink is a test device, not a channel; dashboards count only where a Grafana serves them.
    assert.deepEqual(spec.receivers, ["slack"]);
    assert.equal(spec.grafanaDeployed, false);
    assert.deepEqual(spec.dashboards, []);
    assert.ok(spec.alertRules.includes("PatroniNoLeader"));
    assert.ok(!JSON.stringify(spec).includes("secret"));
    assert.match(component.grafanaStatus, /not present in the local Docker daemon/);
  });

  it("creates one postgres_exporter per node and the monitoring services, but no Grafana", () => {
    assert.deepEqual(containers().map((c) => c.inputs.name).sort(), [
      "dpg-unit-alert-webhook", "dpg-unit-alertmanager", "dpg-unit-node-exporter", "dpg-unit-pgbouncer-exporter", "dpg-unit-pgexp-1", "dpg-unit-pgexp-2", "dpg-unit-prometheus",
    ]);
  });

  it("keeps passwords out of every env and uploads them as secrets", async () => {
    for (const c of containers()) {
      const env = JSON.stringify(unsecret(await valueOf(c.inputs.envs ?? [])));
      assert.ok(!/secret-pw|slack-secret/.test(env), `${c.inputs.name} has a secret in its env`);
      assert.ok(!/PASSWORD=|PASS=/.test(env), `${c.inputs.name} env`);
    }
    const pgexp = byName("dpg-unit-pgexp-1");
    const env: string[] = pgexp.inputs.envs;
    assert.ok(env.includes("DATA_SOURCE_PASS_FILE=/etc/postgres_exporter/password"));
    assert.ok(env.includes("DATA_SOURCE_USER=postgres_exporter"));
    assert.ok(env.some((e) => e.startsWith("DATA_SOURCE_URI=dpg-unit-pg-1:5432/app")));
    // The uploads carry secrets, so the engine stores them encrypted.
    assert.ok(isSecretValue(pgexp.inputs.uploads), "exporter uploads should be secret");
    const upload = unsecret(pgexp.inputs.uploads).find((u: any) => u.file === "/etc/postgres_exporter/password");
    assert.equal(upload.content, "exporter-secret-pw");
    const am = byName("dpg-unit-alertmanager");
    assert.ok(isSecretValue(am.inputs.uploads), "alertmanager uploads should be secret");
    assert.ok(unsecret(am.inputs.uploads).some((u: any) => u.file.endsWith("slack-api-url")));
  });

  it("publishes only what was asked, on 127.0.0.1", () => {
    for (const c of containers()) {
      const ports = (c.inputs.ports ?? []).map((p: any) => `${p.ip}:${p.external}->${p.internal}`);
      assert.deepEqual(ports, c.inputs.name === "dpg-unit-prometheus" ? ["127.0.0.1:19090->9090"] : [], c.inputs.name);
    }
  });

  it("gives every container a memory limit, a healthcheck, restart unless-stopped and stack labels", () => {
    for (const c of containers()) {
      assert.ok(c.inputs.memory > 0, `${c.inputs.name} memory`);
      assert.ok(c.inputs.healthcheck?.tests?.length, `${c.inputs.name} healthcheck`);
      assert.equal(c.inputs.restart, "unless-stopped");
      assert.ok(c.inputs.labels.some((l: any) => l.label === "dpg.component" && l.value === "monitoring"));
    }
  });

  it("puts every container on the cluster network; Alertmanager joins the edge network for Slack without publishing", () => {
    for (const c of containers()) {
      const nets = c.inputs.networksAdvanced.map((n: any) => n.name);
      const edge = ["dpg-unit-prometheus", "dpg-unit-alertmanager"].includes(c.inputs.name);
      assert.deepEqual(nets, edge ? ["dpg-unit-edge", "dpg-unit-cluster"] : ["dpg-unit-cluster"], c.inputs.name);
    }
  });

  it("node_exporter reads the textfile volume the nodes write, and certificate expiries from a directory of its own", () => {
    const ne = byName("dpg-unit-node-exporter");
    assert.deepEqual(ne.inputs.volumes, [{ volumeName: "dpg-unit-metrics-textfile", containerPath: "/var/lib/dpg-monitoring/textfile" }]);
    assert.deepEqual(ne.inputs.command, ["prometheus-node-exporter", "--web.listen-address=:9100", "--collector.textfile.directory=/var/lib/dpg-monitoring/textfile"]);
    // Runs as the image's user: no secret to hand over.
    assert.equal(ne.inputs.user, undefined);
  });

  it("uploads prometheus.yml and the rules to Prometheus", () => {
    const files = unsecret(byName("dpg-unit-prometheus").inputs.uploads).map((u: any) => u.file).sort();
    assert.deepEqual(files, ["/etc/dpg-monitoring/prometheus.yml", "/etc/dpg-monitoring/rules/dpg-alerts.yml"]);
  });
});
