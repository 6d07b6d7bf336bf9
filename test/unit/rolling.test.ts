// The order in which `pulumi up` replaces Patroni nodes, read from who leads now, and what a preview says
// about it. The e2e test (test/e2e/day2.test.ts) replaces the containers of a real cluster in this order.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Member } from "../../components/patroni/day2";
import * as pulumi from "@pulumi/pulumi";
import { replacementKey } from "../../components/target";
import type { Workload } from "../../components/target/workload";
import { currentLeader, describeReplacement, memberBack, planScaleIn, replacementOrder } from "../../components/patroni/rolling";

const nodes = ["pg-1", "pg-2", "pg-3"];
const cluster = (leader: string, sync: string): Member[] =>
  nodes.map((name) => ({ name, role: name === leader ? "leader" : name === sync ? "sync_standby" : "replica", state: name === leader ? "running" : "streaming", lag: 0 }));

describe("replacement order", () => {
  it("puts the asynchronous replica first, the synchronous standby next and the leader last, whatever the index", () => {
    assert.deepEqual(replacementOrder(nodes, cluster("pg-1", "pg-2")), ["pg-3", "pg-2", "pg-1"]);
    assert.deepEqual(replacementOrder(nodes, cluster("pg-2", "pg-3")), ["pg-1", "pg-3", "pg-2"]);
    assert.deepEqual(replacementOrder(nodes, cluster("pg-3", "pg-1")), ["pg-2", "pg-1", "pg-3"]);
  });

  it("keeps the index order when no cluster runs yet (a first up)", () => {
    assert.deepEqual(replacementOrder(nodes, []), nodes);
  });

  it("puts nodes that are not members yet (a scale out) first, and leaves out members on their way out", () => {
    const ms = [...cluster("pg-1", "pg-3"), { name: "pg-9", role: "replica", state: "streaming", lag: 0 }];
    assert.deepEqual(replacementOrder([...nodes, "pg-4"], ms), ["pg-4", "pg-2", "pg-3", "pg-1"]);
  });

  it("orders several asynchronous replicas by name, a standby leader last", () => {
    const five = ["pg-1", "pg-2", "pg-3", "pg-4", "pg-5"];
    const ms: Member[] = [
      { name: "pg-5", role: "replica", state: "streaming" },
      { name: "pg-2", role: "standby_leader", state: "running" },
      { name: "pg-4", role: "sync_standby", state: "streaming" },
      { name: "pg-1", role: "replica", state: "streaming" },
      { name: "pg-3", role: "replica", state: "streaming" },
    ];
    assert.deepEqual(replacementOrder(five, ms), ["pg-1", "pg-3", "pg-5", "pg-4", "pg-2"]);
    assert.equal(currentLeader(five, ms), "pg-2");
  });
});

describe("what a preview says", () => {
  const ms = cluster("pg-2", "pg-3");
  const order = replacementOrder(nodes, ms);

  it("names every replaced member in order, and the one switchover before the leader", () => {
    assert.equal(
      describeReplacement(order, ms, nodes),
      "Patroni nodes replaced one at a time, each waiting until it streams again: pg-1, then pg-3, then switchover pg-2 → pg-3, then pg-2 (former leader) (one switchover: a few seconds without a writable leader)",
    );
  });

  it("says no switchover when only replicas are replaced, and nothing when none is", () => {
    assert.match(describeReplacement(order, ms, ["pg-1"]), /: pg-1 \(no switchover\)$/);
    assert.equal(describeReplacement(order, ms, []), "Patroni nodes: no container or service is replaced");
  });

  it("says it does not know which, when the keys are unknown before an image is built", () => {
    assert.match(describeReplacement(order, ms, undefined), /if their containers are replaced \(not known before the images are built\)/);
  });
});

describe("a replaced member is back", () => {
  it("when it streams without a pending restart and within 16 MB, or leads", () => {
    assert.equal(memberBack([{ name: "a", role: "replica", state: "streaming", lag: 0 }], "a"), true);
    assert.equal(memberBack([{ name: "a", role: "leader", state: "running" }], "a"), true);
  });

  it("not while it starts, lags, waits for a restart, or is missing", () => {
    assert.equal(memberBack([{ name: "a", role: "replica", state: "starting", lag: 0 }], "a"), false);
    assert.equal(memberBack([{ name: "a", role: "replica", state: "streaming", lag: 17 * 1024 * 1024 }], "a"), false);
    assert.equal(memberBack([{ name: "a", role: "replica", state: "streaming", lag: "unknown" }], "a"), false);
    assert.equal(memberBack([{ name: "a", role: "replica", state: "streaming", lag: 0, pending_restart: true }], "a"), false);
    assert.equal(memberBack([], "a"), false);
  });
});

