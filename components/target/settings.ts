// Where the cluster runs (dpg-cluster:target.*): one Docker host, or a Docker Swarm reached through
// its manager's endpoint. Declared once, with defaults and doc lines; the checks that tie placement
// to the other sections (member counts, prod's three nodes) live in placementProblems below.
import { z } from "zod";
import { ipv4 } from "../shared/settings";

/** A Docker endpoint the provider and the CLI accept. */
const dockerEndpoint = z
  .string()
  .regex(/^(unix:\/\/\/|tcp:\/\/|ssh:\/\/)\S+$/, "must be a Docker endpoint: unix:///path, tcp://host:port or ssh://user@host");

/** A Swarm placement constraint naming one node: by label or by hostname. */
const CONSTRAINT = /^node\.(labels\.[A-Za-z0-9._-]+|hostname)==[A-Za-z0-9._-]+$/;
const constraint = z
  .string()
  .regex(CONSTRAINT, 'must be a Swarm constraint naming one node: "node.labels.<key>==<value>" or "node.hostname==<name>"');

const swarmNode = z
  .object({
    hostname: z.string().min(1).describe("the node's hostname as `docker node ls` shows it"),
    address: ipv4.describe("address clients reach the node's published ports on"),
    label: z
      .string()
      .regex(/^[A-Za-z0-9._-]+=[A-Za-z0-9._-]+$/, "must be key=value")
      .optional()
      .describe("a node label (key=value) placements may name"),
    endpoint: dockerEndpoint.optional().describe("the node's own Docker endpoint (to exec into its tasks); default: none"),
  })
  .strict();

export const targetSettings = z
  .object({
    kind: z.enum(["docker", "swarm"]).default("docker").describe("`docker`: every container on the one Docker host; `swarm`: services on a Docker Swarm of ≥ 3 nodes"),
    endpoint: dockerEndpoint.optional().describe("swarm: the manager's Docker endpoint (unix://, tcp:// with TLS, ssh://)"),
    registry: z
      .string()
      .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "must be host:port")
      .optional()
      .describe("swarm: registry every node pulls from (images are pushed through the manager and pinned by digest)"),
    nodes: z.array(swarmNode).default([]).describe("swarm: the nodes, `{hostname, address, label, endpoint}` each"),
    placement: z
      .object({
        etcd: z.array(constraint).default([]).describe("swarm: one constraint per etcd member, each naming a different node"),
        patroni: z.array(constraint).default([]).describe("swarm: one constraint per Patroni node, each naming a different node"),
        haproxy: z.array(constraint).default([]).describe("swarm: one HAProxy per constraint (≥ 2 on distinct nodes in prod)"),
        pgbouncer: z.array(constraint).default([]).describe("swarm: one PgBouncer per constraint (≥ 2 on distinct nodes in prod)"),
        backup: z
          .array(constraint)
          .max(1, "one constraint: the node of the pgBackRest repository server")
          .default([])
          .describe("swarm, backup.repository=server: the node of the repository server (prod: none of the Patroni nodes')"),
        monitoring: z
          .array(constraint)
          .max(1, "one constraint: the node of Prometheus, Alertmanager and the alert webhook")
          .default([])
          .describe("swarm, monitoring.enabled: the node of Prometheus, Alertmanager and the alert webhook (prod: none of the Patroni nodes')"),
      })
      .strict()
      .default({}),
    overlay: z
      .object({
        encrypted: z.boolean().default(false).describe("swarm: IPsec on the overlay (needs the kernel's ESP; TLS protects the traffic either way)"),
      })
      .strict()
      .default({}),
    probeImage: z.string().optional().describe("swarm: image (by digest) the readiness probes run on each node"),
  })
  .strict();

export type TargetSettings = z.infer<typeof targetSettings>;
export type SwarmNode = z.infer<typeof swarmNode>;

/** What placementProblems needs of the other sections. */
export interface PlacementContext {
  environment: "dev" | "prod";
  etcdMembers: number;
  patroniNodes: number;
  monitoringEnabled: boolean;
  backupEnabled: boolean;
  /** dpg-cluster:backup.repository. */
  backupRepository: "volume" | "server";
}

const key = (k: string) => `dpg-cluster:target.${k}`;

/** The declared node a constraint names, or undefined. */
export function constrainedNode(nodes: SwarmNode[], c: string): SwarmNode | undefined {
  const [lhs, value] = c.split("==");
  if (lhs === "node.hostname") return nodes.find((n) => n.hostname === value);
  const labelKey = lhs.slice("node.labels.".length);
  return nodes.find((n) => n.label === `${labelKey}=${value}`);
}

/**
 * Placement mistakes, named by key with the fix: a Swarm target without its endpoint or nodes, a
 * member count that does not match its placements, two etcd members or two Patroni nodes on one node,
 * a constraint that names no declared node, fewer than 3 nodes (or one router) in prod.
 */
