// pgBackRest renderers (golden + semantic) and the PgBackRest component under Pulumi mocks.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  BackupSettings, STANZA, archiveParameters, backupSettingsProblems, cronProblem, postBootstrapCommands, recoveryConf,
  renderBackupSchedule, renderPgBackRestConf,
} from "../../components/backup/render";
import { assertGolden } from "../support/golden";
import { installMocks, ofType, recorded, resetRecorded, settle, valueOf } from "../support/mocks";
import { backupSettings } from "../../components/backup/settings";
import { backupRenderInput } from "../../components/backup/render";
import { renderNodeServerConf, renderRepositoryConf, repositoryHostname, ServerTopology } from "../../components/backup/server";
import { TLS_UPLOAD_FILES } from "../../components/tls/paths";

/** The renderers' input for a stack that sets nothing under dpg-cluster:backup. */
const BACKUP_DEFAULTS = backupRenderInput(backupSettings.parse({}));

const PASS = "golden-cipher-pass-0123456789abcdef0123456789";
const timeBased: BackupSettings = { ...BACKUP_DEFAULTS, retentionFullType: "time", retentionFull: 14, diffSchedule: "30 3 * * 3", archiveAsync: false };

function ini(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = "";
  for (const line of text.split("\n")) {
    if (!line.trim() || line.startsWith("#")) continue;
    const m = /^\[(.+)\]$/.exec(line);
    if (m) { section = m[1]; out[section] = {}; continue; }
    const [k, ...v] = line.split("=");
    out[section][k] = v.join("=");
  }
  return out;
}

describe("backup renderers match their golden files", () => {
  it("pgbackrest.conf", () => assertGolden("backup/pgbackrest.conf", renderPgBackRestConf(BACKUP_DEFAULTS, PASS)));
  it("pgbackrest-time-retention.conf", () => assertGolden("backup/pgbackrest-time-retention.conf", renderPgBackRestConf(timeBased, PASS)));
  it("backup-schedule", () => assertGolden("backup/backup-schedule", renderBackupSchedule(BACKUP_DEFAULTS)));
  it("patroni-additions.json", () =>
    assertGolden("backup/patroni-additions.json", JSON.stringify({
      parameters: archiveParameters(BACKUP_DEFAULTS),
      recoveryConf: recoveryConf(BACKUP_DEFAULTS),
      postBootstrapCommands: postBootstrapCommands(BACKUP_DEFAULTS),
    }, null, 2) + "\n"));
});

describe("pgbackrest.conf", () => {
  const c = ini(renderPgBackRestConf(BACKUP_DEFAULTS, PASS));
  it("encrypts the repository with the given passphrase", () => {
    assert.equal(c.global["repo1-cipher-type"], "aes-256-cbc");
    assert.equal(c.global["repo1-cipher-pass"], PASS);
  });
  it("keeps 2 full backups by count by default, or days with time retention", () => {
    assert.equal(c.global["repo1-retention-full-type"], "count");
    assert.equal(c.global["repo1-retention-full"], "2");
    const t = ini(renderPgBackRestConf(timeBased, PASS));
    assert.equal(t.global["repo1-retention-full-type"], "time");
    assert.equal(t.global["repo1-retention-full"], "14");
  });
  it("archives asynchronously through a spool, compresses with zstd, starts backups with an immediate checkpoint", () => {
    assert.equal(c.global["archive-async"], "y");
    assert.equal(c.global["spool-path"], "/var/spool/pgbackrest");
    assert.equal(c.global["compress-type"], "zst");
    assert.equal(c.global["start-fast"], "y");
    assert.equal(ini(renderPgBackRestConf(timeBased, PASS)).global["archive-async"], "n");
  });
  it("puts the repository on the volume and points the stanza at Patroni's data directory and socket", () => {
    assert.equal(c.global["repo1-path"], "/var/lib/pgbackrest");
    assert.deepEqual(c[STANZA], { "pg1-path": "/var/lib/postgresql/data/pgdata", "pg1-socket-path": "/var/run/postgresql", "pg1-port": "5432" });
  });
  it("refuses a short or multi-line passphrase, and writes none without a cipher", () => {
    assert.throws(() => renderPgBackRestConf(BACKUP_DEFAULTS, "short"), /at least 20/);
    assert.throws(() => renderPgBackRestConf(BACKUP_DEFAULTS, `${PASS}\nrepo1-path=/tmp`), /one line/);
    assert.doesNotMatch(renderPgBackRestConf({ ...BACKUP_DEFAULTS, cipherType: "none" }, ""), /cipher/);
  });
});

