// postgresql.conf parameters rendered into the Patroni spec: audit and slow-query logging, essential settings,
// vacuum, logical decoding (000 "Audit Logging", "Configuration Parameters"; 001 Database/Security items).
import { ResourceRule } from "./types";
import { T, fix, pgParam } from "./settings";

const absent = `no ${T.patroni} component is declared`;
const OFF = ["off", "false", "0", "no", ""];
const isOn = (v: unknown) => v !== undefined && v !== null && !OFF.includes(String(v).trim().toLowerCase());

function rule(r: Omit<ResourceRule, "kind" | "types" | "absent">): ResourceRule {
    return { kind: "resource", types: [T.patroni], absent, ...r };
}

/** PostgreSQL duration setting → milliseconds (plain numbers are ms for log_min_duration_statement). */
export function durationMs(v: unknown): number | undefined {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/.exec(String(v ?? ""));
    if (!m) return undefined;
    const unit: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60000, h: 3600000, d: 86400000 };
    return Number(m[1]) * unit[m[2] ?? "ms"];
}

export const ddlLogging = rule({
    name: "ddl-logging",
    description: "DDL statements are logged (log_statement = ddl, mod or all).",
    severity: "blocker",
    check: (p) => {
        const v = String(p.parameters?.log_statement ?? "none");
        return ["ddl", "mod", "all"].includes(v) ? [] : [`log_statement is "${v}", so DDL is not audited; ${fix(pgParam("log_statement"), '"ddl"')}`];
    },
});

export const connectionLogging = rule({
    name: "connection-logging",
    description: "Connections and disconnections are logged (audit trail).",
    severity: "blocker",
    // PostgreSQL 18 also accepts a list (receipt,authentication,...) for log_connections: anything not off counts.
    check: (p) => [
        ...(isOn(p.parameters?.log_connections) ? [] : [`log_connections is off; ${fix(pgParam("log_connections"), "on")}`]),
        ...(isOn(p.parameters?.log_disconnections) ? [] : [`log_disconnections is off; ${fix(pgParam("log_disconnections"), "on")}`]),
    ],
});

export const slowQueryLogging = rule({
    name: "slow-query-logging",
    description: "Queries slower than 1 s are logged (log_min_duration_statement between 0 and 1000 ms).",
    severity: "blocker",
    check: (p) => {
        const raw = p.parameters?.log_min_duration_statement;
        const ms = durationMs(raw);
        return ms !== undefined && ms >= 0 && ms <= 1000
            ? []
            : [`log_min_duration_statement is ${raw === undefined ? "unset (-1)" : `"${raw}"`}; slow queries are not logged; ${fix(pgParam("log_min_duration_statement"), "1000")}`];
    },
});

/** Settings 000 lists as essential; their values depend on RAM, so only explicit presence is checked. */
export const ESSENTIAL_SETTINGS = [
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "max_wal_size",
    "checkpoint_completion_target",
    "random_page_cost",
];

export const postgresEssentialSettings = rule({
    name: "postgres-essential-settings",
    description: "The memory, WAL and planner settings of 000 are set explicitly (not left at PostgreSQL defaults).",
    severity: "blocker",
    check: (p) => {
        const missing = ESSENTIAL_SETTINGS.filter((k) => p.parameters?.[k] === undefined || p.parameters?.[k] === "");
        return missing.length === 0
            ? []
            : [`postgresql.conf leaves ${missing.join(", ")} at defaults; set ${missing.map(pgParam).join(", ")} (e.g. shared_buffers = 25% of the memory limit, effective_cache_size = 75%)`];
    },
});

export const logicalDecoding = rule({
    name: "logical-decoding",
    description: "wal_level = logical, so logical decoding (CDC, logical replication) is possible.",
    severity: "advisory",
    check: (p) => {
        const v = String(p.parameters?.wal_level ?? "replica");
        return v === "logical" ? [] : [`wal_level is "${v}"; ${fix(pgParam("wal_level"), '"logical"')}`];
    },
});

export const autovacuumEnabled = rule({
    name: "autovacuum-enabled",
    description: "Autovacuum is on (the automated VACUUM schedule).",
    severity: "advisory",
    check: (p) => {
        const v = p.parameters?.autovacuum;
        return v === undefined || isOn(v) ? [] : [`autovacuum is "${v}"; ${fix(pgParam("autovacuum"), "on")}`];
    },
});

export const autovacuumTuned = rule({
    name: "autovacuum-tuned",
    description: "Autovacuum scale factors are tuned (the 20% default is too lazy for large tables).",
    severity: "advisory",
    check: (p) =>
        p.parameters?.autovacuum_vacuum_scale_factor !== undefined
            ? []
            : [`autovacuum_vacuum_scale_factor is left at the 0.2 default; ${fix(pgParam("autovacuum_vacuum_scale_factor"), "0.05 (and autovacuum_analyze_scale_factor 0.02)")}`],
});

export const postgresParamRules = [
    ddlLogging,
    connectionLogging,
    slowQueryLogging,
    postgresEssentialSettings,
    logicalDecoding,
    autovacuumEnabled,
    autovacuumTuned,
];
