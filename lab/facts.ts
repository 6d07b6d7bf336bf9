// Swarm readiness from live facts (issue 10 §6): one gather over a Swarm's Docker endpoints and pure
// judges, one per catalog item, shaped like policies/live/judges.ts ({status, evidence}) so the
// report can take them as they are. Items: 000-INF-02/001-INF-03 (≥ 3 Swarm nodes), 000-INF-03/
// 001-INF-04 (overlay spanning the nodes, tested), 000-INF-04 (free storage per node),
// 001-PERF-09 (bandwidth between nodes with 20 % headroom).
import type { Docker } from "./docker";

export type LiveStatus = "pass" | "fail";
export interface LiveOutcome {
  status: LiveStatus;
  evidence: string;
}

export interface SwarmNodeFact {
  hostname: string;
  /** Ready | Down | Unknown ... (docker node ls STATUS) */
  status: string;
  /** Active | Pause | Drain */
  availability: string;
  /** Leader | Reachable | Unreachable | "" (worker) */
  managerStatus: string;
}

export interface ProbePair {
  from: string;
  to: string;
  ok: boolean;
  detail: string;
}

export interface SwarmFacts {
  /** docker node ls through the manager endpoint; error when the manager does not answer. */
  nodes: SwarmNodeFact[];
  nodesError?: string;
  /** The nodes the probes were asked to cover (the members' nodes). */
  probedNodes: string[];
  overlay: { network: string; pairs: ProbePair[]; error?: string };
  storage: Array<{ node: string; path: string; freeBytes?: number; error?: string }>;
  bandwidth: { from: string; to: string; seconds: number; bitsPerSecond?: number; error?: string };
}

export interface SwarmEndpoints {
  /** A manager's docker CLI (node ls, overlay network). */
  manager: Docker;
  /** Each node's own docker CLI (probe containers, storage); at least two for bandwidth. */
  nodes: Array<{ name: string; docker: Docker }>;
  /** An image with iperf3, bash and df, pullable by every node (the lab pushes dpg/lab-tools). */
  probeImage: string;
  /** Name of the throwaway overlay; default dpg-lab-probe. */
  network?: string;
  /** iperf3 duration between the first two nodes; default 3 s. */
  iperfSeconds?: number;
}

/** The daemon's own words (the last line a failed docker call printed), not the command line. */
function errText(e: unknown): string {
  const lines = ((e as Error).message ?? String(e)).split("\n").map((l) => l.trim()).filter(Boolean);
  const said = lines.slice(1).filter((l) => /error|cannot|refused|denied|no such|timed? ?out|not found/i.test(l));
  return (said.pop() ?? lines[lines.length - 1] ?? "failed").slice(0, 300);
}

function nodeList(manager: Docker): SwarmNodeFact[] {
  const out = manager(["node", "ls", "--format", "{{json .}}"], { timeoutMs: 15_000 }).stdout;
  return out
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, string>)
    .map((r) => ({ hostname: r.Hostname, status: r.Status, availability: r.Availability, managerStatus: r.ManagerStatus ?? "" }));
}

function storageOf(node: { name: string; docker: Docker }, image: string): SwarmFacts["storage"][number] {
  let root = "/var/lib/docker";
  try {
    root = node.docker(["info", "-f", "{{.DockerRootDir}}"], { timeoutMs: 10_000 }).stdout.trim() || root;
    const out = node.docker(["run", "--rm", "-v", `${root}:/docker-root:ro`, image, "df", "-B1", "--output=avail", "/docker-root"], {
      timeoutMs: 120_000,
    }).stdout;
    const free = Number(out.trim().split("\n").pop());
    if (!Number.isFinite(free)) throw new Error(`df printed "${out.trim()}"`);
    return { node: node.name, path: root, freeBytes: free };
  } catch (e) {
    return { node: node.name, path: root, error: errText(e) };
  }
}

/**
 * Measures; never throws for a dead node (its facts carry the error, and the judges fail on it).
 * Leaves nothing behind: the probe containers and the overlay are removed in every case.
 */
