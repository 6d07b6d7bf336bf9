// RuVector, the seeds' vector extension, for real: a stack made from Pulumi.prod.yaml (whose default it is)
// on the real engine and real Docker; the extension on every node, the seeds' distance query, an HNSW index
// with RuVector's operator class that the planner uses and that finds the true neighbours, COUNT(*) beside
// that index, and the index still answering on the new leader after the old one is killed.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client } from "pg";
import { docker, eventually, pulumi } from "../support/cli";
import { createTestStack, readStackConfig, TestStack } from "../support/stack";
import { gatherPostgres } from "../../policies/live/gather";
import { JUDGES } from "../../policies/live/judges";
import { settingsFrom, targetFrom } from "../../policies/live/target";
import { exactKnn, gaussianBlobs, hnswIndexSql, knnSql, loadVectors, recallAtK } from "../../policies/live/vectors";
import { RUVECTOR } from "../../components/patroni/ruvector";

const PREFIX = "dpg-rv";
const WRITE_PORT = 23000;
const READ_PORT = 23001;
const ROWS = 10_000;
const DIMS = 128;
const QUERIES = 200;

let caCertPem = "";

async function withApp<T>(port: number, password: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ host: "127.0.0.1", port, user: "app_user", password, database: "app", connectionTimeoutMillis: 5000, query_timeout: 300_000, ssl: { ca: caCertPem } });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Patroni's /cluster from a node that is running (TLS verified with the cluster CA). */
function members(exclude: string[] = []): Array<{ name: string; role: string; state: string }> {
  for (let i = 1; i <= 3; i++) {
    const node = `${PREFIX}-pg-${i}`;
    if (exclude.includes(node)) continue;
    const r = docker(["exec", node, "curl", "-fsS", "--cacert", "/etc/dpg-tls/ca.crt", "https://127.0.0.1:8008/cluster"], { allowFail: true });
    if (r.status === 0) return JSON.parse(r.stdout).members;
  }
  throw new Error("no Patroni node answers /cluster");
}

/** psql as postgres over a node's own socket: reaches replicas one by one, which the read port does not. */
function nodeSql(node: string, sql: string): string {
  return docker(["exec", "-u", "postgres", node, "psql", "-X", "-qAt", "-U", "postgres", "-d", "app", "-c", sql]).stdout.trim();
}

