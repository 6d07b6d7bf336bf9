// Fixed renderer inputs shared by the golden tests and the real-tool checks.
import { renderEtcdConfig } from "../../components/etcd/render";
import { renderAuthFile, renderPgBouncerIni } from "../../components/pgbouncer/render";
import { renderHaproxyConfig } from "../../components/haproxy/render";
import { PatroniClusterSettings, renderBootstrapSql, renderPatroniConfig, renderPostBootstrapScript } from "../../components/patroni/render";
import { renderRuvectorPromoteHook } from "../../components/patroni/ruvector";

export const clusterSettings: PatroniClusterSettings = {
  scope: "dpg-golden",
  postgresMajor: 17,
  synchronousMode: true,
  synchronousNodeCount: 1,
  ttl: 30,
  loopWait: 10,
  retryTimeout: 10,
  memberSlotsTtlS: 1800,
  maxConnections: 200,
  memoryMb: 1024,
  tls: true,
  clusterSubnet: "10.213.99.0/24",
  etcdEndpoints: ["dpg-golden-etcd-1:2379", "dpg-golden-etcd-2:2379", "dpg-golden-etcd-3:2379"],
};

export const rendered = {
  "etcd/etcd-1.yml": () =>
    renderEtcdConfig({ name: "dpg-golden-etcd-1", founders: ["dpg-golden-etcd-1", "dpg-golden-etcd-2", "dpg-golden-etcd-3"], clusterToken: "dpg-golden-0011223344556677", tls: true }),
  "patroni/patroni-pg-1.yml": () =>
    renderPatroniConfig({ name: "dpg-golden-pg-1", cluster: clusterSettings, passwords: { superuser: "su-pass", replication: "repl-pass", rewind: "rewind-pass" } }),
  "patroni/bootstrap.sql": () => renderBootstrapSql({
      database: "app",
      appUser: "app_user",
      vectorExtension: "vector",
      passwords: { app: "it's-secret", readonly: "ro-pass", exporter: "exp-pass", poolerAuth: "pool-pass" },
    }),
  "patroni/post-bootstrap.sh": () => renderPostBootstrapScript(),
  "patroni/ruvector-on-role-change.sh": () => renderRuvectorPromoteHook(),
  "pgbouncer/pgbouncer.ini": () =>
    renderPgBouncerIni({
      upstreamHost: "dpg-golden-haproxy",
      upstreamPort: 5000,
      databases: ["app"],
      poolMode: "transaction",
      maxClientConn: 10000,
      defaultPoolSize: 25,
      reservePoolSize: 5,
      reservePoolTimeout: 3,
      maxPreparedStatements: 100,
      tls: true,
    }),
  "pgbouncer/userlist.txt": () => renderAuthFile({ authUser: "lookup-pass", statsUser: "stats-pass" }),
  "haproxy/haproxy.cfg": () =>
    renderHaproxyConfig({
      nodes: [1, 2, 3].map((i) => ({ host: `dpg-golden-pg-${i}`, postgresPort: 5432, restPort: 8008 })),
      checkInterMs: 1000,
      fall: 3,
      rise: 2,
      restTls: true,
    }),
};
