// etcd, Patroni's DCS: quorum size, TLS, authentication (001 HA "Etcd cluster healthy (3+ nodes)", 003 "etcd authentication").
import { ResourceRule } from "./types";
import { T, TLS_ENABLED, fix, setting } from "./settings";

const absent = `no ${T.etcd} component is declared`;

export const etcdMembers: ResourceRule = {
    kind: "resource",
    name: "etcd-members",
    description: "etcd runs at least 3 members, so it keeps quorum through one member failure.",
    severity: "blocker",
    types: [T.etcd],
    absent,
    check: (p) =>
        p.members >= 3
            ? []
            : [`etcd has ${p.members} member(s); fewer than 3 lose quorum on one failure and Patroni cannot fail over; ${fix(setting("etcd", "members"), "3 (or 5)")}`],
};

export const etcdQuorum: ResourceRule = {
    kind: "resource",
    name: "etcd-quorum",
    description: "etcd has an odd member count of at least 3 (quorum-based consensus, no split brain).",
    severity: "advisory",
    types: [T.etcd],
    absent,
    // An even count tolerates no more failures than the odd count below it, and a 2-2 partition has no majority.
    check: (p) =>
        p.members >= 3 && p.members % 2 === 1
            ? []
            : [`etcd has ${p.members} member(s); quorum needs an odd count of at least 3; ${fix(setting("etcd", "members"), "3 or 5")}`],
};

export const etcdTls: ResourceRule = {
    kind: "resource",
    name: "etcd-tls",
    description: "etcd peer and client traffic use TLS (read from the rendered member config).",
    severity: "blocker",
    types: [T.etcd],
    absent,
    check: (p) => [
        ...(p.peerTls ? [] : [`etcd peer traffic is plaintext in the rendered config; ${fix(TLS_ENABLED, "true")}`]),
        ...(p.clientTls ? [] : [`etcd client traffic (Patroni → etcd) is plaintext in the rendered config; ${fix(TLS_ENABLED, "true")}`]),
    ],
};

export const etcdAuth: ResourceRule = {
    kind: "resource",
    name: "etcd-auth",
    description: "etcd requires authentication (it holds Patroni's leader key): client-cert-auth on both listeners in the rendered config.",
    severity: "blocker",
    types: [T.etcd],
    absent,
    check: (p) =>
        p.clientCertAuth
            ? []
            : [`etcd accepts clients without a cluster-CA certificate (no client-cert-auth), which could rewrite Patroni's leader key; ${fix(TLS_ENABLED, "true")}`],
};

export const etcdRules = [etcdMembers, etcdQuorum, etcdTls, etcdAuth];