describe("schedule and Patroni additions", () => {
  it("schedules a weekly full and daily incrementals (seed 004) and an initial full", () => {
    const lines = renderBackupSchedule(BACKUP_DEFAULTS).split("\n").filter((l) => l && !l.startsWith("#"));
    assert.deepEqual(lines, ["@initial full", "0 2 * * 0 full", "0 2 * * 1-6 incr"]);
    assert.match(renderBackupSchedule(timeBased), /^30 3 \* \* 3 diff$/m);
  });
  it("archives from the leader only, with an RPO bound under 5 minutes (seed 000)", () => {
    const p = archiveParameters(BACKUP_DEFAULTS);
    assert.equal(p.archive_mode, "on");
    assert.equal(p.archive_command, `pgbackrest --stanza=${STANZA} archive-push %p`);
    assert.ok(parseInt(p.archive_timeout, 10) < 300);
    assert.deepEqual(archiveParameters({ ...BACKUP_DEFAULTS, walArchiving: false }), { archive_mode: "off" });
  });
  it("gives replicas a restore_command from the repository", () => {
    assert.equal(recoveryConf(BACKUP_DEFAULTS).restore_command, `pgbackrest --stanza=${STANZA} archive-get %f "%p"`);
  });
  it("creates the stanza at bootstrap without ever failing the bootstrap", () => {
    const cmds = postBootstrapCommands(BACKUP_DEFAULTS);
    assert.match(cmds[0], /stanza-create/);
    for (const c of cmds) assert.match(c, /\|\| echo .*>&2$/);
  });
});

describe("settings validation", () => {
  it("accepts usual cron expressions", () => {
    for (const e of ["0 2 * * 0", "0 2 * * 1-6", "*/15 * * * *", "30 1 1,15 * *", "0 3 * * mon-fri", "0 0 1 jan *", "5/10 * * * 7"]) {
      assert.equal(cronProblem(e), undefined, e);
    }
  });
  it("names what is wrong with a bad one", () => {
    assert.match(cronProblem("0 2 * *")!, /5 fields/);
    assert.match(cronProblem("0 24 * * *")!, /outside 0-23/);
    assert.match(cronProblem("0 2 * * 8")!, /outside 0-7/);
    assert.match(cronProblem("*/0 2 * * *")!, /not a cron field/);
    assert.match(cronProblem("0 2 * * funday")!, /outside/);
  });
  it("lists every problem by key", () => {
    const problems = backupSettingsProblems({ ...BACKUP_DEFAULTS, fullSchedule: "bad", retentionFull: 0, processMax: 0, archiveTimeoutSeconds: 1 });
    assert.equal(problems.length, 4);
    assert.match(problems.join("\n"), /^fullSchedule: /m);
    assert.match(problems.join("\n"), /^retentionFull: /m);
  });
});

