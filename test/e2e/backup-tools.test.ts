// pgBackRest in the real image: the rendered config and schedule pass the real tools, the
// scheduler's own tests pass in the image, and on a real one-node Patroni cluster (no Pulumi) a
// full backup completes, WAL is archived, and a point-in-time restore into a throwaway copy
// has exactly the rows committed before the target time.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { BACKUP_DEFAULTS, BACKUP_SCHEDULE_PATH, BackupSettings, PGBACKREST_CONFIG_PATH, archiveParameters, postBootstrapCommands, recoveryConf, renderBackupSchedule, renderPgBackRestConf } from "../../components/backup/render";
import { renderEtcdConfig } from "../../components/etcd/render";
import { BOOTSTRAP_SQL_PATH, PATRONI_CONFIG_PATH, POST_BOOTSTRAP_PATH, renderBootstrapSql, renderPatroniConfig, renderPostBootstrapScript } from "../../components/patroni/render";
import {
  assertFullBackupListed, assertRepoEncrypted, databaseTime, listBackups, pitrCleanup, pitrRestore, postBootstrapWithBackup, psql,
  runBackup, schedulerStatus, switchWalAndWaitArchived, withBackup,
} from "../support/backup";
import { docker, eventually, REPO_ROOT } from "../support/cli";
import { clusterSettings } from "../support/fixtures";
import { ensureImage } from "../support/images";

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "dpg-backup-"));
fs.chmodSync(workDir, 0o755);
function file(name: string, content: string): string {
  const p = path.join(workDir, name);
  fs.writeFileSync(p, content);
  fs.chmodSync(p, 0o644);
  return p;
}
const PASS = "golden-cipher-pass-0123456789abcdef0123456789";

describe("pgBackRest config and scheduler pass the real tools", { timeout: 15 * 60_000 }, () => {
  after(() => fs.rmSync(path.join(workDir, "tools"), { recursive: true, force: true }));

  it("pgbackrest reads the rendered config without warnings and flags a broken one", () => {
    const image = ensureImage("patroni");
    const variants: [string, BackupSettings][] = [
      ["count.conf", BACKUP_DEFAULTS],
      ["time.conf", { ...BACKUP_DEFAULTS, retentionFullType: "time", retentionFull: 14, archiveAsync: false, compressType: "lz4" }],
    ];
    for (const [name, s] of variants) file(name, renderPgBackRestConf(s, PASS));
    file("broken.conf", renderPgBackRestConf(BACKUP_DEFAULTS, PASS).replace("start-fast=y", "start-fastest=y"));
    const check = (conf: string) =>
      docker(["run", "--rm", "--network", "none", "-v", `${workDir}:/cfg:ro`, "--entrypoint", "sh", image, "-c",
        `pgbackrest --config=/cfg/${conf} --stanza=main info 2>&1; pgbackrest --config=/cfg/${conf} --stanza=main --dry-run expire 2>&1 || true`]);
    for (const [name] of variants) {
      const out = check(name).stdout;
      assert.doesNotMatch(out, /WARN|invalid|ERROR: \[03[12]\]/, `${name}: ${out}`);
      assert.match(out, /stanza: main/);
    }
    assert.match(check("broken.conf").stdout, /invalid option 'start-fastest'/);
  });

  it("the scheduler reads the rendered schedule (weekly full, daily incr) and passes its unit tests in the image", () => {
    const image = ensureImage("patroni");
    file("backup-schedule", renderBackupSchedule(BACKUP_DEFAULTS));
    const next = docker(["run", "--rm", "--network", "none", "-v", `${workDir}:/cfg:ro`, "--entrypoint", "python3", image,
      "/usr/local/lib/dpg/dpg_backup_scheduler.py", "check", "--schedule", "/cfg/backup-schedule", "--from", "2026-11-21T12:00+00:00", "--count", "8"]).stdout;
    assert.deepEqual(next.trim().split("\n"), [
      "initial full",
      "2026-11-22 02:00 Sun full", "2026-11-23 02:00 Mon incr", "2026-11-24 02:00 Tue incr", "2026-11-25 02:00 Wed incr",
      "2026-11-26 02:00 Thu incr", "2026-11-27 02:00 Fri incr", "2026-11-28 02:00 Sat incr", "2026-11-29 02:00 Sun full",
    ]);
    file("bad-schedule", "0 25 * * * full\n");
    const bad = docker(["run", "--rm", "--network", "none", "-v", `${workDir}:/cfg:ro`, "--entrypoint", "python3", image,
      "/usr/local/lib/dpg/dpg_backup_scheduler.py", "check", "--schedule", "/cfg/bad-schedule"], { allowFail: true });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /line 1: hour field/);
    const unit = docker(["run", "--rm", "--network", "none", "-v", `${path.join(REPO_ROOT, "components", "backup")}:/t:ro`,
      "-e", "PYTHONPATH=/usr/local/lib/dpg", "-e", "PYTHONDONTWRITEBYTECODE=1", "--entrypoint", "python3", image,
      "-m", "unittest", "discover", "-s", "/t", "-p", "test_backup_scheduler.py"], { allowFail: true });
    assert.equal(unit.status, 0, unit.stdout + unit.stderr);
    assert.match(unit.stderr, /OK/);
  });
});

