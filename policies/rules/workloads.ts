// One view of a workload, whatever the target made of it: a docker.Container on one host or a
// docker.Service on a Swarm (components/target). The container rules read this view, so each rule is
// written once; where Swarm differs in fact (no ulimits through the provider, published ports bind every
// interface of the node), the view says so and the rule reports it instead of passing.
import { T } from "./settings";

export interface WorkloadPort {
    internal: number;
    external?: number;
    /** Address it binds on the host; "" = every interface. */
    ip: string;
    /** Swarm only: "host" (each node where a task runs) or "ingress" (the routing mesh: every node). */
    swarmMode?: "host" | "ingress";
}

export interface WorkloadView {
    kind: "container" | "service";
    image: unknown;
    memoryMb: number;
    healthTests: unknown[];
    /** Restart behaviour in Docker's container words: unless-stopped | always | on-failure | no. */
    restart: string;
    /** The nofile ulimit, or "unsettable" where the target cannot set one (the node daemon's default applies). */
    nofile: { soft: number; hard: number } | undefined | "unsettable";
    /** KEY=VALUE entries. */
    envs: string[];
    ports: WorkloadPort[];
    logDriver: string;
    logOpts: Record<string, unknown>;
    /** Swarm placement constraints (none on one host). */
    constraints: string[];
}

export const WORKLOAD_TYPES = [T.container, T.service];

/** Swarm restart conditions as the container words the rules know; Swarm's default is "any". */
const SWARM_RESTART: Record<string, string> = { any: "always", "on-failure": "on-failure", none: "no" };

/**
 * A view whose fields are read only when a rule asks for them: at preview some inputs are unknown (a
 * container's image id before the build), and touching an unknown value makes the whole rule undecidable.
 */
function lazyView(fields: { [K in keyof WorkloadView]: () => WorkloadView[K] }): WorkloadView {
    const view = {} as WorkloadView;
    for (const [k, get] of Object.entries(fields)) Object.defineProperty(view, k, { get: get as () => unknown, enumerable: true });
    return view;
}

function containerView(p: any): WorkloadView {
    return lazyView({
        kind: () => "container",
        image: () => p.image,
        memoryMb: () => Number(p.memory ?? 0),
        healthTests: () => p.healthcheck?.tests ?? [],
        restart: () => String(p.restart ?? "no"),
        nofile: () => {
            const nofile = (p.ulimits ?? []).find((u: any) => u.name === "nofile");
            return nofile ? { soft: Number(nofile.soft), hard: Number(nofile.hard) } : undefined;
        },
        envs: () => (p.envs ?? []).map(String),
        ports: () => (p.ports ?? []).map((x: any) => ({ internal: Number(x.internal), external: x.external === undefined ? undefined : Number(x.external), ip: String(x.ip ?? "") })),
        logDriver: () => String(p.logDriver ?? "json-file"),
        logOpts: () => p.logOpts ?? {},
        constraints: () => [],
    });
}

function serviceView(p: any): WorkloadView {
    const task = () => p.taskSpec ?? {};
    const spec = () => task().containerSpec ?? {};
    return lazyView({
        kind: () => "service",
        image: () => spec().image,
        memoryMb: () => Number(task().resources?.limits?.memoryBytes ?? 0) / (1024 * 1024),
        healthTests: () => spec().healthcheck?.tests ?? [],
        restart: () => SWARM_RESTART[String(task().restartPolicy?.condition ?? "any")] ?? String(task().restartPolicy?.condition),
        // The docker provider's ServiceTaskSpecContainerSpec has no ulimits: each node's dockerd default applies.
        nofile: () => "unsettable",
        envs: () => {
            const env = spec().env ?? {};
            return Array.isArray(env) ? env.map(String) : Object.entries(env).map(([k, v]) => `${k}=${v}`);
        },
        // A Swarm port binds every interface: in host mode of each node running a task, in ingress mode of every node.
        ports: () =>
            (p.endpointSpec?.ports ?? []).map((x: any) => ({
                internal: Number(x.targetPort),
                external: x.publishedPort === undefined ? undefined : Number(x.publishedPort),
                ip: "",
                swarmMode: x.publishMode === "host" ? "host" : "ingress",
            })),
        logDriver: () => String(task().logDriver?.name ?? "json-file"),
        logOpts: () => task().logDriver?.options ?? {},
        constraints: () => (task().placement?.constraints ?? []).map(String),
    });
}

/** The view of a container's or a service's inputs. */
export function workloadView(type: string, props: any): WorkloadView {
    return type === T.service ? serviceView(props ?? {}) : containerView(props ?? {});
}

/** "container" or "service": how messages name the resource. */
export function noun(v: WorkloadView): string {
    return v.kind === "service" ? "Swarm service" : "container";
}
