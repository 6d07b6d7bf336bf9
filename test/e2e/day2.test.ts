// Day 2 on the real engine and real containers: right after `up` a preview plans nothing; a second `up`
// costs writers nothing; a reloadable parameter reaches every node with no restart; a restart-bound one
// rolls through the nodes with at most one switchover; no acknowledged write is lost on the way.
// A change that needs new containers (new files; a new memory limit) replaces or restarts the nodes one
// at a time, replicas first, the leader last after one switchover, while a sampler checks that never two
// members are down at once.
// Own prefix, ports and subnet (dpg-d2, 22000-59099, 10.213.60.0/24): runs beside the other e2e files.
// DPG_E2E_D2_PREFIX, DPG_E2E_D2_PORT (first of the published ports; the others follow it) and
// DPG_E2E_D2_SUBNET move the dev stack elsewhere, so two checkouts can run it side by side (the prod suite,
// whose placement is fixed, is skipped then).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { docker, eventually, pulumi, pulumiAsync, REPO_ROOT } from "../support/cli";
import { createTestStack, TestStack } from "../support/stack";
import { startWriter, WriterRecord, WriterTarget } from "../../scripts/day2/writer";
import type { Member } from "../../components/patroni/day2";
import { replacementOrder } from "../../components/patroni/rolling";
import { activeTargets } from "../support/monitoring";
import { HAPROXY_PORTS } from "../../components/haproxy/render";
import { TLS_UPLOAD_FILES } from "../../components/tls/paths";
import { postgresCertificate } from "../../policies/live/certificates";

const PREFIX = process.env.DPG_E2E_D2_PREFIX ?? "dpg-d2";
const WRITE_PORT = Number(process.env.DPG_E2E_D2_PORT ?? 22000);
const SUBNET = process.env.DPG_E2E_D2_SUBNET ?? "10.213.60.0/24";
const NODES = [1, 2, 3].map((i) => `${PREFIX}-pg-${i}`);
const TABLE = "app.day2_writes";
const PROM_URL = `http://127.0.0.1:${WRITE_PORT + 90}`;


/** SQL as postgres over a node's local socket (peer auth): what that node itself runs with. */
function nodeSql(node: string, sql: string): string {
  return docker(["exec", "-u", "postgres", node, "psql", "-h", "/var/run/postgresql", "-U", "postgres", "-d", "postgres", "-AtX", "-c", sql]).stdout.trim();
}

/** When the node's postmaster started (epoch seconds): changes only when PostgreSQL restarts. */
const postmasterStart = (n: string) => Number(nodeSql(n, "SELECT extract(epoch FROM pg_postmaster_start_time())"));

function patroniMembers(): Array<{ name: string; role: string; state: string; timeline?: number; pending_restart?: boolean }> {
  for (const node of NODES) {
    const r = docker(["exec", node, "curl", "-fsS", "--max-time", "5", "--cacert", "/etc/dpg-tls/ca.crt", "https://127.0.0.1:8008/cluster"], { allowFail: true });
    if (r.status === 0) return JSON.parse(r.stdout).members;
  }
  return [];
}

/** How many members the stack has now (the scale steps change it). */
let clusterSize = 3;

const healthy = () => {
  const m = patroniMembers();
  return m.length === clusterSize && m.filter((x) => x.role === "leader" && x.state === "running").length === 1 && m.filter((x) => x.role !== "leader").every((x) => x.state === "streaming") && m.some((x) => x.role === "sync_standby") ? m : undefined;
};

function execAsync(args: string[]): Promise<{ ok: boolean; stdout: string }> {
  return new Promise((resolve) => execFile("docker", args, { timeout: 10_000 }, (err, stdout) => resolve({ ok: !err, stdout: String(stdout) })));
}

/**
 * Samples, every 500 ms until stopped (async, so the writer keeps writing), which nodes are down: container not
 * running, or no PostgreSQL running there by Patroni's /cluster. Returns the largest number
 * down at once and when each node was seen down.
 */
