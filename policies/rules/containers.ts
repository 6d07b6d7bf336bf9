// Workloads (a container on one host, a service on a Swarm): limits, health checks, restart policy, fd
// limits, credentials in env, published ports. Each rule reads the target-neutral view (workloads.ts).
import { ResourceRule, RuleContext } from "./types";
import { PASSWORD_LENGTH, T, fix, noSetting, setting } from "./settings";
import { DB_PATH_COMPONENTS, DB_PORTS, ownerComponent } from "./urn";
import { WORKLOAD_TYPES, WorkloadView, noun, workloadView } from "./workloads";

const absent = `no ${T.container} or ${T.service} is declared`;
const WILDCARD = ["", "0.0.0.0", "::", "[::]", "*"];

/** The component a container belongs to, for naming its settings (falls back to a generic key). */
function owner(ctx: RuleContext): string {
    return ownerComponent(ctx.urn) ?? "containers";
}

/** The stack setting of a container's memory limit, where one exists (only the PostgreSQL nodes have one). */
function memorySetting(ctx: RuleContext): string {
    return owner(ctx) === "patroni" ? fix(setting("patroni", "memoryMb"), "a limit in MB") : noSetting(`components/${owner(ctx)}`);
}

function onDbPath(v: WorkloadView, ctx: RuleContext): boolean {
    const comp = ownerComponent(ctx.urn);
    if (comp) return DB_PATH_COMPONENTS.includes(comp);
    return v.ports.some((p) => DB_PORTS.includes(p.internal));
}

/** A rule over the workload view of a container or a service. */
function rule(r: Omit<ResourceRule, "kind" | "types" | "absent" | "check"> & { check: (v: WorkloadView, ctx: RuleContext) => string[] }): ResourceRule {
    const { check, ...rest } = r;
    return { kind: "resource", types: WORKLOAD_TYPES, absent, ...rest, check: (p, ctx) => check(workloadView(ctx.type, p), ctx) };
}

export const containerMemoryLimit = rule({
    name: "container-memory-limit",
    description: "Every container has a memory limit.",
    severity: "blocker", // 000 "PostgreSQL Memory: <80% of limit" cannot hold, nor be measured, without a limit
    check: (v, ctx) =>
        v.memoryMb > 0
            ? []
            : [`${noun(v)} ${ctx.name} has no memory limit, so one runaway process can starve the host; ${memorySetting(ctx)}`],
});

export const containerHealthcheck = rule({
    name: "container-healthcheck",
    description: "Every container declares a health check.",
    severity: "advisory",
    check: (v, ctx) => {
        const tests = v.healthTests;
        return tests.length > 0 && tests[0] !== "NONE"
            ? []
            : [`${noun(v)} ${ctx.name} has no health check, so failures go undetected; ${noSetting(`components/${owner(ctx)} (declare healthcheck.tests)`)}`];
    },
});

export const containerRestartPolicy = rule({
    name: "container-restart-policy",
    description: "Every container restarts on failure (restart = unless-stopped, always or on-failure).",
    severity: "advisory",
    check: (v, ctx) => {
        if (["unless-stopped", "always", "on-failure"].includes(v.restart)) return [];
        return v.kind === "service"
            ? [`Swarm service ${ctx.name} has restart condition "none", so its task stays down after a crash; ${noSetting(`components/target/service.ts (restartPolicy.condition "any")`)}`]
            : [`container ${ctx.name} has restart "${v.restart}" (the Docker default), so it stays down after a crash; ${noSetting(`components/${owner(ctx)} (restart: "unless-stopped")`)}`];
    },
});

export const containerNofileUlimit = rule({
    name: "container-nofile-ulimit",
    description: "Database-path containers allow 65536 open files (001: ulimit -n 65536).",
    severity: "advisory",
    check: (v, ctx) => {
        if (!onDbPath(v, ctx)) return [];
        const nofile = v.nofile;
        // Not a pass by default: the limit exists, but where no declaration shows it, this rule cannot vouch for it.
        if (nofile === "unsettable")
            return [`Swarm service ${ctx.name} cannot declare an open-file limit (the docker provider sets no ulimits on services), so it gets its node's dockerd default, which this pack cannot see; set default-ulimits nofile=65536:65536 in /etc/docker/daemon.json and LimitNOFILE=65536 for dockerd on every Swarm node`];
        return nofile && nofile.soft >= 65536 && nofile.hard >= 65536
            ? []
            : [`container ${ctx.name} keeps a lower open-file limit than 65536; containers get at most the Docker daemon's hard limit, so raise dockerd's LimitNOFILE to 65536 and redeploy`];
    },
});

const SECRET_KEY = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|CREDENTIAL)/i;
const URI_WITH_PASSWORD = /:\/\/[^/\s:@]+:[^@\s]+@/;

