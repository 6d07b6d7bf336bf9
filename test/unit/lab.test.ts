// The Swarm lab's pure parts: readiness judges over Swarm facts (each with the failing case a real
// lab produces: a stopped node, a broken overlay, a full disk, a slow link) and the lab settings.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { judgeBandwidth, judgeOverlay, judgeStorage, judgeSwarm, judgeSwarmNodes, SwarmFacts } from "../../lab/facts";
import { labProblems } from "../../lab/lab";
import { LAB, LAB_OVERLAY_SUBNET, renderLabSettings } from "../../lab/topology";
import { parseStackConfig } from "../../infra/config";

const names = ["dpg-lab-1", "dpg-lab-2", "dpg-lab-3"];

function healthy(): SwarmFacts {
  return {
    nodes: names.map((hostname, i) => ({ hostname, status: "Ready", availability: "Active", managerStatus: i === 0 ? "Leader" : "Reachable" })),
    probedNodes: [...names],
    overlay: {
      network: "dpg-lab-probe",
      pairs: names.map((from, i) => ({ from, to: names[(i + 1) % 3], ok: true, detail: "tcp connected" })),
    },
    storage: names.map((node) => ({ node, path: "/var/lib/docker", freeBytes: 70e9 })),
    bandwidth: { from: names[0], to: names[1], seconds: 3, bitsPerSecond: 5e9 },
  };
}

/** What gatherSwarmFacts reports when dpg-lab-3 is stopped (docker stop, then Swarm marks it Down). */
function nodeThreeStopped(): SwarmFacts {
  const f = healthy();
  f.nodes[2] = { hostname: "dpg-lab-3", status: "Down", availability: "Active", managerStatus: "Unreachable" };
  f.storage[2] = { node: "dpg-lab-3", path: "/var/lib/docker", error: "Cannot connect to the Docker daemon" };
  f.overlay.pairs = [
    { from: "dpg-lab-3", to: "dpg-lab-3", ok: false, detail: "probe did not start: Cannot connect to the Docker daemon" },
    { from: "dpg-lab-1", to: "dpg-lab-2", ok: true, detail: "tcp connected" },
    { from: "dpg-lab-2", to: "dpg-lab-3", ok: false, detail: "no probe on one side" },
    { from: "dpg-lab-3", to: "dpg-lab-1", ok: false, detail: "no probe on one side" },
  ];
  return f;
}

describe("Swarm readiness judges", () => {
  it("pass on a healthy three-manager lab", () => {
    const v = judgeSwarm(healthy(), { requiredBitsPerSecond: 1e9 });
    assert.deepEqual(Object.keys(v).sort(), ["000-INF-02", "000-INF-03", "000-INF-04", "001-INF-03", "001-INF-04", "001-PERF-09"]);
    for (const [id, o] of Object.entries(v)) assert.equal(o.status, "pass", `${id}: ${o.evidence}`);
  });

  it("fail when one node is stopped: nodes, overlay and storage", () => {
    const v = judgeSwarm(nodeThreeStopped(), { requiredBitsPerSecond: 1e9 });
    assert.equal(v["000-INF-02"].status, "fail");
    assert.match(v["000-INF-02"].evidence, /dpg-lab-3 Down/);
    assert.equal(v["001-INF-04"].status, "fail");
    assert.match(v["001-INF-04"].evidence, /dpg-lab-2→dpg-lab-3/);
    assert.equal(v["000-INF-04"].status, "fail");
    assert.equal(v["001-PERF-09"].status, "pass", "nodes 1 and 2 still measure their link");
  });

  it("nodes: fail with no answer from the manager, too few nodes, or an even manager count", () => {
    assert.equal(judgeSwarmNodes({ ...healthy(), nodes: [], nodesError: "context deadline exceeded" }).status, "fail");
    assert.equal(judgeSwarmNodes({ ...healthy(), nodes: [] }).status, "fail");
    const two = healthy();
    two.nodes = two.nodes.slice(0, 2);
    assert.match(judgeSwarmNodes(two).evidence, /HA needs ≥ 3/);
    const workers = healthy();
    workers.nodes[2].managerStatus = "";
    assert.match(judgeSwarmNodes(workers).evidence, /2 managers/);
    const drained = healthy();
    drained.nodes[1].availability = "Drain";
    assert.equal(judgeSwarmNodes(drained).status, "fail");
  });

  it("overlay: fail when no probe ran, the network could not be made, or fewer than 3 nodes were probed", () => {
    assert.equal(judgeOverlay({ ...healthy(), overlay: { network: "x", pairs: [] } }).status, "fail");
    assert.equal(judgeOverlay({ ...healthy(), overlay: { network: "x", pairs: [], error: "overlay unsupported" } }).status, "fail");
    assert.equal(judgeOverlay({ ...healthy(), probedNodes: names.slice(0, 2) }).status, "fail");
  });

  it("storage: fail under 20 GB free (000-INF-04)", () => {
    const f = healthy();
    f.storage[1].freeBytes = 19e9;
    const v = judgeStorage(f);
    assert.equal(v.status, "fail");
    assert.match(v.evidence, /dpg-lab-2 19\.0 GB/);
    assert.equal(judgeStorage({ ...healthy(), storage: [] }).status, "fail");
  });

  it("bandwidth: needs the required figure plus 20 % headroom", () => {
    const f = healthy();
    f.bandwidth.bitsPerSecond = 1.15e9;
    assert.equal(judgeBandwidth(f, 1e9).status, "fail", "1150 Mbit/s < 1000 + 20 %");
    f.bandwidth.bitsPerSecond = 1.2e9;
    assert.equal(judgeBandwidth(f, 1e9).status, "pass");
    assert.equal(judgeBandwidth({ ...healthy(), bandwidth: { from: "a", to: "b", seconds: 3, error: "unable to connect" } }, 1e9).status, "fail");
  });
});

