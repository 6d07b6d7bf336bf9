import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseStackConfig, StackConfigError } from "../../infra/config";

function errorOf(raw: Record<string, unknown>): StackConfigError {
  try {
    parseStackConfig(raw, "dev");
  } catch (e) {
    assert.ok(e instanceof StackConfigError, `expected StackConfigError, got ${e}`);
    return e;
  }
  assert.fail("expected the config to be refused");
}

describe("stack config", () => {
  it("fills every default from an empty config", () => {
    const c = parseStackConfig({}, "dev");
    assert.equal(c.environment, "dev");
    assert.equal(c.baseImage, "debian:trixie-slim");
    assert.equal(c.namePrefix, "dpg-dev");
    assert.equal(c.etcd.members, 3);
    assert.equal(c.patroni.nodes, 3);
    assert.equal(c.patroni.postgresMajor, 17);
    assert.equal(c.patroni.vectorExtension, "vector");
    assert.equal(c.patroni.synchronousMode, true);
    assert.equal(c.haproxy.bindAddress, "127.0.0.1");
    assert.deepEqual([c.haproxy.writePort, c.haproxy.readPort, c.haproxy.statsPort], [5000, 5001, 7000]);
    assert.equal(c.secrets.passwordLength, 32);
    assert.equal(c.network.subnet, "10.213.0.0/24");
  });

  it("keeps explicit values", () => {
    const c = parseStackConfig({ patroni: { nodes: 5, synchronousNodeCount: 2 }, haproxy: { writePort: 6000 } }, "prod");
    assert.equal(c.patroni.nodes, 5);
    assert.equal(c.patroni.synchronousNodeCount, 2);
    assert.equal(c.haproxy.writePort, 6000);
    assert.equal(c.namePrefix, "dpg-prod");
  });

  const refused: Array<[string, Record<string, unknown>, RegExp]> = [
    ["an even etcd member count", { etcd: { members: 2 } }, /dpg-cluster:etcd\.members: must be odd/],
    ["too many Patroni nodes", { patroni: { nodes: 12 } }, /dpg-cluster:patroni\.nodes: must be at most 9/],
    ["a string where a number belongs", { patroni: { nodes: "three" } }, /dpg-cluster:patroni\.nodes: expected number, got string/],
    ["an unknown PostgreSQL major", { patroni: { postgresMajor: 14 } }, /dpg-cluster:patroni\.postgresMajor: must be 17/],
    ["an unknown vector extension", { patroni: { vectorExtension: "pgvecto" } }, /dpg-cluster:patroni\.vectorExtension: must be one of "vector", "ruvector"/],
    ["a lease Patroni 4 ignores", { patroni: { ttl: 10 } }, /dpg-cluster:patroni\.ttl: must be at least 20/],
    ["a misspelt key", { patroni: { node: 3 } }, /dpg-cluster:patroni: unknown setting\(s\) "node"/],
    ["a misspelt top-level key", { patorni: {} }, /dpg-cluster: unknown setting\(s\) "patorni"/],
    ["a privileged port", { haproxy: { writePort: 80 } }, /dpg-cluster:haproxy\.writePort: must be a port between 1024 and 65535/],
    ["clashing ports", { haproxy: { writePort: 5001 } }, /writePort, readPort and statsPort must be three different ports/],
    ["a bad bind address", { haproxy: { bindAddress: "localhost" } }, /dpg-cluster:haproxy\.bindAddress: must be an IPv4 address/],
    ["a short password", { secrets: { passwordLength: 8 } }, /dpg-cluster:secrets\.passwordLength: must be at least 16 characters/],
    ["a bad subnet", { network: { subnet: "10.0.0.0" } }, /dpg-cluster:network\.subnet: must be an IPv4 CIDR/],
    ["an unknown environment", { environment: "staging" }, /dpg-cluster:environment: must be one of "dev", "prod"/],
    ["more sync standbys than replicas", { patroni: { nodes: 2, synchronousNodeCount: 2 } }, /dpg-cluster:patroni\.synchronousNodeCount: must be at most patroni\.nodes - 1 \(1\)/],
    ["a backup schedule that is not cron", { backup: { fullSchedule: "weekly" } }, /dpg-cluster:backup\.fullSchedule: "weekly" must have 5 fields/],
    ["an archive timeout above the RPO", { backup: { archiveTimeoutSeconds: 600 } }, /dpg-cluster:backup\.archiveTimeoutSeconds: must be at most 300/],
    ["an attestation without owner", { attestations: { "sec-1": { date: "2026-01-01", expires: "2027-01-01" } } }, /dpg-cluster:attestations\.sec-1\.owner/],
  ];
  for (const [what, raw, message] of refused) {
    it(`refuses ${what}, naming the key`, () => {
      const err = errorOf(raw);
      assert.match(err.message, message);
      assert.match(err.message, /nothing was created/);
      assert.match(err.message, /pulumi config set --path/);
    });
  }

  it("lists every problem at once", () => {
    const err = errorOf({ etcd: { members: 4 }, patroni: { nodes: 0 }, haproxy: { bindAddress: "x" } });
    assert.equal(err.issues.length, 3, err.message);
  });
});

describe("pool sizing against max_connections", () => {
  it("accepts the seeds' pool sizes with the default max_connections", () => {
    const c = parseStackConfig({}, "dev");
    assert.equal(c.pgbouncer.defaultPoolSize + c.pgbouncer.reservePoolSize, 30);
  });
  it("refuses pools that can exceed max_connections, naming both settings", () => {
    assert.throws(
      () => parseStackConfig({ pgbouncer: { defaultPoolSize: 90 }, patroni: { maxConnections: 100 } }, "dev"),
      /dpg-cluster:pgbouncer\.defaultPoolSize \+ pgbouncer\.reservePoolSize \(95\) can exceed what dpg-cluster:patroni\.maxConnections \(100\)[\s\S]*at least 108/,
    );
  });
});
