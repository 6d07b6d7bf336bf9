// The Swarm lab for real: three DinD managers and a worker, images only from the lab registry (pinned by digest),
// an overlay carrying TCP between nodes, and the Swarm readiness judges passing on the lab and
// failing once a node is stopped. Runs beside the other e2e files: only dpg-lab* names, 10.77.0.0/24.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { gatherSwarmFacts, judgeSwarm, SwarmFacts } from "../../lab/facts";
import { down, labEndpoints, labProblems, managerDocker, nodeDocker, nodeList, up } from "../../lab/lab";
import { push } from "../../lab/registry";
import { LAB, registryAddress } from "../../lab/topology";
import { docker, eventually, run } from "../support/cli";
import { ensureImage } from "../support/images";

// 001-PERF-09 has no figure in the seed. This machine is shared: iperf3 over the lab overlay measured
// 0.7-6.2 Gbit/s depending on what else runs, so the lab requires 100 Mbit/s (+20 % → 120 Mbit/s), and the
// failing case judges the same measurement against a requirement just above what it can carry.
const REQUIRED_BPS = 100e6;
const services = LAB.nodes.map((n) => `dpg-lab-e2e-${n.index}`);
const times: Record<string, number> = {};
const t0 = Date.now();

async function timed<T>(what: string, fn: () => Promise<T> | T): Promise<T> {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    times[what] = Date.now() - t;
  }
}

function serviceTasks(name: string): Array<{ node: string; state: string }> {
  return managerDocker(["service", "ps", name, "--filter", "desired-state=running", "--format", "{{.Node}}|{{.CurrentState}}"], { timeoutMs: 15_000 })
    .stdout.split("\n").filter(Boolean).map((l) => ({ node: l.split("|")[0], state: l.split("|")[1] }));
}

async function allPinnedRunning(): Promise<void> {
  await eventually("one running task per pinned service, each on its own node", () => {
    const ok = LAB.nodes.every((n, i) => {
      const tasks = serviceTasks(services[i]);
      return tasks.length === 1 && tasks[0].node === n.name && tasks[0].state.startsWith("Running");
    });
    return ok ? true : undefined;
  }, 120_000, 2000);
}

