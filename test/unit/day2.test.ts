// The day-2 plan for each kind of change: what is patched, who restarts in which order, and when the
// one switchover happens. The e2e test (test/e2e/day2.test.ts) runs the same plans on a real cluster.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configPatch, ConfigChange, describePlan, diffConfig, earlyChanges, loweredFloorParameters, Member, planRollout, restartParameters, Step, switchoverTarget } from "../../components/patroni/day2";
import { dynamicConfig, PatroniClusterSettings } from "../../components/patroni/render";
import { dockerCpus, goDuration } from "../../components/shared/docker";

const settings: PatroniClusterSettings = {
  scope: "dpg-t",
  postgresMajor: 17,
  synchronousMode: true,
  synchronousNodeCount: 1,
  ttl: 20,
  loopWait: 2,
  retryTimeout: 4,
  memberSlotsTtlS: 1800,
  maxConnections: 200,
  memoryMb: 1024,
  tls: true,
  clusterSubnet: "10.213.60.0/24",
  etcdEndpoints: ["dpg-t-etcd-1:2379"],
};
/** What Patroni's GET /config returns for a cluster bootstrapped with `s` (JSON round trip). */
const dcsOf = (s: PatroniClusterSettings) => JSON.parse(JSON.stringify(dynamicConfig(s)));
/** pg_settings.context of the parameters these tests change (as PostgreSQL 17 reports them). */
const contexts: Record<string, string> = {
  work_mem: "user",
  log_min_duration_statement: "superuser",
  max_connections: "postmaster",
  shared_buffers: "postmaster",
  effective_cache_size: "user",
  maintenance_work_mem: "user",
};
const cluster: Member[] = [
  { name: "pg-1", role: "replica", state: "streaming", lag: 0 },
  { name: "pg-2", role: "leader", state: "running" },
  { name: "pg-3", role: "sync_standby", state: "streaming", lag: 0 },
];
const restarts = (steps: Step[]) => steps.map((s) => (s.kind === "restart" ? `restart ${s.member}` : s.kind === "switchover" ? `switchover ${s.from}->${s.to}` : "patch"));

function plan(changed: Partial<PatroniClusterSettings>, members = cluster) {
  const changes = diffConfig(dcsOf(settings), dynamicConfig({ ...settings, ...changed }));
  const restart = restartParameters(changes, contexts);
  return { changes, restart, steps: planRollout(changes, restart.length > 0, members) };
}

