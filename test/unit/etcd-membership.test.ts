// etcd's membership step (components/etcd/membership.ts): what it reads of `etcdctl member list` and what it removes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMemberList, planMembership } from "../../components/etcd/membership";

// As etcdctl 3.5 prints it: a joiner that has been added but has not started yet has no name.
const LIST = [
  "2f1a3b4c5d6e7f80, started, dpg-d2-etcd-1, https://dpg-d2-etcd-1:2380, https://dpg-d2-etcd-1:2379, false",
  "8e9e05c52164694d, started, dpg-d2-etcd-2, https://dpg-d2-etcd-2:2380, https://dpg-d2-etcd-2:2379, false",
  "91bc3c398fb3c146, started, dpg-d2-etcd-3, https://dpg-d2-etcd-3:2380, https://dpg-d2-etcd-3:2379, false",
  "a4c1d2e3f4051627, started, dpg-d2-etcd-4, https://dpg-d2-etcd-4:2380, https://dpg-d2-etcd-4:2379, false",
  "fd422379fda50e48, unstarted, , https://dpg-d2-etcd-5:2380, , false",
  "",
].join("\n");
const names = (n: number) => Array.from({ length: n }, (_, i) => `dpg-d2-etcd-${i + 1}`);

describe("etcd membership step", () => {
  it("reads every member, an unstarted one by its peer URL's host", () => {
    const ms = parseMemberList(LIST);
    assert.deepEqual(ms.map((m) => m.name), names(5));
    assert.deepEqual(ms.map((m) => m.started), [true, true, true, true, false]);
    assert.equal(ms[4].id, "fd422379fda50e48");
  });
  it("ignores what is not a member line (a warning, an empty line)", () => {
    assert.deepEqual(parseMemberList("{\"level\":\"warn\"}\n\n"), []);
  });
  it("scale-out: removes no one and waits for the joiner that has not started", () => {
    const plan = planMembership(parseMemberList(LIST), names(5));
    assert.deepEqual(plan.remove, []);
    assert.deepEqual(plan.waitFor, ["dpg-d2-etcd-5"]);
  });
  it("scale-in 5 → 3: removes the last member first, then the one before, and waits for no one", () => {
    const plan = planMembership(parseMemberList(LIST), names(3));
    assert.deepEqual(plan.remove.map((m) => m.name), ["dpg-d2-etcd-5", "dpg-d2-etcd-4"]);
    assert.deepEqual(plan.waitFor, []);
  });
  it("orders members by number, not as text (etcd-10 after etcd-9)", () => {
    const ms = ["dpg-x-etcd-9", "dpg-x-etcd-10"].map((n, i) => ({ id: String(i), started: true, name: n, peerUrl: `http://${n}:2380` }));
    assert.deepEqual(planMembership(ms, []).remove.map((m) => m.name), ["dpg-x-etcd-10", "dpg-x-etcd-9"]);
  });
  it("a wanted member that is missing from the membership is waited for", () => {
    assert.deepEqual(planMembership(parseMemberList(LIST).slice(0, 2), names(3)).waitFor, ["dpg-d2-etcd-3"]);
  });
});
