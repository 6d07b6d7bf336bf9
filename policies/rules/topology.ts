// Facts about the whole declared stack: Docker hosts, networks, which optional components exist.
// They need several resources at once, so they are evaluated by the score only (no resource policy).
import { Model, ModelResource, StackRule } from "./types";
import { T, fix, noSetting, setting } from "./settings";
import { ownerComponent } from "./urn";
import { workloadView } from "./workloads";

const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"; // the docker provider's default `host`

const TARGET_KIND = setting("target", "kind");
const NODES = setting("target", "nodes");
// The fix for a one-host stack: the Swarm target (components/target), placed member by member.
const TO_SWARM = `fix: set ${TARGET_KIND} to swarm, with 3+ ${NODES} and one ${setting("target", "placement")} constraint per member on distinct nodes (\`npm run lab -- up\` writes such a stack for a Swarm lab on this machine)`;

const of = (m: Model, type: string) => m.resources.filter((r) => r.type === type);

/** Members whose loss costs quorum or data: each must sit on its own node. */
const PINNED = ["patroni", "etcd"] as const;

/** On a Swarm: the nodes each stateful component's member services are pinned to (their placement constraints). */
function swarmSpread(services: ModelResource[]): string[] {
    const out: string[] = [];
    for (const comp of PINNED) {
        const members = services.filter((s) => ownerComponent(s.urn) === comp);
        const nodes = new Set<string>();
        const unpinned: string[] = [];
        for (const s of members) {
            const c = workloadView(T.service, s.props).constraints.filter((x) => /^node\.(hostname|labels\.)/.test(x));
            if (c.length === 0) unpinned.push(s.name);
            else nodes.add(c.sort().join(" && "));
        }
        if (members.length === 0) {
            out.push(`no ${comp} member runs as a Swarm service`);
        } else if (nodes.size < 3 || unpinned.length) {
            out.push(
                `${members.length} ${comp} member service(s) are pinned to ${nodes.size} distinct Swarm node(s) (${[...nodes].join(", ") || "none"})${unpinned.length ? `; ${unpinned.join(", ")} have no node constraint, so Swarm may put them beside another member` : ""}; one node failure can take ${comp === "etcd" ? "quorum" : "the primary and its replica"} down; ${fix(setting("target", `placement.${comp}`), "one constraint per member, each naming a different one of 3+ nodes")}`,
            );
        }
    }
    return out;
}

export const dockerHosts: StackRule = {
    kind: "stack",
    name: "docker-hosts",
    description: "Members are spread over at least 3 hosts: 3 Docker hosts, or Swarm services pinned to 3 distinct nodes (000: ≥3 nodes for production HA).",
    severity: "blocker",
    evaluate: (m) => {
        const services = of(m, T.service);
        if (services.length > 0) return swarmSpread(services);
        const containers = of(m, T.container);
        const hosts = new Set(containers.map((c) => c.providerHost ?? DEFAULT_DOCKER_HOST));
        return containers.length > 0 && hosts.size >= 3
            ? []
            : [`${containers.length} container(s) run on ${hosts.size} Docker host(s) (${[...hosts].join(", ") || "none"}); one host failure takes the whole cluster down; ${TO_SWARM}`];
    },
};

export const overlayNetwork: StackRule = {
    kind: "stack",
    name: "overlay-network",
    description: "An overlay network connects the nodes across hosts.",
    severity: "blocker",
    evaluate: (m) =>
        of(m, T.network).some((n) => n.props?.driver === "overlay")
            ? []
            : [`no overlay network is declared (bridge networks stay on one host); ${TO_SWARM} (the Swarm target declares its networks as overlays)`],
};

export const dbNetworkInternal: StackRule = {
    kind: "stack",
    name: "db-network-internal",
    description: "The database network is internal (no route to or from outside the hosts); on a Swarm, an internal overlay.",
    severity: "blocker",
    evaluate: (m) => {
        const internal = of(m, T.network).filter((n) => n.props?.internal === true);
        if (internal.length === 0)
            return [`no internal Docker network is declared, so database containers are reachable via the default bridge; ${noSetting("components/target/index.ts (the cluster network is declared internal)")}`];
        // Swarm services reach each other only over an overlay: an internal bridge would hold nothing of theirs.
        if (of(m, T.service).length > 0 && !internal.some((n) => n.props?.driver === "overlay"))
            return [`the Swarm services have no internal overlay (internal: ${internal.map((n) => `${n.name} ${n.props?.driver ?? "bridge"}`).join(", ")}), so the members' traffic crosses a network with a route out; ${noSetting("components/target/index.ts (the cluster overlay is declared internal)")}`];
        return [];
    },
};

export const networkSegmentation: StackRule = {
    kind: "stack",
    name: "network-segmentation",
    description: "Separate networks for database and monitoring/app traffic, the database one internal.",
    severity: "advisory",
    evaluate: (m) => {
        const nets = of(m, T.network);
        return nets.length >= 2 && nets.some((n) => n.props?.internal === true)
            ? []
            : [`${nets.length} network(s), ${nets.filter((n) => n.props?.internal === true).length} internal; fix: declare a separate internal database network and an edge network for published ports (components/target/index.ts)`];
    },
};

function declared(name: string, type: string, what: string): StackRule {
    return {
        kind: "stack",
        name,
        description: `${what} is deployed.`,
        severity: "advisory",
        evaluate: (m) => (of(m, type).length > 0 ? [] : [`${what} is not deployed; ${noSetting("infra/index.ts (it is always deployed)")}`]),
    };
}

export const haproxyDeclared = declared("haproxy-declared", T.haproxy, "HAProxy (the load balancer in front of Patroni)");
export const pgbouncerDeclared = declared("pgbouncer-declared", T.pgbouncer, "PgBouncer (the pooling layer)");

// 001 lists "Max connections set to 500+ (cluster)" under Database Configuration, apart from "Connection pooling
// configured": it is PostgreSQL's max_connections (the rendered value, overrides included), not PgBouncer's slots.
export const maxConnectionsCapacity: StackRule = {
    kind: "stack",
    name: "max-connections-capacity",
    description: "PostgreSQL max_connections is 500 or more (001 Database Configuration; PgBouncer client slots do not count).",
    severity: "advisory",
    evaluate: (m) => {
        const p = of(m, T.patroni)[0]?.props;
        const pg = Number(p?.parameters?.max_connections ?? p?.maxConnections ?? 0);
        return pg >= 500
            ? []
            : [`PostgreSQL max_connections is ${pg} (500+ wanted; PgBouncer client slots are a separate item); ${fix(setting("patroni", "maxConnections"), "500 or more")} (with enough ${setting("patroni", "memoryMb")} for it)`];
    },
};

export const topologyRules = [
    dockerHosts,
    overlayNetwork,
    dbNetworkInternal,
    networkSegmentation,
    haproxyDeclared,
    pgbouncerDeclared,
    maxConnectionsCapacity,
];