describe("day-2 plan", () => {
  it("plans nothing when the DCS already holds the desired configuration", () => {
    const p = plan({});
    assert.deepEqual(p.changes, []);
    assert.deepEqual(p.steps, []);
    assert.match(describePlan(p.steps, p.restart), /unchanged: no reload, no restart/);
  });

  it("applies a reloadable parameter by PATCH only: no restart, no switchover", () => {
    const p = plan({ parameterOverrides: { work_mem: "8MB", log_min_duration_statement: 250 } });
    assert.deepEqual(p.changes.map((c) => c.key), ["postgresql.parameters.log_min_duration_statement", "postgresql.parameters.work_mem"]);
    assert.deepEqual(p.restart, []);
    assert.deepEqual(restarts(p.steps), ["patch"]);
    assert.deepEqual(configPatch(p.changes), { postgresql: { parameters: { log_min_duration_statement: 250, work_mem: "8MB" } } });
    assert.match(describePlan(p.steps, p.restart), /applied by reload on every member, no restart/);
  });

  it("applies Patroni's own timings and synchronous mode by PATCH only", () => {
    const p = plan({ ttl: 30, loopWait: 5, retryTimeout: 10, synchronousMode: false });
    assert.deepEqual(p.changes.map((c) => c.key), ["ttl", "loop_wait", "retry_timeout", "synchronous_mode"]);
    assert.deepEqual(restarts(p.steps), ["patch"]);
    assert.deepEqual(configPatch(p.changes), { ttl: 30, loop_wait: 5, retry_timeout: 10, synchronous_mode: false });
  });

  it("restarts replicas one at a time (async first, sync standby last), then one switchover to the sync standby, then the former leader", () => {
    const p = plan({ maxConnections: 300 });
    assert.deepEqual(p.restart, ["max_connections"]);
    assert.deepEqual(restarts(p.steps), ["patch", "restart pg-1", "restart pg-3", "switchover pg-2->pg-3", "restart pg-2"]);
    assert.equal(p.steps.filter((s) => s.kind === "switchover").length, 1);
    const line = describePlan(p.steps, p.restart);
    assert.match(line, /max_connections needs a restart: restart pg-1, then restart pg-3, then switchover pg-2 → pg-3, then restart pg-2/);
    assert.match(line, /one switchover/);
  });

  it("treats a memory change as restart-bound (shared_buffers) even though most derived values reload", () => {
    const p = plan({ memoryMb: 2048 });
    assert.deepEqual(p.changes.map((c) => c.key).sort(), [
      "postgresql.parameters.effective_cache_size", "postgresql.parameters.maintenance_work_mem", "postgresql.parameters.shared_buffers",
    ]);
    assert.deepEqual(p.restart, ["shared_buffers"]);
    assert.deepEqual(restarts(p.steps), ["patch", "restart pg-1", "restart pg-3", "switchover pg-2->pg-3", "restart pg-2"]);
  });

  it("counts a parameter PostgreSQL does not know yet (an extension's) as restart-bound", () => {
    const p = plan({ parameterOverrides: { "ruvector.ef_search": 64 } });
    assert.deepEqual(p.restart, ["ruvector.ef_search"]);
  });

  it("removes an override that is gone with null in the patch", () => {
    const withOverride = dynamicConfig({ ...settings, parameterOverrides: { "auto_explain.log_min_duration": "1s" } });
    const changes = diffConfig(JSON.parse(JSON.stringify(withOverride)), dynamicConfig(settings));
    assert.deepEqual(changes, [{ key: "postgresql.parameters.auto_explain.log_min_duration", from: "1s", to: undefined }]);
    assert.deepEqual(configPatch(changes), { postgresql: { parameters: { "auto_explain.log_min_duration": null } } });
  });

  it("does not see a change where Patroni only stored a number as a number", () => {
    const dcs = dcsOf(settings);
    dcs.postgresql.parameters.random_page_cost = 1.1; // given as "1.1"
    dcs.postgresql.parameters.max_connections = "200"; // given as 200
    dcs.postgresql.parameters.hot_standby = true; // `on` in patroni.yml, YAML 1.1 for Patroni
    dcs.postgresql.parameters.wal_compression = true;
    assert.deepEqual(diffConfig(dcs, dynamicConfig(settings)), []);
    // …but a real change of a boolean is one
    dcs.postgresql.parameters.wal_compression = false;
    assert.deepEqual(diffConfig(dcs, dynamicConfig(settings)).map((c) => c.key), ["postgresql.parameters.wal_compression"]);
  });

  it("without synchronous mode switches over to the replica with the least lag", () => {
    const async: Member[] = [
      { name: "pg-1", role: "leader", state: "running" },
      { name: "pg-2", role: "replica", state: "streaming", lag: 4096 },
      { name: "pg-3", role: "replica", state: "streaming", lag: 0 },
    ];
    const p = plan({ maxConnections: 300 }, async);
    assert.deepEqual(restarts(p.steps), ["patch", "restart pg-2", "restart pg-3", "switchover pg-1->pg-3", "restart pg-1"]);
    assert.equal(switchoverTarget(async.slice(1))?.name, "pg-3");
  });

  it("lowers max_connections leader first, in place and with no switchover, then the replicas (a standby keeps the primary's value until it replays the lower one)", () => {
    const p = plan({ maxConnections: settings.maxConnections - 50 });
    assert.deepEqual(loweredFloorParameters(p.changes, cluster), ["max_connections"]);
    assert.deepEqual(restarts(p.steps), ["patch", "restart pg-2", "restart pg-1", "restart pg-3"]);
    assert.match(describePlan(p.steps, p.restart), /restart pg-2 \(the leader, in place and first: .*\), then restart pg-1, then restart pg-3 \(no switchover; the leader's restart: a few seconds without a writable leader\)/);
  });

  it("raising it, or lowering a parameter no standby must match (shared_buffers), keeps replicas first and one switchover", () => {
    const up = plan({ maxConnections: settings.maxConnections + 50 });
    assert.deepEqual(loweredFloorParameters(up.changes, cluster), []);
    const changes: ConfigChange[] = [{ key: "postgresql.parameters.shared_buffers", from: "256MB", to: "128MB" }];
    assert.deepEqual(restarts(planRollout(changes, true, cluster)), ["patch", "restart pg-1", "restart pg-3", "switchover pg-2->pg-3", "restart pg-2"]);
  });

  it("before members are replaced: only the restart-bound parameters go first (the new containers start with them), not a lowered floor one, not the reloadable ones", () => {
    const changes: ConfigChange[] = [
      { key: "postgresql.parameters.shared_buffers", from: "256MB", to: "320MB" },
      { key: "postgresql.parameters.effective_cache_size", from: "768MB", to: "960MB" },
      { key: "postgresql.parameters.max_connections", from: "250", to: "200" },
      { key: "postgresql.parameters.max_wal_senders", from: "10", to: "12" },
      { key: "loop_wait", from: 10, to: 5 },
    ];
    const restart = ["shared_buffers", "max_connections", "max_wal_senders"];
    assert.deepEqual(earlyChanges(changes, restart, cluster).map((c) => c.key), ["postgresql.parameters.shared_buffers", "postgresql.parameters.max_wal_senders"]);
    assert.deepEqual(earlyChanges(changes.slice(1, 2), [], cluster), [], "a reloadable parameter waits for the step after the members");
  });

  it("resumes a lowering cut short from what the members report pending (Patroni's pending_restart_reason): the replicas left, no switchover", () => {
    const reason = { max_connections: { old_value: "250", new_value: "200" } };
    const ms: Member[] = [
      { name: "pg-1", role: "replica", state: "streaming", lag: 0, pending_restart: true, pending_restart_reason: reason },
      { name: "pg-2", role: "leader", state: "running" },
      { name: "pg-3", role: "sync_standby", state: "streaming", lag: 0, pending_restart: true, pending_restart_reason: reason },
    ];
    assert.deepEqual(loweredFloorParameters([], ms), ["max_connections"]);
    assert.deepEqual(restarts(planRollout([], true, ms, (m) => !!m.pending_restart)), ["restart pg-1", "restart pg-3"]);
  });

  it("on a single node restarts it in place (no one to switch over to)", () => {
    const p = plan({ maxConnections: 300 }, [{ name: "pg-1", role: "leader", state: "running" }]);
    assert.deepEqual(restarts(p.steps), ["patch", "restart pg-1"]);
  });

  it("resumes an interrupted rollout: only members still pending restart, and the switchover only if the leader is", () => {
    const changes: ConfigChange[] = [];
    const ms: Member[] = [
      { name: "pg-1", role: "replica", state: "streaming", lag: 0 },
      { name: "pg-2", role: "leader", state: "running", pending_restart: true },
      { name: "pg-3", role: "sync_standby", state: "streaming", lag: 0, pending_restart: true },
    ];
    const steps = planRollout(changes, true, ms, (m) => !!m.pending_restart);
    assert.deepEqual(restarts(steps), ["restart pg-3", "switchover pg-2->pg-3", "restart pg-2"]);
    assert.deepEqual(restarts(planRollout(changes, true, ms.map((m) => ({ ...m, pending_restart: m.name === "pg-3" })), (m) => !!m.pending_restart)), ["restart pg-3"]);
    assert.match(describePlan(steps, []), /\(unchanged; members still pending a restart\); restarts left pending: restart pg-3, then switchover/);
  });
});

describe("canonical forms the docker provider reads back", () => {
  it("prints durations as Go does", () => {
    assert.deepEqual([0, 3, 5, 60, 90, 3600, 3661].map(goDuration), ["0s", "3s", "5s", "1m0s", "1m30s", "1h0m0s", "1h1m1s"]);
    assert.throws(() => goDuration(1.5), /whole number/);
  });

  it("prints CPUs as the provider reads NanoCPUs back", () => {
    assert.deepEqual([1, 2, 0.5, 1.5, 0.25, 10].map(dockerCpus), ["1.0", "2.0", "0.5", "1.5", "0.25", "10."]);
    assert.throws(() => dockerCpus(0), /positive/);
  });
});