export async function gatherSwarmFacts(env: SwarmEndpoints): Promise<SwarmFacts> {
  const network = env.network ?? "dpg-lab-probe";
  const seconds = env.iperfSeconds ?? 3;
  const names = env.nodes.map((n) => n.name);
  const facts: SwarmFacts = {
    nodes: [],
    probedNodes: names,
    overlay: { network, pairs: [] },
    storage: [],
    bandwidth: { from: names[0] ?? "", to: names[1] ?? "", seconds },
  };
  try {
    facts.nodes = nodeList(env.manager);
  } catch (e) {
    facts.nodesError = errText(e);
  }
  facts.storage = env.nodes.map((n) => storageOf(n, env.probeImage));

  const container = (n: string) => `${network}-${n}`;
  const cleanup = () => {
    for (const n of env.nodes) n.docker(["rm", "-f", container(n.name)], { allowFail: true, timeoutMs: 20_000 });
    env.manager(["network", "rm", network], { allowFail: true, timeoutMs: 20_000 });
  };
  try {
    cleanup();
    env.manager(["network", "create", "--driver", "overlay", "--attachable", "--label", "dpg.probe=1", network], { timeoutMs: 30_000 });
    // one iperf3 server per node on the overlay; its address is the other probes' target
    const addr = new Map<string, string>();
    for (const n of env.nodes) {
      try {
        n.docker(["run", "-d", "--name", container(n.name), "--network", network, "--label", "dpg.probe=1", env.probeImage, "iperf3", "-s"], {
          timeoutMs: 120_000,
        });
        const ip = n.docker(["inspect", "-f", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container(n.name)], {
          timeoutMs: 10_000,
        }).stdout.trim();
        if (ip) addr.set(n.name, ip);
      } catch (e) {
        facts.overlay.pairs.push({ from: n.name, to: n.name, ok: false, detail: `probe did not start: ${errText(e)}` });
      }
    }
    await new Promise((r) => setTimeout(r, 500)); // iperf3 -s listening
    // bandwidth first (iperf3 serves one test at a time), from the first node to the second
    const [a, b] = env.nodes;
    if (a && b && addr.has(a.name) && addr.has(b.name)) {
      try {
        const out = a.docker(["exec", container(a.name), "iperf3", "-c", addr.get(b.name)!, "-t", String(seconds), "-J"], {
          timeoutMs: (seconds + 20) * 1000,
        }).stdout;
        const bps = (JSON.parse(out) as { end?: { sum_received?: { bits_per_second?: number } } }).end?.sum_received?.bits_per_second;
        if (typeof bps !== "number") throw new Error("iperf3 reported no received rate");
        facts.bandwidth.bitsPerSecond = bps;
      } catch (e) {
        facts.bandwidth.error = errText(e);
      }
    } else {
      facts.bandwidth.error = `needs probes on two nodes; running on: ${[...addr.keys()].join(", ") || "none"}`;
    }
    // TCP around the ring (1→2, 2→3, 3→1): every node sends and every node receives over the overlay
    for (let i = 0; i < env.nodes.length && env.nodes.length > 1; i++) {
      const from = env.nodes[i];
      const to = env.nodes[(i + 1) % env.nodes.length];
      const ip = addr.get(to.name);
      if (!addr.has(from.name) || !ip) {
        facts.overlay.pairs.push({ from: from.name, to: to.name, ok: false, detail: "no probe on one side" });
        continue;
      }
      const r = from.docker(["exec", container(from.name), "timeout", "5", "bash", "-c", `exec 3<>/dev/tcp/${ip}/5201`], {
        allowFail: true,
        timeoutMs: 20_000,
      });
      facts.overlay.pairs.push({ from: from.name, to: to.name, ok: r.status === 0, detail: r.status === 0 ? `tcp ${ip}:5201 connected` : `tcp ${ip}:5201: ${(r.stderr || `exit ${r.status}`).trim().slice(0, 200)}` });
    }
  } catch (e) {
    facts.overlay.error = errText(e);
  } finally {
    cleanup();
  }
  return facts;
}

// ---- judges (pure) --------------------------------------------------------------------------------

const pass = (evidence: string): LiveOutcome => ({ status: "pass", evidence });
const fail = (evidence: string): LiveOutcome => ({ status: "fail", evidence });
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;
const mbit = (bps: number) => `${(bps / 1e6).toFixed(0)} Mbit/s`;