function startDownSampler() {
  let running = true;
  let maxDown = 0;
  let samples = 0;
  const downSince: Record<string, number[]> = {};
  const t0 = Date.now();
  const done = (async () => {
    for (let i = 0; running && i < 20_000; i++) {
      const states = await Promise.all(NODES.map((n) => execAsync(["inspect", "-f", "{{.State.Running}}", n])));
      const up = NODES.filter((_, j) => states[j].ok && states[j].stdout.trim() === "true");
      let ms: Array<{ name: string; role: string; state: string }> | undefined;
      for (const n of up) {
        const r = await execAsync(["exec", n, "curl", "-fsS", "--max-time", "3", "--cacert", "/etc/dpg-tls/ca.crt", "https://127.0.0.1:8008/cluster"]);
        if (r.ok) {
          ms = JSON.parse(r.stdout).members;
          break;
        }
      }
      if (ms) {
        // Down: no PostgreSQL running there (container gone, or Patroni lists it absent, stopped, starting, …). A
        // replica that is "running" but not streaming for a moment, while it follows a new leader, is not down.
        const down = NODES.filter((n) => !up.includes(n) || !ms!.some((m) => m.name === n && ["running", "streaming", "in archive recovery"].includes(m.state)));
        for (const n of down) (downSince[n] ??= []).push(Math.round((Date.now() - t0) / 100) / 10);
        maxDown = Math.max(maxDown, down.length);
        samples++;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return { stop: async () => ((running = false), await done, { maxDown, samples, downSince }) };
}

describe("day 2 through pulumi up", { timeout: 60 * 60_000 }, () => {
  let stack: TestStack;
  let target: WriterTarget;
  const records: Array<{ change: string } & WriterRecord & { upSeconds: number; maxDown: number }> = [];

  /** `pulumi up` while a client writes through the write port; the writer's record of it. */
  async function upWithWriter(change: string, sizeAfter = clusterSize): Promise<{ up: { status: number | null; stdout: string; stderr: string }; maxDown: number; downSince: Record<string, number[]> } & WriterRecord> {
    await eventually("a healthy cluster before the change", healthy, 180_000);
    const writer = await startWriter(target, TABLE);
    await eventually("writes flowing", () => (writer.acknowledged() >= 20 ? true : undefined), 30_000, 200);
    const sampler = startDownSampler();
    const t0 = Date.now();
    const up = await pulumiAsync(["up", "--yes", "--skip-preview", "--stack", stack.name]);
    const upSeconds = (Date.now() - t0) / 1000;
    clusterSize = sizeAfter;
    await eventually("a healthy cluster after the change", healthy, 180_000);
    await new Promise((r) => setTimeout(r, 2000));
    const rec = await writer.stop();
    const down = await sampler.stop();
    records.push({ change, ...rec, upSeconds, maxDown: down.maxDown });
    console.log(`# ${change}: up ${upSeconds.toFixed(1)} s, ${rec.acknowledged}/${rec.attempted} writes acknowledged, ${rec.failed} failed, largest write gap ${rec.writeGapSeconds} s, ${rec.lost} acknowledged lost, at most ${down.maxDown} member(s) down at once over ${down.samples} samples${rec.errors.length ? `; errors: ${rec.errors.join(" | ")}` : ""}`);
    console.log(`# ${change}: seen down (s after the up began): ${JSON.stringify(down.downSince)}`);
    assert.equal(up.status, 0, `pulumi up failed:\n${up.stdout.slice(-4000)}\n${up.stderr.slice(-4000)}`);
    assert.ok(down.samples > 0, "the sampler never read the cluster");
    return { up, ...rec, maxDown: down.maxDown, downSince: down.downSince };
  }

  function expectNoChanges(): void {
    const r = pulumi(["preview", "--diff", "--expect-no-changes", "--stack", stack.name], { allowFail: true, timeoutMs: 10 * 60_000 });
    assert.equal(r.status, 0, `preview planned changes right after up:\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-2000)}`);
  }

  function setParameter(name: string, value: string): void {
    pulumi(["config", "set", "--path", "--stack", stack.name, `dpg-cluster:patroni.parameters.${name}`, value]);
  }

  before(() => {
    stack = createTestStack(PREFIX === "dpg-d2" ? "e2e-d2" : `${PREFIX}-d2`, "dev", {
      namePrefix: PREFIX,
      haproxy: { writePort: WRITE_PORT, readPort: WRITE_PORT + 1, statsPort: WRITE_PORT + 2 },
      pgbouncer: { port: WRITE_PORT + 3 },
      monitoring: { prometheusPort: WRITE_PORT + 90, alertmanagerPort: WRITE_PORT + 93, webhookPort: WRITE_PORT + 95 },
      network: { subnet: SUBNET },
    });
    const t0 = Date.now();
    pulumi(["up", "--yes", "--skip-preview", "--stack", stack.name], { timeoutMs: 30 * 60_000 });
    console.log(`# first pulumi up took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    target = {
      host: "127.0.0.1",
      port: WRITE_PORT,
      user: "app_user",
      password: new URL(stack.output("writeConnectionString")).password,
      database: "app",
      caCertPem: stack.output("caCertPem"),
    };
  });

  after(() => {
    if (records.length) {
      console.log("# change | up s | write gap s | failed | lost | acknowledged | most members down at once");
      for (const r of records) console.log(`# ${r.change} | ${r.upSeconds.toFixed(1)} | ${r.writeGapSeconds} | ${r.failed} | ${r.lost} | ${r.acknowledged} | ${r.maxDown}`);
    }
    if (!stack) return;
    pulumi(["destroy", "--yes", "--skip-preview", "--stack", stack.name], { timeoutMs: 15 * 60_000, allowFail: true });
    stack.remove();
  });

  it("plans no change in a preview right after up", () => {
    expectNoChanges();
  });

  it("costs writers nothing on a second up with no change", async () => {
    const r = await upWithWriter("second up, no change");
    assert.equal(r.failed, 0, "a second up must not fail a single write");
    assert.equal(r.lost, 0);
    assert.doesNotMatch(r.up.stdout, /replaced|[1-9]\d* to replace/, "a second up replaced resources");
  });

  it("applies a reloadable parameter on every node with no restart", async () => {
    const started = Object.fromEntries(NODES.map((n) => [n, postmasterStart(n)]));
    setParameter("log_min_duration_statement", "250");
    const preview = pulumi(["preview", "--diff", "--stack", stack.name]);
    assert.match(preview.stdout + preview.stderr, /log_min_duration_statement applied by reload on every member, no restart/);
    assert.doesNotMatch(preview.stdout, /docker:index\/container:Container[^\n]*\n[^\n]*replace/, "no container may be replaced for a parameter");
    const r = await upWithWriter("reloadable parameter (log_min_duration_statement)");
    for (const n of NODES) {
      await eventually(`log_min_duration_statement = 250ms on ${n}`, () => (nodeSql(n, "SHOW log_min_duration_statement") === "250ms" ? true : undefined), 30_000);
      assert.equal(postmasterStart(n), started[n], `${n} restarted for a reloadable parameter`);
    }
    assert.equal(r.failed, 0);
    assert.equal(r.lost, 0);
    expectNoChanges();
  });

  it("applies a restart-bound parameter by a rolling restart with at most one switchover", async () => {
    const before = healthy()!;
    const timelineBefore = before.find((m) => m.role === "leader")!.timeline!;
    const started = Object.fromEntries(NODES.map((n) => [n, postmasterStart(n)]));
    // max_connections is a setting of its own (patroni.maxConnections); an override of it is refused by the config.
    pulumi(["config", "set", "--path", "--stack", stack.name, "dpg-cluster:patroni.maxConnections", "250"]);
    const preview = pulumi(["preview", "--diff", "--stack", stack.name]);
    const said = preview.stdout + preview.stderr;
    assert.match(said, /max_connections needs a restart: restart .* then switchover .* → /, "preview must say who restarts and that a switchover happens");
    const r = await upWithWriter("restart-bound parameter (max_connections)");
    for (const n of NODES) {
      assert.equal(nodeSql(n, "SHOW max_connections"), "250", `${n} runs with the new max_connections`);
      assert.notEqual(postmasterStart(n), started[n], `${n} was restarted`);
    }
    const after = healthy()!;
    assert.ok(after.every((m) => !m.pending_restart), "no member is left pending a restart");
    const newLeader = after.find((m) => m.role === "leader")!.name;
    const timelineAfter = after.find((m) => m.role === "leader")!.timeline!;
    assert.ok(timelineAfter - timelineBefore <= 1, `at most one switchover: timeline ${timelineBefore} → ${timelineAfter}`);
    console.log(`# leader ${before.find((m) => m.role === "leader")!.name} → ${newLeader}, timeline ${timelineBefore} → ${timelineAfter}`);
    assert.equal(r.lost, 0, "no acknowledged write may be lost");
    expectNoChanges();
  });

  it("lowers a standby-floor parameter (max_connections 250 → 200) leader first, in place, then the replicas: no switchover", async () => {
    const before = healthy()!;
    const leader = before.find((m) => m.role === "leader")!;
    const started = Object.fromEntries(NODES.map((n) => [n, postmasterStart(n)]));
    pulumi(["config", "set", "--path", "--stack", stack.name, "dpg-cluster:patroni.maxConnections", "200"]);
    const preview = pulumi(["preview", "--diff", "--stack", stack.name]);
    assert.match(preview.stdout + preview.stderr, new RegExp(`restart ${leader.name} \\(the leader, in place and first: .*\\), then restart .*\\(no switchover; the leader's restart`), "preview says the leader restarts first, with no switchover");
    const r = await upWithWriter("lowered standby-floor parameter (max_connections 250 → 200): leader first, no switchover");
    for (const n of NODES) {
      assert.equal(nodeSql(n, "SHOW max_connections"), "200", `${n} runs with the lower max_connections`);
      assert.notEqual(postmasterStart(n), started[n], `${n} was restarted`);
    }
    const after = healthy()!;
    assert.ok(after.every((m) => !m.pending_restart), "no member is left pending a restart");
    const leaderAfter = after.find((m) => m.role === "leader")!;
    assert.equal(leaderAfter.name, leader.name, "the leader stays the leader");
    assert.equal(leaderAfter.timeline, leader.timeline, "no switchover (same timeline)");
    assert.ok(postmasterStart(leader.name) < Math.min(...NODES.filter((n) => n !== leader.name).map(postmasterStart)), "the leader restarted before the replicas");
    assert.equal(r.lost, 0, "no acknowledged write may be lost");
    expectNoChanges();
  });

  /** Node → value of a docker inspect template. */
  const inspect = (format: string) => Object.fromEntries(NODES.map((n) => [n, docker(["inspect", "-f", format, n]).stdout.trim()]));

  /** Asserts the nodes (re)started in `expected` order, one at a time, the leader last after one switchover. */
  function assertRolled(what: string, startedAt: Record<string, number>, expected: string[], before: ReturnType<typeof patroniMembers>, r: { maxDown: number; lost: number }): void {
    const byStart = [...NODES].sort((a, b) => startedAt[a] - startedAt[b]);
    const first = startedAt[byStart[0]];
    console.log(`# ${what}: started ${byStart.map((n) => `${n} +${(startedAt[n] - first).toFixed(1)} s`).join(", ")}`);
    assert.deepEqual(byStart, expected, `${what}: replicas first (asynchronous, then the synchronous standby), the leader last`);
    assert.ok(r.maxDown <= 1, `${what}: ${r.maxDown} members were down at once`);
    const leaderBefore = before.find((m) => m.role === "leader")!;
    const after = healthy()!;
    const leaderAfter = after.find((m) => m.role === "leader")!;
    assert.notEqual(leaderAfter.name, leaderBefore.name, `${what}: the leader was handed over before its turn`);
    assert.equal(leaderAfter.timeline! - leaderBefore.timeline!, 1, `${what}: exactly one switchover (timeline ${leaderBefore.timeline} → ${leaderAfter.timeline})`);
    assert.equal(r.lost, 0, `${what}: no acknowledged write may be lost`);
  }

  it("replaces the nodes' containers one at a time for new files, replicas first, the leader last after one switchover", async () => {
    const before = healthy()!;
    const expected = replacementOrder(NODES, before as Member[]);
    const ids = inspect("{{.Id}}");
    // pgbackrest.conf is uploaded into every node: a new file means a new container.
    pulumi(["config", "set", "--path", "--stack", stack.name, "dpg-cluster:backup.retentionFull", "3"]);
    const preview = pulumi(["preview", "--diff", "--stack", stack.name]);
    const leader = before.find((m) => m.role === "leader")!.name;
    assert.match(
      preview.stdout + preview.stderr,
      new RegExp(`Patroni nodes replaced one at a time, each waiting until it streams again: ${expected[0]}, then ${expected[1]}, then switchover ${leader} → [^,]+, then ${leader} \\(former leader\\) \\(one switchover`),
      "preview must say which members are replaced, in which order, and the switchover",
    );
    const r = await upWithWriter("new files (backup.retentionFull): containers replaced");
    const idsAfter = inspect("{{.Id}}");
    for (const n of NODES) assert.notEqual(idsAfter[n], ids[n], `${n} got a new container`);
    // Docker's StartedAt has nanoseconds; milliseconds are enough to order starts tens of seconds apart.
    const startedAt = Object.fromEntries(Object.entries(inspect("{{.State.StartedAt}}")).map(([n, t]) => [n, Date.parse(t.slice(0, 23) + "Z") / 1000]));
    assertRolled("container replacement", startedAt, expected, before, r);
    expectNoChanges();
  });

  it("applies a new memory limit one at a time, replicas first, the leader last after one switchover", async () => {
    const before = healthy()!;
    const expected = replacementOrder(NODES, before as Member[]);
    pulumi(["config", "set", "--path", "--stack", stack.name, "dpg-cluster:patroni.memoryMb", "1280"]);
    const preview = pulumi(["preview", "--diff", "--stack", stack.name]);
    console.log(`# memory preview: ${(preview.stdout + preview.stderr).split("\n").filter((l) => /Patroni|replace|update/.test(l)).join(" / ")}`);
    const r = await upWithWriter("memory limit (1024 → 1280 MB)");
    for (const n of NODES) {
      assert.equal(docker(["inspect", "-f", "{{.HostConfig.Memory}}", n]).stdout.trim(), String(1280 * 1024 * 1024), `${n} has the new memory limit`);
      assert.equal(nodeSql(n, "SHOW shared_buffers"), "320MB", `${n} runs with shared_buffers from the new limit`);
    }
    // The container may be updated in place (docker update) and PostgreSQL restarted by the rolling restart,
    // or replaced: either way the postmaster starts show the order.
    const started = Object.fromEntries(NODES.map((n) => [n, postmasterStart(n)]));
    assertRolled("memory limit", started, expected, before, r);
    expectNoChanges();
  });

  const ROUTER = `${PREFIX}-haproxy`;
  const NEW_NODE = `${PREFIX}-pg-4`;
  /** The router's view of a backend server: UP, DOWN, MAINT (no such node), … from HAProxy's stats CSV. */
  function routerStatus(backend: string, server: string): string | undefined {
    const csv = docker(["exec", NODES[0], "curl", "-fsS", "--max-time", "5", `http://${ROUTER}:${HAPROXY_PORTS.stats}/;csv`]).stdout;
    return csv.split("\n").map((l) => l.split(",")).find((f) => f[0] === backend && f[1] === server)?.[17];
  }
  const slotNames = (leader: string) => nodeSql(leader, "SELECT slot_name FROM pg_replication_slots ORDER BY 1").split("\n").filter(Boolean);
  const leaderName = () => healthy()!.find((m) => m.role === "leader")!.name;

  it("scales out 3 → 4: the new node joins by basebackup and streams, the routers are not touched and route to it, no write fails", async () => {
    const routerId = docker(["inspect", "-f", "{{.Id}}", ROUTER]).stdout.trim();
    const leaderStart = postmasterStart(leaderName());
    assert.match(routerStatus("replicas", NEW_NODE) ?? "", /MAINT/, "before: the fourth slot is empty (its name does not resolve)");
    pulumi(["config", "set", "--path", "--stack", stack.name, "dpg-cluster:patroni.nodes", "4"]);
    const preview = pulumi(["preview", "--diff", "--stack", stack.name]);
    assert.match(preview.stdout + preview.stderr, new RegExp(`${NEW_NODE} \\(new: joins by basebackup\\)`), "preview says a node joins");
    const r = await upWithWriter("scale out 3 → 4 nodes", 4);
    const m = healthy()!;
    assert.equal(m.find((x) => x.name === NEW_NODE)?.state, "streaming", `${NEW_NODE} streams`);
    assert.equal(docker(["inspect", "-f", "{{.Id}}", ROUTER]).stdout.trim(), routerId, "the router was not replaced");
    await eventually(`the router routes reads to ${NEW_NODE}`, () => (routerStatus("replicas", NEW_NODE) === "UP" ? true : undefined), 60_000);
    assert.equal(postmasterStart(leaderName()), leaderStart, "the leader was not restarted");
    const scraped = await eventually(`Prometheus scraping ${NEW_NODE}`, async () => {
      const ts = (await activeTargets(PROM_URL)).filter((t) => t.instance.includes("pg-4") || t.instance.includes("pgexp-4"));
      return ts.length >= 2 && ts.every((t) => t.health === "up") ? ts : undefined;
    }, 120_000, 2000);
    console.log(`# scale out: Prometheus scrapes ${scraped.map((t) => `${t.job}/${t.instance}`).join(", ")}`);
    assert.equal(r.failed, 0, "a scale-out must not fail a write");
    assert.equal(r.lost, 0);
    expectNoChanges();
  });

  it("scales in 4 → 3 with the leaving node leading: it hands over to a member that stays first, its slot is dropped, the routers are not touched, nothing is lost", async () => {
    const routerId = docker(["inspect", "-f", "{{.Id}}", ROUTER]).stdout.trim();
    // The hard case: the node that leaves leads. In synchronous mode only a synchronous standby may take over,
    // so every replica is made one for a moment (synchronousNodeCount 3), the new node takes the lead, and the
    // count goes back to 1 before the scale-in.
    const setSync = async (n: string) => {
      pulumi(["config", "set", "--path", "--stack", stack.name, "dpg-cluster:patroni.synchronousNodeCount", n]);
      const up = await pulumiAsync(["up", "--yes", "--skip-preview", "--stack", stack.name]);
      assert.equal(up.status, 0, up.stdout.slice(-3000) + up.stderr.slice(-2000));
    };
    await setSync("3");
    await eventually(`${NEW_NODE} a synchronous standby`, () => (healthy()?.some((x) => x.name === NEW_NODE && x.role === "sync_standby") ? true : undefined), 120_000);
    docker(["exec", "-u", "postgres", NODES[0], "patronictl", "-c", "/etc/patroni/patroni.yml", "switchover", "--leader", leaderName(), "--candidate", NEW_NODE, "--force"]);
    await eventually(`${NEW_NODE} leading`, () => (healthy()?.some((x) => x.name === NEW_NODE && x.role === "leader") ? true : undefined), 120_000);
    await setSync("1");
    const before = healthy()!;
    assert.equal(before.find((x) => x.name === NEW_NODE)?.role, "leader", `${NEW_NODE} leads before the scale-in`);
    pulumi(["config", "set", "--path", "--stack", stack.name, "dpg-cluster:patroni.nodes", "3"]);
    // Short, so the test sees Patroni drop the leaving node's slot (the default keeps it 30 min for a return).
    pulumi(["config", "set", "--path", "--stack", stack.name, "dpg-cluster:patroni.memberSlotsTtlS", "20"]);
    const preview = pulumi(["preview", "--diff", "--stack", stack.name]);
    assert.match(preview.stdout + preview.stderr, new RegExp(`Patroni scale-in: ${NEW_NODE} leaves once the other members are in place \\(the leader leaves: switchover ${NEW_NODE} → `));
    const r = await upWithWriter(`scale in 4 → 3 nodes, the leaving node leading: one switchover`, 3);
    const said = r.up.stdout + r.up.stderr;
    assert.match(said, new RegExp(`leaving: ${NEW_NODE}; the leader leaves: switchover ${NEW_NODE} → ${PREFIX}-pg-\\d first`), "the leave step handed the lead over");
    const after = healthy()!;
    assert.equal(after.find((x) => x.role === "leader")!.timeline! - before.find((x) => x.role === "leader")!.timeline!, 1, "exactly one switchover");
    assert.equal(docker(["ps", "-aq", "--filter", `name=^${NEW_NODE}$`]).stdout.trim(), "", `${NEW_NODE}'s container is gone`);
    assert.equal(docker(["volume", "ls", "-q", "--filter", `name=^${NEW_NODE}-data$`]).stdout.trim(), "", `${NEW_NODE}'s volume is gone`);
    assert.equal(docker(["inspect", "-f", "{{.Id}}", ROUTER]).stdout.trim(), routerId, "the router was not replaced");
    const slot = NEW_NODE.replace(/-/g, "_");
    const t0 = Date.now();
    // Bounded: the member key expires (ttl 20 s), then the slot is kept memberSlotsTtlS (20 s), plus a few loops.
    await eventually(`no member ${NEW_NODE} and no slot ${slot} on the leader`, () => (patroniMembers().every((x) => x.name !== NEW_NODE) && !slotNames(leaderName()).includes(slot) ? true : undefined), 180_000, 2000);
    console.log(`# scale in: ${slot} dropped ${((Date.now() - t0) / 1000).toFixed(0)} s after the up`);
    await eventually(`the router's slot for ${NEW_NODE} empty again`, () => (/MAINT|DOWN/.test(routerStatus("replicas", NEW_NODE) ?? "") ? true : undefined), 60_000);
    await eventually("Prometheus no longer scraping the node that left", async () => ((await activeTargets(PROM_URL)).some((t) => /pg(exp)?-4\b/.test(t.instance)) ? undefined : true), 60_000, 2000);
    assert.equal(r.lost, 0, "no acknowledged write may be lost");
    expectNoChanges();
  });

  const etcdName = (i: number) => `${PREFIX}-etcd-${i}`;
  /** etcd's membership as a member that stays sees it: name → started. */
  const etcdMembers = () =>
    Object.fromEntries(
      docker(["exec", "-u", "etcd", etcdName(1), "dpg-etcdctl", "member", "list"]).stdout.trim().split("\n").map((l) => l.split(", ")).map((f) => [new URL(f[3]).hostname, f[1] === "started"]),
    );
  const containerIds = (names: string[]) => names.map((n) => docker(["inspect", "-f", "{{.Id}}", n]).stdout.trim());
  const STAYING = () => [...NODES, ...[1, 2, 3].map(etcdName), ROUTER];

  it("scales etcd out 3 → 5: the new members join one at a time, the members that stay and the database nodes are not touched, no write fails", async () => {
    const ids = containerIds(STAYING());
    pulumi(["config", "set", "--path", "--stack", stack.name, "dpg-cluster:etcd.members", "5"]);
    const preview = pulumi(["preview", "--diff", "--stack", stack.name]);
    assert.match(preview.stdout + preview.stderr, new RegExp(`etcd scale-out: ${etcdName(4)}, ${etcdName(5)} join the running cluster one at a time`));
    const r = await upWithWriter("etcd scale out 3 → 5 members");
    assert.deepEqual(etcdMembers(), Object.fromEntries([1, 2, 3, 4, 5].map((i) => [etcdName(i), true])), "five started members");
    assert.deepEqual(containerIds(STAYING()), ids, "the etcd members that stay, the database nodes and the router were not replaced");
    for (const i of [4, 5]) assert.match(docker(["logs", etcdName(i)], { allowFail: true }).stderr, /joining the running cluster: member add/, `${etcdName(i)} joined`);
    await eventually("Prometheus scraping the new members", async () => ((await activeTargets(PROM_URL)).filter((t) => /etcd-[45]\b/.test(t.instance) && t.health === "up").length === 2 ? true : undefined), 120_000, 2000);
    assert.equal(r.failed, 0, "an etcd scale-out must not fail a write");
    assert.equal(r.lost, 0);
    expectNoChanges();
  });

  it("scales etcd in 5 → 3: the leaving members are removed from the membership before their containers go, nothing else is touched, no write fails", async () => {
    const ids = containerIds(STAYING());
    pulumi(["config", "set", "--path", "--stack", stack.name, "dpg-cluster:etcd.members", "3"]);
    const preview = pulumi(["preview", "--diff", "--stack", stack.name]);
    assert.match(preview.stdout + preview.stderr, new RegExp(`etcd scale-in: ${etcdName(5)}, ${etcdName(4)} leave the membership`));
    const r = await upWithWriter("etcd scale in 5 → 3 members");
    const said = r.up.stdout + r.up.stderr;
    assert.ok(said.indexOf(`${etcdName(5)} leaves: member remove`) >= 0 && said.indexOf(`${etcdName(5)} leaves`) < said.indexOf(`${etcdName(4)} leaves`), "the last member leaves first");
    assert.deepEqual(etcdMembers(), Object.fromEntries([1, 2, 3].map((i) => [etcdName(i), true])), "three started members");
    for (const i of [4, 5]) {
      assert.equal(docker(["ps", "-aq", "--filter", `name=^${etcdName(i)}$`]).stdout.trim(), "", `${etcdName(i)}'s container is gone`);
      assert.equal(docker(["volume", "ls", "-q", "--filter", `name=^${etcdName(i)}-data$`]).stdout.trim(), "", `${etcdName(i)}'s volume is gone`);
    }
    assert.deepEqual(containerIds(STAYING()), ids, "the etcd members that stay, the database nodes and the router were not replaced");
    await eventually("Prometheus no longer scraping the members that left", async () => ((await activeTargets(PROM_URL)).some((t) => /etcd-[45]\b/.test(t.instance)) ? undefined : true), 60_000, 2000);
    assert.equal(r.failed, 0, "an etcd scale-in must not fail a write");
    assert.equal(r.lost, 0);
    expectNoChanges();
  });

  it("rotates every certificate (a new tls.certValidityDays): each member gets its new certificate in turn, the etcd members one at a time, the nodes replicas first and the leader last after one switchover", async () => {
    const before = healthy()!;
    const expected = replacementOrder(NODES, before as Member[]);
    const members = [...NODES, ...[1, 2, 3].map(etcdName)];
    const certOf = (m: string) => docker(["exec", m, "sha256sum", TLS_UPLOAD_FILES.cert]).stdout.split(" ")[0];
    const certs = Object.fromEntries(members.map((m) => [m, certOf(m)]));
    const served = await postgresCertificate("PostgreSQL", { host: "127.0.0.1", port: WRITE_PORT }, target.caCertPem!);
    pulumi(["config", "set", "--path", "--stack", stack.name, "dpg-cluster:tls.certValidityDays", "400"]);
    const r = await upWithWriter("certificate rotation (tls.certValidityDays 365 → 400): every certificate re-issued");
    for (const m of members) assert.notEqual(certOf(m), certs[m], `${m} has its new certificate`);
    const servedAfter = await postgresCertificate("PostgreSQL", { host: "127.0.0.1", port: WRITE_PORT }, target.caCertPem!);
    assert.equal(servedAfter.verified, true, `the write port serves a certificate of the same CA: ${servedAfter.error}`);
    const days = (Date.parse(servedAfter.notAfter!) - Date.parse(served.notAfter!)) / 86_400_000;
    assert.ok(days > 34, `the served certificate is the new one (expires ${days.toFixed(1)} days later)`);
    const etcdStarts = [1, 2, 3].map((i) => Date.parse(docker(["inspect", "-f", "{{.State.StartedAt}}", etcdName(i)]).stdout.trim().slice(0, 23) + "Z")).sort();
    console.log(`# certificate rotation: etcd members started ${etcdStarts.map((t) => `+${((t - etcdStarts[0]) / 1000).toFixed(1)} s`).join(", ")}`);
    // Each waits for the one before to answer its health check (a second or two for etcd).
    assert.ok(etcdStarts[1] - etcdStarts[0] >= 1000 && etcdStarts[2] - etcdStarts[1] >= 1000, "etcd members replaced one at a time");
    for (const i of [1, 2, 3]) assert.match(r.up.stdout + r.up.stderr, new RegExp(`${etcdName(i)}: waiting until every member of .* is healthy before the next one's turn`), `${etcdName(i)} waited for`);
    const startedAt = Object.fromEntries(Object.entries(inspect("{{.State.StartedAt}}")).map(([n, t]) => [n, Date.parse(t.slice(0, 23) + "Z") / 1000]));
    assertRolled("certificate rotation", startedAt, expected, before, r);
    expectNoChanges();
  });
});

(process.env.DPG_E2E_D2_PREFIX ? describe.skip : describe)("prod settings: idempotent up", { timeout: 40 * 60_000 }, () => {
  let stack: TestStack;

  before(() => {
    // Prod refuses to run without a passphrase of the operator's; a test gives it one.
    process.env.PULUMI_CONFIG_PASSPHRASE ??= "dpg-dev-only-passphrase";
    stack = createTestStack("e2e-d2p", "prod", {
      namePrefix: "dpg-d2p",
      // Below Linux's ephemeral range (32768-60999): a listener there can lose its port to a client's
      // outgoing connection (seen once: "bind: address already in use" on 127.0.0.1:55100).
      haproxy: { writePort: 28100, readPort: 28101, statsPort: 28200 },
      pgbouncer: { port: 28432 },
      network: { subnet: "10.213.60.0/24" },
    });
    pulumi(["up", "--yes", "--skip-preview", "--stack", stack.name], { timeoutMs: 30 * 60_000 });
  });


  after(() => {
    if (!stack) return;
    pulumi(["destroy", "--yes", "--skip-preview", "--stack", stack.name], { timeoutMs: 15 * 60_000, allowFail: true });
    stack.remove();
  });

  it("plans no change in a preview right after up", () => {
    const r = pulumi(["preview", "--diff", "--expect-no-changes", "--stack", stack.name], { allowFail: true, timeoutMs: 10 * 60_000 });
    assert.equal(r.status, 0, `preview planned changes right after up:\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-2000)}`);
  });
});