/** KEY=VALUE entries that carry a credential in clear text (values are never echoed). */
export function plaintextSecretKeys(envs: unknown): string[] {
    const out: string[] = [];
    for (const e of (envs as string[]) ?? []) {
        const s = String(e);
        const i = s.indexOf("=");
        if (i <= 0) continue;
        const key = s.slice(0, i);
        const value = s.slice(i + 1);
        if (value === "" || /_FILE$/i.test(key) || key.toUpperCase() === "PGPASSFILE") continue;
        if (SECRET_KEY.test(key) || URI_WITH_PASSWORD.test(value) || (/^ETCDCTL_USER$/i.test(key) && value.includes(":")))
            out.push(key);
    }
    return out;
}

export const noPlaintextPasswords = rule({
    name: "no-plaintext-passwords",
    description: "No container env carries a password in clear text (docker inspect shows env to anyone with Docker access).",
    severity: "blocker",
    // Policies see secrets decrypted (pulumi-policy#241), so any credential-looking KEY=value is plaintext in the container.
    check: (v, ctx) => {
        const keys = plaintextSecretKeys(v.envs);
        return keys.length === 0
            ? []
            : [`${noun(v)} ${ctx.name} passes ${keys.join(", ")} as plain env, visible to anyone with docker inspect; in the ${owner(ctx)} component pass ${keys.map((k) => `${k}_FILE`).join(", ")} pointing at an uploaded secret file instead (generated by RandomPassword, length from ${PASSWORD_LENGTH})`];
    },
});

export const dbPortsNotPublic = {
    kind: "resource",
    name: "db-ports-not-public",
    description: "Database ports are never published on 0.0.0.0 (bind to 127.0.0.1 or a private address).",
    severity: "blocker",
    types: [...WORKLOAD_TYPES, T.haproxy, T.pgbouncer],
    absent: `no ${T.container}, ${T.service}, ${T.haproxy} or ${T.pgbouncer} is declared`,
    check: (p: any, ctx: RuleContext): string[] => {
        if (ctx.type === T.haproxy) {
            return WILDCARD.includes(String(p.bindAddress ?? ""))
                ? [`HAProxy binds its database ports on all interfaces (${p.bindAddress || "default"}); ${fix(setting("haproxy", "bindAddress"), '"127.0.0.1" or a private address')}`]
                : [];
        }
        if (ctx.type === T.pgbouncer) {
            return WILDCARD.includes(String(p.bindAddress ?? ""))
                ? [`PgBouncer listens on all interfaces (${p.bindAddress || "default"}); ${fix(setting("haproxy", "bindAddress"), '"127.0.0.1" or a private address')} (PgBouncer publishes on it)`]
                : [];
        }
        const v = workloadView(ctx.type, p);
        if (!onDbPath(v, ctx)) return [];
        const open = v.ports.filter((port) => WILDCARD.includes(port.ip));
        if (open.length === 0) return [];
        if (v.kind === "service") {
            // Swarm has no bind address for a published port: host mode binds 0.0.0.0 of the task's node,
            // ingress mode of every node. Only a firewall in front of the nodes narrows it.
            const list = open.map((o) => `${o.internal}→${o.external ?? "random"} (${o.swarmMode} mode)`).join(", ");
            const where = open.some((o) => o.swarmMode === "ingress") ? "every interface of every Swarm node (routing mesh)" : "every interface of the node its task runs on";
            return [`Swarm service ${ctx.name} publishes ${list} on ${where}: Swarm cannot bind a published port to one address, so ${setting("haproxy", "bindAddress")} does not narrow it; fix: firewall the Swarm nodes so only the client networks reach these ports (then attest 001-SEC-12), or drop the published port`];
        }
        return [`container ${ctx.name} publishes ${open.map((o) => `${o.internal}→${o.external ?? "random"}`).join(", ")} on 0.0.0.0 (Docker's default when ip is unset); ${fix(setting("haproxy", "bindAddress"), '"127.0.0.1"')} (every published port binds to it) or drop the published port`];
    },
} satisfies ResourceRule;

/** Log drivers whose files Docker itself rotates when max-size is set (json-file, local) or that hand logs to the host. */
const HOST_LOG_DRIVERS = ["journald", "syslog", "fluentd", "gelf", "awslogs", "splunk", "gcplogs", "loki"];

export const containerLogRotation = rule({
    name: "container-log-rotation",
    description: "Every container's logs are rotated (json-file/local with max-size and max-file, or shipped to the host's log service).",
    severity: "advisory",
    check: (v, ctx) => {
        const driver = v.logDriver;
        if (HOST_LOG_DRIVERS.includes(driver)) return [];
        const opts = v.logOpts as Record<string, unknown>;
        const rotated = ["json-file", "local"].includes(driver) && opts["max-size"] !== undefined && (driver === "local" || opts["max-file"] !== undefined);
        return rotated
            ? []
            : [`${noun(v)} ${ctx.name} logs with ${driver} without max-size/max-file, so its log grows until the disk is full; ${noSetting(`components/${owner(ctx)} (logOpts, as components/shared/docker.ts serviceSettings sets)`)}`];
    },
});

export const containerRules = [
    containerLogRotation,
    containerMemoryLimit,
    containerHealthcheck,
    containerRestartPolicy,
    containerNofileUlimit,
    noPlaintextPasswords,
    dbPortsNotPublic,
];