describe("backup and point-in-time restore on a real Patroni node", { timeout: 25 * 60_000 }, () => {
  const prefix = `dpg-bktest-${process.pid}`;
  const net = `${prefix}-cluster`;
  const etcd = `${prefix}-etcd-1`;
  const node = `${prefix}-pg-1`;
  const repo = `${prefix}-pgbackrest-repo`;
  const data = `${node}-data`;
  const copy = `${prefix}-pitr`;
  const measured: Record<string, string> = {};
  let passed = 0;

  before(() => {
    const image = ensureImage("patroni");
    const etcdImage = ensureImage("etcd");
    docker(["network", "create", "--label", `dpg.stack=${prefix}`, net]);
    const subnet = docker(["network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}}", net]).stdout.trim();
    docker(["run", "-d", "--name", etcd, "--hostname", etcd, "--network", net, "--label", `dpg.stack=${prefix}`,
      "-v", `${file("etcd.yml", renderEtcdConfig({ name: etcd, memberNames: [etcd], clusterToken: prefix }))}:/etc/etcd/etcd.yml:ro`, etcdImage]);
    docker(["volume", "create", "--label", `dpg.stack=${prefix}`, repo]);
    docker(["volume", "create", "--label", `dpg.stack=${prefix}`, data]);

    // A schedule that will not fire during the test (29 February); the initial full still runs.
    const s: BackupSettings = { ...BACKUP_DEFAULTS, fullSchedule: "0 0 29 2 *", incrSchedule: undefined };
    const settings = { ...clusterSettings, scope: prefix, clusterSubnet: subnet, etcdEndpoints: [`${etcd}:2379`] };
    const patroniYml = withBackup(
      renderPatroniConfig({ name: node, cluster: settings, passwords: { superuser: "su-pass", replication: "repl-pass", rewind: "rewind-pass" } }),
      archiveParameters(s),
      recoveryConf(s),
    );
    const uploads: [string, string][] = [
      [PATRONI_CONFIG_PATH, patroniYml],
      [BOOTSTRAP_SQL_PATH, renderBootstrapSql({ database: "app", appUser: "app_user", vectorExtension: "vector", passwords: { app: "a", readonly: "r", exporter: "e", poolerAuth: "p" } })],
      [POST_BOOTSTRAP_PATH, postBootstrapWithBackup(renderPostBootstrapScript(), postBootstrapCommands(s))],
      [PGBACKREST_CONFIG_PATH, renderPgBackRestConf(s, PASS)],
      [BACKUP_SCHEDULE_PATH, renderBackupSchedule(s)],
    ];
    // Same as the provider's uploads: files written into the created container before it starts.
    docker(["create", "--name", node, "--hostname", node, "--network", net, "--label", `dpg.stack=${prefix}`, "--label", "dpg.component=patroni",
      "-v", `${data}:/var/lib/postgresql/data`, "-v", `${repo}:/var/lib/pgbackrest`, "--shm-size", "256m", "--memory", "1024m",
      // As components/shared/docker.ts serviceSettings runs every service.
      "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true", image]);
    for (const [target, content] of uploads) docker(["cp", file(path.basename(target), content), `${node}:${target}`]);
    docker(["start", node]);
  });

  after(() => {
    if (passed < 4) {
      for (const c of [node, copy]) {
        const logs = docker(["logs", "--tail", "80", c], { allowFail: true });
        console.log(`--- ${c} logs ---\n${logs.stdout}${logs.stderr}`);
      }
    }
    pitrCleanup(prefix, copy);
    if (process.env.DPG_KEEP_BKTEST !== "1") {
      for (const c of [copy, node, etcd]) docker(["rm", "-f", "-v", c], { allowFail: true });
      for (const v of [data, repo, `${copy}-data`]) docker(["volume", "rm", v], { allowFail: true });
      docker(["network", "rm", net], { allowFail: true });
    }
    fs.rmSync(workDir, { recursive: true, force: true });
    console.log(`measured: ${JSON.stringify(measured)}`);
  });

  it("bootstraps as leader with archiving on and the repository volume owned by postgres", async () => {
    const state = await eventually("the node to become leader", () => {
      if (docker(["inspect", "-f", "{{.State.Running}}", node]).stdout.trim() !== "true") return "stopped";
      const r = docker(["exec", node, "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8008/primary"], { allowFail: true });
      return r.status === 0 ? "leader" : undefined;
    }, 180_000, 2000);
    assert.equal(state, "leader", "the Patroni node stopped during bootstrap (its log is printed below)");
    assert.equal(docker(["exec", node, "stat", "-c", "%U:%G %a", "/var/lib/pgbackrest"]).stdout.trim(), "postgres:postgres 750");
    assert.equal(psql(node, "SHOW archive_mode"), "on");
    assert.equal(psql(node, "SHOW archive_command"), "pgbackrest --stanza=main archive-push %p");
    assert.equal(psql(node, "SHOW archive_timeout"), "1min");
    // post_bootstrap created the stanza and pgbackrest check saw a WAL segment archived.
    const logs = docker(["logs", node]);
    const log = logs.stdout + logs.stderr;
    assert.match(log, /stanza-create command end: completed successfully/);
    assert.match(log, /check command end: completed successfully/);
    assert.doesNotMatch(log, /post-bootstrap: WARNING/);
    passed++;
  });

  it("the scheduler takes the initial full backup on the leader and records it", async () => {
    const status = await eventually("the scheduler's initial full backup", () => {
      const st = schedulerStatus(node);
      return st?.last_run ? st : undefined;
    }, 180_000, 3000);
    assert.equal(status.last_run.ok, true, JSON.stringify(status));
    assert.equal(status.last_success.type, "full");
    assert.equal(status.node, node);
    measured.initialFullBackupSchedulerSeconds = String(status.last_success.duration_s);
    assertRepoEncrypted(node);
    passed++;
  });

  it("a full backup completes and pgbackrest info lists it", () => {
    const ms = runBackup(node, "full");
    const full = assertFullBackupListed(node);
    assert.ok(listBackups(node).filter((b) => b.type === "full").length >= 2);
    measured.fullBackupSeconds = (ms / 1000).toFixed(1);
    measured.fullBackupDbMB = (full.size / 1048576).toFixed(1);
    measured.fullBackupRepoMB = (full.repoDelta / 1048576).toFixed(1);
    passed++;
  });

  it("restores a throwaway copy to a point in time with exactly the rows committed before it", async () => {
    psql(node, "CREATE TABLE pitr_probe (v text PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())", "app");
    psql(node, "INSERT INTO pitr_probe (v) VALUES ('a1'), ('a2'), ('a3')", "app");
    await new Promise((r) => setTimeout(r, 1500));
    const target = databaseTime(node);
    await new Promise((r) => setTimeout(r, 1500));
    psql(node, "INSERT INTO pitr_probe (v) VALUES ('b1'), ('b2')", "app");
    const t0 = Date.now();
    const wal = await switchWalAndWaitArchived(node);
    measured.walArchiveSeconds = ((Date.now() - t0) / 1000).toFixed(1);
    assert.match(wal, /^[0-9A-F]{24}$/);

    const { ms, output } = pitrRestore(prefix, target, copy);
    measured.pitrRestoreSeconds = (ms / 1000).toFixed(1);
    assert.match(output, /promoted/);
    assert.equal(psql(copy, "SELECT string_agg(v, ',' ORDER BY v) FROM pitr_probe", "app"), "a1,a2,a3");
    assert.equal(psql(copy, "SELECT pg_is_in_recovery()"), "f");
    assert.equal(psql(copy, "SHOW archive_mode"), "off", "the copy must never archive into the cluster's repository");
    // The copy is writable and the source cluster is untouched.
    psql(copy, "INSERT INTO pitr_probe (v) VALUES ('copy-only')", "app");
    assert.equal(psql(node, "SELECT count(*) FROM pitr_probe", "app"), "5");
    // The repository was mounted read-only into the copy.
    const ro = docker(["exec", copy, "touch", "/var/lib/pgbackrest/x"], { allowFail: true });
    assert.notEqual(ro.status, 0);
    passed++;
  });
});
