// The Swarm lab: three Docker-in-Docker managers and a worker on an internal bridge, a registry beside them.
// up is idempotent (what exists and runs is kept), down removes everything labelled dpg.lab=1.
import * as fs from "node:fs";
import * as path from "node:path";
import { imageTag } from "../components/shared/image-tag";
import type { SwarmEndpoints } from "./facts";
import { Docker, dockerAt, exists, hostDocker, run, waitFor } from "./docker";
import { LAB, LabNode, managerEndpoint, nodeEndpoint, nodeSocket, registryAddress, renderLabSettings } from "./topology";

const REPO_ROOT = path.join(__dirname, "..");
export const BASE_IMAGE = process.env.DPG_BASE_IMAGE ?? "debian:trixie-slim";
export const SETTINGS_FILE = path.join(REPO_ROOT, "Pulumi.lab.yaml");

function log(msg: string): void {
  process.stderr.write(`[lab] ${msg}\n`);
}

export function labImage(kind: "node" | "tools"): string {
  const dir = path.join(__dirname, `${kind}-image`);
  return `dpg/lab-${kind}:${imageTag(dir, BASE_IMAGE)}`;
}

function ensureImage(kind: "node" | "tools"): string {
  const name = labImage(kind);
  if (!exists(hostDocker, "image", name)) {
    log(`building ${name}`);
    hostDocker(["build", "-q", "-t", name, "--build-arg", `BASE_IMAGE=${BASE_IMAGE}`, path.join(__dirname, `${kind}-image`)], {
      timeoutMs: 10 * 60_000,
    });
  }
  return name;
}

export const nodeDocker = (node: LabNode): Docker => dockerAt(nodeEndpoint(node));
export const managerDocker: Docker = dockerAt(managerEndpoint);

/** Starts a container that exists but is stopped; refuses one built from another image (run down first). */
function ensureRunning(name: string, image: string, create: () => void): void {
  if (!exists(hostDocker, "container", name)) {
    create();
    return;
  }
  const [running, have] = hostDocker(["inspect", "-f", "{{.State.Running}} {{.Config.Image}}", name]).stdout.trim().split(" ");
  if (have !== image) throw new Error(`${name} runs ${have}, the lab now builds ${image}: run \`npm run lab -- down\` first`);
  if (running !== "true") {
    log(`starting ${name}`);
    hostDocker(["start", name]);
  }
}

function ensureNetwork(): void {
  if (exists(hostDocker, "network", LAB.network)) {
    const subnet = hostDocker(["network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", LAB.network]).stdout.trim();
    if (subnet !== LAB.subnet) throw new Error(`${LAB.network} exists with subnet ${subnet}, not ${LAB.subnet}: run \`npm run lab -- down\``);
    return;
  }
  log(`creating ${LAB.network} ${LAB.subnet} (internal: no route out of the lab)`);
  hostDocker(["network", "create", "--driver", "bridge", "--internal", "--subnet", LAB.subnet, "--label", LAB.ownerLabel, LAB.network]);
}

function ensureRegistry(image: string): void {
  const r = LAB.registry;
  ensureRunning(r.container, image, () => {
    log(`starting registry ${r.container} on ${registryAddress}`);
    if (!exists(hostDocker, "volume", r.volume)) hostDocker(["volume", "create", "--label", LAB.ownerLabel, r.volume]);
    hostDocker([
      "run", "-d", "--name", r.container, "--hostname", r.container, "--label", LAB.ownerLabel,
      "--network", LAB.network, "--ip", r.ip, "--user", "docker-registry", "--restart", "unless-stopped",
      "--memory", "256m", "-v", `${r.volume}:/var/lib/docker-registry`,
      image, "docker-registry", "serve", "/etc/dpg-lab/registry.yml",
    ]);
  });
}