describe("PgBackRest component", () => {
  let b: any;
  before(async () => {
    installMocks({}, "unit");
    const { PgBackRest } = await import("../../components/backup");
    b = new PgBackRest("backup", { namePrefix: "dpg-unit", settings: backupSettings.parse({}) });
    await settle();
  });

  it("creates the repository volume and a long generated passphrase", () => {
    const volumes = ofType("docker:index/volume:Volume");
    assert.deepEqual(volumes.map((v) => v.inputs.name), ["dpg-unit-pgbackrest-repo"]);
    const pw = ofType("random:index/randomPassword:RandomPassword");
    assert.equal(pw.length, 1);
    assert.ok(pw[0].inputs.length >= 32);
  });

  it("registers a secret-free spec under dpg:backup:PgBackRest", () => {
    const comp = recorded.find((r) => r.type === "dpg:backup:PgBackRest")!;
    assert.ok(comp);
    assert.equal(comp.inputs.fullSchedule, "0 2 * * 0");
    assert.equal(comp.inputs.incrSchedule, "0 2 * * 1-6");
    assert.equal(comp.inputs.retentionFull, 2);
    assert.equal(comp.inputs.cipherType, "aes-256-cbc");
    assert.equal(comp.inputs.walArchiving, true);
    assert.doesNotMatch(JSON.stringify(comp.inputs), /xxxxxxxx/);
  });

  it("exposes the node files (the passphrase one secret), parameters and post-bootstrap commands Patroni needs", async () => {
    assert.equal(await valueOf(b.repoVolumeName), "dpg-unit-pgbackrest-repo");
    assert.deepEqual(b.nodeFiles.map((f: { path: string; secret?: boolean }) => [f.path, f.secret === true]), [["/etc/pgbackrest/pgbackrest.conf", true], ["/etc/pgbackrest/backup-schedule", false]]);
    assert.match(await valueOf<string>(b.nodeFiles[0].content as any), /^repo1-cipher-pass=x{64}$/m);
    assert.equal(await (b.nodeFiles[0].content as any).isSecret, true);
    assert.equal(b.postgresParameters.archive_mode, "on");
    assert.equal(b.postBootstrapCommands.length, 2);
  });

  it("refuses bad settings before declaring anything", async () => {
    const { PgBackRest } = await import("../../components/backup");
    const before = recorded.length;
    // The schema refuses these first; the component refuses them again for callers other than the program.
    const settings = { ...backupSettings.parse({}), fullSchedule: "0 2 * *", retentionFull: 0 };
    assert.throws(() => new PgBackRest("bad", { namePrefix: "x", settings }), /fullSchedule: .*retentionFull: /);
    await settle();
    assert.equal(recorded.length, before);
  });
});

describe("repository server renderers (backup.repository=server)", () => {
  const topology: ServerTopology = { repositoryHost: repositoryHostname("dpg-unit"), nodes: ["dpg-unit-pg-1", "dpg-unit-pg-2", "dpg-unit-pg-3"], tls: TLS_UPLOAD_FILES };
  const server = { ...BACKUP_DEFAULTS, repository: "server" as const };

  it("node pgbackrest.conf", () => assertGolden("backup/pgbackrest-server-node.conf", renderNodeServerConf(server, topology)));
  it("repository pgbackrest.conf", () => assertGolden("backup/pgbackrest-server-repository.conf", renderRepositoryConf(server, PASS, topology)));

  it("the passphrase lives on the repository only; each side admits only the other side's certificate CN", () => {
    const node = ini(renderNodeServerConf(server, topology));
    const repo = ini(renderRepositoryConf(server, PASS, topology));
    assert.equal(node.global["repo1-cipher-pass"], undefined);
    assert.equal(node.global["repo1-path"], undefined, "a node has no local repository");
    assert.equal(node.global["repo1-host"], "dpg-unit-backup");
    assert.equal(node.global["repo1-host-type"], "tls");
    assert.equal(repo.global["repo1-cipher-pass"], PASS);
    // ini() keeps the last of repeated keys: read the repeated tls-server-auth lines directly.
    const auth = (text: string) => text.split("\n").filter((l) => l.startsWith("tls-server-auth="));
    assert.deepEqual(auth(renderNodeServerConf(server, topology)), ["tls-server-auth=dpg-unit-backup=main"]);
    assert.deepEqual(auth(renderRepositoryConf(server, PASS, topology)), topology.nodes.map((n) => `tls-server-auth=${n}=main`));
    assert.deepEqual([1, 2, 3].map((i) => repo.main[`pg${i}-host`]), topology.nodes);
    assert.equal(repo.main.pg1 === undefined, true);
  });

  it("refuses a topology whose names collide or are not host names, and a short passphrase", () => {
    assert.throws(() => renderRepositoryConf(server, PASS, { ...topology, nodes: ["dpg-unit-backup"] }), /must differ/);
    assert.throws(() => renderNodeServerConf(server, { ...topology, nodes: [] }), /at least one/);
    assert.throws(() => renderNodeServerConf(server, { ...topology, repositoryHost: "a b" }), /not a host name/);
    assert.throws(() => renderRepositoryConf(server, "short", topology), /at least 20/);
  });
});

