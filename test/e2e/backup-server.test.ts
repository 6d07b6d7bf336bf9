// backup.repository=server on the real engine and real Docker: a dedicated repository container
// (pgBackRest's TLS server, the only copy of the repository) receives WAL from whichever node
// leads, before and after a failover; backups run on it; a point-in-time restore from it alone
// (every database node stopped) has exactly the rows committed before the target.
// Measures the archive RPO (commit → its WAL segment in the repository, with archive_timeout as the
// only trigger) and the restore time. Own names (dpg-bk), ports (24000-24003), subnet 10.213.90.0/24.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { STANZA } from "../../components/backup/render";
import { repositoryHostname } from "../../components/backup/server";
import { databaseTime, listBackups, pgbackrestInfo, pitrCleanup, pitrRestore, psql, schedulerStatus } from "../support/backup";
import { docker, eventually, pulumi } from "../support/cli";
import { createTestStack, TestStack } from "../support/stack";

const PREFIX = "dpg-bk";
const REPO = repositoryHostname(PREFIX);
const NODES = [1, 2, 3].map((i) => `${PREFIX}-pg-${i}`);
const ARCHIVE_TIMEOUT_S = 15;
const COPY = `${PREFIX}-pitr`;

function members(via: string): { name: string; role: string; state: string; timeline?: number }[] {
  const out = docker(["exec", via, "curl", "-fsS", "--cacert", "/etc/dpg-tls/ca.crt", "https://127.0.0.1:8008/cluster"]).stdout;
  return JSON.parse(out).members;
}

function running(name: string): boolean {
  return docker(["inspect", "-f", "{{.State.Running}}", name], { allowFail: true }).stdout.trim() === "true";
}

async function leader(except?: string): Promise<string> {
  return eventually(`a running leader${except ? ` other than ${except}` : ""}`, () => {
    for (const via of NODES.filter((n) => n !== except && running(n))) {
      try {
        const l = members(via).find((m) => m.role === "leader" && m.state === "running" && m.name !== except);
        if (l) return l.name;
      } catch {
        // that node's REST API is not answering yet; ask the next
      }
    }
    return undefined;
  }, 120_000, 1000);
}

/** The repository's archive files of a WAL segment (name without the checksum suffix). */
function archivedInRepo(segment: string): boolean {
  const r = docker(["exec", "-u", "postgres", REPO, "sh", "-c", `ls /var/lib/pgbackrest/archive/${STANZA}/*/${segment.slice(0, 16)}/ 2>/dev/null | grep -q '^${segment}-'`], { allowFail: true });
  return r.status === 0;
}

function mounts(container: string): string[] {
  return JSON.parse(docker(["inspect", "-f", "{{json .Mounts}}", container]).stdout).map((m: { Destination: string }) => m.Destination);
}

function fileMode(container: string, file: string): string {
  return docker(["exec", "-u", "postgres", container, "stat", "-c", "%U %a", file]).stdout.trim();
}

