// What day-2 reads from, and says to, a running cluster: Patroni's REST API over TLS and pg_settings,
// both from inside a node container (`docker exec`, on whichever host runs it: target/member-exec.ts), so no password, key or port leaves the cluster
// network. Patroni's REST API authenticates nothing here beyond TLS (restapi.authentication is unset):
// it is reachable only on the internal cluster network. The request body goes on stdin, never argv.
import { spawnSync } from "node:child_process";
import { PATRONI_REST_PORT, TLS_UPLOAD_FILES } from "./render";
import type { Member } from "./day2";
import { ExecTarget, execArgs, memberContainer, memberRunning } from "../target/member-exec";

export interface LiveCluster {
  /** Node container names (also their hostnames). */
  nodes: string[];
  /** Patroni's REST API serves TLS (verified against the cluster CA in the container). */
  tls: boolean;
  /** Where the nodes run: absent on one Docker host (their containers carry the node names). */
  target?: ExecTarget;
}

export interface RestAnswer {
  status: number;
  body: string;
}

/** One request to `node`'s own Patroni REST API; status 0 when the container or Patroni does not answer. */
export function rest(c: LiveCluster, node: string, method: string, path: string, body?: unknown, timeoutS = 30): RestAnswer {
  const url = `${c.tls ? "https" : "http"}://127.0.0.1:${PATRONI_REST_PORT}${path}`;
  const curl = ["curl", "-sS", "--max-time", String(timeoutS), "-X", method, "-w", "\n%{http_code}", ...(c.tls ? ["--cacert", TLS_UPLOAD_FILES.ca] : [])];
  if (body !== undefined) curl.push("-H", "Content-Type: application/json", "--data-binary", "@-");
  curl.push(url);
  const args = execArgs(node, ["-i"], curl, c.target);
  if (!args) return { status: 0, body: `${node} runs nowhere right now` };
  const r = spawnSync("docker", args, { input: body === undefined ? "" : JSON.stringify(body), encoding: "utf8", timeout: (timeoutS + 15) * 1000 });
  if (r.status !== 0) return { status: 0, body: `${r.stderr ?? ""}${r.error?.message ?? ""}`.trim() };
  const out = r.stdout ?? "";
  const cut = out.lastIndexOf("\n");
  return { status: Number(out.slice(cut + 1)) || 0, body: out.slice(0, cut) };
}

/** GET as JSON from the first node that answers 200; undefined when none does. */
export function getJson(c: LiveCluster, path: string, nodes = c.nodes): any | undefined {
  for (const node of nodes) {
    const r = rest(c, node, "GET", path, undefined, 10);
    if (r.status === 200) {
      try {
        return JSON.parse(r.body);
      } catch {
        /* a node mid-restart may answer garbage: ask the next */
      }
    }
  }
  return undefined;
}

/** Members as /cluster lists them (empty when no node answers). */
export function members(c: LiveCluster): Member[] {
  return (getJson(c, "/cluster")?.members ?? []) as Member[];
}

/** Is this node's container (one host) or its service's task (Swarm) running now? */
export function nodeRunning(c: LiveCluster, node: string): boolean {
  return memberRunning(node, c.target);
}

/** Is any node container of this cluster running at all? (A first `up` has none yet.) */
export function anyNodeRunning(c: LiveCluster): boolean {
  if (c.target && c.target.kind === "swarm") return c.nodes.some((n) => memberContainer(n, c.target) !== undefined);
  const r = spawnSync("docker", ["inspect", "-f", "{{.State.Running}}", ...c.nodes], { encoding: "utf8", timeout: 15_000 });
  return (r.stdout ?? "").split("\n").some((l) => l.trim() === "true");
}

/** pg_settings.context of every parameter, from the local socket of a running node (peer auth as postgres). */
export function parameterContexts(c: LiveCluster, nodes = c.nodes): Record<string, string> | undefined {
  for (const node of nodes) {
    const args = execArgs(node, ["-u", "postgres"], ["psql", "-h", "/var/run/postgresql", "-U", "postgres", "-d", "postgres", "-AtX", "-F", "\t", "-c", "SELECT name, context FROM pg_settings"], c.target);
    if (!args) continue;
    const r = spawnSync("docker", args, {
      encoding: "utf8",
      timeout: 20_000,
    });
    if (r.status === 0) return Object.fromEntries(r.stdout.split("\n").filter(Boolean).map((l) => l.split("\t") as [string, string]));
  }
  return undefined;
}

/**
 * Every node of `nodes` a member, one leader running, the others streaming, and in synchronous mode a
 * synchronous standby. Members not in `nodes` are ignored: after a scale-in they are on their way out
 * (Pulumi removes their containers at the end of the update).
 */
export function healthy(all: Member[], nodes: string[], synchronousMode: boolean): boolean {
  const ms = all.filter((m) => nodes.includes(m.name));
  return (
    ms.length === nodes.length &&
    ms.filter((m) => m.role === "leader" && m.state === "running").length === 1 &&
    ms.filter((m) => m.role !== "leader").every((m) => m.state === "streaming") &&
    (!synchronousMode || nodes.length < 2 || ms.some((m) => m.role === "sync_standby"))
  );
}

// Shared by every step script (etcd's membership step too).
export { readStdin, sleep, until } from "../shared/step-io";