function ensureNode(node: LabNode, image: string): void {
  // /run is a tmpfs: after a reboot the socket folder must exist again before the node can start
  fs.mkdirSync(path.dirname(nodeSocket(node)), { recursive: true, mode: 0o700 });
  fs.chmodSync(LAB.apiDir, 0o700);
  ensureRunning(node.name, image, () => {
    log(`starting node ${node.name} ${node.ip}`);
    if (!exists(hostDocker, "volume", node.volume)) hostDocker(["volume", "create", "--label", LAB.ownerLabel, node.volume]);
    hostDocker([
      "run", "-d", "--name", node.name, "--hostname", node.name, "--label", LAB.ownerLabel, "--init",
      "--network", LAB.network, "--ip", node.ip,
      // --privileged fails on this kernel ("unable to apply caps"): every cap but SYS_RESOURCE instead.
      "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
      "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined", "--security-opt", "systempaths=unconfined",
      "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/tmp",
      "-v", `${node.volume}:/var/lib/docker`,
      "-v", `${path.dirname(nodeSocket(node))}:/lab-api`,
      image,
      "--host", "unix:///var/run/docker.sock", "--host", "unix:///lab-api/docker.sock",
      "--default-address-pool", `base=${node.pool},size=24`,
      "--insecure-registry", registryAddress,
    ]);
  });
}

function swarmState(d: Docker): string {
  return d(["info", "-f", "{{.Swarm.LocalNodeState}}"], { timeoutMs: 15_000 }).stdout.trim();
}

async function ensureSwarm(): Promise<void> {
  const [first, ...others] = LAB.nodes;
  const m = nodeDocker(first);
  if (swarmState(m) !== "active") {
    log(`swarm init on ${first.name}`);
    m(["swarm", "init", "--advertise-addr", first.ip, "--listen-addr", `${first.ip}:2377`,
      "--default-addr-pool", LAB.swarmPool, "--default-addr-pool-mask-length", "24"], { timeoutMs: 60_000 });
  }
  const tokens = { manager: m(["swarm", "join-token", "-q", "manager"]).stdout.trim(), worker: m(["swarm", "join-token", "-q", "worker"]).stdout.trim() };
  for (const node of others) {
    const d = nodeDocker(node);
    if (swarmState(d) === "active") continue;
    log(`swarm join ${node.name} as ${node.role}`);
    d(["swarm", "join", "--token", tokens[node.role], "--advertise-addr", node.ip, "--listen-addr", `${node.ip}:2377`, `${first.ip}:2377`], {
      timeoutMs: 90_000,
    });
  }
  for (const node of LAB.nodes) {
    const id = nodeDocker(node)(["info", "-f", "{{.Swarm.NodeID}}"]).stdout.trim();
    const have = m(["node", "inspect", "-f", `{{index .Spec.Labels "${LAB.labelKey}"}}`, id]).stdout.trim();
    if (have !== String(node.index)) m(["node", "update", "--label-add", node.label, id]);
  }
}

export interface SwarmNodeRow {
  Hostname: string;
  Status: string;
  Availability: string;
  ManagerStatus: string;
}

/** docker node ls through the manager endpoint (bounded: a manager without quorum hangs). */
export function nodeList(d: Docker = managerDocker): SwarmNodeRow[] {
  const out = d(["node", "ls", "--format", "{{json .}}"], { timeoutMs: 15_000 }).stdout;
  return out.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as SwarmNodeRow);
}

/** Problems that make the lab unhealthy; empty when every node is Ready and Active, each manager reachable, each worker a worker. */
export function labProblems(rows: SwarmNodeRow[]): string[] {
  const problems: string[] = [];
  for (const node of LAB.nodes) {
    const row = rows.find((r) => r.Hostname === node.name);
    const managerOk = node.role === "manager" ? ["Leader", "Reachable"].includes(row?.ManagerStatus ?? "") : !row?.ManagerStatus;
    if (!row) problems.push(`${node.name} is not in the swarm`);
    else if (row.Status !== "Ready" || row.Availability !== "Active" || !managerOk)
      problems.push(`${node.name} (${node.role}): ${row.Status}/${row.Availability}/${row.ManagerStatus || "worker"}`);
  }
  return problems;
}

