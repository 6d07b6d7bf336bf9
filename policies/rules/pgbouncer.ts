// PgBouncer pool sizing against PostgreSQL's max_connections (autobase pre_checks do the same sum).
import { ResourceRule } from "./types";
import { T, fix, noSetting, setting } from "./settings";

/** Connections PostgreSQL keeps for superusers (superuser_reserved_connections default). */
const RESERVED = 3;

export const poolSizing: ResourceRule = {
    kind: "resource",
    name: "pool-sizing",
    description: "PgBouncer server pools of all poolers fit in PostgreSQL's max_connections.",
    severity: "blocker", // 000 "100% success rate with 35+ concurrent connections" fails once pools exceed max_connections
    types: [T.pgbouncer],
    absent: `no ${T.pgbouncer} component is declared; ${noSetting("infra/index.ts (the pooler is always deployed)")}`,
    check: (p, ctx) => {
        const perPooler = Number(p.defaultPoolSize) + Number(p.reservePoolSize ?? 0);
        const poolers = Number(p.poolerCountPerCluster ?? 1);
        // The spec copies max_connections; prefer the real Patroni value when the whole stack is known.
        const patroni = ctx.model?.resources.find((r) => r.type === T.patroni)?.props;
        const maxConn = Number(patroni?.maxConnections ?? p.postgresMaxConnections);
        const out: string[] = [];
        if (perPooler * poolers > maxConn - RESERVED)
            out.push(`${poolers} pooler(s) × (default ${p.defaultPoolSize} + reserve ${p.reservePoolSize ?? 0}) = ${perPooler * poolers} server connections exceed max_connections ${maxConn} − ${RESERVED} reserved; ${fix(setting("pgbouncer", "defaultPoolSize"), `at most ${Math.floor((maxConn - RESERVED) / poolers) - Number(p.reservePoolSize ?? 0)}`)} or raise ${setting("patroni", "maxConnections")}`);
        if (Number(p.maxClientConn) < perPooler)
            out.push(`max_client_conn ${p.maxClientConn} is below the pool size ${perPooler}; ${fix(setting("pgbouncer", "maxClientConn"), `at least ${perPooler}`)}`);
        return out;
    },
};

export const pgbouncerRules = [poolSizing];
