import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { etcdFounders, renderEtcdConfig } from "../../components/etcd/render";
import { renderHaproxyConfig } from "../../components/haproxy/render";
import { pgHba, renderPatroniConfig, sqlLiteral } from "../../components/patroni/render";
import { AUTH_USER_MAX_CONNECTIONS } from "../../components/pgbouncer/render";
import { clusterSettings, rendered } from "../support/fixtures";
import { assertGolden } from "../support/golden";

describe("renderers match their golden files", () => {
  for (const [file, render] of Object.entries(rendered)) {
    it(file, () => assertGolden(file, render()));
  }
});

describe("etcd renderer", () => {
  it("lists the founders in initial-cluster and advertises its own name", () => {
    const c = parse(rendered["etcd/etcd-1.yml"]());
    assert.equal(c["initial-cluster"].split(",").length, 3);
    assert.equal(c["advertise-client-urls"], "https://dpg-golden-etcd-1:2379");
    assert.equal(c["client-transport-security"]["client-cert-auth"], true, "clients authenticate with certificates");
    assert.equal(c["peer-transport-security"]["client-cert-auth"], true);
    assert.equal(c["listen-metrics-urls"], "http://0.0.0.0:2381");
    assert.equal(c["initial-cluster-state"], "new");
  });
  it("gives a member past the founders the founders and itself, state existing: it joins the running cluster", () => {
    const c = parse(renderEtcdConfig({ name: "e-5", founders: etcdFounders(["e-1", "e-2", "e-3", "e-4", "e-5"]), clusterToken: "t", tls: false }));
    assert.equal(c["initial-cluster"], "e-1=http://e-1:2380,e-2=http://e-2:2380,e-3=http://e-3:2380,e-5=http://e-5:2380");
    assert.equal(c["initial-cluster-state"], "existing");
  });
  it("renders a member's config the same whatever the member count: scaling leaves the members that stay untouched", () => {
    const config = (name: string, members: number) =>
      renderEtcdConfig({ name, founders: etcdFounders(Array.from({ length: members }, (_, i) => `e-${i + 1}`)), clusterToken: "t", tls: true });
    for (const name of ["e-1", "e-2", "e-3"]) assert.equal(config(name, 5), config(name, 3), name);
    assert.equal(config("e-4", 5), config("e-4", 7));
  });
  it("refuses to render with no founders", () => {
    assert.throws(() => renderEtcdConfig({ name: "x", founders: [], clusterToken: "t", tls: true }), /no founders/);
  });
});

