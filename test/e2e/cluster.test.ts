// The main job for real: `pulumi up` on the real engine and real Docker brings up etcd, Patroni
// and HAProxy; the cluster serves writes and reads; `pulumi destroy` leaves nothing behind.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client } from "pg";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { docker, eventually, pulumi, REPO_ROOT, run } from "../support/cli";
import { alertRuleGroups } from "../../components/monitoring/rules";
import { assertFullBackupListed, assertRepoEncrypted, databaseTime, listBackups, pitrCleanup, pitrRestore, psql, runBackup, schedulerStatus, switchWalAndWaitArchived } from "../support/backup";
import { assertRulesLoaded, assertTargetsUp, getJson, waitForWebhookAlert } from "../support/monitoring";
import { createTestStack, readStackConfig, TestStack } from "../support/stack";
import { catalog } from "../../policies/catalog";
import { collectLive } from "../../policies/live/collect";
import { composeVersion, kernelNtpState, readRecord, recordFile, systemIdentifier } from "../../policies/live/gather";
import type { DrillRecord, PitrRecord } from "../../policies/live/judges";
import { gatherSuccessWindow } from "../../policies/live/success-window";
import { renderWindowText } from "../../policies/report/render";
import { today } from "../../policies/score/attestations";
import { settingsFrom, targetFrom } from "../../policies/live/target";

const PREFIX = "dpg-e2e";
const WRITE_PORT = 21000;
const READ_PORT = 21001;
const POOLER_PORT = 21432;
const PROMETHEUS_URL = "http://127.0.0.1:21090";
const WEBHOOK_URL = "http://127.0.0.1:21095";

/** The stack's exported CA: every client connection below verifies the server against it. */
let caCertPem = "";

