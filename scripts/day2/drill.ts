// `npm run drill:day2 -- --stack <name> [--only a,b]`: applies each kind of day-2 change in turn with
// `pulumi up` while a client writes through the write port and reads through the read port, and records
// for each: write gap, failed writes, lost acknowledged writes, read errors, duration
// (reports/<stack>/day2-drill.json). Every change is reverted at the end (the reverts are measured too),
// so the stack's settings are as before. A prod stack needs --allow-prod.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { startWriter, WriterRecord, WriterTarget } from "./writer";
import { DAY2_KINDS, Day2DrillRow, Day2Kind } from "../../policies/live/day2-record";
import { firstHostUrl } from "../../policies/live/target";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const log = (s: string) => process.stderr.write(`[day2-drill] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Change {
  /** Name in the record. */
  kind: string;
  /** `pulumi config` arguments that make the change (worked out only when the change's turn comes), and those that revert it. */
  apply: string[][] | (() => string[][]);
  revert: string[][];
}

function pulumiSync(args: string[]): string {
  const r = spawnSync("pulumi", [...args, "--non-interactive"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Tags the drill built; removed at the end, once the reverts have moved every node off them. */
const builtTags: string[] = [];

/** A new image id for `image`: the same image with one more label, built on this machine's daemon. */
function relabelled(image: string): string {
  const tag = `dpg/patroni:drill-${Date.now()}`;
  builtTags.push(tag);
  const r = spawnSync("docker", ["build", "-q", "-t", tag, "-"], { input: `FROM ${image}\nLABEL dpg.drill.image-update=${tag}\n`, encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`docker build of ${tag} failed: ${r.stderr}`);
  log(`image update: ${tag} (${r.stdout.trim()}) from ${image}`);
  return r.stdout.trim();
}

function pulumiUp(stack: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("pulumi", ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack], { cwd: REPO_ROOT });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), 30 * 60_000);
    child.on("close", (status) => (clearTimeout(timer), resolve({ status, out })));
  });
}

/** Reads through the read port every 100 ms until stopped; counts failed reads. */
function startReader(t: WriterTarget) {
  let running = true;
  let reads = 0;
  let errors = 0;
  const done = (async () => {
    let c: Client | undefined;
    for (let i = 0; running && i < 200_000; i++) {
      try {
        if (!c) {
          c = new Client({ ...t, connectionTimeoutMillis: 2000, query_timeout: 5000, ssl: t.caCertPem ? { ca: t.caCertPem } : false });
          c.on("error", () => undefined);
          await c.connect();
        }
        await c.query("SELECT 1");
        reads++;
      } catch {
        errors++;
        await c?.end().catch(() => undefined);
        c = undefined;
      }
      await sleep(100);
    }
    await c?.end().catch(() => undefined);
  })();
  return { stop: async () => ((running = false), await done, { reads, errors }) };
}

/** One row of the record: the writer's figures and the reader's, as the readiness report reads them. */
export type DrillRow = WriterRecord & Day2DrillRow;

/** reports/<stack>/day2-drill.json: the rows measured, as the readiness report reads them. */
function writeRecord(stack: string, rows: DrillRow[], t0: number): string {
  const file = path.join(REPO_ROOT, "reports", stack, "day2-drill.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ stack, at: new Date().toISOString(), seconds: Math.round((Date.now() - t0) / 1000), rows }, null, 2) + "\n");
  return file;
}

/** One change's `pulumi up` under a writer and a reader; the up's output is kept in upLog. */
async function measure(stack: string, change: { kind: string; key: Day2Kind; revert: boolean }, write: WriterTarget, read: WriterTarget, upLog: string): Promise<DrillRow> {
  const kind = change.revert ? `revert: ${change.kind}` : change.kind;
  const writer = await startWriter(write, "app.day2_drill");
  const reader = startReader(read);
  await sleep(3000);
  const t0 = Date.now();
  const up = await pulumiUp(stack);
  const upSeconds = Math.round((Date.now() - t0) / 100) / 10;
  fs.writeFileSync(upLog, up.out);
  await sleep(5000);
  const w = await writer.stop();
  const r = await reader.stop();
  if (up.status !== 0) log(`pulumi up failed for ${kind}:\n${up.out.slice(-3000)}`);
  const row = { kind, key: change.key, revert: change.revert, ...w, reads: r.reads, readErrors: r.errors, upSeconds, upOk: up.status === 0 };
  log(`${kind}: write gap ${row.writeGapSeconds} s, failed ${row.failed}, lost ${row.lost}, read errors ${row.readErrors}, up ${upSeconds} s`);
  return row;
}

async function main(argv: string[]): Promise<number> {
  const stack = argv[argv.indexOf("--stack") + 1];
  if (!argv.includes("--stack") || !stack) {
    process.stderr.write("usage: drill:day2 --stack <name> [--only none,reload,restart,memory,files,scale,etcd,image,certs] [--allow-prod]\n");
    return 1;
  }
  const config = JSON.parse(pulumiSync(["config", "--stack", stack, "--json"])) as Record<string, { value?: string; objectValue?: any }>;
  if (config["dpg-cluster:environment"]?.value === "prod" && !argv.includes("--allow-prod")) {
    process.stderr.write(`${stack} is a prod stack: the drill restarts its nodes and switches its leader over. Pass --allow-prod to run it anyway.\n`);
    return 1;
  }
  const patroni = config["dpg-cluster:patroni"]?.objectValue ?? {};
  const backup = config["dpg-cluster:backup"]?.objectValue ?? {};
  const retentionFull = Number(backup.retentionFull ?? 2);
  const memoryMb = Number(patroni.memoryMb ?? 1024);
  const nodes = Number(patroni.nodes ?? 3);
  const etcd = config["dpg-cluster:etcd"]?.objectValue ?? {};
  const etcdMembers = Number(etcd.members ?? 3);
  const images = config["dpg-cluster:images"]?.objectValue ?? {};
  const tlsConfig = config["dpg-cluster:tls"]?.objectValue ?? {};
  const certDays = Number(tlsConfig.certValidityDays ?? 365);
  const set = (key: string, value: string | number) => ["config", "set", "--path", "--stack", stack, `dpg-cluster:${key}`, String(value)];
  const restore = (key: string, value: unknown) => (value === undefined ? ["config", "rm", "--path", "--stack", stack, `dpg-cluster:${key}`] : set(key, String(value)));
  const all: Record<Day2Kind, Change> = {
    none: { kind: "second up, no change", apply: [], revert: [] },
    reload: {
      kind: "reloadable parameter (log_min_duration_statement)",
      apply: [set("patroni.parameters.log_min_duration_statement", 250)],
      revert: [restore("patroni.parameters.log_min_duration_statement", patroni.parameters?.log_min_duration_statement)],
    },
    restart: {
      kind: "restart-requiring parameter (max_connections)",
      // A setting of its own: the config refuses max_connections among patroni.parameters.
      apply: [set("patroni.maxConnections", Number(patroni.maxConnections ?? 200) + 50)],
      revert: [restore("patroni.maxConnections", patroni.maxConnections)],
    },
    memory: { kind: `memory limit (${memoryMb} → ${memoryMb + 256} MB)`, apply: [set("patroni.memoryMb", memoryMb + 256)], revert: [restore("patroni.memoryMb", patroni.memoryMb)] },
    // pgbackrest.conf is uploaded into every node: a new file gives each node a new container (rolling replacement).
    files: {
      kind: `new files, containers replaced (backup.retentionFull ${retentionFull} → ${retentionFull + 1})`,
      apply: [set("backup.retentionFull", retentionFull + 1)],
      revert: [restore("backup.retentionFull", backup.retentionFull)],
    },
    // The revert is the scale-in.
    scale: { kind: `scale out (${nodes} → ${nodes + 1} nodes)`, apply: [set("patroni.nodes", nodes + 1)], revert: [restore("patroni.nodes", patroni.nodes)] },
    etcd: { kind: `etcd scale out (${etcdMembers} → ${etcdMembers + 2} members)`, apply: [set("etcd.members", etcdMembers + 2)], revert: [restore("etcd.members", etcd.members)] },
    // A new image id for the nodes: the one they run plus a label (what a rebuilt or patched image is to Docker).
    image: {
      kind: "image update (patroni: a new image id)",
      apply: () => [set("images.ids.patroni", relabelled(outputs.imageIds.patroni))],
      revert: [restore("images.ids.patroni", images.ids?.patroni)],
    },
    // Every certificate issued anew (a new lifetime replaces them): each member gets new files, one at a time.
    certs: {
      kind: `certificate rotation (tls.certValidityDays ${certDays} → ${certDays + 1}: every certificate re-issued)`,
      apply: [set("tls.certValidityDays", certDays + 1)],
      revert: [restore("tls.certValidityDays", tlsConfig.certValidityDays)],
    },
  };
  const swarm = config["dpg-cluster:target"]?.objectValue?.kind === "swarm";
  const named = argv.includes("--only");
  let only = (named ? argv[argv.indexOf("--only") + 1].split(",") : [...DAY2_KINDS]) as Day2Kind[];
  const unknown = only.filter((k) => !DAY2_KINDS.includes(k));
  if (unknown.length) throw new Error(`unknown change ${unknown.join(", ")}; one of ${DAY2_KINDS.join(", ")}`);
  // The image change pins a relabelled image by id (images.ids), which only a one-host stack takes.
  if (swarm && only.includes("image")) {
    if (named) throw new Error(`${stack} is a Swarm stack: the image change pins an image of this machine's daemon by id (dpg-cluster:images.ids, one host only); leave image out of --only`);
    only = only.filter((k) => k !== "image");
    log("image: left out on a Swarm stack (dpg-cluster:images.ids pins images on one host only)");
  }
  const outputs = JSON.parse(pulumiSync(["stack", "output", "--stack", stack, "--json", "--show-secrets"]));
  // On a Swarm the URL names every router (libpq's multi-host form); the client here takes the first: the
  // routers do not change in these drills, and each routes to the same leader.
  const target = (url: string): WriterTarget => {
    const u = firstHostUrl(url);
    return { host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1), caCertPem: outputs.caCertPem };
  };
  const write = target(outputs.writeConnectionString);
  const read = target(outputs.readConnectionString);
  // Every change is reverted and measured; the settings file then gets back its very text (a `config rm`
  // of a nested key leaves its empty parents behind).
  const settingsFile = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
  const settingsText = fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, "utf8") : undefined;
  const rows: DrillRow[] = [];
  const t0 = Date.now();
  const logs = path.join(REPO_ROOT, "reports", stack, "day2-drill-logs");
  fs.rmSync(logs, { recursive: true, force: true });
  fs.mkdirSync(logs, { recursive: true });
  try {
    for (const key of only) {
      const ch = all[key];
      for (const args of typeof ch.apply === "function" ? ch.apply() : ch.apply) pulumiSync(args);
      rows.push(await measure(stack, { kind: ch.kind, key, revert: false }, write, read, path.join(logs, `${rows.length + 1}-${key}.log`)));
      if (ch.revert.length) {
        for (const args of ch.revert) pulumiSync(args);
        rows.push(await measure(stack, { kind: ch.kind, key, revert: true }, write, read, path.join(logs, `${rows.length + 1}-${key}-revert.log`)));
      }
    }
  } finally {
    // Also after a failure: the settings file as it was, no image left behind, the rows measured so far.
    if (settingsText !== undefined) fs.writeFileSync(settingsFile, settingsText);
    for (const tag of builtTags) spawnSync("docker", ["rmi", tag], { encoding: "utf8", timeout: 60_000 });
    if (rows.length) writeRecord(stack, rows, t0);
  }
  const file = writeRecord(stack, rows, t0);
  process.stdout.write("| change | write gap s | failed writes | lost acknowledged | read errors | up s |\n|---|---|---|---|---|---|\n");
  for (const r of rows) process.stdout.write(`| ${r.kind} | ${r.writeGapSeconds} | ${r.failed}/${r.attempted} | ${r.lost} | ${r.readErrors}/${r.reads + r.readErrors} | ${r.upSeconds}${r.upOk ? "" : " (failed)"} |\n`);
  log(`record: ${path.relative(process.cwd(), file)}`);
  return rows.every((r) => r.upOk && r.lost === 0) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`day2-drill: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
