// Facts about the whole declared stack: Docker hosts, networks, which optional components exist.
// They need several resources at once, so they are evaluated by the score only (no resource policy).
import { Model, StackRule } from "./types";
import { T, fix, noSetting, setting } from "./settings";

const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"; // the docker provider's default `host`

// No setting can fix the topology blockers yet: say so instead of naming a setting that does not exist.
const SINGLE_HOST_ONLY =
    "no setting fixes this yet: the program deploys to one Docker host; the Docker Swarm target (3+ hosts joined by an overlay network) is the planned fix";

const of = (m: Model, type: string) => m.resources.filter((r) => r.type === type);

export const dockerHosts: StackRule = {
    kind: "stack",
    name: "docker-hosts",
    description: "Containers are spread over at least 3 Docker hosts (000: ≥3 nodes for production HA).",
    severity: "blocker",
    evaluate: (m) => {
        const containers = of(m, T.container);
        const hosts = new Set(containers.map((c) => c.providerHost ?? DEFAULT_DOCKER_HOST));
        return containers.length > 0 && hosts.size >= 3
            ? []
            : [`${containers.length} container(s) run on ${hosts.size} Docker host(s) (${[...hosts].join(", ") || "none"}); one host failure takes the whole cluster down; ${SINGLE_HOST_ONLY}`];
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
            : [`no overlay network is declared (bridge networks stay on one host); ${SINGLE_HOST_ONLY}`],
};

export const dbNetworkInternal: StackRule = {
    kind: "stack",
    name: "db-network-internal",
    description: "The database network is internal (no route to or from outside the hosts).",
    severity: "blocker",
    evaluate: (m) =>
        of(m, T.network).some((n) => n.props?.internal === true)
            ? []
            : [`no internal Docker network is declared, so database containers are reachable via the default bridge; fix: declare the cluster network with internal: true (infra/index.ts)`],
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
            : [`${nets.length} network(s), ${nets.filter((n) => n.props?.internal === true).length} internal; fix: declare a separate internal database network and an edge network for published ports (infra/index.ts)`];
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