/** 000-INF-02 / 001-INF-03: at least minNodes Swarm nodes, all Ready and Active, every manager reachable. */
export function judgeSwarmNodes(f: SwarmFacts, minNodes = 3): LiveOutcome {
  if (f.nodesError) return fail(`docker node ls through the manager failed: ${f.nodesError}`);
  if (f.nodes.length === 0) return fail("docker node ls listed no nodes");
  const bad = f.nodes.filter((n) => n.status !== "Ready" || n.availability !== "Active" || n.managerStatus === "Unreachable");
  const ready = f.nodes.length - bad.length;
  const managers = f.nodes.filter((n) => n.managerStatus).length;
  const list = f.nodes.map((n) => `${n.hostname} ${n.status}/${n.availability}/${n.managerStatus || "worker"}`).join(", ");
  if (bad.length) return fail(`${bad.length} of ${f.nodes.length} nodes not Ready/Active/reachable: ${list}`);
  if (ready < minNodes) return fail(`${ready} Ready nodes, HA needs ≥ ${minNodes}: ${list}`);
  if (managers < 3 || managers % 2 === 0) return fail(`${managers} managers: Raft needs an odd number ≥ 3 to survive a node loss (${list})`);
  return pass(`${ready} Ready nodes, ${managers} managers reachable: ${list}`);
}

/** 000-INF-03 / 001-INF-04: an attachable overlay spans every probed node and carries TCP between them. */
export function judgeOverlay(f: SwarmFacts, minNodes = 3): LiveOutcome {
  const o = f.overlay;
  if (o.error) return fail(`overlay ${o.network}: ${o.error}`);
  if (f.probedNodes.length < minNodes) return fail(`overlay probed on ${f.probedNodes.length} nodes, needs ≥ ${minNodes}`);
  const covered = new Set(o.pairs.filter((p) => p.ok).flatMap((p) => [p.from, p.to]));
  const broken = o.pairs.filter((p) => !p.ok);
  const missing = f.probedNodes.filter((n) => !covered.has(n));
  if (broken.length || missing.length || o.pairs.length === 0) {
    return fail(`overlay ${o.network}: ${[...broken.map((p) => `${p.from}→${p.to} ${p.detail}`), ...missing.map((n) => `${n} not reached`)].join("; ") || "no probe ran"}`);
  }
  return pass(`overlay ${o.network}: TCP ${o.pairs.map((p) => `${p.from}→${p.to}`).join(", ")}`);
}

/** 000-INF-04 ("Minimum: 20GB available"): free space under the Docker data root of every node. */
export function judgeStorage(f: SwarmFacts, minFreeBytes = 20e9): LiveOutcome {
  if (f.storage.length === 0) return fail("no node's storage was measured");
  const lines = f.storage.map((s) => (s.error ? `${s.node}: ${s.error}` : `${s.node} ${gb(s.freeBytes!)} free under ${s.path}`));
  const bad = f.storage.filter((s) => s.error || s.freeBytes! < minFreeBytes);
  return bad.length ? fail(`needs ≥ ${gb(minFreeBytes)} on every node: ${lines.join("; ")}`) : pass(lines.join("; "));
}

/**
 * 001-PERF-09 ("Network bandwidth sufficient (20% headroom)"): the seed gives no figure, so the
 * required rate is an input (what the cluster must carry between nodes); measured must be ≥ 1.2×.
 */
export function judgeBandwidth(f: SwarmFacts, requiredBitsPerSecond: number): LiveOutcome {
  const b = f.bandwidth;
  const need = requiredBitsPerSecond * 1.2;
  if (b.error || b.bitsPerSecond === undefined) return fail(`iperf3 ${b.from}→${b.to}: ${b.error ?? "no figure"}`);
  const text = `iperf3 ${b.from}→${b.to} over the overlay: ${mbit(b.bitsPerSecond)} in ${b.seconds} s; required ${mbit(requiredBitsPerSecond)} + 20 % = ${mbit(need)}`;
  return b.bitsPerSecond >= need ? pass(text) : fail(text);
}

export interface SwarmRequirements {
  minNodes?: number;
  minFreeBytes?: number;
  requiredBitsPerSecond: number;
}

/** Every item these facts decide, by catalog id. */
export function judgeSwarm(f: SwarmFacts, req: SwarmRequirements): Record<string, LiveOutcome> {
  const nodes = judgeSwarmNodes(f, req.minNodes);
  const overlay = judgeOverlay(f, req.minNodes);
  return {
    "000-INF-02": nodes,
    "001-INF-03": nodes,
    "000-INF-03": overlay,
    "001-INF-04": overlay,
    "000-INF-04": judgeStorage(f, req.minFreeBytes),
    "001-PERF-09": judgeBandwidth(f, req.requiredBitsPerSecond),
  };
}