/** `npm run lab -- status` as a user runs it: its exit code and what it printed. */
function labStatus(): { status: number | null; out: string } {
  const r = run("node", ["--import", "tsx", "lab/cli.ts", "status"], { allowFail: true, timeoutMs: 60_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

function failing(v: Record<string, { status: string }>): string[] {
  return Object.entries(v).filter(([, o]) => o.status !== "pass").map(([id]) => id).sort();
}

describe("Swarm lab", { timeout: 15 * 60_000 }, () => {
  after(() => {
    // a node left stopped by a failed step must not outlive the run; down removes everything anyway
    down();
    process.stdout.write(`lab e2e times (ms): ${JSON.stringify({ ...times, total: Date.now() - t0 })}\n`);
  });

  it("lab up: three Ready managers and a worker labelled dpg.node=1..4, on an internal bridge; up again is a no-op", async () => {
    await timed("lab up", () => up());
    const rows = nodeList();
    assert.deepEqual(rows.map((r) => r.Hostname).sort(), LAB.nodes.map((n) => n.name));
    for (const r of rows) {
      assert.equal(r.Status, "Ready");
      const role = LAB.nodes.find((n) => n.name === r.Hostname)!.role;
      if (role === "manager") assert.ok(["Leader", "Reachable"].includes(r.ManagerStatus), `${r.Hostname} ${r.ManagerStatus}`);
      else assert.equal(r.ManagerStatus ?? "", "", `${r.Hostname} is a worker`);
    }
    for (const n of LAB.nodes) {
      const label = managerDocker(["node", "inspect", "-f", `{{index .Spec.Labels "${LAB.labelKey}"}}`, n.name]).stdout.trim();
      assert.equal(label, String(n.index), `${n.name} label`);
    }
    assert.equal(docker(["network", "inspect", "-f", "{{.Internal}}", LAB.network]).stdout.trim(), "true", "no route out of the lab");
    const again = await timed("lab up (already up)", () => up());
    assert.ok(again.ms < 30_000, `second up took ${again.ms} ms`);
  });

  it("a service pinned by digest from the lab registry runs on every node; no node holds an image from elsewhere", async () => {
    const image = await timed("etcd image", () => ensureImage("etcd"));
    const [etcd] = await timed("push etcd", () => push([image]));
    assert.match(etcd.ref, new RegExp(`^${registryAddress.replace(/\./g, "\\.")}/dpg/etcd@sha256:[0-9a-f]{64}$`));
    await timed("pinned services running", async () => {
      LAB.nodes.forEach((n, i) => {
        managerDocker(["service", "rm", services[i]], { allowFail: true });
        managerDocker([
          "service", "create", "--detach", "--name", services[i], "--label", "dpg.lab.e2e=1",
          "--mode", "replicated", "--replicas", "1", "--constraint", `node.labels.${LAB.labelKey}==${n.index}`,
          "--endpoint-mode", "dnsrr", "--stop-grace-period", "10s",
          etcd.ref, "etcd", "--name", services[i], "--data-dir", "/var/lib/etcd/data",
        ], { timeoutMs: 60_000 });
      });
      await allPinnedRunning();
    });
    for (const s of services) {
      assert.equal(managerDocker(["service", "inspect", "-f", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", s]).stdout.trim(), etcd.ref);
    }
    for (const n of LAB.nodes) {
      const held = nodeDocker(n)(["image", "ls", "--digests", "--format", "{{.Repository}}@{{.Digest}}"]).stdout.split("\n").filter(Boolean);
      assert.ok(held.includes(etcd.ref), `${n.name} holds ${etcd.ref}: ${held.join(", ")}`);
      for (const h of held) assert.ok(h.startsWith(`${registryAddress}/`), `${n.name} holds ${h}, not from the lab registry`);
    }
  });

  it("the readiness facts pass on the lab: 3 managers and a worker, overlay TCP between all nodes, storage, bandwidth with 20 % headroom", async () => {
    const facts: SwarmFacts = await timed("facts (healthy)", async () => gatherSwarmFacts(await labEndpoints()));
    const v = judgeSwarm(facts, { requiredBitsPerSecond: REQUIRED_BPS });
    for (const [id, o] of Object.entries(v)) process.stdout.write(`  ${id} ${o.status}: ${o.evidence}\n`);
    assert.deepEqual(failing(v), []);
    assert.equal(facts.overlay.pairs.filter((p) => p.ok).length, LAB.nodes.length, "TCP around the ring 1→2→…→1 over the overlay");
    const measured = facts.bandwidth.bitsPerSecond!;
    times["bandwidth Mbit/s"] = Math.round(measured / 1e6);
    assert.equal(judgeSwarm(facts, { requiredBitsPerSecond: (measured / 1.2) * 1.01 })["001-PERF-09"].status, "fail", "no 20 % headroom");
    const leftovers = managerDocker(["network", "ls", "-q", "--filter", "name=dpg-lab-probe"]).stdout.trim();
    assert.equal(leftovers, "", "the probe overlay is removed");
  });

  it("the judges fail while a node is stopped, and the lab heals when it is back", async () => {
    const victim = LAB.nodes[2];
    docker(["stop", "-t", "10", victim.name], { timeoutMs: 60_000 });
    try {
      await timed("node marked Down", () =>
        eventually(`${victim.name} Down`, () => (nodeList().find((r) => r.Hostname === victim.name)?.Status === "Down" ? true : undefined), 60_000, 1000));
      const facts = await timed("facts (node stopped)", async () => gatherSwarmFacts(await labEndpoints()));
      const v = judgeSwarm(facts, { requiredBitsPerSecond: REQUIRED_BPS });
      for (const id of failing(v)) process.stdout.write(`  ${id} fail: ${v[id].evidence}\n`);
      // the bandwidth between nodes 1 and 2 is still measured; its verdict is the previous test's business
      for (const id of ["000-INF-02", "001-INF-03", "000-INF-03", "001-INF-04", "000-INF-04"]) {
        assert.equal(v[id].status, "fail", `${id} with ${victim.name} stopped: ${v[id].evidence}`);
        assert.match(v[id].evidence, /dpg-lab-3/);
      }
      const st = labStatus();
      assert.equal(st.status, 1, st.out);
      assert.match(st.out, /unhealthy: dpg-lab-3 \(manager\): Down/);
    } finally {
      docker(["start", victim.name], { timeoutMs: 60_000 });
    }
    // Ready first, reachable as a manager again a little later (seen: Ready/Active/Unreachable for a while).
    await timed("node Ready again", () =>
      eventually(`${victim.name} Ready and a reachable manager`, () => (labProblems(nodeList()).length === 0 ? true : undefined), 90_000, 1000));
    await timed("pinned task back", () => allPinnedRunning());
    const st = labStatus();
    assert.equal(st.status, 0, st.out);
  });

  it("lab down leaves no container, volume or network named dpg-lab*", () => {
    for (const s of services) managerDocker(["service", "rm", s], { allowFail: true });
    timed("lab down", () => down());
    for (const kind of ["ps -a", "volume ls", "network ls"]) {
      const left = docker([...kind.split(" "), "-q", "--filter", "name=dpg-lab"]).stdout.trim();
      assert.equal(left, "", `${kind}: ${left}`);
    }
    assert.equal(labStatus().status, 1, "status of a lab that is down");
  });
});