describe("patroni renderer", () => {
  const c = parse(rendered["patroni/patroni-pg-1.yml"]());
  it("uses the etcd3 DCS with every endpoint", () => assert.deepEqual(c.etcd3.hosts, clusterSettings.etcdEndpoints));
  it("turns on pg_rewind, replication slots and synchronous mode", () => {
    assert.equal(c.bootstrap.dcs.postgresql.use_pg_rewind, true);
    assert.equal(c.bootstrap.dcs.postgresql.use_slots, true);
    assert.equal(c.bootstrap.dcs.synchronous_mode, true);
    assert.equal(c.bootstrap.dcs.synchronous_node_count, 1);
  });
  it("hashes passwords with scram-sha-256 and checksums data pages", () => {
    assert.equal(c.bootstrap.dcs.postgresql.parameters.password_encryption, "scram-sha-256");
    assert.ok(c.bootstrap.initdb.includes("data-checksums"));
  });
  it("admits password logins only from the cluster subnet and rejects the rest", () => {
    const hba = pgHba(clusterSettings);
    assert.ok(hba.includes("hostssl all all 10.213.99.0/24 scram-sha-256"));
    assert.ok(hba.includes("hostnossl all all 0.0.0.0/0 reject"));
    assert.ok(hba.includes("hostnossl replication all 0.0.0.0/0 reject"));
    assert.ok(hba.indexOf("hostnossl all all 0.0.0.0/0 reject") < hba.indexOf("hostssl all all 10.213.99.0/24 scram-sha-256"));
    assert.ok(!pgHba(clusterSettings).some((l) => l.startsWith("host ") && l.includes("scram")), "no non-TLS password line");
    const plain = pgHba({ ...clusterSettings, tls: false, clientCidrs: ["192.168.7.0/24"] });
    assert.ok(plain.includes("host all all 192.168.7.0/24 scram-sha-256"));
    assert.equal(hba.at(-1), "host all all 0.0.0.0/0 reject");
    assert.ok(!hba.some((l) => /\btrust\b|\bmd5\b/.test(l)), "no trust or md5 lines");
    // Patroni's own timeline check (before a leader race) is a local replication connection.
    assert.ok(hba.includes("hostssl replication replicator 127.0.0.1/32 scram-sha-256"));
  });
  it("rebuilds RuVector's HNSW indexes (written without WAL) when a node is promoted, and only with RuVector", () => {
    assert.equal(c.postgresql.callbacks, undefined);
    const ru = parse(renderPatroniConfig({ name: "dpg-golden-pg-1", cluster: { ...clusterSettings, vectorExtension: "ruvector" }, passwords: { superuser: "s", replication: "r", rewind: "w" } }));
    assert.equal(ru.postgresql.callbacks.on_role_change, "/bin/sh /etc/patroni/ruvector-on-role-change.sh");
    assert.match(rendered["patroni/ruvector-on-role-change.sh"](), /p\.proname = 'hnsw_handler'[\s\S]*REINDEX INDEX \$idx/);
  });
  it("turns off index-only scans in the app database with RuVector only (its HNSW index answers COUNT(*) with no rows)", async () => {
    const { renderBootstrapSql } = await import("../../components/patroni/render");
    const input = { database: "app", appUser: "app_user", passwords: { app: "a", readonly: "r", exporter: "e", poolerAuth: "p" } };
    assert.match(renderBootstrapSql({ ...input, vectorExtension: "ruvector" }), /ALTER DATABASE app SET enable_indexonlyscan = off;/);
    assert.doesNotMatch(renderBootstrapSql({ ...input, vectorExtension: "vector" }), /enable_indexonlyscan/);
  });
  it("quotes SQL literals", () => {
    assert.equal(sqlLiteral("it's"), "'it''s'");
    assert.match(rendered["patroni/bootstrap.sql"](), /PASSWORD 'it''s-secret'/);
  });
  it("creates the vector extension in the application database", () => {
    const sql = rendered["patroni/bootstrap.sql"]();
    const lines = sql.split("\n");
    const connect = lines.indexOf("\\connect app");
    const extension = lines.indexOf("CREATE EXTENSION IF NOT EXISTS vector;");
    assert.ok(connect > 0, "psql must switch to the app database with \\connect");
    assert.ok(extension > connect, "the extension belongs in the app database");
  });
});

describe("haproxy renderer", () => {
  const cfg = rendered["haproxy/haproxy.cfg"]();
  it("routes the write port by /primary and the read port by /replica", () => {
    assert.match(cfg, /listen primary\n    bind \*:5000[\s\S]*?option httpchk GET \/primary/);
    assert.match(cfg, /listen replicas\n    bind \*:5001[\s\S]*?option httpchk GET \/replica/);
  });
  it("checks every node through Patroni's REST port", () => {
    assert.equal((cfg.match(/server dpg-golden-pg-\d dpg-golden-pg-\d:5432 check port 8008 check-ssl verify required ca-file /g) ?? []).length, 6);
  });
  it("refuses an empty backend", () => assert.throws(() => renderHaproxyConfig({ nodes: [], checkInterMs: 1000, fall: 3, rise: 2, restTls: false }), /at least one/));
});

describe("postgres tuning", () => {
  it("derives memory settings from the node's memory limit", async () => {
    const { memoryParameters } = await import("../../components/patroni/render");
    assert.deepEqual(memoryParameters(1024, 200), { shared_buffers: "256MB", effective_cache_size: "768MB", work_mem: "4MB", maintenance_work_mem: "64MB" });
    assert.deepEqual(memoryParameters(16384, 100), { shared_buffers: "4096MB", effective_cache_size: "12288MB", work_mem: "40MB", maintenance_work_mem: "1024MB" });
  });
  it("sets the seeds' logging and planner settings", () => {
    const p = parse(rendered["patroni/patroni-pg-1.yml"]()).bootstrap.dcs.postgresql.parameters;
    assert.equal(p.log_statement, "ddl");
    assert.equal(p.log_min_duration_statement, 1000);
    assert.equal(p.random_page_cost, "1.1");
    assert.equal(p.effective_io_concurrency, 200);
    assert.match(p.log_line_prefix, /%m.*%p.*%u.*%d/);
    assert.match(p.shared_preload_libraries, /pg_stat_statements/);
  });
});