describe("lab", () => {
  it("status is unhealthy unless the three managers are Ready, Active and reachable, and the worker Ready, Active and a worker", () => {
    const row = (Hostname: string, Status = "Ready", ManagerStatus = "Reachable") => ({ Hostname, Status, Availability: "Active", ManagerStatus });
    const worker = row("dpg-lab-4", "Ready", "");
    assert.deepEqual(labProblems([...names.map((n) => row(n)), worker]), []);
    assert.deepEqual(labProblems([row(names[0]), row(names[1]), worker]), ["dpg-lab-3 is not in the swarm"]);
    assert.deepEqual(labProblems([row(names[0]), row(names[1]), row(names[2], "Down", "Unreachable"), worker]), ["dpg-lab-3 (manager): Down/Active/Unreachable"]);
    assert.deepEqual(labProblems([...names.map((n) => row(n)), row("dpg-lab-4", "Down", "")]), ["dpg-lab-4 (worker): Down/Active/worker"]);
    assert.deepEqual(labProblems([...names.map((n) => row(n)), row("dpg-lab-4")]), ["dpg-lab-4 (worker): Ready/Active/Reachable"], "a worker promoted to manager is not the lab's shape");
  });

  it("settings: one etcd member, one Patroni node and one router per manager, the repository server on the worker, the manager endpoint, encryption off", () => {
    const doc = parse(renderLabSettings("10.77.0.10:5000/dpg/lab-tools@sha256:abc")) as { config: Record<string, any> };
    const t = doc.config["dpg-cluster:target"];
    assert.equal(t.kind, "swarm");
    assert.equal(t.endpoint, "unix:///run/dpg-lab/dpg-lab-1/docker.sock");
    assert.equal(new Set(t.placement.etcd).size, 3);
    assert.equal(new Set(t.placement.patroni).size, 3);
    assert.equal(new Set(t.placement.haproxy).size, 3, "a router on every database node");
    assert.deepEqual(t.placement.backup, ["node.labels.dpg.node==4"], "the repository on the worker");
    assert.ok(![...t.placement.etcd, ...t.placement.patroni].includes("node.labels.dpg.node==4"), "no database member on the backup host");
    assert.equal(doc.config["dpg-cluster:backup"].repository, "server");
    assert.deepEqual(t.nodes.map((n: { address: string }) => n.address), LAB.nodes.map((n) => n.ip));
    assert.equal(t.overlay.encrypted, false);
    // What the program reads: the settings parse, placement and all (nothing refused).
    const raw = Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k.replace(/^dpg-cluster:/, ""), v]));
    const parsed = parseStackConfig(raw, "lab");
    assert.equal(parsed.target.kind, "swarm");
    assert.equal(parsed.network.subnet, LAB_OVERLAY_SUBNET);
    assert.equal(parsed.backup.enabled, true);
  });
});
