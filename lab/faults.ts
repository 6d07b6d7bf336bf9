// Host failures the lab can cause on purpose, for the Swarm drills (issue 11): a node powered off (its
// Docker-in-Docker container killed, with every task on it) and powered on again, and a node cut off from
// the other nodes and the registry by a packet filter inside that node (the host, 10.77.0.1, still
// reaches it: a client on the isolated side is exactly what a partition drill must exercise).
// Every fault touches only the lab's own containers and addresses.
import * as fs from "node:fs";
import * as path from "node:path";
import { exists, hostDocker, waitFor } from "./docker";
import { LAB, LabNode, nodeSocket, registryAddress } from "./topology";
import { nodeDocker } from "./lab";

/** What a drill may do to a Swarm node, named by its hostname. */
export interface NodeFaults {
  powerOff(hostname: string): void;
  /** Starts the node again and waits until its daemon answers. */
  powerOn(hostname: string): Promise<void>;
  /** Drops every packet between the node and the other nodes (and the registry), both ways; in effect when it returns. */
  isolate(hostname: string): void;
  heal(hostname: string): void;
}

const MARK = ["-m", "comment", "--comment", "dpg-lab-partition"];

function labNode(hostname: string): LabNode {
  const node = LAB.nodes.find((n) => n.name === hostname);
  if (!node) throw new Error(`${hostname} is not a lab node (${LAB.nodes.map((n) => n.name).join(", ")})`);
  return node;
}

/** The raw-table rules that cut `node` off from its peers: before conntrack and NAT, for its own and its tasks' packets. */
export function partitionRules(node: LabNode): string[][] {
  const peers = [...LAB.nodes.filter((n) => n.name !== node.name).map((n) => n.ip), registryAddress.split(":")[0]];
  return peers.flatMap((ip) => [
    ["PREROUTING", "-s", ip, "-j", "DROP", ...MARK],
    ["PREROUTING", "-d", ip, "-j", "DROP", ...MARK],
    ["OUTPUT", "-d", ip, "-j", "DROP", ...MARK],
  ]);
}

/** The rules as one iptables-restore batch: committed at once, so the cut is not spread over seconds of docker execs. */
export function partitionBatch(rules: string[][], op: "-A" | "-D"): string {
  return ["*raw", ...rules.map(([chain, ...spec]) => [op, chain, ...spec].map((w) => (/\s/.test(w) ? `"${w}"` : w)).join(" ")), "COMMIT", ""].join("\n");
}

function restore(node: LabNode, batch: string): void {
  hostDocker(["exec", "-i", node.name, "iptables-restore", "-w", "5", "--noflush"], { input: batch, timeoutMs: 15_000 });
}

/** The partition rules the node holds now (after an interrupted drill there may be copies). */
function heldRules(node: LabNode): string[][] {
  const out = hostDocker(["exec", node.name, "iptables", "-w", "5", "-t", "raw", "-S"], { timeoutMs: 15_000 }).stdout;
  return out
    .split("\n")
    .filter((l) => l.startsWith("-A ") && l.includes("dpg-lab-partition"))
    .map((l) => l.slice(3).replace(/"/g, "").split(" "));
}

/**
 * The lab's faults, when every one of these Swarm nodes is a lab node that exists on this machine;
 * undefined otherwise (a real Swarm's hosts are not ours to power off).
 */
export function labFaults(hostnames: string[]): NodeFaults | undefined {
  if (hostnames.length === 0 || !hostnames.every((h) => LAB.nodes.some((n) => n.name === h) && exists(hostDocker, "container", h))) return undefined;
  return {
    powerOff(hostname) {
      hostDocker(["kill", labNode(hostname).name], { timeoutMs: 30_000 });
    },
    async powerOn(hostname) {
      const node = labNode(hostname);
      // /run is a tmpfs on the host too: the socket folder must exist before the node starts.
      fs.mkdirSync(path.dirname(nodeSocket(node)), { recursive: true, mode: 0o700 });
      hostDocker(["start", node.name], { timeoutMs: 60_000 });
      await waitFor(`${node.name}'s dockerd`, () => (nodeDocker(node)(["version", "-f", "{{.Server.Version}}"], { allowFail: true, timeoutMs: 5000 }).status === 0 ? true : undefined), 90_000);
    },
    isolate(hostname) {
      const node = labNode(hostname);
      // One exec (a check and the batch): the cut takes effect at its end, moments before this returns.
      hostDocker(["exec", "-i", node.name, "sh", "-c", "iptables -w 5 -t raw -S | grep -q dpg-lab-partition || iptables-restore -w 5 --noflush"], {
        input: partitionBatch(partitionRules(node), "-A"),
        timeoutMs: 15_000,
      });
    },
    heal(hostname) {
      const node = labNode(hostname);
      const held = heldRules(node);
      if (held.length > 0) restore(node, partitionBatch(held, "-D"));
    },
  };
}
