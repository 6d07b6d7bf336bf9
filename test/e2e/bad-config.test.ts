// Realistic operator mistakes, on the real engine: `pulumi up` of a copy of the dev stack stops
// before anything exists, naming every key and its fix. Settings errors come in two passes (the
// schema first, then the checks between settings), so there is one stack for each.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { docker, pulumi } from "../support/cli";
import { createTestStack, TestStack } from "../support/stack";

function refusedUp(stack: TestStack, prefix: string): string {
  const r = pulumi(["up", "--yes", "--skip-preview", "--stack", stack.name], { allowFail: true, timeoutMs: 5 * 60_000 });
  const out = r.stdout + r.stderr;
  assert.notEqual(r.status, 0, `pulumi up must be refused:\n${out.slice(-3000)}`);
  assert.match(out, /Invalid stack configuration \(nothing was created\)/);
  const resources = JSON.parse(pulumi(["stack", "export", "--stack", stack.name]).stdout).deployment?.resources ?? [];
  assert.deepEqual(resources.filter((r: { type: string }) => r.type !== "pulumi:pulumi:Stack").map((r: { urn: string }) => r.urn), [], "no resource in the state");
  assert.equal(docker(["ps", "-a", "--filter", `label=dpg.stack=${prefix}`, "--format", "{{.Names}}"]).stdout.trim(), "", "no container");
  return out;
}

describe("bad stack settings are refused before anything is created", { timeout: 15 * 60_000 }, () => {
  const stacks: TestStack[] = [];
  after(() => stacks.forEach((s) => s.remove()));

  it("refuses malformed values, naming each key", () => {
    const stack = createTestStack("e2e-bad-values", "dev", {
      namePrefix: "dpg-bad-values",
      network: { subnet: "10.213.80.7/24", clientCidrs: ["192.168.1.0/33"] },
      haproxy: { bindAddress: "127.0.0.300" },
      monitoring: { alerting: { email: { to: "ops@example.com", from: "db@example.com", smarthost: "smtp.example.com:587", username: "db" } } },
    });
    stacks.push(stack);
    const out = refusedUp(stack, "dpg-bad-values");
    assert.match(out, /dpg-cluster:network\.subnet: has host bits set: the network is 10\.213\.80\.0\/24/);
    assert.match(out, /dpg-cluster:network\.clientCidrs\.0: must have a prefix length between \/0 and \/32/);
    assert.match(out, /dpg-cluster:haproxy\.bindAddress: has an octet above 255/);
    assert.match(out, /dpg-cluster:monitoring\.alerting\.email: unknown setting\(s\) "username"/);
  });

  it("refuses settings that contradict each other, naming each key and the fix", () => {
    const stack = createTestStack("e2e-bad-mix", "dev", {
      namePrefix: "dpg-bad-mix",
      network: { subnet: "10.213.81.0/24" },
      pgbouncer: { port: 15000 },
      patroni: { memoryMb: 256, ttl: 20, loopWait: 10, retryTimeout: 10, parameters: { max_connections: 500, wal_level: "minimal", synchronous_commit: "off" } },
      tls: { caValidityDays: 365, certValidityDays: 400 },
      attestations: { "000-HA-01": { owner: "ops", date: "2026-01-01", expires: "2027-01-01" } },
    });
    stacks.push(stack);
    const out = refusedUp(stack, "dpg-bad-mix");
    assert.match(out, /dpg-cluster:haproxy\.writePort: port 15000 is also used by dpg-cluster:pgbouncer\.port/);
    assert.match(out, /dpg-cluster:patroni\.memoryMb: 256 MB cannot hold shared_buffers/);
    assert.match(out, /dpg-cluster:patroni\.ttl: loopWait 10 \+ 2 × retryTimeout 10 = 30 exceeds ttl 20/);
    assert.match(out, /dpg-cluster:patroni\.parameters\.max_connections: set by the program from dpg-cluster:patroni\.maxConnections/);
    assert.match(out, /dpg-cluster:patroni\.parameters\.wal_level: "minimal" stops streaming replication/);
    assert.match(out, /dpg-cluster:patroni\.parameters\.synchronous_commit: "off" acknowledges commits before a standby/);
    assert.match(out, /dpg-cluster:tls\.caValidityDays \(365\) must exceed tls\.certValidityDays \(400\)/);
    assert.match(out, /dpg-cluster:attestations\.000-HA-01: 000-HA-01 is decided by measuring the running cluster/);
  });
});
