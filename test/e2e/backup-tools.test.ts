// pgBackRest in the real image: the rendered config and schedule pass the real tools, and the
// scheduler's own tests pass in the image. Backups and point-in-time restore of a real cluster
// are tested on the `pulumi up` stack (cluster.test.ts).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { BackupSettings, renderBackupSchedule, renderPgBackRestConf } from "../../components/backup/render";
import { docker, REPO_ROOT } from "../support/cli";
import { ensureImage } from "../support/images";
import { backupSettings } from "../../components/backup/settings";
import { backupRenderInput } from "../../components/backup/render";
import { renderNodeServerConf, renderRepositoryConf, repositoryHostname, ServerTopology } from "../../components/backup/server";
import { TLS_UPLOAD_FILES } from "../../components/tls/paths";

/** The renderers' input for a stack that sets nothing under dpg-cluster:backup. */
const BACKUP_DEFAULTS = backupRenderInput(backupSettings.parse({}));

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

  it("pgbackrest reads both configs of backup.repository=server: every option valid, the node's repository remote", () => {
    const image = ensureImage("patroni");
    const t: ServerTopology = { repositoryHost: repositoryHostname("dpg-t"), nodes: ["dpg-t-pg-1", "dpg-t-pg-2"], tls: TLS_UPLOAD_FILES };
    const server = { ...BACKUP_DEFAULTS, repository: "server" as const };
    file("server-node.conf", renderNodeServerConf(server, t));
    file("server-repo.conf", renderRepositoryConf(server, PASS, t));
    const info = (conf: string) =>
      docker(["run", "--rm", "--network", "none", "-v", `${workDir}:/cfg:ro`, "--entrypoint", "sh", image, "-c", `pgbackrest --config=/cfg/${conf} --stanza=main info 2>&1 || true`]).stdout;
    const repo = info("server-repo.conf");
    assert.doesNotMatch(repo, /WARN|invalid|ERROR: \[03[12]\]/, repo);
    assert.match(repo, /stanza: main/);
    // Options parse; the node then sets up its TLS client to the repository host, which fails here
    // (no certificates in this container): proof it reads the repository as remote.
    const node = info("server-node.conf");
    assert.doesNotMatch(node, /WARN|invalid option|ERROR: \[03[12]\]/, node);
    assert.match(node, /unable to set user-defined CA certificate location/);
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
