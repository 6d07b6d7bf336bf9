// The lab's names, addresses and placement, in one place; and the stack settings a Swarm target
// will read (rendered here, purely, so a unit test pins them).
import { stringify } from "yaml";

export interface LabNode {
  index: number;
  /** Container name = Swarm hostname. */
  name: string;
  ip: string;
  /** The node's own /var/lib/docker (overlay2 cannot sit on the node's overlay root). */
  volume: string;
  /** dockerd --default-address-pool: nested bridge networks never overlap the lab bridge. */
  pool: string;
  /** Swarm node label used for placement. */
  label: string;
  /**
   * Managers hold the Swarm's Raft and the database members; the worker hosts the backup repository,
   * so losing it costs neither the Swarm's quorum nor a database (and losing a database host spares the backups).
   */
  role: "manager" | "worker";
}

const MANAGERS = 3;
const WORKERS = 1;

export const LAB = {
  prefix: "dpg-lab",
  network: "dpg-lab-net",
  subnet: "10.77.0.0/24",
  /** Address pool Swarm carves overlay subnets from (inside the nodes only). */
  swarmPool: "10.176.0.0/16",
  /** Host folder holding one subfolder per node with that node's dockerd socket. */
  apiDir: "/run/dpg-lab",
  registry: { container: "dpg-lab-registry", ip: "10.77.0.10", port: 5000, volume: "dpg-lab-registry" },
  labelKey: "dpg.node",
  /** docker label on every lab container, volume and network, so down finds them all. */
  ownerLabel: "dpg.lab=1",
  nodes: Array.from({ length: MANAGERS + WORKERS }, (_, k): LabNode => {
    const i = k + 1;
    return {
      index: i,
      name: `dpg-lab-${i}`,
      ip: `10.77.0.${10 + i}`,
      volume: `dpg-lab-${i}-docker`,
      pool: `10.${177 + i}.0.0/16`,
      label: `dpg.node=${i}`,
      role: i <= MANAGERS ? "manager" : "worker",
    };
  }),
} as const;

/** The nodes that run the database members (etcd, Patroni, a router each): the managers. */
export const databaseNodes: readonly LabNode[] = LAB.nodes.filter((n) => n.role === "manager");
/** The node of the pgBackRest repository server: a worker, with no database member. */
export const backupNode: LabNode = LAB.nodes.find((n) => n.role === "worker")!;

export const registryAddress = `${LAB.registry.ip}:${LAB.registry.port}`;

/** The unix socket (host side) of a node's dockerd; node 1's is the Swarm manager endpoint. */
export function nodeSocket(node: LabNode): string {
  return `${LAB.apiDir}/${node.name}/docker.sock`;
}
export function nodeEndpoint(node: LabNode): string {
  return `unix://${nodeSocket(node)}`;
}
export const managerEndpoint = nodeEndpoint(LAB.nodes[0]);

/** The overlay's subnet in the lab stack (inside the nodes only; never on the host). */
export const LAB_OVERLAY_SUBNET = "10.213.60.0/24";

/**
 * The lab stack's settings (Pulumi.lab.yaml): the Swarm target, with each etcd member and each Patroni
 * node on its own manager (issue 10: never two on one node), a router on each of them, poolers on two, and
 * the pgBackRest repository server on the worker (issue 11: backups that survive a database host). Monitoring
 * is not placed on a Swarm yet (the config refuses it there), so the lab stack turns it off.
 */
export function renderLabSettings(probeImage?: string): string {
  const label = (n: LabNode) => `node.labels.${LAB.labelKey}==${n.index}`;
  const [n1, n2] = databaseNodes;
  const target = {
    kind: "swarm",
    endpoint: managerEndpoint,
    registry: registryAddress,
    nodes: LAB.nodes.map((n) => ({ hostname: n.name, address: n.ip, label: n.label, endpoint: nodeEndpoint(n) })),
    placement: {
      etcd: databaseNodes.map(label),
      patroni: databaseNodes.map(label),
      // A router beside every database node: a partition then always leaves clients a router on the
      // isolated side, the case where two writable primaries would show (issue 11's partition drill).
      haproxy: databaseNodes.map(label),
      pgbouncer: [label(n1), label(n2)],
      backup: [label(backupNode)],
    },
    overlay: { encrypted: false },
    ...(probeImage ? { probeImage } : {}),
  };
  const header = [
    "# Written by `npm run lab -- up` (lab/topology.ts): the Docker Swarm lab of this machine (git-ignored).",
    "# Overlay encryption stays off: this kernel has no IPsec ESP (shared/notes/swarm-lab.md).",
  ].join("\n");
  return `${header}\n${stringify({
    config: {
      "dpg-cluster:target": target,
      "dpg-cluster:network": { subnet: LAB_OVERLAY_SUBNET },
      // The seeds' extension, as on prod: the lab is the production topology.
      "dpg-cluster:patroni": { vectorExtension: "ruvector" },
      "dpg-cluster:monitoring": { enabled: false },
      "dpg-cluster:backup": { repository: "server" },
    },
  })}`;
}