describe("backup.repository=server: a dedicated repository container", { timeout: 60 * 60_000 }, () => {
  let stack: TestStack;
  const rpo: number[] = [];

  before(() => {
    stack = createTestStack("bk", "dev", {
      namePrefix: PREFIX,
      haproxy: { writePort: 24000, readPort: 24001, statsPort: 24002 },
      pgbouncer: { port: 24003 },
      // Off (lighter on this 2-core host); undefined drops the dev stack's ports, which the config refuses without monitoring.
      monitoring: { enabled: false, prometheusPort: undefined, alertmanagerPort: undefined },
      network: { subnet: "10.213.90.0/24" },
      backup: { repository: "server", archiveTimeoutSeconds: ARCHIVE_TIMEOUT_S },
    });
    const t0 = Date.now();
    pulumi(["up", "--yes", "--skip-preview", "--stack", stack.name], { timeoutMs: 30 * 60_000 });
    console.log(`# pulumi up took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  after(() => {
    pitrCleanup(PREFIX, COPY);
    if (!stack) return;
    for (const n of NODES) docker(["start", n], { allowFail: true });
    pulumi(["destroy", "--yes", "--skip-preview", "--stack", stack.name], { allowFail: true, timeoutMs: 20 * 60_000 });
    stack.remove();
  });

  it("the repository is its own container holding the volume and the passphrase; the nodes hold neither", () => {
    assert.ok(running(REPO), `${REPO} runs`);
    assert.deepEqual(mounts(REPO).filter((m) => m === "/var/lib/pgbackrest"), ["/var/lib/pgbackrest"]);
    for (const n of NODES) {
      assert.ok(!mounts(n).includes("/var/lib/pgbackrest"), `${n} must not mount a repository`);
      const conf = docker(["exec", "-u", "postgres", n, "cat", "/etc/pgbackrest/pgbackrest.conf"]).stdout;
      assert.match(conf, new RegExp(`^repo1-host=${REPO}$`, "m"));
      assert.doesNotMatch(conf, /cipher-pass/);
      assert.equal(fileMode(n, "/etc/dpg-tls/server.key"), "postgres 600");
    }
    assert.equal(fileMode(REPO, "/etc/pgbackrest/pgbackrest.conf"), "postgres 600");
    assert.equal(fileMode(REPO, "/etc/dpg-tls/server.key"), "postgres 600");
    // No passphrase or key in the container's environment or command line.
    const inspect = docker(["inspect", REPO]).stdout;
    assert.doesNotMatch(inspect, /cipher-pass|BEGIN (EC )?PRIVATE KEY/);
  });

  it("a client certificate of the CA whose CN is not listed is refused by the repository server", () => {
    // pg-1's certificate is admitted by the repository; the repository's own is admitted only by the nodes.
    // `info` exits 0 and reports the repository's status in its JSON.
    const denied = docker(["exec", "-u", "postgres", NODES[0], "pgbackrest", `--stanza=${STANZA}`, `--repo1-host=${NODES[1]}`, "--output=json", "info"]).stdout;
    assert.match(denied, /\[AccessError\][^"]*access denied/, "a node must not be admitted as a client by another node's TLS server");
    const admitted = docker(["exec", "-u", "postgres", NODES[0], "pgbackrest", `--stanza=${STANZA}`, "--output=json", "info"]).stdout;
    assert.doesNotMatch(admitted, /AccessError/);
  });

  it("the repository's scheduler takes the initial full backup (run on the repository host, pg hosts over TLS)", async () => {
    const t0 = Date.now();
    const status = await eventually("the initial full backup", () => {
      const s = schedulerStatus(REPO);
      return s?.last_success ? s : undefined;
    }, 10 * 60_000, 5000);
    const full = listBackups(REPO).filter((b) => b.type === "full");
    assert.ok(full.length >= 1, "a full backup is listed");
    console.log(`# initial full backup: ${status.last_success.type} on ${status.last_success.node}, ${status.last_success.duration_s ?? "?"} s; seen ${((Date.now() - t0) / 1000).toFixed(0)} s after the test started waiting`);
    assert.equal(status.last_success.node, REPO);
    // The nodes read the same repository through the server.
    assert.equal(listBackups(NODES[0]).length, listBackups(REPO).length);
  });

  it("WAL committed on the leader reaches the repository within archive_timeout (RPO measured)", async () => {
    const l = await leader();
    psql(l, "CREATE TABLE IF NOT EXISTS bk_marker (id serial PRIMARY KEY, phase text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())", "app");
    for (let i = 0; i < 3; i++) {
      // Let the previous segment close, so this commit is the only activity of the next one.
      await new Promise((r) => setTimeout(r, 2000));
      psql(l, `INSERT INTO bk_marker (phase) VALUES ('rpo-${i}')`, "app");
      const segment = psql(l, "SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
      const t0 = Date.now();
      await eventually(`segment ${segment} in the repository`, () => (archivedInRepo(segment) ? true : undefined), (ARCHIVE_TIMEOUT_S + 60) * 1000, 250);
      rpo.push((Date.now() - t0) / 1000);
    }
    console.log(`# RPO (commit → segment in the repository, archive_timeout ${ARCHIVE_TIMEOUT_S} s): ${rpo.map((s) => s.toFixed(1)).join(", ")} s`);
    for (const s of rpo) assert.ok(s <= ARCHIVE_TIMEOUT_S + 15, `${s} s exceeds archive_timeout ${ARCHIVE_TIMEOUT_S} s + 15 s`);
  });

  let target = "";
  let beforeTarget = 0;

  it("after the leader is killed, WAL from the new leader arrives in the same repository", async () => {
    const old = await leader();
    psql(old, "INSERT INTO bk_marker (phase) SELECT 'before-failover' FROM generate_series(1, 100)", "app");
    docker(["kill", old]);
    const t0 = Date.now();
    const now = await leader(old);
    console.log(`# failover: ${old} killed, ${now} leads after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await eventually("the new leader accepts writes", () => {
      const r = docker(["exec", "-u", "postgres", now, "psql", "-XAtc", "INSERT INTO bk_marker (phase) VALUES ('after-failover')", "app"], { allowFail: true });
      return r.status === 0 ? true : undefined;
    }, 60_000, 1000);
    psql(now, "INSERT INTO bk_marker (phase) SELECT 'after-failover' FROM generate_series(1, 49)", "app");
    beforeTarget = Number(psql(now, "SELECT count(*) FROM bk_marker", "app"));
    await new Promise((r) => setTimeout(r, 1500));
    target = databaseTime(now);
    await new Promise((r) => setTimeout(r, 1500));
    psql(now, "INSERT INTO bk_marker (phase) SELECT 'after-target' FROM generate_series(1, 77)", "app");
    const segment = psql(now, "SELECT pg_walfile_name(pg_switch_wal())");
    const timeline = Number.parseInt(segment.slice(0, 8), 16);
    assert.ok(timeline >= 2, `the new leader writes a new timeline (${segment})`);
    await eventually(`the new leader's segment ${segment} in the repository`, () => (archivedInRepo(segment) ? true : undefined), 120_000, 500);
    const info = pgbackrestInfo(REPO);
    assert.ok(info.archive[0].max >= segment, `archive max ${info.archive[0].max} covers ${segment}`);
    docker(["start", old]);
  });

  it("a point-in-time restore from the repository alone (every node stopped) has exactly the rows before the target", () => {
    for (const n of NODES) docker(["stop", "-t", "60", n], { timeoutMs: 120_000 });
    const r = pitrRestore(PREFIX, target, COPY);
    const rows = Number(psql(COPY, "SELECT count(*) FROM bk_marker", "app"));
    const phases = psql(COPY, "SELECT string_agg(DISTINCT phase, ',' ORDER BY phase) FROM bk_marker WHERE phase NOT LIKE 'rpo-%'", "app");
    console.log(`# PITR restore to ${target}: ${(r.ms / 1000).toFixed(1)} s (script total), ${rows} rows (expected ${beforeTarget})`);
    console.log(r.output.split("\n").filter((l) => l.startsWith("pitr-restore:")).map((l) => `# ${l}`).join("\n"));
    assert.equal(rows, beforeTarget);
    assert.equal(phases, "after-failover,before-failover");
  });
});