describe("PgBackRest component with backup.repository=server", () => {
  let b: any;
  const runs: { name: string; w: any }[] = [];
  before(async () => {
    resetRecorded();
    installMocks({}, "unit-server");
    const pulumi = await import("@pulumi/pulumi");
    const { PgBackRest } = await import("../../components/backup");
    // A target that records what it is asked to run (the Swarm and host targets have their own tests).
    const target: any = {
      kind: "swarm",
      placement: (component: string, i: number) => (component === "backup" && i === 0 ? "node.labels.dpg.node==4" : undefined),
      run: (name: string, w: unknown) => {
        runs.push({ name, w });
        return new (class extends pulumi.CustomResource {})("test:index:Recorded", name, {});
      },
    };
    const material = { caCertPem: "CA", certificates: { "dpg-unit-backup": { certPem: "CERT", keyPem: pulumi.secret("KEY") } } };
    b = new PgBackRest("backup", {
      namePrefix: "dpg-unit",
      settings: backupSettings.parse({ repository: "server" }),
      server: { nodes: ["dpg-unit-pg-1", "dpg-unit-pg-2"], tls: material, target },
    });
    b.runRepository({ image: "img@sha256:1" });
    await settle();
  });

  it("gives the nodes a passphrase-free config and no repository volume", async () => {
    assert.equal(b.repoVolumeName, undefined);
    assert.deepEqual(b.nodeFiles.map((f: { path: string }) => f.path), ["/etc/pgbackrest/pgbackrest.conf"]);
    const conf = await valueOf<string>(b.nodeFiles[0].content);
    assert.match(conf, /^repo1-host=dpg-unit-backup$/m);
    assert.doesNotMatch(conf, /cipher-pass/);
    assert.equal(ofType("docker:index/volume:Volume").filter((v) => v.name === "backup-repo").length, 0, "no shared volume");
  });

  it("describes the repository as one placed workload: volume, secret passphrase and key, TLS server command", async () => {
    assert.equal(runs.length, 1);
    const w = runs[0].w;
    assert.equal(w.name, "dpg-unit-backup");
    assert.equal(w.placement, "node.labels.dpg.node==4");
    assert.deepEqual(w.process.command, ["pgbackrest-repository"]);
    assert.equal(w.process.uid, 999);
    assert.deepEqual(w.memberVolumes.map((v: any) => [v.name, v.containerPath]), [["dpg-unit-pgbackrest-repo", "/var/lib/pgbackrest"]]);
    assert.deepEqual(w.sharedVolumes, [], "no host-shared volume on a Swarm");
    const secret = w.files.filter((f: any) => f.secret).map((f: any) => f.path);
    assert.deepEqual(secret, ["/etc/pgbackrest/pgbackrest.conf", "/etc/dpg-tls/server.key"]);
    const conf = w.files.find((f: any) => f.path === "/etc/pgbackrest/pgbackrest.conf").content;
    assert.equal(await conf.isSecret, true);
    assert.match(await valueOf<string>(conf), /^repo1-cipher-pass=x{64}$/m);
    assert.match(await valueOf<string>(conf), /^tls-server-auth=dpg-unit-pg-2=main$/m);
  });
});