async function registryReady(): Promise<boolean> {
  try {
    const r = await fetch(`http://${registryAddress}/v2/`, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
}

export async function up(): Promise<{ ms: number; probeImage: string }> {
  const t0 = Date.now();
  run("bash", [path.join(REPO_ROOT, "scripts/ensure-base-image.sh"), BASE_IMAGE], { timeoutMs: 10 * 60_000 });
  const nodeImage = ensureImage("node");
  const toolsImage = ensureImage("tools");
  ensureNetwork();
  ensureRegistry(toolsImage);
  for (const node of LAB.nodes) ensureNode(node, nodeImage);
  for (const node of LAB.nodes) {
    await waitFor(`${node.name}'s dockerd`, () => (nodeDocker(node)(["version", "-f", "{{.Server.Version}}"], { allowFail: true, timeoutMs: 5000 }).status === 0 ? true : undefined), 60_000);
  }
  await ensureSwarm();
  await waitFor("every node Ready (managers reachable)", () => (labProblems(nodeList()).length === 0 ? true : undefined), 90_000, 1000);
  for (let i = 0; i < 40 && !(await registryReady()); i++) await new Promise((r) => setTimeout(r, 500));
  if (!(await registryReady())) throw new Error(`registry ${registryAddress} does not answer /v2/ (docker logs ${LAB.registry.container})`);
  // The probe image (iperf3) the readiness facts run on every node comes from the lab registry too.
  const { push } = await import("./registry");
  const [probe] = await push([toolsImage]);
  fs.writeFileSync(SETTINGS_FILE, renderLabSettings(probe.ref));
  const ms = Date.now() - t0;
  log(`up in ${ms} ms; manager endpoint ${managerEndpoint}; settings in ${path.relative(process.cwd(), SETTINGS_FILE) || SETTINGS_FILE}`);
  return { ms, probeImage: probe.ref };
}

/** The lab's endpoints for lab/facts.ts: the manager, each node, and the probe image pinned by digest. */
export async function labEndpoints(): Promise<SwarmEndpoints> {
  const { push } = await import("./registry");
  const [probe] = await push([labImage("tools")]);
  return { manager: managerDocker, nodes: LAB.nodes.map((n) => ({ name: n.name, docker: nodeDocker(n) })), probeImage: probe.ref };
}

/** Everything labelled dpg.lab=1 (plus the socket folder and settings file) goes. */
export function down(): number {
  const t0 = Date.now();
  const label = ["--filter", `label=${LAB.ownerLabel}`];
  const containers = hostDocker(["ps", "-aq", ...label]).stdout.split("\n").filter(Boolean);
  if (containers.length) hostDocker(["rm", "-f", "-v", ...containers], { timeoutMs: 120_000 });
  // By label, and by the names the lab gives its volumes: a `docker run -v` that raced a down re-creates
  // a volume without the label (seen once when two lab runs overlapped).
  const known = [LAB.registry.volume, ...LAB.nodes.map((n) => n.volume)].filter((v) => exists(hostDocker, "volume", v));
  const volumes = [...new Set([...hostDocker(["volume", "ls", "-q", ...label]).stdout.split("\n").filter(Boolean), ...known])];
  if (volumes.length) hostDocker(["volume", "rm", ...volumes], { timeoutMs: 120_000 });
  const networks = hostDocker(["network", "ls", "-q", ...label]).stdout.split("\n").filter(Boolean);
  if (networks.length) hostDocker(["network", "rm", ...networks]);
  fs.rmSync(LAB.apiDir, { recursive: true, force: true });
  fs.rmSync(SETTINGS_FILE, { force: true });
  const ms = Date.now() - t0;
  log(`down in ${ms} ms: removed ${containers.length} containers, ${volumes.length} volumes, ${networks.length} networks`);
  return ms;
}

/** Prints docker node ls; returns the problems (empty = healthy). */
export function status(): string[] {
  if (!exists(hostDocker, "container", LAB.nodes[0].name)) return ["the lab is not up (npm run lab -- up)"];
  const r = managerDocker(["node", "ls"], { allowFail: true, timeoutMs: 15_000 });
  process.stdout.write(r.stdout || r.stderr);
  if (r.status !== 0) return [`docker node ls through ${managerEndpoint} failed`];
  return labProblems(nodeList());
}
