// Patroni/PostgreSQL cluster spec: size, vector extension, replication mode, TLS, auth, failure detection.
import { ResourceRule } from "./types";
import { SEED_DATABASE } from "./seed-requirements";
import { T, TLS_ENABLED, fix, noSetting, pgParam, setting } from "./settings";

const absent = `no ${T.patroni} component is declared`;
const OFF = ["off", "false", "0", "no", ""];
const isOff = (v: unknown) => v === undefined || v === null || OFF.includes(String(v).trim().toLowerCase());

function rule(r: Omit<ResourceRule, "kind" | "types" | "absent">): ResourceRule {
    return { kind: "resource", types: [T.patroni], absent, ...r };
}

export const patroniNodes = rule({
    name: "patroni-nodes",
    description: "Patroni runs at least 3 PostgreSQL nodes (001: 3 nodes minimum).",
    severity: "blocker",
    check: (p) =>
        p.nodes >= 3 ? [] : [`Patroni has ${p.nodes} node(s); production HA needs 3; ${fix(setting("patroni", "nodes"), "3")}`],
});

// The PostgreSQL version is not a static rule: the schema only accepts the packaged major, so a declared
// version checks nothing; 001-DB-01 and 000-DB-01 read server_version_num from the running cluster.
export const vectorExtension = rule({
    name: "vector-extension",
    description: "The application database gets RuVector, the seeds' vector extension (000: PostgreSQL 15.0+ with RuVector 2.0+).",
    severity: "blocker",
    check: (p) =>
        p.vectorExtension === SEED_DATABASE.vectorExtension
            ? []
            : [
                  `the stack creates ${p.vectorExtension === "vector" ? "pgvector (vector)" : `"${p.vectorExtension}"`} in the application database; the seeds require RuVector ≥ ${SEED_DATABASE.minVectorVersion}; ${fix(setting("patroni", "vectorExtension"), `"${SEED_DATABASE.vectorExtension}"`)}`,
              ],
});

export const synchronousReplication = rule({
    name: "synchronous-replication",
    description: "Synchronous replication is on, so a failover loses no committed transaction.",
    severity: "blocker", // 000 HA: "Failover completes in <30 seconds with zero data loss"
    check: (p) => {
        if (!p.synchronousMode)
            return [`asynchronous replication can lose committed transactions on failover; ${fix(setting("patroni", "synchronousMode"), "true")}`];
        // synchronousNodeCount within 1..nodes-1 is a coherence check of the settings (infra/config-checks.ts).
        return [];
    },
});

export const postgresTls = rule({
    name: "postgres-tls",
    description: "PostgreSQL serves TLS.",
    severity: "blocker",
    check: (p) => {
        const out: string[] = [];
        if (!p.tls?.enabled) out.push(`PostgreSQL TLS is off; ${fix(TLS_ENABLED, "true")}`);
        else if (p.parameters && "ssl" in p.parameters && isOff(p.parameters.ssl))
            out.push(`tls.enabled is true but the rendered parameter ssl is "${p.parameters.ssl}"; ${fix(pgParam("ssl"), "on")}`);
        return out;
    },
});

/** Rendered pg_hba lines that admit TCP clients without TLS ("host" or "hostnossl" lines that do not reject). */
export function plaintextHbaLines(lines: string[]): string[] {
    return lines.filter((l) => {
        const f = l.trim().split(/\s+/);
        return (f[0] === "host" || f[0] === "hostnossl") && f[f.length - 1] !== "reject";
    });
}

export const hostsslOnly = rule({
    name: "hostssl-only",
    description: "The rendered pg_hba.conf admits TCP connections only as hostssl (sslmode=require enforced by the server).",
    severity: "blocker",
    check: (p) => {
        const lines: string[] = p.pgHba ?? [];
        if (lines.length === 0) return [`the Patroni spec carries no rendered pg_hba lines to check; ${noSetting("components/patroni/render.ts (pgHba)")}`];
        const plain = plaintextHbaLines(lines);
        return plain.length === 0 ? [] : [`pg_hba.conf admits non-TLS connections (${plain.join("; ")}); ${fix(TLS_ENABLED, "true")}`];
    },
});

/**
 * Whether the rendered pg_hba refuses every TCP login of the superuser, with and without TLS: for each kind the
 * first line that can match must be a reject for every address; a narrower accepting line before it admits some.
 */
export function superuserTcpLocked(lines: string[], superuser = "postgres"): boolean {
    const kinds = [["host", "hostssl"], ["host", "hostnossl"]];
    return kinds.every((types) => {
        for (const l of lines) {
            const [type, db, user, address, ...rest] = l.trim().split(/\s+/);
            if (!types.includes(type) || db === "replication") continue;
            if (user !== "all" && !user.split(",").includes(superuser)) continue;
            const rejects = rest[rest.length - 1] === "reject";
            if (address === "0.0.0.0/0" || address === "all") return rejects;
            if (!rejects) return false;
        }
        return true; // no line matches: PostgreSQL refuses
    });
}

export const superuserLocked = rule({
    name: "superuser-locked",
    description: "The PostgreSQL superuser cannot log in over TCP (pg_hba rejects it before any other TCP line): only over the local socket.",
    severity: "blocker",
    check: (p) =>
        superuserTcpLocked(p.pgHba ?? [])
            ? []
            : [`pg_hba.conf lets the superuser log in over TCP (first matching line is not a reject for every address); ${noSetting("components/patroni/render.ts (pgHba)")}`],
});

export const scramPasswordEncryption = rule({
    name: "scram-password-encryption",
    description: "Passwords are hashed with scram-sha-256, not MD5.",
    severity: "blocker",
    check: (p) => {
        const fromParams = p.parameters?.password_encryption;
        const value = String(fromParams ?? p.passwordEncryption ?? "");
        return value === "scram-sha-256"
            ? []
            : [`password_encryption is "${value}"; ${fix(pgParam("password_encryption"), '"scram-sha-256"')}`];
    },
});

export const patroniFailureDetection = rule({
    name: "patroni-failure-detection",
    description: "Patroni timings detect a dead leader: loop_wait + 2 × retry_timeout ≤ ttl.",
    severity: "blocker", // gates 000 HA "Failover completes in <30 seconds": the failover time is bounded by ttl
    // Patroni's own rule: with a longer loop the leader can lose its lease between two renewals (false failovers).
    check: (p) =>
        p.ttl > 0 && p.loopWait > 0 && p.loopWait + 2 * p.retryTimeout <= p.ttl
            ? []
            : [`loop_wait ${p.loopWait} + 2 × retry_timeout ${p.retryTimeout} exceeds ttl ${p.ttl}; ${fix(setting("patroni", "ttl"), `at least ${p.loopWait + 2 * p.retryTimeout}`)} (or lower ${setting("patroni", "loopWait")} / ${setting("patroni", "retryTimeout")})`],
});

export const patroniRules = [
    patroniNodes,
    vectorExtension,
    synchronousReplication,
    postgresTls,
    hostsslOnly,
    superuserLocked,
    scramPasswordEncryption,
    patroniFailureDetection,
];
