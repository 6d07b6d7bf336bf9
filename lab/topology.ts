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
}

const NODE_COUNT = 3;

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
  nodes: Array.from({ length: NODE_COUNT }, (_, k): LabNode => {
    const i = k + 1;
    return {
      index: i,
      name: `dpg-lab-${i}`,
      ip: `10.77.0.${10 + i}`,
      volume: `dpg-lab-${i}-docker`,
      pool: `10.${177 + i}.0.0/16`,
      label: `dpg.node=${i}`,
    };
  }),
} as const;

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
 * node on its own Swarm node (issue 10: never two on one node), a router on each node, poolers on two. Monitoring and
 * backups are not placed on a Swarm yet (the config refuses them there), so the lab stack turns them off.
 */
export function renderLabSettings(probeImage?: string): string {
  const label = (n: LabNode) => `node.labels.${LAB.labelKey}==${n.index}`;
  const [n1, n2] = LAB.nodes;
  const target = {
    kind: "swarm",
    endpoint: managerEndpoint,
    registry: registryAddress,
    nodes: LAB.nodes.map((n) => ({ hostname: n.name, address: n.ip, label: n.label, endpoint: nodeEndpoint(n) })),
    placement: {
      etcd: LAB.nodes.map(label),
      patroni: LAB.nodes.map(label),
      // A router beside every database node: a partition then always leaves clients a router on the
      // isolated side, the case where two writable primaries would show (issue 11's partition drill).
      haproxy: LAB.nodes.map(label),
      pgbouncer: [label(n1), label(n2)],
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
      "dpg-cluster:backup": { enabled: false },
    },
  })}`;
}