async function query(port: number, password: string, sql: string, params: unknown[] = [], user = "app_user", ssl: object | false = { ca: caCertPem }) {
  const client = new Client({ host: "127.0.0.1", port, user, password, database: "app", connectionTimeoutMillis: 5000, query_timeout: 10000, ssl });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** Patroni's /cluster, over its TLS REST API, verified with the cluster CA. */
function patroniCluster(): string {
  return docker(["exec", `${PREFIX}-pg-1`, "curl", "-fsS", "--cacert", "/etc/dpg-tls/ca.crt", "https://127.0.0.1:8008/cluster"]).stdout;
}

/** The container of the current Patroni leader, from Patroni's /cluster. */
function leaderContainer(): string {
  const out = patroniCluster();
  const leader = (JSON.parse(out).members as Array<{ name: string; role: string }>).find((m) => m.role === "leader");
  assert.ok(leader, `no leader in ${out}`);
  return leader.name;
}

/** What the report's live collector measures for this stack: its outputs (secrets included) and settings. */
function liveTarget(name: string) {
  return targetFrom(name, JSON.parse(pulumi(["stack", "output", "--stack", name, "--json", "--show-secrets"]).stdout), settingsFrom(readStackConfig(name), name));
}

function stackContainers(): string[] {
  return docker(["ps", "-a", "--filter", `label=dpg.stack=${PREFIX}`, "--format", "{{.Names}}"]).stdout.split("\n").filter(Boolean);
}

describe("dev stack on the real engine and real Docker", { timeout: 40 * 60_000 }, () => {
  let stack: TestStack;
  let appPassword: string;
  let upSeconds = 0;

  before(async () => {
    stack = createTestStack("e2e", "dev", {
      namePrefix: PREFIX,
      haproxy: { writePort: WRITE_PORT, readPort: READ_PORT, statsPort: 21700 },
      pgbouncer: { port: POOLER_PORT },
      monitoring: { prometheusPort: 21090, alertmanagerPort: 21093, webhookPort: 21095 },
      network: { subnet: "10.213.30.0/24" },
    });
    const t0 = Date.now();
    pulumi(["up", "--yes", "--skip-preview", "--stack", stack.name], { timeoutMs: 30 * 60_000 });
    upSeconds = (Date.now() - t0) / 1000;
    appPassword = new URL(stack.output("writeConnectionString")).password;
    caCertPem = stack.output("caCertPem");
    console.log(`# pulumi up (images cached or built) took ${upSeconds.toFixed(1)} s; it waited ${stack.output("writePathReadyAfterSeconds")} s of that for a writable primary`);
  });

  after(() => {
    if (!stack) return;
    pulumi(["destroy", "--yes", "--skip-preview", "--stack", stack.name], { timeoutMs: 10 * 60_000, allowFail: true });
    stack.remove();
  });

  it("accepts a write through the HAProxy write port and serves it back through the read port", async () => {
    const t0 = Date.now();
    await eventually("a writable primary behind the write port", () => query(WRITE_PORT, appPassword, "SELECT 1").then(() => true), 120_000);
    console.log(`# first connection through the write port ${(Date.now() - t0) / 1000} s after pulumi up returned`);
    await eventually("a write to succeed", () =>
      query(WRITE_PORT, appPassword, "CREATE TABLE IF NOT EXISTS e2e_rows (id int PRIMARY KEY, note text); INSERT INTO e2e_rows VALUES (1, 'written through haproxy') ON CONFLICT DO NOTHING").then(() => true),
      60_000,
    );
    const replicaRow = await eventually("the row on a replica", async () => {
      const r = await query(READ_PORT, appPassword, "SELECT note, pg_is_in_recovery() AS replica FROM e2e_rows WHERE id = 1");
      return r.rows.length === 1 ? r.rows[0] : undefined;
    }, 60_000);
    assert.equal(replicaRow.note, "written through haproxy");
    assert.equal(replicaRow.replica, true, "the read port must reach a replica");
    const primary = await query(WRITE_PORT, appPassword, "SELECT pg_is_in_recovery() AS replica");
    assert.equal(primary.rows[0].replica, false, "the write port must reach the leader");
  });

  it("has the vector extension in the application database and answers a distance query", async () => {
    const ext = await query(WRITE_PORT, appPassword, "SELECT extname, extversion FROM pg_extension WHERE extname = 'vector'");
    assert.equal(ext.rows.length, 1, "pg_extension should list vector");
    const d = await query(WRITE_PORT, appPassword, "SELECT '[1,2,3]'::vector <-> '[4,5,6]'::vector AS distance");
    assert.ok(Math.abs(Number(d.rows[0].distance) - Math.sqrt(27)) < 1e-6, `distance ${d.rows[0].distance}`);
    console.log(`# vector extension ${ext.rows[0].extversion}`);
  });

  it("shows 1 leader and 2 streaming replicas in Patroni's /cluster", async () => {
    const members = await eventually("1 leader + 2 streaming replicas", () => {
      const m = JSON.parse(patroniCluster()).members as Array<{ name: string; role: string; state: string }>;
      const leaders = m.filter((x) => x.role === "leader");
      const streaming = m.filter((x) => x.role !== "leader" && x.state === "streaming");
      return leaders.length === 1 && streaming.length === 2 ? m : undefined;
    }, 90_000);
    console.log(`# patroni members: ${members.map((m) => `${m.name}=${m.role}/${m.state}`).join(", ")}`);
    assert.equal(members.length, 3);
  });

  it("refuses a connection without TLS and accepts one that verifies the server against the exported CA", async () => {
    await assert.rejects(query(WRITE_PORT, appPassword, "SELECT 1", [], "app_user", false), /no pg_hba\.conf entry|no encryption|rejects connection/);
    const tlsRow = await query(WRITE_PORT, appPassword, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    assert.equal(tlsRow.rows[0].ssl, true);
    // libpq's own verify-full, as an operator would connect with the exported CA.
    const caFile = path.join(os.tmpdir(), `dpg-e2e-ca-${process.pid}.crt`);
    fs.writeFileSync(caFile, caCertPem);
    try {
      const url = `postgresql://app_user@127.0.0.1:${WRITE_PORT}/app?sslmode=verify-full&sslrootcert=${caFile}`;
      const out = run("psql", [url, "-XAtc", "SELECT current_user"], { env: { PGPASSWORD: appPassword } }).stdout.trim();
      assert.equal(out, "app_user");
      const wrongCa = run("psql", [url.replace(caFile, "/etc/ssl/certs/ca-certificates.crt"), "-XAtc", "SELECT 1"], { env: { PGPASSWORD: appPassword }, allowFail: true });
      assert.notEqual(wrongCa.status, 0, "verify-full must fail against a CA that did not sign the server");
    } finally {
      fs.rmSync(caFile, { force: true });
    }
    // The pooler requires TLS from clients too.
    await assert.rejects(query(POOLER_PORT, appPassword, "SELECT 1", [], "app_user", false), /SSL required|server does not support SSL|TLS/i);
  });

  // 001-SEC-01: the superuser is locked to the local socket; Patroni's own connections use it.
  it("refuses the superuser over TCP through the write port, with the right password, and serves it on the local socket", async () => {
    await assert.rejects(query(WRITE_PORT, stack.output("superuserPassword"), "SELECT 1", [], "postgres"), /pg_hba\.conf rejects connection for host .*user "postgres"/);
    assert.equal(psql(leaderContainer(), "SELECT current_user"), "postgres");
  });

  it("has 3 healthy etcd members", () => {
    const certs = ["--cacert=/etc/dpg-tls/ca.crt", "--cert=/etc/dpg-tls/server.crt", "--key=/etc/dpg-tls/server.key"];
    const out = docker(["exec", "-u", "etcd", `${PREFIX}-etcd-1`, "etcdctl", ...certs, "--endpoints=https://127.0.0.1:2379", "endpoint", "health", "--cluster", "-w", "json"]).stdout;
    const health = JSON.parse(out) as Array<{ endpoint: string; health: boolean }>;
    assert.equal(health.length, 3, out);
    assert.ok(health.every((h) => h.health), out);
  });

  it("lets app_user read and write its schema but not create roles", async () => {
    await query(WRITE_PORT, appPassword, "CREATE TABLE IF NOT EXISTS e2e_roles (id int); INSERT INTO e2e_roles VALUES (1)");
    const r = await query(WRITE_PORT, appPassword, "SELECT count(*)::int AS n FROM e2e_roles");
    assert.equal(r.rows[0].n, 1);
    await assert.rejects(query(WRITE_PORT, appPassword, "CREATE ROLE e2e_intruder"), /permission denied to create role/);
    await assert.rejects(query(WRITE_PORT, appPassword, "CREATE DATABASE e2e_other"), /permission denied to create database/);
  });

  it("serves 40 concurrent clients through PgBouncer", async () => {
    const clients = Array.from({ length: 40 }, (_, i) =>
      query(POOLER_PORT, appPassword, "SELECT $1::int AS i, pg_sleep(0.2), pg_is_in_recovery() AS replica", [i]).then((r) => r.rows[0]),
    );
    const rows = await Promise.all(clients);
    assert.equal(rows.length, 40);
    assert.deepEqual(rows.map((r) => r.i).sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
    assert.ok(rows.every((r) => r.replica === false), "the pooler must reach the leader");
  });

  it("Prometheus scrapes every target, up and labelled with cluster and role", async () => {
    const targets = await assertTargetsUp(PROMETHEUS_URL, { jobs: ["prometheus", "alertmanager", "node", "postgres", "patroni", "etcd", "haproxy", "pgbouncer"], cluster: PREFIX, timeoutMs: 150_000 });
    console.log(`# prometheus targets up: ${targets.length}`);
    const leaders = await getJson(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(`sum(patroni_primary{cluster="${PREFIX}"})`)}`);
    assert.equal(Number(leaders.data.result[0]?.value[1]), 1, "exactly one leader by patroni_primary");
  });

  it("Prometheus has loaded every alert rule", async () => {
    const groups = alertRuleGroups({ cluster: PREFIX });
    const loaded = await assertRulesLoaded(PROMETHEUS_URL, groups.map((g) => g.name));
    assert.deepEqual([...loaded].sort(), groups.flatMap((g) => g.rules.map((r) => r.alert)).sort());
  });

  it("delivers an alert to the webhook receiver through Alertmanager", async () => {
    const alert = await waitForWebhookAlert(WEBHOOK_URL, "Watchdog", 120_000);
    assert.equal(alert.labels.cluster, PREFIX);
  });

  it("bootstraps the pgBackRest stanza with archiving on, and the scheduler takes the initial full backup on the leader", async () => {
    const leader = leaderContainer();
    assert.equal(psql(leader, "SHOW archive_mode"), "on");
    assert.equal(psql(leader, "SHOW archive_command"), "pgbackrest --stanza=main archive-push %p");
    const status = await eventually("the scheduler's initial full backup", () => {
      const st = schedulerStatus(leader);
      return st?.last_success ? st : undefined;
    }, 180_000, 3000);
    assert.equal(status.last_success.type, "full", JSON.stringify(status));
    assert.equal(status.node, leader, "only the leader runs scheduled backups");
    assertRepoEncrypted(leader);
  });

  it("completes a full backup that pgbackrest info lists", () => {
    const leader = leaderContainer();
    const before = listBackups(leader).filter((b) => b.type === "full").length;
    const ms = runBackup(leader, "full");
    const full = assertFullBackupListed(leader);
    assert.equal(listBackups(leader).filter((b) => b.type === "full").length, before + 1);
    console.log(`# full backup ${(ms / 1000).toFixed(1)} s, database ${(full.size / 1048576).toFixed(1)} MB, repository ${(full.repoDelta / 1048576).toFixed(1)} MB`);
  });

  it("exports backup and certificate expiry metrics that the backup and certificate alerts read", async () => {
    const series = async (metric: string) => {
      const body = await getJson(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(`${metric}{cluster="${PREFIX}"}`)}`);
      return body.data.result as Array<{ metric: Record<string, string>; value: [number, string] }>;
    };
    const backups = await eventually("dpg_backup_last_success_timestamp_seconds in Prometheus", async () => {
      const r = await series("dpg_backup_last_success_timestamp_seconds");
      return r.some((x) => x.metric.type === "full") ? r : undefined;
    }, 90_000, 3000);
    const fullAge = Date.now() / 1000 - Number(backups.find((x) => x.metric.type === "full")!.value[1]);
    assert.ok(fullAge >= 0 && fullAge < 3600, `last full backup ${fullAge} s ago`);
    const certs = await series("dpg_certificate_not_after_timestamp_seconds");
    assert.ok(certs.length >= 8, `${certs.length} certificate series`);
    const daysLeft = Math.min(...certs.map((c) => (Number(c.value[1]) - Date.now() / 1000) / 86400));
    assert.ok(daysLeft > 300, `a certificate expires in ${daysLeft.toFixed(0)} days`);
  });

  it("restores a throwaway copy to a point in time with exactly the rows committed before it", async () => {
    const leader = leaderContainer();
    const copy = `${PREFIX}-pitr`;
    try {
      await query(WRITE_PORT, appPassword, "CREATE TABLE pitr_probe (v text PRIMARY KEY); INSERT INTO pitr_probe VALUES ('a1'), ('a2'), ('a3')");
      await new Promise((r) => setTimeout(r, 1500));
      const target = databaseTime(leader);
      await new Promise((r) => setTimeout(r, 1500));
      await query(WRITE_PORT, appPassword, "INSERT INTO pitr_probe VALUES ('b1'), ('b2')");
      await switchWalAndWaitArchived(leader);
      const { ms, output } = pitrRestore(PREFIX, target, copy, ["--record", stack.name]);
      console.log(`# point-in-time restore into a copy took ${(ms / 1000).toFixed(1)} s`);
      assert.match(output, /promoted/);
      assert.equal(psql(copy, "SELECT string_agg(v, ',' ORDER BY v) FROM app.pitr_probe", "app"), "a1,a2,a3");
      assert.equal(psql(copy, "SHOW archive_mode"), "off", "the copy must never archive into the cluster's repository");
    } finally {
      pitrCleanup(PREFIX, copy);
    }
  });

  it("keeps every password out of container env and out of `pulumi stack export`", () => {
    const passwords = [appPassword, stack.output("superuserPassword"), stack.output("exporterPassword")];
    for (const p of passwords) assert.ok(p.length >= 16);
    const containers = stackContainers();
    for (const part of ["etcd-1", "etcd-2", "etcd-3", "pg-1", "pg-2", "pg-3", "haproxy", "pgbouncer", "prometheus", "alertmanager", "pgexp-1"]) {
      assert.ok(containers.includes(`${PREFIX}-${part}`), `${PREFIX}-${part} missing from ${containers.join(",")}`);
    }
    const inspected = docker(["inspect", ...containers]).stdout;
    const envs = (JSON.parse(inspected) as Array<{ Config: { Env: string[] } }>).flatMap((c) => c.Config.Env ?? []);
    for (const p of passwords) assert.ok(!envs.some((e) => e.includes(p)), "a password is in a container's env");
    const exported = pulumi(["stack", "export", "--stack", stack.name]).stdout;
    for (const p of passwords) assert.ok(!exported.includes(p), "a password is in plaintext in pulumi stack export");
    assert.doesNotMatch(exported, /BEGIN (EC |RSA )?PRIVATE KEY/, "a TLS private key is in plaintext in pulumi stack export");
    assert.match(exported, /"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"/, "secrets should be stored as encrypted secret values");
  });

  it("gives every file that holds a secret to its service's user only (0600), and runs no service as root", () => {
    const secretFiles: Record<string, { user: string; files: string[] }> = {
      "pg-1": { user: "postgres", files: ["/etc/patroni/patroni.yml", "/etc/patroni/bootstrap.sql", "/etc/pgbackrest/pgbackrest.conf", "/etc/dpg-tls/server.key"] },
      pgbouncer: { user: "postgres", files: ["/etc/pgbouncer/userlist.txt", "/etc/dpg-tls/server.key"] },
      "etcd-1": { user: "etcd", files: ["/etc/dpg-tls/server.key"] },
      "pgexp-1": { user: "postgres", files: ["/etc/postgres_exporter/password"] },
      "pgbouncer-exporter": { user: "prometheus", files: ["/etc/dpg-monitoring/secrets/pgbouncer-password"] },
    };
    for (const [part, { user, files }] of Object.entries(secretFiles)) {
      const container = `${PREFIX}-${part}`;
      const modes = docker(["exec", container, "stat", "-c", "%n %U %a", ...files]).stdout.trim().split("\n");
      assert.deepEqual(modes, files.map((f) => `${f} ${user} 600`), `${container}: ${modes.join("; ")}`);
      // The root that started the container cannot read them either (no DAC_OVERRIDE): only the service can.
      assert.notEqual(docker(["exec", container, "cat", files[0]], { allowFail: true }).status, 0, `${container}: root read ${files[0]}`);
      // PID 1 (dumb-init) and the service run as the user, with no capabilities left.
      const status = docker(["exec", container, "cat", "/proc/1/status"]).stdout;
      const uid = docker(["exec", container, "id", "-u", user]).stdout.trim();
      assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, "m"), `${container}: PID 1 is not ${user}`);
      assert.match(status, /^CapEff:\s+0+$/m, `${container}: PID 1 keeps capabilities`);
    }
  });

  it("the readiness report measures the live items on the deployed stack and scores them", () => {
    const out = path.join(REPO_ROOT, "reports", `${stack.name}-live`);
    const r = run("node", ["--import", "tsx", "policies/report/cli.ts", "--stack", stack.name, "--out", out], { allowFail: true, timeoutMs: 10 * 60_000 });
    assert.equal(r.status, 1, r.stdout.slice(-2000) + r.stderr.slice(-2000));
    const report = JSON.parse(fs.readFileSync(path.join(out, "readiness.json"), "utf8"));
    const byId = new Map<string, { status: string; evidence: string }>(report.items.map((i: { id: string }) => [i.id, i]));
    const measured = catalog().filter((i) => i.measuredBy);
    for (const i of measured) assert.notEqual(byId.get(i.id)?.status, "not-measured", `${i.id} was not measured: ${byId.get(i.id)?.evidence}`);
    // What this cluster really is: healthy HA, reachable, scraped, least privilege; pgvector, not RuVector.
    for (const id of ["003-DB-01", "000-HA-01", "003-DIS-01", "000-MON-01", "000-SEC-06", "000-DB-05", "000-PERF-02", "001-INF-05"])
      assert.equal(byId.get(id)?.status, "pass", `${id}: ${byId.get(id)?.evidence}`);
    // The dev config's pgvector fails the static precondition; the measurement is kept in the evidence.
    assert.equal(byId.get("000-DB-01")?.status, "fail");
    assert.match(byId.get("000-DB-01")!.evidence, /^precondition fails: vector-extension: the stack creates pgvector \(vector\).*measured: PostgreSQL 17\.\d+ \(server_version_num 170\d{3} ≥ 150000\); pgvector 0\.8\.\d+ installed; the seeds require RuVector ≥ 2\.0\.0/);
    // The version is read from the running server, not from the declared major.
    assert.equal(byId.get("001-DB-01")?.status, "pass", byId.get("001-DB-01")?.evidence);
    assert.match(byId.get("001-DB-01")!.evidence, /^PostgreSQL 17\.\d+ \(server_version_num 170\d{3} ≥ 150000\) through the write port/);
    assert.match(byId.get("000-HA-01")!.evidence, /3\/3 members, 1 leader/);
    assert.match(byId.get("003-DIS-02")!.evidence, /containers running and healthy|not healthy/);
    // Issue 8: what this stack really is, judged from what it serves and declares.
    assert.equal(byId.get("001-SEC-01")?.status, "pass", byId.get("001-SEC-01")?.evidence);
    assert.match(byId.get("001-SEC-01")!.evidence, /28000: pg_hba\.conf rejects connection .*user "postgres"/);
    for (const id of ["000-INF-07", "001-SEC-03"]) assert.equal(byId.get(id)?.status, "pass", `${id}: ${byId.get(id)?.evidence}`);
    assert.match(byId.get("000-INF-07")!.evidence, /PostgreSQL via the write port 127\.0\.0\.1:\d+ 3\d\d d.*Patroni REST .*etcd /);
    for (const id of ["000-MON-02", "000-MON-03", "000-MON-04", "000-MON-05"]) assert.match(byId.get(id)!.evidence, /no Grafana serves the dashboard/, id);
    assert.match(byId.get("000-MON-12")!.evidence, /only the built-in test sink/);
    assert.match(byId.get("001-DB-13")!.evidence, /PostgreSQL max_connections is 200/);
    assert.equal(byId.get("001-DB-05")?.status, "pass", byId.get("001-DB-05")?.evidence);
    for (const id of ["001-DB-08", "000-PERF-08"]) assert.equal(byId.get(id)?.status, "unknown", `${id} has no vector column to judge: ${byId.get(id)?.evidence}`);
    assert.equal(byId.get("003-BKP-02")?.status, "pass", `the PITR test above recorded its restore: ${byId.get("003-BKP-02")?.evidence}`);
    const ntp = kernelNtpState();
    assert.equal(byId.get("001-INF-12")?.status, ntp === null ? "unknown" : ntp.synchronized && ntp.maxErrorUs < 500_000 ? "pass" : "fail", byId.get("001-INF-12")?.evidence);
    assert.equal(byId.get("000-INF-01")?.status, composeVersion() === null ? "fail" : byId.get("000-INF-01")?.status, byId.get("000-INF-01")?.evidence);
    // A cluster minutes old: Prometheus has seen a sliver of the 72 h, so none of its criteria can pass yet.
    const window = report.successWindow?.window;
    assert.ok(window, `no 72-hour section: ${JSON.stringify(report.successWindow)}`);
    assert.equal(window.criteria.length, 9);
    for (const c of window.criteria.filter((x: { source: string }) => x.source === "prometheus")) assert.notEqual(c.verdict, "pass", `${c.id}: ${c.evidence}`);
    assert.match(r.stdout, /^72-hour success criteria \(seed 001\): /m);
    console.log(`# live report: ${r.stdout.trim().split("\n").filter((l) => /READY/.test(l)).pop()}; ${r.stderr.trim().split("\n").filter((l) => l.startsWith("[live]")).join("; ")}`);
  });

  it("the live collector sees a stopped replica and a stopped etcd member, and the cluster recovers", async () => {
    const target = liveTarget(stack.name);
    const items = catalog().filter((i) => i.measuredBy === "patroni" || i.measuredBy === "etcd");
    const replica = (JSON.parse(patroniCluster()).members as Array<{ name: string; role: string }>).find((m) => m.role !== "leader")!.name;
    docker(["stop", replica]);
    docker(["stop", `${PREFIX}-etcd-3`]);
    try {
      const live = await collectLive(target, items, { reportsDir: path.join(REPO_ROOT, "reports") });
      assert.equal(live.get("000-HA-01")?.status, "fail", live.get("000-HA-01")?.evidence);
      assert.match(live.get("000-HA-01")!.evidence, new RegExp(`${replica} replica stopped|2/3 members`));
      assert.equal(live.get("003-DIS-01")?.status, "fail", live.get("003-DIS-01")?.evidence);
      assert.match(live.get("003-DIS-01")!.evidence, /2\/3 etcd members healthy.*etcd-3:2379 unhealthy/);
    } finally {
      docker(["start", `${PREFIX}-etcd-3`]);
      docker(["start", replica]);
    }
    await eventually("1 leader + 2 streaming replicas again", () => {
      const m = JSON.parse(patroniCluster()).members as Array<{ role: string; state: string }>;
      return m.filter((x) => x.role !== "leader" && x.state === "streaming").length === 2 ? true : undefined;
    }, 120_000);
    const again = await collectLive(target, items, { reportsDir: path.join(REPO_ROOT, "reports") });
    assert.equal(again.get("000-HA-01")?.status, "pass", again.get("000-HA-01")?.evidence);
    assert.equal(again.get("003-DIS-01")?.status, "pass", again.get("003-DIS-01")?.evidence);
  });

  it("the failover drill kills the leader, loses no acknowledged write, and the report reads its record", async () => {
    const r = run("node", ["--import", "tsx", "policies/live/drill.ts", "--stack", stack.name], { allowFail: true, timeoutMs: 8 * 60_000 });
    assert.equal(r.status, 0, r.stdout.slice(-2000) + r.stderr.slice(-3000));
    const record = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "reports", stack.name, "drills.json"), "utf8"));
    assert.ok(record.failover.committedRows >= 20, `${record.failover.committedRows} rows written`);
    assert.equal(record.failover.rowsAfter, record.failover.committedRows, "acknowledged writes lost in the failover");
    assert.notEqual(record.failover.newLeader, record.failover.oldLeader);
    assert.ok(record.failover.seconds > 0 && record.failover.seconds < 120, `failover ${record.failover.seconds} s`);
    assert.equal(record.rejoin.ok, true);
    assert.equal(record.switchover.ok, true);
    // The reconnect is measured: a session held through HAProxy across the kill ended, and a new one wrote.
    assert.equal(record.reconnect.ok, true, JSON.stringify(record.reconnect));
    assert.ok(record.reconnect.sessionError, "the session open at the kill must have ended");
    const target = liveTarget(stack.name);
    const live = await collectLive(target, catalog().filter((i) => i.measuredBy === "drills"), { reportsDir: path.join(REPO_ROOT, "reports") });
    assert.equal(live.get("003-HA-02")?.status, "pass", live.get("003-HA-02")?.evidence);
    assert.equal(live.get("000-HA-02")?.status, record.failover.seconds < 30 ? "pass" : "fail", live.get("000-HA-02")?.evidence);
    console.log(`# drill: ${r.stdout.trim().replace(/\n/g, "; ")}`);
  });

  it("after the drill, the 72-hour section fails 'zero unplanned failovers' from Prometheus's timeline, and DR counts as tested", async () => {
    const t0 = Date.now();
    const target = liveTarget(stack.name);
    const reportsDir = path.join(REPO_ROOT, "reports");
    const id = await systemIdentifier(target);
    const drill = readRecord<DrillRecord>(recordFile(reportsDir, stack.name, "drills"), stack.name, id, "failover drill");
    const pitr = readRecord<PitrRecord>(recordFile(reportsDir, stack.name, "pitr"), stack.name, id, "point-in-time restore");
    const inputs = { promotions: [], drill, pitr, attestations: {}, asOf: today() };
    // The new leader's timeline reaches Prometheus at its next scrape (15 s).
    const window = await eventually("the drill's timeline change in Prometheus", async () => {
      const w = await gatherSuccessWindow(target, inputs);
      return w.criteria.find((c) => c.id === "failovers")?.verdict === "fail" ? w : undefined;
    }, 30_000, 3000);
    const by = new Map(window.criteria.map((c) => [c.id, c]));
    // The drill fails over and then switches over: two timeline changes, which one range step may show as 1 → 3.
    assert.match(by.get("failovers")!.evidence, /^[1-9]\d* promotion\(s\) in the window: \S+Z timeline 1 → [2-9]/);
    assert.equal(by.get("dr-tested")?.verdict, "pass", by.get("dr-tested")?.evidence);
    for (const c of window.criteria.filter((x) => x.source === "prometheus")) {
      assert.notEqual(c.verdict, "pass", `${c.id} cannot pass on a cluster minutes old: ${c.evidence}`);
      assert.ok(c.observedSeconds < 3 * 3600, `${c.id} observed ${c.observedSeconds} s`);
    }
    for (const c of window.criteria.filter((x) => x.source === "attestation")) assert.equal(c.verdict, "undecided", c.evidence);
    console.log(renderWindowText({ window }, 200).replace(/^/gm, "# "));
    console.log(`# 72-hour window judged in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it("the benchmark serves 1,000 concurrent clients, measures TPS in a scratch database, and the report reads its record", async () => {
    const r = run("node", ["--import", "tsx", "policies/live/bench.ts", "--stack", stack.name], { allowFail: true, timeoutMs: 8 * 60_000 });
    assert.equal(r.status, 0, r.stdout.slice(-2000) + r.stderr.slice(-3000));
    const record = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "reports", stack.name, "bench.json"), "utf8"));
    assert.equal(record.concurrentClients.succeeded, 1000, JSON.stringify(record.concurrentClients));
    assert.ok(record.pgbench.tpcbTps > 0 && record.pgbench.selectOnlyTps > 0, JSON.stringify(record.pgbench));
    assert.equal(record.pgbench.failed, 0);
    assert.ok(record.latency.samples === 500 && record.latency.p50 <= record.latency.p95 && record.latency.p95 <= record.latency.p99);
    const databases = await query(WRITE_PORT, appPassword, "SELECT datname FROM pg_database");
    assert.ok(!databases.rows.some((d: { datname: string }) => d.datname === "dpg_bench"), "the scratch database is dropped");
    const target = liveTarget(stack.name);
    const live = await collectLive(target, catalog().filter((i) => i.measuredBy === "bench"), { reportsDir: path.join(REPO_ROOT, "reports") });
    assert.equal(live.get("001-PERF-01")?.status, "pass", live.get("001-PERF-01")?.evidence);
    assert.equal(live.get("001-MON-09")?.status, "pass", live.get("001-MON-09")?.evidence);
    assert.equal(live.get("001-PERF-02")?.status, record.pgbench.tpcbTps >= 100 ? "pass" : "fail", live.get("001-PERF-02")?.evidence);
    console.log(`# bench: ${r.stdout.trim().split("\n").slice(0, 4).join("; ")}`);
  });

  it("leaves no container, volume or network behind after destroy", () => {
    pulumi(["destroy", "--yes", "--skip-preview", "--stack", stack.name], { timeoutMs: 10 * 60_000 });
    assert.deepEqual(stackContainers(), []);
    const volumes = docker(["volume", "ls", "--format", "{{.Name}}"]).stdout.split("\n").filter((v) => v.startsWith(`${PREFIX}-`));
    assert.deepEqual(volumes, []);
    const networks = docker(["network", "ls", "--format", "{{.Name}}"]).stdout.split("\n").filter((n) => n.startsWith(`${PREFIX}-`));
    assert.deepEqual(networks, []);
  });
});
