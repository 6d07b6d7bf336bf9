// Running a command inside a member (`docker exec`), wherever it runs: on one host the container has
// the member's name; on a Swarm the member is a service whose one task runs on some node, so the task's
// node is asked of the manager and the command goes to that node's daemon. Day-2 and the live checks
// talk to Patroni and PostgreSQL this way, so no password, key or port leaves the cluster network.
import { spawnSync } from "node:child_process";
import type { TargetSettings } from "./settings";

export type ExecTarget =
  | { kind: "docker" }
  | { kind: "swarm"; manager: string; nodes: { hostname: string; endpoint?: string }[] };

export interface MemberContainer {
  /** Docker endpoint of the daemon running it (undefined: this machine's). */
  host?: string;
  /** The Swarm node's hostname (undefined on one host). */
  hostname?: string;
  container: string;
}

const DOCKER_HOST: ExecTarget = { kind: "docker" };

/** Where members of a stack with these dpg-cluster:target settings are exec'd into. */
export function execTargetFor(t: Pick<TargetSettings, "kind" | "endpoint" | "nodes">): ExecTarget {
  return t.kind === "swarm" && t.endpoint ? { kind: "swarm", manager: t.endpoint, nodes: t.nodes.map((n) => ({ hostname: n.hostname, endpoint: n.endpoint })) } : DOCKER_HOST;
}

/**
 * Where the member's container runs now; undefined when it has no running task (or its node has no endpoint).
 * When every node has its own endpoint, the nodes are asked directly: a drill that powers off the manager's
 * node, or cuts a node off the others, must still reach every member that runs (a partitioned node keeps
 * its tasks running and its own daemon answering).
 */
export function memberContainer(member: string, target: ExecTarget = DOCKER_HOST): MemberContainer | undefined {
  if (target.kind === "docker") return { container: member };
  if (target.nodes.length > 0 && target.nodes.every((n) => n.endpoint)) return scanNodes(member, target.nodes);
  const ps = spawnSync("docker", ["-H", target.manager, "service", "ps", member, "--no-trunc", "--filter", "desired-state=running", "--format", "{{.Node}}|{{.ID}}|{{.CurrentState}}"], {
    encoding: "utf8",
    timeout: 15_000,
  });
  const running = (ps.stdout ?? "").split("\n").map((l) => l.split("|")).find((f) => f.length === 3 && f[2].startsWith("Running"));
  if (!running) return undefined;
  const node = target.nodes.find((n) => n.hostname === running[0]);
  if (!node?.endpoint) return undefined;
  const id = spawnSync("docker", ["-H", node.endpoint, "ps", "-q", "--filter", `label=com.docker.swarm.task.id=${running[1]}`], { encoding: "utf8", timeout: 15_000 });
  const container = (id.stdout ?? "").trim().split("\n")[0];
  return container ? { host: node.endpoint, hostname: node.hostname, container } : undefined;
}

/** The member's running task container on whichever node runs it (a node that does not answer is skipped). */
function scanNodes(member: string, nodes: { hostname: string; endpoint?: string }[]): MemberContainer | undefined {
  for (const node of nodes) {
    const r = spawnSync("docker", ["-H", node.endpoint!, "ps", "-q", "--filter", `label=com.docker.swarm.service.name=${member}`, "--filter", "status=running"], { encoding: "utf8", timeout: 10_000 });
    const container = r.status === 0 ? (r.stdout ?? "").trim().split("\n")[0] : "";
    if (container) return { host: node.endpoint, hostname: node.hostname, container };
  }
  return undefined;
}

/**
 * The docker CLI arguments of `docker exec [execOptions] <member's container> command...`, or undefined
 * when the member runs nowhere right now.
 */
export function execArgs(member: string, execOptions: string[], command: string[], target: ExecTarget = DOCKER_HOST): string[] | undefined {
  const c = memberContainer(member, target);
  if (!c) return undefined;
  return [...(c.host ? ["-H", c.host] : []), "exec", ...execOptions, c.container, ...command];
}

/**
 * A label of the member as it runs now: its container's (one host) or its service's task template's (Swarm);
 * undefined when the member does not exist or has no such label.
 */
/** Label holding a member's replacement key (target/index.ts replacementKey). */
export const ROLLOUT_KEY_LABEL = "dpg.rollout-key";

export function memberLabel(member: string, label: string, target: ExecTarget = DOCKER_HOST): string | undefined {
  const args =
    target.kind === "docker"
      ? ["inspect", "-f", `{{index .Config.Labels "${label}"}}`, member]
      : ["-H", target.manager, "service", "inspect", "-f", `{{index .Spec.Labels "${label}"}}`, member];
  const r = spawnSync("docker", args, { encoding: "utf8", timeout: 15_000 });
  const v = r.status === 0 ? (r.stdout ?? "").trim() : "";
  return v && v !== "<no value>" ? v : undefined;
}

/**
 * Has the member's last change rolled out? Always on one host (a container is replaced whole); on a Swarm,
 * the service's update is completed (or it never had one): until then its old task may still answer.
 */
export function memberConverged(member: string, target: ExecTarget = DOCKER_HOST): boolean {
  if (target.kind === "docker") return true;
  const r = spawnSync("docker", ["-H", target.manager, "service", "inspect", "-f", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", member], { encoding: "utf8", timeout: 15_000 });
  const state = r.status === 0 ? (r.stdout ?? "").trim() : "unknown";
  return state === "" || state === "completed";
}

/** Does the member run now: its container (one host), or a task of its service (Swarm)? */
export function memberRunning(member: string, target: ExecTarget = DOCKER_HOST): boolean {
  if (target.kind === "swarm") return memberContainer(member, target) !== undefined;
  const r = spawnSync("docker", ["inspect", "-f", "{{.State.Running}}", member], { encoding: "utf8", timeout: 15_000 });
  return (r.stdout ?? "").trim() === "true";
}
