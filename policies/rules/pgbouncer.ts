// PgBouncer's client slots against its server pool. Whether the pools fit in max_connections minus
// the reserved connections is a coherence check of the settings (infra/config-checks.ts refuses
// such a config before anything exists), so it is not repeated here.
import { ResourceRule } from "./types";
import { T, fix, noSetting, setting } from "./settings";

export const poolSizing: ResourceRule = {
    kind: "resource",
    name: "pool-sizing",
    description: "PgBouncer accepts at least as many clients as its server pool can serve.",
    severity: "blocker", // 000 "100% success rate with 35+ concurrent connections" fails once pools exceed max_connections
    types: [T.pgbouncer],
    absent: `no ${T.pgbouncer} component is declared; ${noSetting("infra/index.ts (the pooler is always deployed)")}`,
    check: (p) => {
        const perPooler = Number(p.defaultPoolSize) + Number(p.reservePoolSize ?? 0);
        const out: string[] = [];
        if (Number(p.maxClientConn) < perPooler)
            out.push(`max_client_conn ${p.maxClientConn} is below the pool size ${perPooler}; ${fix(setting("pgbouncer", "maxClientConn"), `at least ${perPooler}`)}`);
        return out;
    },
};

export const pgbouncerRules = [poolSizing];