const atLeast = (v: string, min: string) => {
  const [a, b] = [v, min].map((s) => s.split(".").map(Number));
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

describe("RuVector on a prod-default stack", { timeout: 45 * 60_000 }, () => {
  let stack: TestStack;
  let appPassword: string;
  const { data, queries } = gaussianBlobs({ count: ROWS, queries: QUERIES, dims: DIMS, clusters: 50, seed: 1201 });
  const exact = exactKnn(data, queries, 10);

  /** k-NN answers of every query on the write port (the leader), and the plan of the first. */
  async function knnOnLeader(): Promise<{ recall: number; plan: string }> {
    return withApp(WRITE_PORT, appPassword, async (c) => {
      const plan = (await c.query(`EXPLAIN ${knnSql("ruvector", "items", queries.literal(0))}`)).rows.map((r) => r["QUERY PLAN"]).join("\n");
      const answers: number[][] = [];
      for (let q = 0; q < queries.count; q++) answers.push((await c.query(knnSql("ruvector", "items", queries.literal(q)))).rows.map((r) => Number(r.id)));
      return { recall: recallAtK(answers, exact), plan };
    });
  }

  before(() => {
    stack = createTestStack("e2e-rv", "prod", {
      namePrefix: PREFIX,
      haproxy: { writePort: WRITE_PORT, readPort: READ_PORT, statsPort: 23002 },
      pgbouncer: { port: 23003 },
      network: { subnet: "10.213.50.0/24" },
      // Not what this file is about, and the machine is shared: a lighter stack.
      monitoring: { enabled: false },
      backup: { enabled: false },
    });
    const t0 = Date.now();
    pulumi(["up", "--yes", "--skip-preview", "--stack", stack.name], { timeoutMs: 30 * 60_000 });
    console.log(`# pulumi up took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    appPassword = new URL(stack.output("writeConnectionString")).password;
    caCertPem = stack.output("caCertPem");
  });

  after(() => {
    if (!stack) return;
    pulumi(["destroy", "--yes", "--skip-preview", "--stack", stack.name], { timeoutMs: 10 * 60_000, allowFail: true });
    stack.remove();
  });

  it("is the prod stack's vector extension", () => {
    assert.equal(settingsFrom(readStackConfig(stack.name), stack.name).patroni.vectorExtension, "ruvector");
  });

  it(`reports version ≥ ${RUVECTOR.extensionVersion} on the leader and on each replica`, async () => {
    await eventually("a writable primary", () => withApp(WRITE_PORT, appPassword, (c) => c.query("SELECT 1")).then(() => true), 120_000);
    const nodes = await eventually("a leader and two streaming replicas", () => {
      const m = members();
      return m.filter((x) => x.role === "leader").length === 1 && m.filter((x) => x.state === "streaming").length === 2 ? m : undefined;
    }, 180_000, 2000);
    for (const n of nodes) {
      const version = nodeSql(n.name, "SELECT extversion FROM pg_extension WHERE extname = 'ruvector'");
      assert.ok(version && atLeast(version, "2.0.0"), `${n.name} (${n.role}): ruvector ${version || "missing"}`);
      console.log(`# ${n.name} (${n.role}): ruvector ${version}`);
    }
  });

  it("answers the seeds' distance query", async () => {
    const d = await withApp(WRITE_PORT, appPassword, (c) => c.query("SELECT '[1,2,3]'::ruvector <-> '[1,2,4]'::ruvector AS d"));
    assert.ok(Math.abs(Number(d.rows[0].d) - 1) < 1e-6, `distance ${d.rows[0].d}, want 1`);
  });

  it(`builds an HNSW index on ${ROWS.toLocaleString("en")} × ${DIMS}-d clustered vectors that the planner uses, with recall@10 ≥ 0.95`, async () => {
    await withApp(WRITE_PORT, appPassword, async (c) => {
      await loadVectors(c, "ruvector", "items", data);
      const t0 = Date.now();
      await c.query(hnswIndexSql("ruvector", "items", "items_v_hnsw"));
      console.log(`# CREATE INDEX … USING hnsw (v ruvector_l2_ops): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });
    const { recall, plan } = await knnOnLeader();
    assert.match(plan, /Index Scan using items_v_hnsw/, plan);
    console.log(`# recall@10 on the leader: ${recall.toFixed(4)} (${QUERIES} queries)`);
    assert.ok(recall >= 0.95, `recall@10 ${recall}`);
  });

  it("passes readiness items 000-DB-01/02 and 001-DB-02, measured by the live collector", async () => {
    const outputs = JSON.parse(pulumi(["stack", "output", "--stack", stack.name, "--json", "--show-secrets"]).stdout);
    const facts = await gatherPostgres(targetFrom(stack.name, outputs, settingsFrom(readStackConfig(stack.name), stack.name)));
    for (const id of ["000-DB-01", "000-DB-02", "001-DB-02"]) {
      const o = JUDGES.postgres[id](facts);
      assert.equal(o.status, "pass", `${id}: ${o.evidence}`);
      console.log(`# ${id}: ${o.evidence}`);
    }
    // The app's own ruvector column is indexed with HNSW, and the collector sees that index. (Its idx_scan stayed
    // 0 after the k-NN queries above used it by EXPLAIN: RuVector 2.0.4's access method does not count scans.)
    assert.ok(facts.vectorColumns.some((c) => c.table.endsWith("items") && c.column === "v" && c.hnsw), JSON.stringify(facts.vectorColumns));
    assert.ok(facts.hnswIndexes.some((i) => i.name.endsWith(".items_v_hnsw")), JSON.stringify(facts.hnswIndexes));
  });

  it("counts the rows of a table with that index", async () => {
    const r = await withApp(WRITE_PORT, appPassword, (c) => c.query("SELECT count(*)::int AS n, count(v)::int AS nv FROM items"));
    assert.deepEqual(r.rows[0], { n: ROWS, nv: ROWS });
    const notNull = await withApp(WRITE_PORT, appPassword, (c) => c.query("SELECT count(*)::int AS n FROM items WHERE v IS NOT NULL"));
    assert.equal(notNull.rows[0].n, ROWS);
  });

  it("keeps the index usable on the new leader after the leader is killed", async () => {
    const old = members().find((m) => m.role === "leader")!.name;
    docker(["kill", old]);
    const fresh = await eventually("a new leader", () => {
      const l = members([old]).find((m) => m.role === "leader" && m.name !== old && m.state === "running");
      return l?.name;
    }, 120_000, 1000);
    console.log(`# ${old} killed; ${fresh} leads`);
    const { recall, plan } = await eventually("k-NN through the write port on the new leader", () => knnOnLeader(), 120_000, 2000);
    assert.match(plan, /Index Scan using items_v_hnsw/, plan);
    console.log(`# recall@10 on the new leader: ${recall.toFixed(4)}`);
    assert.ok(recall >= 0.95, `recall@10 on the new leader ${recall}`);
    const n = await withApp(WRITE_PORT, appPassword, (c) => c.query("SELECT count(*)::int AS n FROM items"));
    assert.equal(n.rows[0].n, ROWS);
  });
});