describe("replacement key", () => {
  const w: Workload = {
    name: "pg-1",
    component: "patroni",
    image: "dpg/patroni:abc",
    process: { user: "postgres", uid: 999, entrypoint: [], command: ["patroni"] },
    files: [{ path: "/etc/pgbackrest/pgbackrest.conf", content: pulumi.secret("repo1-retention-full=2"), secret: true }],
    healthcheck: { test: ["CMD", "true"], intervalS: 5, timeoutS: 3, retries: 3 },
    limits: { memoryMb: 1024, cpus: 1 },
  };
  const key = (kind: "docker" | "swarm", x: Workload) => new Promise<string>((resolve) => replacementKey(kind, x).apply(resolve));

  it("changes with a file or the image, not with the memory limit on one host (docker update), with limits on a Swarm", async () => {
    const k = await key("docker", w);
    assert.match(k, /^[0-9a-f]{32}$/);
    assert.equal(await key("docker", { ...w }), k, "the same workload, the same key");
    assert.notEqual(await key("docker", { ...w, files: [{ ...w.files[0], content: pulumi.secret("repo1-retention-full=3") }] }), k);
    assert.notEqual(await key("docker", { ...w, image: "dpg/patroni:def" }), k);
    assert.equal(await key("docker", { ...w, limits: { memoryMb: 1280, cpus: 1 } }), k);
    assert.notEqual(await key("docker", { ...w, limits: { memoryMb: 1024, cpus: 2 } }), k, "a CPU limit is not changed in place");
    assert.notEqual(await key("swarm", { ...w, limits: { memoryMb: 1280, cpus: 1 } }), await key("swarm", w));
  });

  it("is not a secret though it digests secret files, and does not contain them", async () => {
    assert.equal(await pulumi.isSecret(replacementKey("docker", w)), false);
    assert.doesNotMatch(await key("docker", w), /retention/);
  });
});

describe("scale in", () => {
  const four = (leader: string, sync: string): Member[] =>
    ["pg-1", "pg-2", "pg-3", "pg-4"].map((name) => ({ name, role: name === leader ? "leader" : name === sync ? "sync_standby" : "replica", state: name === leader ? "running" : "streaming", lag: name === "pg-2" ? 100 : 0 }));

  it("finds no one leaving when every member is among the nodes (a first up, a scale out)", () => {
    assert.equal(planScaleIn(nodes, cluster("pg-1", "pg-2")), undefined);
    assert.equal(planScaleIn([...nodes, "pg-4"], cluster("pg-1", "pg-2")), undefined);
  });

  it("lets a leaving replica go with no switchover, even the synchronous standby", () => {
    assert.deepEqual(planScaleIn(nodes, four("pg-1", "pg-4")), { leaving: ["pg-4"] });
  });

  it("hands a leaving leader over to a member that stays: its synchronous standby, else the replica with the least lag", () => {
    assert.deepEqual(planScaleIn(nodes, four("pg-4", "pg-2")), { leaving: ["pg-4"], switchover: { from: "pg-4", to: "pg-2" } });
    // 5 → 3 with the leader and its synchronous standby both leaving: a member that stays, the least behind.
    const five = [...four("pg-4", "pg-5"), { name: "pg-5", role: "sync_standby", state: "streaming", lag: 0 }];
    assert.deepEqual(planScaleIn(nodes, five.filter((m, i, a) => a.findIndex((x) => x.name === m.name) === i)), { leaving: ["pg-4", "pg-5"], switchover: { from: "pg-4", to: "pg-1" } });
  });

  it("refuses when the leader leaves and no member that stays streams", () => {
    const ms = four("pg-4", "pg-1").map((m) => (m.name === "pg-4" ? m : { ...m, state: "stopped" }));
    assert.throws(() => planScaleIn(nodes, ms), /the leader pg-4 is leaving and no member that stays streams/);
  });
});
