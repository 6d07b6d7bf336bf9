// Resource types of the contract with the program, and the stack settings each policy message names.
// The program owns the config schema; if a key is spelled differently there, change it here only.

export const T = {
    etcd: "dpg:etcd:EtcdCluster",
    patroni: "dpg:patroni:PatroniCluster",
    haproxy: "dpg:haproxy:HAProxy",
    pgbouncer: "dpg:pgbouncer:PgBouncer",
    backup: "dpg:backup:PgBackRest",
    monitoring: "dpg:monitoring:Monitoring",
    tls: "dpg:tls:ClusterTls",
    container: "docker:index/container:Container",
    /** What the Swarm target (dpg-cluster:target.kind swarm) makes of each workload instead of a container. */
    service: "docker:index/service:Service",
    network: "docker:index/network:Network",
    volume: "docker:index/volume:Volume",
    remoteImage: "docker:index/remoteImage:RemoteImage",
    randomPassword: "random:index/randomPassword:RandomPassword",
} as const;

const NS = "dpg-cluster";

/** `dpg-cluster:<component>.<field>`: the stack config key behind a component spec field. */
export function setting(component: string, field: string): string {
    return `${NS}:${component}.${field}`;
}

/** The postgresql.conf parameter `name` as rendered from stack config. */
export function pgParam(name: string): string {
    return `${NS}:patroni.parameters.${name}`;
}

// TLS of PostgreSQL (hostssl-only pg_hba), Patroni REST, etcd (mutual TLS) and PgBouncer: one switch.
export const TLS_ENABLED = `${NS}:tls.enabled`;
export const PASSWORD_LENGTH = `${NS}:secrets.passwordLength`;
export const ATTESTATIONS = `${NS}:attestations`;

/** Short component key (etcd, patroni, ...) of a dpg component type, used to build setting names. */
export function componentKey(type: string): string | undefined {
    const hit = Object.entries(T).find(([, t]) => t === type);
    return hit && type.startsWith("dpg:") ? hit[0] : undefined;
}

/**
 * The fix part of a message when no stack setting changes the fact: says where the program decides it, so
 * an operator is never told to set a key the schema refuses (test/unit/policies/setting-keys.test.ts).
 */
export function noSetting(where: string): string {
    return `fix: no stack setting changes this; it is decided in ${where}`;
}

/** "set <setting> to <value>": the fix part of every message. */
export function fix(settingName: string, value: string): string {
    return `fix: set ${settingName} to ${value}`;
}