export function placementProblems(t: TargetSettings, c: PlacementContext): string[] {
  if (t.kind === "docker") {
    const set = (["endpoint", "registry"] as const).filter((k) => t[k] !== undefined);
    const lists = (["etcd", "patroni", "haproxy", "pgbouncer", "backup", "monitoring"] as const).filter((k) => t.placement[k].length);
    const stray = [...set, ...(t.nodes.length ? ["nodes"] : []), ...lists.map((k) => `placement.${k}`)];
    return stray.length ? [`${key("kind")} is "docker" but ${stray.map(key).join(", ")} are set: they only apply to kind "swarm" (set ${key("kind")} swarm, or remove them)`] : [];
  }
  const out: string[] = [];
  if (!t.endpoint) out.push(`${key("endpoint")}: required for kind "swarm": the manager's Docker endpoint, e.g. unix:///run/docker.sock or ssh://admin@manager-1`);
  if (!t.registry) out.push(`${key("registry")}: required for kind "swarm": a registry every node pulls from (host:port), e.g. the lab's 10.77.0.10:5000`);
  if (t.nodes.length === 0) out.push(`${key("nodes")}: list the Swarm nodes ({hostname, address, label}); placements must name them`);
  const minNodes = c.environment === "prod" ? 3 : 1;
  if (t.nodes.length && t.nodes.length < minNodes) {
    out.push(`${key("nodes")}: prod needs at least 3 Swarm nodes (one host is a single point of failure); ${t.nodes.length} listed`);
  }
  const hostnames = t.nodes.map((n) => n.hostname);
  const dupHost = hostnames.find((h, i) => hostnames.indexOf(h) !== i);
  if (dupHost) out.push(`${key("nodes")}: hostname "${dupHost}" is listed twice`);

  const spread = (what: "etcd" | "patroni" | "haproxy" | "pgbouncer" | "backup" | "monitoring", want: number | undefined, min: number) => {
    const list = t.placement[what];
    if (want !== undefined && list.length !== want) {
      out.push(`${key(`placement.${what}`)}: ${list.length} constraint(s) for ${want} ${what === "etcd" ? "members (dpg-cluster:etcd.members)" : "nodes (dpg-cluster:patroni.nodes)"}: give one per member, each on a different node`);
    }
    if (want === undefined && list.length < min) {
      out.push(`${key(`placement.${what}`)}: ${min === 1 ? "at least one" : `at least ${min} (prod: the routers must survive a host)`} constraint(s) needed, ${list.length} given`);
    }
    const seen = new Map<string, number>();
    list.forEach((constraint, i) => {
      const node = constrainedNode(t.nodes, constraint);
      if (!node) {
        if (t.nodes.length) out.push(`${key(`placement.${what}[${i}]`)}: "${constraint}" names no node of ${key("nodes")} (by hostname or label)`);
        return;
      }
      const other = seen.get(node.hostname);
      if (other !== undefined) {
        out.push(`${key(`placement.${what}`)}: entries ${other} and ${i} both put a ${what} member on node ${node.hostname}: losing that host would take both; use distinct nodes`);
      }
      seen.set(node.hostname, i);
    });
  };
  spread("etcd", c.etcdMembers, 0);
  spread("patroni", c.patroniNodes, 0);
  spread("haproxy", undefined, c.environment === "prod" ? 2 : 1);
  spread("pgbouncer", undefined, c.environment === "prod" ? 2 : 1);
  spread("backup", undefined, 0);
  spread("monitoring", undefined, 0);
  out.push(...backupPlacementProblems(t, c));
  out.push(...monitoringPlacementProblems(t, c));
  return out;
}

/**
 * Prometheus, Alertmanager and the alert webhook share one node, named by one constraint; in prod not
 * a Patroni node's host, or losing that host takes a database and the alerting that should report it.
 * (The exporters need no placement: each postgres_exporter runs beside its node.)
 */
function monitoringPlacementProblems(t: TargetSettings, c: PlacementContext): string[] {
  const placed = t.placement.monitoring;
  if (!c.monitoringEnabled) {
    return placed.length ? [`${key("placement.monitoring")}: only used with dpg-cluster:monitoring.enabled true; remove it`] : [];
  }
  if (placed.length !== 1) {
    return [`${key("placement.monitoring")}: one constraint naming the node of Prometheus, Alertmanager and the alert webhook is needed (dpg-cluster:monitoring.enabled is true; or set it false)`];
  }
  const node = constrainedNode(t.nodes, placed[0]);
  if (!node || c.environment !== "prod") return [];
  const shared = t.placement.patroni.findIndex((p) => constrainedNode(t.nodes, p)?.hostname === node.hostname);
  return shared < 0
    ? []
    : [`${key("placement.monitoring")}: Prometheus and Alertmanager are on node ${node.hostname} with Patroni node ${shared + 1} (${key(`placement.patroni[${shared}]`)}): losing that host would take a database and the alerts about it; use a node without a Patroni member`];
}

/**
 * The repository must be a server on a Swarm (a shared volume cannot span nodes and dies with its
 * host), placed by one constraint; in prod not on any Patroni node's host, or losing that host takes
 * a database and its backups together.
 */
function backupPlacementProblems(t: TargetSettings, c: PlacementContext): string[] {
  const placed = t.placement.backup;
  if (!c.backupEnabled || c.backupRepository === "volume") {
    const out: string[] = [];
    if (c.backupEnabled) {
      out.push(`dpg-cluster:backup.repository: "volume" cannot be shared across Swarm nodes and dies with its host; set it "server" (and ${key("placement.backup")}) on kind "swarm"`);
    }
    if (placed.length) out.push(`${key("placement.backup")}: only used with dpg-cluster:backup.repository "server" and backups enabled; remove it`);
    return out;
  }
  if (placed.length !== 1) {
    return [`${key("placement.backup")}: one constraint naming the node of the pgBackRest repository server is needed (dpg-cluster:backup.repository is "server")`];
  }
  const node = constrainedNode(t.nodes, placed[0]);
  if (!node || c.environment !== "prod") return [];
  const shared = t.placement.patroni.findIndex((p) => constrainedNode(t.nodes, p)?.hostname === node.hostname);
  return shared < 0
    ? []
    : [`${key("placement.backup")}: the repository server is on node ${node.hostname} with Patroni node ${shared + 1} (${key(`placement.patroni[${shared}]`)}): losing that host would take a database and its backups; use a node without a Patroni member`];
}
