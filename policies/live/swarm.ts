// The Swarm items from live facts (issue 10 §6): nodes ready, the overlay spanning the nodes, storage
// per node, bandwidth between nodes with 20 % headroom. lab/facts.ts gathers and judges them over a
// Swarm's Docker endpoints; here the endpoints come from the stack's dpg-cluster:target settings, and a
// one-host stack gets the same items failed with the reason (there is no second host to measure).
import { dockerAt } from "../../lab/docker";
import { gatherSwarmFacts, judgeSwarm, SwarmFacts } from "../../lab/facts";
import type { LiveOutcome } from "./judges";
import type { LiveTarget } from "./target";

/**
 * 001-PERF-09 names no figure: the rate the cluster must carry between nodes is taken as 100 Mbit/s (WAL
 * streamed to two replicas plus client traffic of a write-heavy OLTP load stays well below it; the lab
 * e2e requires the same). No stack setting changes it yet.
 */
export const REQUIRED_BITS_PER_SECOND = 100e6;
const MIN_NODES = 3;

export type SwarmLiveFacts = { kind: "docker"; endpoint: string } | { kind: "swarm"; facts: SwarmFacts; requiredBitsPerSecond: number };

/** Items these facts decide on a Swarm target (000-INF-04 is otherwise the one host's storage, measured by `host`). */
export const SWARM_ITEMS = ["000-INF-02", "001-INF-03", "000-INF-03", "001-INF-04", "000-INF-04", "001-PERF-09"] as const;
type SwarmItem = (typeof SWARM_ITEMS)[number];

const ONE_HOST: Record<SwarmItem, string> = {
    "000-INF-02": "one Docker host, no Swarm",
    "001-INF-03": "one Docker host, no Swarm",
    "000-INF-03": "one Docker host: no overlay network spans hosts",
    "001-INF-04": "one Docker host: no overlay network spans hosts",
    "000-INF-04": "one Docker host",
    "001-PERF-09": "needs more than one host: the bandwidth between nodes cannot be measured on one",
};

export async function gatherSwarm(t: LiveTarget): Promise<SwarmLiveFacts> {
    const s = t.config.target;
    if (s.kind !== "swarm") return { kind: "docker", endpoint: process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock" };
    if (!s.endpoint) throw new Error("dpg-cluster:target.endpoint is not set");
    if (!s.probeImage) throw new Error("dpg-cluster:target.probeImage is not set: the probes need an image with iperf3, bash and df that every node pulls");
    const nodes = s.nodes.filter((n) => n.endpoint);
    if (nodes.length < s.nodes.length) {
        throw new Error(`dpg-cluster:target.nodes: ${s.nodes.filter((n) => !n.endpoint).map((n) => n.hostname).join(", ")} have no endpoint, so their storage and the overlay cannot be probed there`);
    }
    const facts = await gatherSwarmFacts({
        manager: dockerAt(s.endpoint),
        nodes: nodes.map((n) => ({ name: n.hostname, docker: dockerAt(n.endpoint) })),
        probeImage: s.probeImage,
        // Its own name: a lab `facts` run beside it uses dpg-lab-probe.
        network: `${t.namePrefix}-readiness-probe`,
    });
    return { kind: "swarm", facts, requiredBitsPerSecond: REQUIRED_BITS_PER_SECOND };
}

function judge(id: SwarmItem): (f: SwarmLiveFacts) => LiveOutcome {
    return (f) => {
        if (f.kind === "docker") return { status: "fail", evidence: `${ONE_HOST[id]} (${f.endpoint}); fix: set dpg-cluster:target.kind to swarm with 3+ dpg-cluster:target.nodes` };
        return judgeSwarm(f.facts, { requiredBitsPerSecond: f.requiredBitsPerSecond, minNodes: MIN_NODES })[id];
    };
}

export const swarmJudges = Object.fromEntries(SWARM_ITEMS.map((id) => [id, judge(id)])) as Record<string, (f: SwarmLiveFacts) => LiveOutcome>;
