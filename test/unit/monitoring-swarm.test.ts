// Monitoring on both targets from one description: on a Swarm, Prometheus, Alertmanager and the alert
// webhook are services on the monitoring node with host-mode ports, each postgres_exporter sits beside
// its database node, node_exporter beside the repository server whose metrics volume it reads; every
// password is a Docker secret owned by the service user (0400), scrape targets are service names.
// (Its own process: Pulumi's mocks and the recorded resources are per process.)
import { imagesSettings } from "../../components/target/images";
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { NODE_IMAGE_UID } from "../../components/patroni/render";
import { installMocks, isSecretValue, ofType, settle, unsecret, valueOf } from "../support/mocks";

const label = (i: number) => `node.labels.dpg.node==${i}`;
const nodes = [1, 2, 3, 4].map((i) => ({ hostname: `lab-${i}`, address: `10.77.0.${10 + i}`, label: `dpg.node=${i}`, endpoint: `unix:///run/lab-${i}.sock` }));

describe("Monitoring on a Swarm under mocks", () => {
  let component: any;
  const services = () => ofType("docker:index/service:Service");
  const byName = (n: string) => {
    const s = services().find((c) => c.inputs.name === n);
    assert.ok(s, `no service ${n} in ${services().map((c) => c.inputs.name)}`);
    return s!;
  };
  const spec = (n: string) => byName(n).inputs.taskSpec;
  before(async () => {
    installMocks({}, "unit-swarm");
    const { Monitoring } = await import("../../components/monitoring/index");
    const { createTarget } = await import("../../components/target");
    const { targetSettings } = await import("../../components/target/settings");
    const settings = targetSettings.parse({
      kind: "swarm",
      endpoint: "unix:///run/lab-1.sock",
      registry: "10.77.0.10:5000",
      nodes,
      placement: {
        etcd: [1, 2, 3].map(label),
        patroni: [1, 2, 3].map(label),
        haproxy: [1, 2, 3].map(label),
        pgbouncer: [label(1), label(2)],
        backup: [label(4)],
        monitoring: [label(4)],
      },
    });
    const target = createTarget({ namePrefix: "dpg-sw", settings, subnet: "10.213.99.0/24", bindAddress: "127.0.0.1", images: imagesSettings.parse({}) });
    component = new Monitoring("monitoring", {
      namePrefix: "dpg-sw",
      baseImage: "debian:trixie-slim",
      target,
      postgresNodes: ["dpg-sw-pg-1", "dpg-sw-pg-2", "dpg-sw-pg-3"],
      postgresExporterImage: "reg/node@sha256:1",
      exporterPassword: "exporter-secret-pw",
      patroniEndpoints: ["dpg-sw-pg-1:8008", "dpg-sw-pg-2:8008", "dpg-sw-pg-3:8008"],
      etcdEndpoints: ["dpg-sw-etcd-1:2379"],
      haproxyEndpoints: ["dpg-sw-haproxy-1:7000", "dpg-sw-haproxy-2:7000", "dpg-sw-haproxy-3:7000"],
      pgbouncer: { hosts: ["dpg-sw-pgbouncer-1", "dpg-sw-pgbouncer-2"], user: "pgbouncer_stats", password: "pgbouncer-secret-pw" },
      alerting: { slack: { channel: "#x", apiUrl: "https://hooks.example/slack-secret" } },
      publish: { prometheusPort: 19090, alertmanagerPort: 19093 },
      retentionDays: 15,
      backupMaxAgeHours: 26,
      caCertPem: "CA",
      swarmTextfileVolume: "dpg-sw-metrics-textfile",
      certificateExpiries: { "dpg-sw-pg-1": "2027-11-23T00:00:00Z" },
    });
    await settle();
  });

  it("makes services, no containers and no host volumes", () => {
    assert.deepEqual(services().map((s) => s.inputs.name).sort(), [
      "dpg-sw-alert-webhook", "dpg-sw-alertmanager", "dpg-sw-node-exporter", "dpg-sw-pgbouncer-exporter-1", "dpg-sw-pgbouncer-exporter-2",
      "dpg-sw-pgexp-1", "dpg-sw-pgexp-2", "dpg-sw-pgexp-3", "dpg-sw-prometheus",
    ]);
    assert.equal(ofType("docker:index/container:Container").length, 0);
    assert.equal(ofType("docker:index/volume:Volume").length, 0, "Swarm creates member volumes on their node");
    assert.equal(component.textfileVolumeName, undefined);
  });

  it("places Prometheus, Alertmanager, the webhook and the pooler exporters on the monitoring node, each postgres_exporter beside its node, node_exporter beside the repository", () => {
    const placed = (n: string) => spec(n).placement.constraints;
    for (const n of ["dpg-sw-prometheus", "dpg-sw-alertmanager", "dpg-sw-alert-webhook", "dpg-sw-pgbouncer-exporter-1", "dpg-sw-pgbouncer-exporter-2"]) {
      assert.deepEqual(placed(n), [label(4)], n);
    }
    [1, 2, 3].forEach((i) => assert.deepEqual(placed(`dpg-sw-pgexp-${i}`), [label(i)]));
    assert.deepEqual(placed("dpg-sw-node-exporter"), [label(4)]);
  });

  it("gives every service dnsrr, one replica, a stable name on the overlay and the monitoring label", () => {
    for (const s of services()) {
      assert.equal(s.inputs.endpointSpec.mode, "dnsrr", s.inputs.name);
      assert.equal(s.inputs.mode.replicated.replicas, 1);
      const nets = s.inputs.taskSpec.networksAdvanceds;
      assert.equal(nets[0].id, "cluster-network-id");
      assert.deepEqual(nets[0].aliases, [s.inputs.name]);
      assert.ok(s.inputs.labels.some((l: any) => l.label === "dpg.component" && l.value === "monitoring"));
      assert.ok(s.inputs.taskSpec.containerSpec.healthcheck.tests.length);
    }
  });

  it("publishes Prometheus and Alertmanager in host mode on their node, nothing else; Alertmanager reaches Slack over the edge overlay", () => {
    const ports = (n: string) => (byName(n).inputs.endpointSpec.ports ?? []).map((p: any) => `${p.publishMode}:${p.publishedPort}->${p.targetPort}`);
    assert.deepEqual(ports("dpg-sw-prometheus"), ["host:19090->9090"]);
    assert.deepEqual(ports("dpg-sw-alertmanager"), ["host:19093->9093"]);
    for (const s of services()) if (!/prometheus|alertmanager/.test(s.inputs.name)) assert.deepEqual(ports(s.inputs.name), [], s.inputs.name);
    assert.deepEqual(spec("dpg-sw-alertmanager").networksAdvanceds.map((n: any) => n.id), ["cluster-network-id", "edge-network-id"]);
    assert.deepEqual(spec("dpg-sw-pgexp-1").networksAdvanceds.map((n: any) => n.id), ["cluster-network-id"]);
    assert.equal(component.prometheusUrl, "http://10.77.0.14:19090");
    assert.equal(component.alertmanagerUrl, "http://10.77.0.14:19093");
  });

  it("hands every password over as a Docker secret owned by the service user, 0400, and none in any env", async () => {
    const secretsOf = (n: string) => spec(n).containerSpec.secrets.map((s: any) => [s.fileName, s.fileUid, s.fileMode]);
    assert.deepEqual(secretsOf("dpg-sw-pgexp-2"), [["/etc/postgres_exporter/password", String(NODE_IMAGE_UID), 0o400]]);
    assert.deepEqual(secretsOf("dpg-sw-pgbouncer-exporter-1"), [["/etc/dpg-monitoring/secrets/pgbouncer-password", "100", 0o400]]);
    assert.deepEqual(secretsOf("dpg-sw-alertmanager"), [["/etc/dpg-monitoring/secrets/slack-api-url", "100", 0o400]]);
    assert.deepEqual(secretsOf("dpg-sw-prometheus"), []);
    const secrets = ofType("docker:index/secret:Secret");
    assert.equal(secrets.length, 3 + 2 + 1);
    for (const s of secrets) assert.ok(isSecretValue(s.inputs.data), `${s.name} data must be secret`);
    for (const s of services()) {
      const env = JSON.stringify(unsecret(await valueOf(s.inputs.taskSpec.containerSpec.env ?? {})));
      assert.ok(!/secret-pw|slack-secret/.test(env), `${s.inputs.name} has a secret in its env`);
    }
    const env = spec("dpg-sw-pgexp-3").containerSpec.env;
    assert.equal(env.DATA_SOURCE_PASS_FILE, "/etc/postgres_exporter/password");
    assert.equal(env.DATA_SOURCE_URI, "dpg-sw-pg-3:5432/app?sslmode=verify-full&sslrootcert=/etc/dpg-monitoring/ca.crt");
    assert.equal(spec("dpg-sw-pgbouncer-exporter-2").containerSpec.env.PGBOUNCER_HOST, "dpg-sw-pgbouncer-2");
  });

  it("scrapes every target by its service name on the overlay", async () => {
    const config = ofType("docker:index/serviceConfig:ServiceConfig").find((c) => c.name.endsWith("config-etc-dpg-monitoring-prometheus-yml"));
    assert.ok(config);
    const prom = parse(Buffer.from(await valueOf<string>(config!.inputs.data), "base64").toString());
    const targets = Object.fromEntries(prom.scrape_configs.map((j: any) => [j.job_name, j.static_configs.flatMap((s: any) => s.targets)]));
    assert.deepEqual(targets.postgres, ["dpg-sw-pgexp-1:9187", "dpg-sw-pgexp-2:9187", "dpg-sw-pgexp-3:9187"]);
    assert.deepEqual(targets.haproxy, ["dpg-sw-haproxy-1:7000", "dpg-sw-haproxy-2:7000", "dpg-sw-haproxy-3:7000"]);
    assert.deepEqual(targets.pgbouncer, ["dpg-sw-pgbouncer-exporter-1:9127", "dpg-sw-pgbouncer-exporter-2:9127"]);
    assert.deepEqual(targets.node, ["dpg-sw-node-exporter:9100"]);
    assert.deepEqual(prom.alerting.alertmanagers[0].static_configs[0].targets, ["dpg-sw-alertmanager:9093"]);
  });

  it("mounts node-local volumes: Prometheus' data, and the repository's metrics read-only (never seeded) in node_exporter, certificate expiries as a config", () => {
    assert.deepEqual(spec("dpg-sw-prometheus").containerSpec.mounts, [{ type: "volume", source: "dpg-sw-prometheus-data", target: "/var/lib/dpg-monitoring/prometheus" }]);
    assert.deepEqual(spec("dpg-sw-node-exporter").containerSpec.mounts, [
      { type: "volume", source: "dpg-sw-metrics-textfile", target: "/var/lib/dpg-monitoring/textfile", readOnly: true, volumeOptions: { noCopy: true } },
    ]);
    const ne = spec("dpg-sw-node-exporter").containerSpec;
    assert.deepEqual(ne.configs.map((c: any) => c.fileName), ["/etc/dpg-monitoring/textfile/dpg_certificates.prom"]);
    assert.ok(ne.args.includes("--collector.textfile.directory=/etc/dpg-monitoring/textfile"));
    assert.equal(spec("dpg-sw-prometheus").containerSpec.stopGracePeriod, "30s");
  });

  it("each service's files are swept after it and reaped when it goes; the overlay's gateway and the services' platform are written out", async () => {
    const commands = ofType("command:local:Command");
    for (const svc of services()) {
      const n = svc.inputs.name;
      assert.deepEqual(svc.inputs.taskSpec.placement.platforms, [{ os: "linux", architecture: process.arch === "x64" ? "amd64" : process.arch }]);
      if (!svc.inputs.taskSpec.containerSpec.secrets.length && !svc.inputs.taskSpec.containerSpec.configs.length) {
        assert.ok(!commands.some((c) => c.inputs.environment?.DPG_SERVICE === n), `${n} has no files to sweep`);
        continue;
      }
      const sweep = commands.find((c) => c.inputs.environment?.DPG_SERVICE === n);
      assert.ok(sweep?.inputs.create, `${n}: a sweep after the service`);
      const prefixes = sweep!.inputs.environment.DPG_FILE_PREFIXES.split(" ");
      assert.equal(prefixes.length, svc.inputs.taskSpec.containerSpec.secrets.length + svc.inputs.taskSpec.containerSpec.configs.length, n);
      assert.ok(prefixes.every((p: string) => p.startsWith("secret:" + n + "-") || p.startsWith("config:" + n + "-")), `${n}: ${prefixes}`);
      assert.equal(sweep!.inputs.triggers.length, 1);
      const reaper = commands.find((c) => c.inputs.delete && c.inputs.environment?.DPG_FILE_PREFIXES === sweep!.inputs.environment.DPG_FILE_PREFIXES);
      assert.ok(reaper && !reaper.inputs.create && reaper.inputs.environment.DPG_SERVICE === undefined, `${n}: a reaper run when the service goes`);
    }
    const cluster = ofType("docker:index/network:Network").find((r) => r.inputs.internal);
    assert.deepEqual(cluster?.inputs.ipamConfigs, [{ subnet: "10.213.99.0/24", gateway: "10.213.99.1" }]);
  });
});
