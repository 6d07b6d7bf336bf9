// The Swarm target for real: `pulumi up` of a copy of the lab stack puts one etcd member and one Patroni
// node on each of the lab's three managers and the pgBackRest repository server on its worker, images
// pinned by digest from the lab registry; the cluster elects a leader, streams to two replicas, serves
// verify-full TLS through HAProxy on every database node; Prometheus and Alertmanager on the worker scrape
// every target by service name over the overlay (each postgres_exporter beside its node) and see the
// repository's backup metrics; no secret sits in any service's env or in the stack export; backups survive the loss of the repository's host and of the leader's host (a
// point-in-time restore afterwards has exactly the rows committed before its target); the host drills
// lose no acknowledged write; a refresh plans no change, and an up that stopped halfway through a file change
// leaves nothing the next up cannot finish; `pulumi destroy` leaves nothing on any node.
// Own names (dpg-swe2e*); everything lives inside the lab's nodes (10.77.0.0/24).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { Client } from "pg";
import { execArgs, ExecTarget } from "../../components/target/member-exec";
import { down, managerDocker, nodeDocker, up } from "../../lab/lab";
import { backupNode, databaseNodes, LAB, managerEndpoint, nodeEndpoint } from "../../lab/topology";
import { docker, eventually, pulumi, pulumiAsync, REPO_ROOT, run } from "../support/cli";
import { assertRulesLoaded, assertTargetsUp, getJson } from "../support/monitoring";
import { alertRuleGroups } from "../../components/monitoring/rules";
import type { HostDrillRecord, HostDrillRun } from "../../policies/live/host-drills";
import { createTestStack, TestStack } from "../support/stack";
import { startWriter, WriterTarget } from "../../scripts/day2/writer";
import { firstHostUrl } from "../../policies/live/target";

const STACK = "swe2e";
const PREFIX = "dpg-swe2e";
const NODES = [1, 2, 3].map((i) => `${PREFIX}-pg-${i}`);
const ETCD = [1, 2, 3].map((i) => `${PREFIX}-etcd-${i}`);
const REPOSITORY = `${PREFIX}-backup`;
/** Prometheus and Alertmanager publish on the worker (host mode), on ports of their own beside a user's lab stack. */
const PROMETHEUS_URL = `http://${backupNode.ip}:29190`;
const ALERTMANAGER_URL = `http://${backupNode.ip}:29193`;
const EXEC: ExecTarget = { kind: "swarm", manager: managerEndpoint, nodes: LAB.nodes.map((n) => ({ hostname: n.name, endpoint: nodeEndpoint(n) })) };
const times: Record<string, number> = {};
/** Issue 10's Swarm blockers: nodes, overlay, storage per node, inter-node bandwidth. */
const SWARM_ITEMS = ["000-INF-02", "001-INF-03", "000-INF-03", "001-INF-04", "000-INF-04", "001-PERF-09"];

/** `docker exec` into a member's task, wherever Swarm runs it. */
function inMember(member: string, command: string[], execOptions: string[] = []): string {
  const args = execArgs(member, execOptions, command, EXEC);
  assert.ok(args, `${member} has no running task`);
  return docker(args, { timeoutMs: 30_000 }).stdout;
}

function members(): Array<{ name: string; role: string; state: string }> {
  for (const n of NODES) {
    const args = execArgs(n, [], ["curl", "-fsS", "--max-time", "5", "--cacert", "/etc/dpg-tls/ca.crt", "https://127.0.0.1:8008/cluster"], EXEC);
    if (!args) continue;
    const r = docker(args, { allowFail: true, timeoutMs: 20_000 });
    if (r.status === 0) return JSON.parse(r.stdout).members;
  }
  return [];
}

/** Node each running service task sits on. */
function taskNode(service: string): string | undefined {
  const out = managerDocker(["service", "ps", service, "--filter", "desired-state=running", "--format", "{{.Node}}|{{.CurrentState}}"], { timeoutMs: 15_000 }).stdout;
  return out.split("\n").map((l) => l.split("|")).find((f) => f[1]?.startsWith("Running"))?.[0];
}