describe("bootstrap roles", () => {
  const sql = rendered["patroni/bootstrap.sql"]();
  it("creates app_user without superuser, role or database creation rights", () => {
    assert.match(sql, /CREATE ROLE app_user LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE/);
    assert.match(sql, /CREATE SCHEMA app AUTHORIZATION app_user/);
  });
  it("gives readonly_user only SELECT through default privileges", () => {
    assert.match(sql, /CREATE ROLE readonly_user LOGIN NOSUPERUSER/);
    assert.match(sql, /ALTER DEFAULT PRIVILEGES FOR ROLE app_user IN SCHEMA app GRANT SELECT ON TABLES TO readonly_user/);
    assert.doesNotMatch(sql, /GRANT (INSERT|UPDATE|DELETE)[^;]*readonly_user/);
  });
  it("never lets the pooler's lookup role read superuser hashes", () => {
    assert.match(sql, /WHERE rolname = p_usename AND NOT rolsuper/);
    assert.match(sql, /REVOKE ALL ON FUNCTION pgbouncer\.get_auth\(text\) FROM PUBLIC/);
  });
  it("turns statement logging off before any password appears", () => {
    const firstPassword = sql.indexOf("PASSWORD");
    assert.ok(sql.indexOf("SET log_statement = 'none'") < firstPassword);
  });
});

describe("pgbouncer renderer", () => {
  it("pools transactions with the seeds' sizes and scram-sha-256 through auth_query", () => {
    const ini = rendered["pgbouncer/pgbouncer.ini"]();
    for (const line of ["pool_mode = transaction", "max_client_conn = 10000", "default_pool_size = 25", "reserve_pool_size = 5", "reserve_pool_timeout = 3", "listen_port = 6432", "auth_type = scram-sha-256", "auth_user = pgbouncer_auth", "max_db_connections = 30", "max_prepared_statements = 100"]) {
      assert.ok(ini.split("\n").includes(line), `missing "${line}"`);
    }
    assert.match(ini, /auth_query = SELECT usename, passwd FROM pgbouncer\.get_auth\(\$1\)/);
    assert.match(ini, /^app = host=dpg-golden-haproxy port=5000 dbname=app$/m);
  });
  it("lists no application user in the auth file and stores the stats user as a SCRAM secret", () => {
    const users = rendered["pgbouncer/userlist.txt"]().trim().split("\n").map((l) => l.split(" ")[0]);
    assert.deepEqual(users, ['"pgbouncer_auth"', '"pgbouncer_stats"']);
    assert.match(rendered["pgbouncer/userlist.txt"](), /"pgbouncer_stats" "SCRAM-SHA-256\$4096:[^$]+\$[^:]+:[^"]+"/);
  });
  it("computes SCRAM secrets as PostgreSQL does", async () => {
    const { scramSecret } = await import("../../components/pgbouncer/render");
    // RFC 7677's test vector: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
    const secret = scramSecret("pencil", Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64"));
    assert.equal(secret, "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=");
  });
});

describe("parameter overrides", () => {
  it("lets dpg-cluster:patroni.parameters win over the derived defaults", async () => {
    const { postgresParameters } = await import("../../components/patroni/render");
    const p = postgresParameters({ ...clusterSettings, parameterOverrides: { log_min_duration_statement: 250, work_mem: "64MB" } });
    assert.equal(p.log_min_duration_statement, 250);
    assert.equal(p.work_mem, "64MB");
    assert.equal(p.log_statement, "ddl");
  });
});

describe("certificate metrics", () => {
  it("exports every certificate's expiry as Unix seconds and refuses an unreadable one", async () => {
    const { renderCertificateMetrics } = await import("../../components/monitoring/render");
    const text = renderCertificateMetrics({ "dpg-dev-pg-1": "2027-11-23T00:00:00Z", ca: "2036-11-21T00:00:00Z" });
    assert.match(text, /^dpg_certificate_not_after_timestamp_seconds\{cert="ca"\} 2110838400$/m);
    assert.match(text, /^dpg_certificate_not_after_timestamp_seconds\{cert="dpg-dev-pg-1"\} 1826928000$/m);
    assert.throws(() => renderCertificateMetrics({ x: "soon" }), /certificate x has an unreadable expiry/);
  });
});

describe("pgbouncer auth_query role", () => {
  it("opens fewer server connections than the role's CONNECTION LIMIT, so a login burst never hits it", () => {
    const limit = Number(/ROLE pgbouncer_auth LOGIN[^;]*CONNECTION LIMIT (\d+)/.exec(rendered["patroni/bootstrap.sql"]())?.[1]);
    assert.ok(limit > 0, "bootstrap.sql sets a connection limit for pgbouncer_auth");
    assert.ok(AUTH_USER_MAX_CONNECTIONS < limit, `max_user_connections ${AUTH_USER_MAX_CONNECTIONS} must stay below ${limit}`);
    assert.match(rendered["pgbouncer/pgbouncer.ini"](), new RegExp(`^\\[users\\]\\npgbouncer_auth = max_user_connections=${AUTH_USER_MAX_CONNECTIONS}$`, "m"));
  });
});
