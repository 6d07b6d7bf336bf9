// Which dpg component owns a resource, read from its URN's type chain
// (urn:pulumi:<stack>::<project>::dpg:patroni:PatroniCluster$docker:index/container:Container::<name>).
import { componentKey } from "./settings";

export function typeChain(urn: string): string[] {
    const parts = urn.split("::");
    return parts.length >= 4 ? parts[2].split("$") : [];
}

/** Component key (patroni, etcd, ...) of the nearest dpg ancestor, or undefined for top-level resources. */
export function ownerComponent(urn: string): string | undefined {
    const chain = typeChain(urn).slice(0, -1).reverse();
    for (const t of chain) {
        const key = componentKey(t);
        if (key) return key;
    }
    return undefined;
}

/** Components on the database path: their published ports and fd limits matter for the DB. */
export const DB_PATH_COMPONENTS = ["etcd", "patroni", "haproxy", "pgbouncer", "backup"];
/** PostgreSQL, PgBouncer, etcd client/peer, Patroni REST: database ports whatever owns the container. */
export const DB_PORTS = [5432, 6432, 2379, 2380, 8008];