/** What every node still holds of this stack. */
function leftovers(): string[] {
  const out: string[] = [];
  for (const [kind, args] of [
    ["service", ["service", "ls", "-q", "--filter", `label=dpg.stack=${PREFIX}`]],
    ["secret", ["secret", "ls", "--format", "{{.Name}}"]],
    ["config", ["config", "ls", "--format", "{{.Name}}"]],
  ] as const) {
    for (const line of managerDocker([...args]).stdout.split("\n").filter(Boolean)) if (kind === "service" || line.startsWith(PREFIX)) out.push(`${kind} ${line}`);
  }
  for (const n of LAB.nodes) {
    const d = nodeDocker(n);
    for (const v of d(["volume", "ls", "--format", "{{.Name}}"]).stdout.split("\n")) if (v.startsWith(PREFIX)) out.push(`${n.name} volume ${v}`);
    for (const net of d(["network", "ls", "--format", "{{.Name}}"]).stdout.split("\n")) if (net.startsWith(PREFIX)) out.push(`${n.name} network ${net}`);
  }
  return out;
}

describe("cluster on the Swarm lab", { timeout: 40 * 60_000 }, () => {
  let stack: TestStack;
  let appPassword = "";
  let caFile = "";
  let writeEndpoint = "";
  let readEndpoint = "";

  before(async () => {
    const t = Date.now();
    await up();
    times["lab up"] = Date.now() - t;
    // Its own ports on the nodes, so a user's lab stack can stay up beside it.
    stack = createTestStack(STACK, "lab", {
      haproxy: { writePort: 45000, readPort: 45001, statsPort: 47000 },
      pgbouncer: { port: 46432 },
      monitoring: { prometheusPort: 29190, alertmanagerPort: 29193 },
    });
  });

  after(() => {
    if (stack) {
      pulumi(["destroy", "--yes", "--stack", STACK], { allowFail: true, timeoutMs: 15 * 60_000 });
      stack.remove();
    }
    if (caFile) fs.rmSync(caFile, { force: true });
    down();
    process.stdout.write(`swarm e2e times (ms): ${JSON.stringify(times)}\n`);
  });

  it("pulumi up: a writable primary behind HAProxy on the Swarm", () => {
    const t = Date.now();
    const r = pulumi(["up", "--yes", "--skip-preview", "--stack", STACK], { allowFail: true, timeoutMs: 30 * 60_000 });
    times["pulumi up"] = Date.now() - t;
    assert.equal(r.status, 0, r.stdout.slice(-4000) + r.stderr.slice(-4000));
    times["write path ready after up's members (s)"] = Number(stack.output("writePathReadyAfterSeconds"));
    appPassword = new URL(stack.output("writeConnectionString").replace(/,[^/]+/, "")).password;
    writeEndpoint = stack.output("writeEndpoint");
    readEndpoint = stack.output("readEndpoint");
    caFile = path.join(os.tmpdir(), `dpg-swe2e-ca-${process.pid}.crt`);
    fs.writeFileSync(caFile, stack.output("caCertPem"));
    assert.equal(writeEndpoint.split(",").length, 3, `a router on each node: ${writeEndpoint}`);
  });

  it("one leader and two streaming replicas, each Patroni node and each etcd member on its own Swarm node", async () => {
    const ms = await eventually("leader + 2 streaming", () => {
      const m = members();
      return m.length === 3 && m.filter((x) => x.role === "leader").length === 1 && m.filter((x) => x.role !== "leader").every((x) => x.state === "streaming") ? m : undefined;
    }, 180_000, 3000);
    assert.deepEqual(ms.map((m) => m.name).sort(), NODES);
    const pgNodes = NODES.map(taskNode);
    const etcdNodes = ETCD.map(taskNode);
    assert.deepEqual([...pgNodes].sort(), databaseNodes.map((n) => n.name), `patroni on ${pgNodes}`);
    assert.deepEqual([...etcdNodes].sort(), databaseNodes.map((n) => n.name), `etcd on ${etcdNodes}`);
    assert.equal(taskNode(REPOSITORY), backupNode.name, "the repository server on the worker, with no database member");
  });

  it("every service runs an image pinned by digest from the lab registry", () => {
    const images = managerDocker(["service", "ls", "--filter", `label=dpg.stack=${PREFIX}`, "--format", "{{.Image}}"]).stdout.split("\n").filter(Boolean);
    // 3 etcd, 3 Patroni, 3 HAProxy, 2 PgBouncer, the repository server; Prometheus, Alertmanager, the webhook,
    // node_exporter, 3 postgres_exporters, 2 pgbouncer_exporters.
    assert.equal(images.length, 21, images.join("\n"));
    for (const i of images) assert.match(i, /^10\.77\.0\.10:5000\/dpg\/[a-z]+@sha256:[0-9a-f]{64}$/);
  });

  it("monitoring: Prometheus and Alertmanager on the worker, each postgres_exporter beside its node, every target up by service name", async () => {
    assert.equal(stack.output("prometheusUrl"), PROMETHEUS_URL);
    // `up` returns once the services exist; the worker may still be pulling the monitoring image.
    for (const s of ["prometheus", "alertmanager", "alert-webhook", "node-exporter"]) {
      await eventually(`${s} running on ${backupNode.name}`, () => (taskNode(`${PREFIX}-${s}`) === backupNode.name ? true : undefined), 300_000, 3000);
    }
    for (const [i, n] of NODES.entries()) {
      const node = await eventually(`pgexp-${i + 1} running`, () => taskNode(`${PREFIX}-pgexp-${i + 1}`), 300_000, 3000);
      assert.equal(node, taskNode(n), `pgexp-${i + 1} beside ${n}`);
    }
    const t = Date.now();
    const targets = await assertTargetsUp(PROMETHEUS_URL, { jobs: ["prometheus", "alertmanager", "node", "postgres", "patroni", "etcd", "haproxy", "pgbouncer"], cluster: PREFIX, timeoutMs: 300_000 });
    times["prometheus targets up after the test began"] = Date.now() - t;
    process.stdout.write(`# prometheus targets up on the Swarm: ${targets.length} (${targets.map((x) => x.instance).sort().join(", ")})\n`);
    // 1+1 monitoring, node_exporter, 3 postgres_exporters, 3 Patroni, 3 etcd, 3 HAProxy instances, 2 pgbouncer_exporters.
    assert.equal(targets.length, 17);
    const leaders = await getJson(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(`sum(patroni_primary{cluster="${PREFIX}"})`)}`);
    assert.equal(Number(leaders.data.result[0]?.value[1]), 1, "exactly one leader by patroni_primary");
    const groups = alertRuleGroups({ cluster: PREFIX });
    await assertRulesLoaded(PROMETHEUS_URL, groups.map((g) => g.name));
    // The always-firing Watchdog reached Alertmanager (published in host mode beside Prometheus).
    const alerts = await eventually("Watchdog in Alertmanager", async () => {
      const a = (await getJson(`${ALERTMANAGER_URL}/api/v2/alerts`)) as Array<{ labels: Record<string, string> }>;
      return a.some((x) => x.labels.alertname === "Watchdog" && x.labels.cluster === PREFIX) ? a : undefined;
    }, 120_000, 3000);
    assert.ok(alerts.length >= 1);
  });

  it("3 healthy etcd members", () => {
    const certs = ["--cacert=/etc/dpg-tls/ca.crt", "--cert=/etc/dpg-tls/server.crt", "--key=/etc/dpg-tls/server.key"];
    const out = inMember(ETCD[0], ["etcdctl", ...certs, "--endpoints=https://127.0.0.1:2379", "endpoint", "health", "--cluster", "-w", "json"], ["-u", "etcd"]);
    const health = JSON.parse(out) as Array<{ health: boolean }>;
    assert.equal(health.length, 3, out);
    assert.ok(health.every((h) => h.health), out);
  });

  it("a row written through a write port is read through a read port, over verify-full TLS (libpq multi-host URL)", async () => {
    const url = (endpoint: string, attrs: string) => `postgresql://app_user@${endpoint}/app?sslmode=verify-full&sslrootcert=${caFile}&target_session_attrs=${attrs}`;
    const psql = (endpoint: string, attrs: string, sql: string) => run("psql", [url(endpoint, attrs), "-XAtc", sql], { env: { PGPASSWORD: appPassword }, timeoutMs: 30_000 }).stdout.trim();
    const marker = `swarm-${Date.now()}`;
    psql(writeEndpoint, "read-write", `CREATE TABLE IF NOT EXISTS swarm_e2e (v text); INSERT INTO swarm_e2e VALUES ('${marker}')`);
    const seen = await eventually("the row on a replica through the read port", () => {
      const r = run("psql", [url(readEndpoint, "any"), "-XAtc", `SELECT pg_is_in_recovery() || ' ' || count(*) FROM swarm_e2e WHERE v = '${marker}'`], { env: { PGPASSWORD: appPassword }, allowFail: true, timeoutMs: 30_000 });
      return r.status === 0 && r.stdout.trim() === "true 1" ? r.stdout.trim() : undefined;
    }, 60_000, 1000);
    assert.equal(seen, "true 1");
    // A CA that did not sign the servers is refused.
    const wrong = run("psql", [url(writeEndpoint, "read-write").replace(caFile, "/etc/ssl/certs/ca-certificates.crt"), "-XAtc", "SELECT 1"], { env: { PGPASSWORD: appPassword }, allowFail: true });
    assert.notEqual(wrong.status, 0);
  });

  it("RuVector (the lab's extension, as prod's) is ≥ 2.0.0 on the leader and on each replica", async () => {
    for (const n of NODES) {
      const v = await eventually(`ruvector on ${n}`, () => {
        const out = inMember(n, ["psql", "-h", "/var/run/postgresql", "-U", "postgres", "-d", "app", "-AtX", "-c", "SELECT extversion FROM pg_extension WHERE extname = 'ruvector'"], ["-u", "postgres"]).trim();
        return out || undefined;
      }, 60_000, 2000);
      assert.ok(Number(v.split(".")[0]) >= 2, `ruvector ${v} on ${n}`);
    }
  });

  it("the benchmark runs on the Swarm (1,000 clients, pgbench on the leader's node): its TPS beside the one-host figure of cluster.test.ts", () => {
    const t = Date.now();
    const r = run("node", ["--import", "tsx", "policies/live/bench.ts", "--stack", STACK], { allowFail: true, timeoutMs: 10 * 60_000 });
    times["bench"] = Date.now() - t;
    assert.equal(r.status === 0 || r.status === 1, true, r.stderr.slice(-3000));
    const record = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "reports", STACK, "bench.json"), "utf8"));
    assert.ok(record.pgbench.tpcbTps > 0 && record.pgbench.selectOnlyTps > 0, JSON.stringify(record.pgbench));
    assert.equal(record.pgbench.failed, 0);
    process.stdout.write(`# swarm bench: ${r.stdout.trim().split("\n").slice(0, 4).join("; ")}\n`);
  });

  it("no secret in any service's env or in the stack export; secret files are the service user's, 0400", () => {
    const superuser = stack.output("superuserPassword");
    assert.ok(superuser.length >= 16);
    const specs = managerDocker(["service", "inspect", ...managerDocker(["service", "ls", "-q", "--filter", `label=dpg.stack=${PREFIX}`]).stdout.split("\n").filter(Boolean)]).stdout;
    for (const s of JSON.parse(specs) as any[]) {
      const env: string[] = s.Spec.TaskTemplate.ContainerSpec.Env ?? [];
      assert.ok(!env.some((e) => e.includes(superuser) || e.includes(appPassword)), `${s.Spec.Name} env`);
    }
    assert.ok(!specs.includes(superuser) && !specs.includes(appPassword), "a password in a service spec");
    const exported = pulumi(["stack", "export", "--stack", STACK]).stdout;
    assert.ok(!exported.includes(superuser) && !exported.includes(appPassword), "a password in pulumi stack export");
    const mode = inMember(NODES[0], ["stat", "-L", "-c", "%U %a", "/etc/patroni/patroni.yml"], ["-u", "postgres"]).trim();
    assert.equal(mode, "postgres 400");
  });

  it("a preview right after up plans no change", () => {
    const r = pulumi(["preview", "--expect-no-changes", "--stack", STACK], { allowFail: true, timeoutMs: 10 * 60_000 });
    assert.equal(r.status, 0, r.stdout.slice(-4000) + r.stderr.slice(-2000));
  });

  it("pulumi up --refresh right after up plans no change either (the overlay's gateway and each service's platform read back as written)", () => {
    const t = Date.now();
    const r = pulumi(["preview", "--refresh", "--expect-no-changes", "--stack", STACK], { allowFail: true, timeoutMs: 10 * 60_000 });
    times["preview --refresh"] = Date.now() - t;
    assert.equal(r.status, 0, r.stdout.slice(-4000) + r.stderr.slice(-2000));
  });

  it("a changed file after an up that stopped halfway: the new object waits for its service, the next up moves the service and sweeps the old one; nothing wedges", () => {
    const service = `${PREFIX}-pgbouncer-1`;
    const prefix = `${service}-pgbouncer.ini-`;
    const objects = () => managerDocker(["config", "ls", "--format", "{{.Name}}"]).stdout.split("\n").filter((n) => n.startsWith(prefix));
    const named = () => managerDocker(["service", "inspect", service, "--format", "{{range .Spec.TaskTemplate.ContainerSpec.Configs}}{{.ConfigName}} {{end}}"]).stdout.split(" ").filter((n) => n.startsWith(prefix));
    const [before] = named();
    assert.deepEqual(objects(), [before]);
    pulumi(["config", "set", "--path", "--stack", STACK, "dpg-cluster:pgbouncer.defaultPoolSize", "26"]);
    // Only the file object: Pulumi creates the new one and deletes the old one while the service still names
    // it, as when an up fails between the two (and as the next up does first with a failed up's pending delete).
    const urn = `urn:pulumi:${STACK}::dpg-cluster::dpg:pgbouncer:PgBouncer$docker:index/serviceConfig:ServiceConfig::pgbouncer-1-config-etc-pgbouncer-pgbouncer-ini`;
    const half = pulumi(["up", "--yes", "--skip-preview", "--stack", STACK, "--target", urn], { allowFail: true, timeoutMs: 10 * 60_000 });
    assert.equal(half.status, 0, half.stdout.slice(-3000) + half.stderr.slice(-2000));
    assert.deepEqual(named(), [before], "the service has not moved yet");
    assert.equal(objects().length, 2, `the old object is kept (Swarm would refuse its removal) and the new one is not swept: ${objects().join(", ")}`);
    const t = Date.now();
    const next = pulumi(["up", "--yes", "--skip-preview", "--stack", STACK], { allowFail: true, timeoutMs: 15 * 60_000 });
    times["up after a halfway up"] = Date.now() - t;
    assert.equal(next.status, 0, next.stdout.slice(-3000) + next.stderr.slice(-2000));
    const [after] = named();
    assert.notEqual(after, before);
    assert.deepEqual(objects(), [after], "the old object is swept once its service has moved");
    assert.match(inMember(service, ["cat", "/etc/pgbouncer/pgbouncer.ini"]), /default_pool_size\s*=\s*26/);
    const again = pulumi(["preview", "--expect-no-changes", "--stack", STACK], { allowFail: true, timeoutMs: 10 * 60_000 });
    assert.equal(again.status, 0, again.stdout.slice(-4000) + again.stderr.slice(-2000));
  });

  it("a memory limit change: each node's service updated in place by Swarm (stop-first), replicas first, one switchover, shared_buffers set before (no second restart), no acknowledged write lost", async () => {
    const ids = () => NODES.map((n) => managerDocker(["service", "inspect", "-f", "{{.ID}}", n]).stdout.trim());
    const before = ids();
    const url = firstHostUrl(stack.output("writeConnectionString"));
    const target: WriterTarget = { host: url.hostname, port: Number(url.port), user: "app_user", password: appPassword, database: "app", caCertPem: stack.output("caCertPem") };
    const writer = await startWriter(target, "swarm_day2");
    await eventually("writes flowing", () => (writer.acknowledged() >= 20 ? true : undefined), 30_000, 200);
    pulumi(["config", "set", "--path", "--stack", STACK, "dpg-cluster:patroni.memoryMb", "1280"]);
    const t = Date.now();
    const up = await pulumiAsync(["up", "--yes", "--skip-preview", "--stack", STACK], 20 * 60_000);
    times["memory change up"] = Date.now() - t;
    await new Promise((r) => setTimeout(r, 3000));
    const rec = await writer.stop();
    process.stdout.write(`# swarm memory change: up ${((Date.now() - t) / 1000).toFixed(1)} s, gap ${rec.writeGapSeconds} s, ${rec.failed}/${rec.attempted} failed, ${rec.lost} lost${rec.errors.length ? `; ${rec.errors.join(" | ")}` : ""}\n`);
    assert.equal(up.status, 0, up.stdout.slice(-4000) + up.stderr.slice(-2000));
    assert.equal(rec.lost, 0, "acknowledged writes lost");
    assert.deepEqual(ids(), before, "a node's service was replaced (deleted and created) instead of updated");
    for (const n of NODES) assert.equal(managerDocker(["service", "inspect", "-f", "{{.Spec.TaskTemplate.Resources.Limits.MemoryBytes}}", n]).stdout.trim(), String(1280 * 1024 * 1024), n);
    const switchovers = (up.stdout.match(/^\s*\[(rolling|day2)\] switchover /gm) ?? []).length;
    assert.equal(switchovers, 1, `switchovers in the up's summary:\n${up.stdout.slice(-3000)}`);
    assert.match(up.stdout, /PATCH \/config before the members are replaced \(they start with it\): postgresql\.parameters\.shared_buffers/);
    assert.match(up.stdout, /\[day2\] done in [\d.]+ s: no restart/);
    const ms = members();
    assert.equal(ms.length, 3, JSON.stringify(ms));
    assert.ok(ms.every((m: any) => !m.pending_restart), `a restart left pending: ${JSON.stringify(ms)}`);
    assert.equal(inMember(NODES[0], ["psql", "-h", "/var/run/postgresql", "-U", "postgres", "-AtXc", "SHOW shared_buffers"], ["-u", "postgres"]).trim(), "320MB");
  });

  it("readiness: the Swarm items pass from live facts; what Swarm cannot change fails with the operator's fix", () => {
    const out = path.join(REPO_ROOT, "reports", "e2e-swarm-readiness");
    const t = Date.now();
    const r = run("node", ["--import", "tsx", "policies/report/cli.ts", "--stack", STACK, "--out", out], { allowFail: true, timeoutMs: 15 * 60_000 });
    times["readiness report"] = Date.now() - t;
    const file = path.join(out, "readiness.json");
    assert.ok(fs.existsSync(file), `the report wrote no ${file} (exit ${r.status}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    const report = JSON.parse(fs.readFileSync(file, "utf8"));
    const byId = new Map<string, { status: string; evidence: string }>(report.items.map((i: { id: string }) => [i.id, i]));
    process.stdout.write(`# swarm readiness: ${r.stdout.split("\n").find((l) => /READY/.test(l)) ?? "(no verdict line)"}\n`);
    for (const id of SWARM_ITEMS) {
      const item = byId.get(id);
      assert.ok(item, `${id} missing from the report`);
      process.stdout.write(`# ${id} ${item.status}: ${item.evidence}\n`);
      assert.equal(item.status, "pass", `${id}: ${item.evidence}`);
    }
    assert.match(byId.get("001-INF-03")!.evidence, /4 Ready nodes, 3 managers reachable/);
    assert.match(byId.get("001-PERF-09")!.evidence, /iperf3 dpg-lab-1→dpg-lab-2 over the overlay/);
    // The provider cannot give a service an open-file limit; host-mode ports bind every interface of their node.
    const nofile = byId.get("001-INF-14")!;
    assert.equal(nofile.status, "fail");
    assert.match(nofile.evidence, /Swarm service .* cannot declare an open-file limit/);
    assert.match(byId.get("000-SEC-05")!.evidence, /host mode\) on every interface of the node its task runs on.*firewall the Swarm nodes/);
    fs.rmSync(out, { recursive: true, force: true });
  });

  // Issue 11: host failures, injected on the lab by the operator's own command (npm run drill).
  const hostDrill = (flag: string): HostDrillRun => {
    const t = Date.now();
    const r = run("node", ["--import", "tsx", "policies/live/drill.ts", "--stack", STACK, flag], { allowFail: true, timeoutMs: 20 * 60_000 });
    times[`drill ${flag}`] = Date.now() - t;
    process.stdout.write(`# ${r.stdout.trim().split("\n").join("\n# ")}\n`);
    const file = path.join(REPO_ROOT, "reports", STACK, "host-drills.json");
    assert.ok(fs.existsSync(file), `no record (exit ${r.status}): ${r.stderr.slice(-3000)}`);
    const runs = (JSON.parse(fs.readFileSync(file, "utf8")) as HostDrillRecord).runs;
    const last = runs[runs.length - 1];
    assert.equal(last.kind, flag.slice(2), r.stderr.slice(-3000));
    assert.deepEqual(last.lost, [], "acknowledged rows lost");
    assert.deepEqual(last.splitBrain, [], "two members acknowledged writes at once");
    assert.equal(last.doublePrimarySamples, 0, "two writable PostgreSQL in one sampling round");
    assert.ok(last.recoveredSeconds !== undefined, `not healthy again after the fault: ${last.problems.join("; ")}`);
    assert.equal(r.status, 0, last.problems.join("; "));
    return last;
  };

  it("node_exporter beside the repository server exports its backup metrics, and the certificate expiries", async () => {
    const series = async (metric: string) =>
      (await getJson(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(`${metric}{cluster="${PREFIX}"}`)}`)).data.result as Array<{ metric: Record<string, string>; value: [number, string] }>;
    const backups = await eventually("dpg_backup_last_success_timestamp_seconds{type=full} in Prometheus", async () => {
      const r = await series("dpg_backup_last_success_timestamp_seconds");
      return r.some((x) => x.metric.type === "full") ? r : undefined;
    }, 600_000, 5000);
    const fullAge = Date.now() / 1000 - Number(backups.find((x) => x.metric.type === "full")!.value[1]);
    assert.ok(fullAge >= 0 && fullAge < 3600, `last full backup ${fullAge} s ago`);
    const certs = await series("dpg_certificate_not_after_timestamp_seconds");
    assert.ok(certs.length >= 8, `${certs.length} certificate series`);
  });

  it("backups survive a host: the repository's node, then the leader's node, powered off in turn; a PITR from the repository alone has exactly the rows before its target", () => {
    const d = hostDrill("--backup-host-loss");
    assert.equal(d.repositoryNode, backupNode.name);
    assert.ok(d.archiveCatchUpSeconds !== undefined, "the WAL switched while the repository was off never reached it");
    assert.ok(d.newLeader && d.newLeader !== d.oldLeader, `a new leader: ${d.newLeader}`);
    assert.ok(d.pitr, "no restore");
    assert.ok(d.pitr.expected > 0);
    assert.equal(d.pitr.rows, d.pitr.expected, `restored to ${d.pitr.target}`);
    // The operator's restore recorded itself for the readiness report (003-BKP-02, 000-DB-10).
    assert.equal(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "reports", STACK, "pitr.json"), "utf8")).target, d.pitr.target);
  });

  it("node loss: the leader's Swarm node powered off → a replica takes writes, nothing acknowledged is lost, the old leader streams again", () => {
    const d = hostDrill("--node-loss");
    assert.ok(d.newLeader && d.newLeader !== d.oldLeader, `a new leader: ${d.newLeader}`);
    assert.ok(d.firstWriteSeconds! < 60, `first write after ${d.firstWriteSeconds} s`);
  });

  it("partition: the leader's node cut off (a router beside it) → it demotes itself, the majority elects, never two writable primaries, it rejoins", () => {
    const d = hostDrill("--partition");
    assert.ok(d.newLeader && d.newLeader !== d.oldLeader, `a new leader: ${d.newLeader}`);
    assert.ok(d.demotionSeconds !== undefined, "the isolated leader never stopped being writable");
    // With synchronous replication the isolated old leader cannot acknowledge anything once cut off from its
    // sync standby, even before it demotes: the clients beside it get errors, not writes that a heal would undo.
    assert.equal(d.acceptedDuringFault[d.oldLeader] ?? 0, 0, JSON.stringify(d.acceptedDuringFault));
  });

  it("etcd quorum loss: the leader demotes itself (no lease), no one takes writes, all comes back with etcd", () => {
    const d = hostDrill("--etcd-quorum-loss");
    assert.ok(d.demotionSeconds !== undefined, "the leader kept taking writes without an etcd quorum");
    const others = Object.keys(d.acceptedDuringFault).filter((m) => m !== d.oldLeader);
    assert.deepEqual(others, [], "another member took writes without an etcd quorum");
    fs.rmSync(path.join(REPO_ROOT, "reports", STACK), { recursive: true, force: true });
  });

  it("npm run destroy leaves no service, secret, config, network or volume on any node", async () => {
    const t = Date.now();
    // The operator's command (it finishes what the provider's wait for a slow container leaves).
    const r = run("bash", ["scripts/destroy.sh", STACK, "--skip-preview"], { allowFail: true, timeoutMs: 20 * 60_000 });
    times["pulumi destroy"] = Date.now() - t;
    assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr.slice(-3000));
    // Swarm removes task containers (and their network attachments) shortly after the services.
    const left = await eventually("nothing left on the nodes", () => (leftovers().length === 0 ? [] : undefined), 90_000, 3000).catch(() => leftovers());
    assert.deepEqual(left, []);
  });
});
