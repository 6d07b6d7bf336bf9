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
    ["clashing HAProxy ports", { haproxy: { writePort: 5001 } }, /dpg-cluster:haproxy\.writePort: port 5001 is also used by dpg-cluster:haproxy\.readPort/],
    ["the pooler on a HAProxy port", { pgbouncer: { port: 7000 } }, /dpg-cluster:haproxy\.statsPort: port 7000 is also used by dpg-cluster:pgbouncer\.port/],
    ["Prometheus on the pooler's port", { pgbouncer: { port: 9090 }, monitoring: { prometheusPort: 9090 } }, /port 9090 is also used by dpg-cluster:monitoring\.prometheusPort/],
    ["an octet above 255", { haproxy: { bindAddress: "127.0.0.300" } }, /dpg-cluster:haproxy\.bindAddress: has an octet above 255/],
    ["a subnet with host bits set", { network: { subnet: "10.213.0.5/24" } }, /dpg-cluster:network\.subnet: has host bits set: the network is 10\.213\.0\.0\/24/],
    ["a subnet too large for Docker", { network: { subnet: "10.0.0.0/8" } }, /dpg-cluster:network\.subnet: must have a prefix length between \/16 and \/28/],
    ["a client CIDR with a prefix above 32", { network: { clientCidrs: ["192.168.1.0/33"] } }, /dpg-cluster:network\.clientCidrs\.0: must have a prefix length between \/0 and \/32/],
    ["memory too small for the connections", { patroni: { memoryMb: 256 } }, /dpg-cluster:patroni\.memoryMb: 256 MB cannot hold shared_buffers \(64 MB\) plus 200 connections × 2 MB; raise patroni\.memoryMb to at least 464 or lower patroni\.maxConnections to at most 96/],
    ["Patroni timings that cannot hold the lease", { patroni: { ttl: 20, loopWait: 10, retryTimeout: 10 } }, /dpg-cluster:patroni\.ttl: loopWait 10 \+ 2 × retryTimeout 10 = 30 exceeds ttl 20; raise patroni\.ttl to at least 30/],
    ["max_connections as an override", { patroni: { parameters: { max_connections: 500 } } }, /dpg-cluster:patroni\.parameters\.max_connections: set by the program from dpg-cluster:patroni\.maxConnections/],
    ["ssl off as an override", { patroni: { parameters: { ssl: "off" } } }, /dpg-cluster:patroni\.parameters\.ssl: set by the program from dpg-cluster:tls\.enabled/],
    ["wal_level minimal", { patroni: { parameters: { wal_level: "minimal" } } }, /dpg-cluster:patroni\.parameters\.wal_level: "minimal" stops streaming replication/],
    ["asynchronous commits under synchronous mode", { patroni: { parameters: { synchronous_commit: "local" } } }, /dpg-cluster:patroni\.parameters\.synchronous_commit: "local" acknowledges commits before a standby/],
    ["md5 passwords", { patroni: { parameters: { password_encryption: "md5" } } }, /dpg-cluster:patroni\.parameters\.password_encryption: pg_hba requires scram-sha-256/],
    ["too few WAL senders", { patroni: { parameters: { max_wal_senders: 2 } } }, /dpg-cluster:patroni\.parameters\.max_wal_senders: 2 leaves no room for 2 replicas/],
    ["shared_buffers bigger than the node", { patroni: { parameters: { shared_buffers: "1GB" } } }, /dpg-cluster:patroni\.parameters\.shared_buffers: 1GB leaves no memory for backends/],
    ["dropping pg_stat_statements", { patroni: { parameters: { shared_preload_libraries: "auto_explain" } } }, /dpg-cluster:patroni\.parameters\.shared_preload_libraries: must keep pg_stat_statements/],
    ["a mistyped parameter name", { patroni: { parameters: { "Work-Mem": "8MB" } } }, /dpg-cluster:patroni\.parameters\.Work-Mem: not a PostgreSQL parameter name/],
    ["a parameter Patroni owns", { patroni: { parameters: { port: 6543 } } }, /dpg-cluster:patroni\.parameters\.port: Patroni sets this itself/],
    ["a CA that expires before its certificates", { tls: { caValidityDays: 365, certValidityDays: 400 } }, /dpg-cluster:tls\.caValidityDays \(365\) must exceed tls\.certValidityDays \(400\)/],
    ["a Grafana port without a Grafana image", { monitoring: { grafanaPort: 3000 } }, /dpg-cluster:monitoring\.grafanaPort: Grafana is only deployed with dpg-cluster:monitoring\.grafanaImage/],
    ["monitoring ports with monitoring off", { monitoring: { enabled: false, prometheusPort: 9090 } }, /dpg-cluster:monitoring\.prometheusPort: set while monitoring\.enabled is false/],
    ["the SMTP user under the renderer's old name", { monitoring: { alerting: { email: { to: "a@b.io", from: "c@b.io", smarthost: "smtp.b.io:587", username: "u" } } } }, /dpg-cluster:monitoring\.alerting\.email: unknown setting\(s\) "username"/],
    ["an attestation of an unknown item", { attestations: { "001-SEC-99": { owner: "ops", date: "2026-01-01", expires: "2027-01-01" } } }, /dpg-cluster:attestations\.001-SEC-99: no readiness item has this id/],
    ["an attestation of a measured item", { attestations: { "000-HA-01": { owner: "ops", date: "2026-01-01", expires: "2027-01-01" } } }, /dpg-cluster:attestations\.000-HA-01: 000-HA-01 is decided by measuring the running cluster, not by a person/],
    ["an attestation that expires before its date", { attestations: { "000-HA-03": { owner: "ops", date: "2026-05-01", expires: "2026-01-01" } } }, /dpg-cluster:attestations\.000-HA-03\.expires \(2026-01-01\) must be after its date/],
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

  it("reads an unquoted YAML date in an attestation as the day it names", () => {
    // `date: 2026-01-01` unquoted in Pulumi.<stack>.yaml reaches the program as "2026-01-01 00:00:00 +0000 UTC".
    const c = parseStackConfig({ attestations: { "000-HA-03": { owner: "ops", date: "2026-01-01 00:00:00 +0000 UTC", expires: "2027-01-01T00:00:00Z" } } }, "dev");
    assert.deepEqual(c.attestations["000-HA-03"], { owner: "ops", date: "2026-01-01", expires: "2027-01-01" });
  });

  it("takes attestations of the 72-hour criteria no metric shows (security incidents, cost)", () => {
    const c = parseStackConfig({ attestations: { "72H-SECURITY": { owner: "sec", date: "2026-12-05", expires: "2027-01-01" }, "72H-COST": { owner: "fin", date: "2026-12-05", expires: "2027-01-01" } } }, "dev");
    assert.deepEqual(Object.keys(c.attestations).sort(), ["72H-COST", "72H-SECURITY"]);
  });

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
