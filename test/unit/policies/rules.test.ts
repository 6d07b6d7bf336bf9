// Every rule has a passing case (the production-shaped fixture) and at least one failing case whose message
// names the stack setting to change. Resource rules are run through their real resource policy.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { RULES, Rule } from "../../../policies/rules";
import { T } from "../../../policies/rules/settings";
import { resourcePolicy } from "../../../policies/pack/resource-policy";
import { catalog } from "../../../policies/catalog";
import { paramsFor, runRule } from "../../../policies/score/evaluate";
import { FixtureResource, SWARM_FAILS, committedSettings, etcdSpecFields, find, goodCluster, modelOf, renderedHba, swarmCluster, withRepositoryServer, without } from "./fixture";
import { runOverStack } from "./helpers";

interface FailCase {
    why: string;
    mutate: (c: FixtureResource[]) => FixtureResource[] | void;
    expect: string;
}

const p = (c: FixtureResource[], name: string) => find(c, name).props;
const containers = (c: FixtureResource[]) => c.filter((r) => r.type === T.container);

const CASES: Record<string, FailCase[]> = {
    "etcd-members": [{ why: "one member", mutate: (c) => void (p(c, "etcd").members = 1), expect: "dpg-cluster:etcd.members" }],
    "etcd-quorum": [{ why: "even count", mutate: (c) => void (p(c, "etcd").members = 4), expect: "dpg-cluster:etcd.members" }],
    // Failing cases from the real renderer with tls.enabled = false (what such a stack config deploys).
    "etcd-tls": [
        { why: "rendered without TLS: peer", mutate: (c) => void Object.assign(p(c, "etcd"), etcdSpecFields(false)), expect: "etcd peer traffic is plaintext in the rendered config; fix: set dpg-cluster:tls.enabled to true" },
        { why: "rendered without TLS: client", mutate: (c) => void Object.assign(p(c, "etcd"), etcdSpecFields(false)), expect: "etcd client traffic (Patroni → etcd) is plaintext in the rendered config; fix: set dpg-cluster:tls.enabled to true" },
    ],
    "etcd-auth": [{ why: "rendered without TLS", mutate: (c) => void Object.assign(p(c, "etcd"), etcdSpecFields(false)), expect: "dpg-cluster:tls.enabled" }],
    "patroni-nodes": [{ why: "2 nodes", mutate: (c) => void (p(c, "pg").nodes = 2), expect: "dpg-cluster:patroni.nodes" }],
    // The committed dev stack keeps pgvector; the seeds require RuVector (prod's setting).
    "vector-extension": [
        {
            why: "the dev stack's pgvector",
            mutate: (c) => void (p(c, "pg").vectorExtension = committedSettings("dev").patroni.vectorExtension),
            expect: 'the stack creates pgvector (vector) in the application database; the seeds require RuVector ≥ 2.0.0; fix: set dpg-cluster:patroni.vectorExtension to "ruvector"',
        },
    ],
    "synchronous-replication": [
        { why: "async", mutate: (c) => void (p(c, "pg").synchronousMode = false), expect: "dpg-cluster:patroni.synchronousMode" },
    ],
    "postgres-tls": [
        { why: "tls off", mutate: (c) => void (p(c, "pg").tls.enabled = false), expect: "dpg-cluster:tls.enabled" },
        { why: "ssl param off", mutate: (c) => void (p(c, "pg").parameters.ssl = "off"), expect: "dpg-cluster:patroni.parameters.ssl" },
    ],
    "hostssl-only": [
        { why: "rendered without TLS", mutate: (c) => void (p(c, "pg").pgHba = renderedHba(false)), expect: "pg_hba.conf admits non-TLS connections (host all all 127.0.0.1/32 scram-sha-256;" },
        { why: "no rendered lines", mutate: (c) => void delete p(c, "pg").pgHba, expect: "carries no rendered pg_hba lines" },
    ],
    "superuser-locked": [
        // What the renderer produced before issue 8: the superuser matched "hostssl all all <subnet> scram-sha-256".
        { why: "no superuser reject line", mutate: (c) => void (p(c, "pg").pgHba = renderedHba(true).filter((l: string) => !/^host all postgres /.test(l))), expect: "lets the superuser log in over TCP" },
        { why: "a superuser line before the reject", mutate: (c) => void p(c, "pg").pgHba.splice(2, 0, "hostssl all postgres 10.0.0.0/8 scram-sha-256"), expect: "lets the superuser log in over TCP" },
    ],
    "scram-password-encryption": [
        {
            why: "md5",
            mutate: (c) => {
                p(c, "pg").passwordEncryption = "md5";
                delete p(c, "pg").parameters.password_encryption;
            },
            expect: "dpg-cluster:patroni.parameters.password_encryption",
        },
    ],
    "patroni-failure-detection": [{ why: "ttl too short", mutate: (c) => void (p(c, "pg").ttl = 20), expect: "dpg-cluster:patroni.ttl" }],
    "ddl-logging": [{ why: "none", mutate: (c) => void (p(c, "pg").parameters.log_statement = "none"), expect: "dpg-cluster:patroni.parameters.log_statement" }],
    "connection-logging": [
        { why: "connections off", mutate: (c) => void (p(c, "pg").parameters.log_connections = "off"), expect: "dpg-cluster:patroni.parameters.log_connections" },
        { why: "disconnections unset", mutate: (c) => void delete p(c, "pg").parameters.log_disconnections, expect: "dpg-cluster:patroni.parameters.log_disconnections" },
    ],
    "slow-query-logging": [
        { why: "disabled", mutate: (c) => void (p(c, "pg").parameters.log_min_duration_statement = "-1"), expect: "dpg-cluster:patroni.parameters.log_min_duration_statement" },
        { why: "5s threshold", mutate: (c) => void (p(c, "pg").parameters.log_min_duration_statement = "5s"), expect: "dpg-cluster:patroni.parameters.log_min_duration_statement" },
    ],
    "postgres-essential-settings": [{ why: "no shared_buffers", mutate: (c) => void delete p(c, "pg").parameters.shared_buffers, expect: "dpg-cluster:patroni.parameters.shared_buffers" }],
    "logical-decoding": [{ why: "replica", mutate: (c) => void (p(c, "pg").parameters.wal_level = "replica"), expect: "dpg-cluster:patroni.parameters.wal_level" }],
    "autovacuum-enabled": [{ why: "off", mutate: (c) => void (p(c, "pg").parameters.autovacuum = "off"), expect: "dpg-cluster:patroni.parameters.autovacuum" }],
    "autovacuum-tuned": [{ why: "default", mutate: (c) => void delete p(c, "pg").parameters.autovacuum_vacuum_scale_factor, expect: "dpg-cluster:patroni.parameters.autovacuum_vacuum_scale_factor" }],
    "container-memory-limit": [{ why: "no limit", mutate: (c) => void delete p(c, "pg-0").memory, expect: "dpg-cluster:patroni.memoryMb" }],
    "container-healthcheck": [{ why: "none", mutate: (c) => void delete p(c, "etcd-1").healthcheck, expect: "decided in components/etcd (declare healthcheck.tests)" }],
    "container-restart-policy": [{ why: "no", mutate: (c) => void (p(c, "pg-2").restart = "no"), expect: "decided in components/patroni" }],
    "container-log-rotation": [
        { why: "json-file unbounded", mutate: (c) => void delete p(c, "pg-1").logOpts, expect: "logs with json-file without max-size/max-file" },
        { why: "no max-file", mutate: (c) => void (p(c, "etcd-0").logOpts = { "max-size": "10m" }), expect: "components/etcd" },
    ],
    "container-nofile-ulimit": [{ why: "default", mutate: (c) => void (p(c, "pg-1").ulimits = []), expect: "LimitNOFILE" }],
    "no-plaintext-passwords": [
        { why: "literal password", mutate: (c) => void p(c, "pg-0").envs.push("POSTGRES_PASSWORD=hunter2hunter2hunter2"), expect: "POSTGRES_PASSWORD_FILE" },
        { why: "password in a URI", mutate: (c) => void p(c, "etcd-0").envs.push("DATABASE_URL=postgres://app:s3cr3t@pg:5432/db"), expect: "DATABASE_URL_FILE" },
    ],
    "db-ports-not-public": [
        { why: "HAProxy on all interfaces", mutate: (c) => void (p(c, "lb").bindAddress = "0.0.0.0"), expect: "dpg-cluster:haproxy.bindAddress" },
        { why: "PgBouncer on all interfaces", mutate: (c) => void (p(c, "pool").bindAddress = ""), expect: "dpg-cluster:haproxy.bindAddress" },
        { why: "5432 published without ip", mutate: (c) => void (p(c, "pg-0").ports = [{ internal: 5432, external: 5432 }]), expect: "dpg-cluster:haproxy.bindAddress" },
    ],
    "pinned-images": [
        { why: "etcd untagged", mutate: (c) => void (p(c, "etcd").image = "quay.io/coreos/etcd"), expect: "decided in components/etcd" },
        { why: "remote image latest", mutate: (c) => void (p(c, "pg-image").name = "localhost:5000/dpg/patroni:latest"), expect: "decided in components/patroni" },
    ],
    "password-length": [{ why: "12 chars", mutate: (c) => void (p(c, "superuser").length = 12), expect: "dpg-cluster:secrets.passwordLength" }],
    "backup-schedule": [{ why: "not cron", mutate: (c) => void (p(c, "backup").fullSchedule = "weekly"), expect: "dpg-cluster:backup.fullSchedule" }],
    "backup-retention": [{ why: "one full", mutate: (c) => void (p(c, "backup").retentionFull = 1), expect: "dpg-cluster:backup.retentionFull" }],
    "backup-encryption": [{ why: "none", mutate: (c) => void (p(c, "backup").cipherType = "none"), expect: "decided in components/backup (repo-cipher-type)" }],
    "backup-wal-archiving": [{ why: "off", mutate: (c) => void (p(c, "backup").walArchiving = false), expect: "dpg-cluster:backup.enabled" }],
    // The repository every stack of this program declares: one local volume (infra/index.ts → components/backup).
    "backup-offsite": [
        { why: "one local volume", mutate: (c) => void (p(c, "backup-repo").driverOpts = undefined), expect: "one local Docker volume (backup-repo)" },
        // backup.repository=server on one host: its own container, still the databases' host.
        { why: "a repository server on the one host", mutate: (c) => withRepositoryServer(c), expect: "a container on the one Docker host that runs every database too, so losing the host loses the backups too" },
    ],
    "backup-shared-storage": [
        { why: "one local volume", mutate: (c) => void (p(c, "backup-repo").driverOpts = undefined), expect: "only this host can restore from it" },
        { why: "a repository server on the one host", mutate: (c) => withRepositoryServer(c), expect: "dpg-cluster:target.placement.backup naming a node without a Patroni member" },
    ],
    "prometheus-scrape-coverage": [{ why: "no etcd job", mutate: (c) => void (p(c, "mon").scrapedJobs = ["postgres", "patroni", "haproxy", "node"]), expect: "decided in components/monitoring" }],
    "critical-alert-rules": [{ why: "no memory alert", mutate: (c) => void (p(c, "mon").alertRules = p(c, "mon").alertRules.filter((a: string) => a !== "MemoryUsageHigh")), expect: "decided in components/monitoring/rules.ts" }],
    // What the component now exposes for a stack without alerting settings: the built-in sink is not a channel.
    "alertmanager-receiver": [{ why: "only the built-in sink", mutate: (c) => void (p(c, "mon").receivers = []), expect: "only the built-in test sink" }],
    "alert-escalation": [{ why: "webhook only", mutate: (c) => void (p(c, "mon").receivers = ["webhook"]), expect: "dpg-cluster:monitoring.alerting.pagerduty.routingKey" }],
    "grafana-dashboards": [
        { why: "missing one", mutate: (c) => void p(c, "mon").dashboards.pop(), expect: "Grafana does not serve the dashboard(s)" },
        // What the component exposes when no grafanaImage is set (every stack here by default).
        { why: "no Grafana", mutate: (c) => void Object.assign(p(c, "mon"), { grafanaDeployed: false, dashboards: [] }), expect: "no Grafana serves the dashboard(s) PostgreSQL Overview, RuVector Performance, System Resources, Replication Status (Grafana is not deployed); fix: set dpg-cluster:monitoring.grafanaImage" },
    ],
    "grafana-deployed": [{ why: "no grafana", mutate: (c) => void (p(c, "mon").grafanaDeployed = false), expect: "dpg-cluster:monitoring.grafanaImage" }],
    "grafana-provisioned": [{ why: "no dashboards", mutate: (c) => void (p(c, "mon").dashboards = []), expect: "dpg-cluster:monitoring.grafanaImage" }],
    "pool-sizing": [
        { why: "client slots below pool", mutate: (c) => void (p(c, "pool").maxClientConn = 10), expect: "dpg-cluster:pgbouncer.maxClientConn" },
    ],
    "tls-cert-validity": [
        { why: "20-day certs", mutate: (c) => void (p(c, "tls").certValidityDays = 20), expect: "dpg-cluster:tls.certValidityDays" },
        { why: "late re-issue", mutate: (c) => void (p(c, "tls").minDaysLeft = 7), expect: "dpg-cluster:tls.minDaysLeft" },
    ],
    "tls-cert-rotation": [{ why: "never renews", mutate: (c) => void (p(c, "tls").minDaysLeft = 0), expect: "dpg-cluster:tls.minDaysLeft" }],
    "docker-hosts": [{ why: "one host", mutate: (c) => containers(c).forEach((r) => (r.provider = undefined)), expect: "fix: set dpg-cluster:target.kind to swarm, with 3+ dpg-cluster:target.nodes" }],
    "overlay-network": [{ why: "bridge only", mutate: (c) => c.filter((r) => r.type === T.network).forEach((n) => (n.props.driver = "bridge")), expect: "fix: set dpg-cluster:target.kind to swarm" }],
    "db-network-internal": [{ why: "not internal", mutate: (c) => void (p(c, "db-net").internal = false), expect: "decided in components/target/index.ts (the cluster network is declared internal)" }],
    "network-segmentation": [{ why: "one network", mutate: (c) => c.filter((r) => r.name !== "mon-net"), expect: "separate internal database network" }],
    "haproxy-declared": [{ why: "absent", mutate: (c) => without(c, T.haproxy), expect: "decided in infra/index.ts" }],
    "pgbouncer-declared": [{ why: "absent", mutate: (c) => without(c, T.pgbouncer), expect: "decided in infra/index.ts" }],
    "max-connections-capacity": [
        // The dev default (200) with PgBouncer's 10000 client slots: the item is about PostgreSQL's max_connections.
        {
            why: "max_connections 200 behind 10000 pooled slots",
            mutate: (c) => {
                p(c, "pg").maxConnections = 200;
                p(c, "pg").parameters.max_connections = "200";
                p(c, "pool").maxClientConn = 10000;
            },
            expect: "PostgreSQL max_connections is 200 (500+ wanted; PgBouncer client slots are a separate item); fix: set dpg-cluster:patroni.maxConnections",
        },
    ],
};

/** Messages of a rule over a whole stack: the resource policy for resource rules, the evaluator for stack rules. */
async function messages(rule: Rule, cluster: FixtureResource[]): Promise<string[]> {
    const params = paramsFor(rule.name, catalog());
    if (rule.kind === "resource") return runOverStack(resourcePolicy(rule, params), cluster);
    return runRule(rule, modelOf(cluster), params, false);
}

test("every rule has at least one failing case in this table", () => {
    const missing = RULES.map((r) => r.name).filter((n) => !CASES[n]?.length);
    assert.deepEqual(missing, []);
    const unknown = Object.keys(CASES).filter((n) => !RULES.some((r) => r.name === n));
    assert.deepEqual(unknown, []);
});

for (const rule of RULES) {
    describe(`rule ${rule.name}`, () => {
        test("passes on the production-shaped stack", async () => {
            assert.deepEqual(await messages(rule, goodCluster()), []);
        });
        for (const c of CASES[rule.name] ?? []) {
            test(`fails (${c.why}) naming ${c.expect}`, async () => {
                const cluster = goodCluster();
                const mutated = c.mutate(cluster) ?? cluster;
                const got = await messages(rule, mutated);
                assert.ok(got.length > 0, "expected a violation");
                assert.ok(got.some((m) => m.includes(c.expect)), `no message names ${c.expect}: ${JSON.stringify(got)}`);
            });
        }
    });
}

test("vector-extension passes the committed prod stack's setting", async () => {
    const cluster = goodCluster();
    p(cluster, "pg").vectorExtension = committedSettings("prod").patroni.vectorExtension;
    assert.deepEqual(await messages(RULES.find((r) => r.name === "vector-extension")!, cluster), []);
});

test("no-plaintext-passwords never echoes the secret value", async () => {
    const cluster = goodCluster();
    p(cluster, "pg-0").envs.push("POSTGRES_PASSWORD=hunter2hunter2hunter2");
    const rule = RULES.find((r) => r.name === "no-plaintext-passwords")!;
    const got = await messages(rule, cluster);
    assert.ok(got.length === 1 && !got[0].includes("hunter2"));
});

test("resource rules report the absent component through runRule (what the score sees)", () => {
    const rule = RULES.find((r) => r.name === "backup-schedule")!;
    const got = runRule(rule, modelOf(without(goodCluster(), T.backup)), [], false);
    assert.equal(got.length, 1);
    assert.match(got[0], /dpg-cluster:backup\.enabled/);
});

// The same rules on the Swarm target's shape (services instead of containers): each container rule reads
// the service's own fields, and the two facts Swarm cannot change fail with the operator's fix.
const svc = (c: FixtureResource[], name: string) => find(c, name).props.taskSpec;

const SWARM_CASES: Record<string, FailCase[]> = {
    "container-memory-limit": [{ why: "no limits", mutate: (c) => void delete svc(c, "pg-0").resources, expect: "Swarm service pg-0 has no memory limit" }],
    "container-healthcheck": [{ why: "none", mutate: (c) => void delete svc(c, "etcd-1").containerSpec.healthcheck, expect: "Swarm service etcd-1 has no health check" }],
    "container-restart-policy": [{ why: "condition none", mutate: (c) => void (svc(c, "pg-2").restartPolicy = { condition: "none" }), expect: 'restart condition "none"' }],
    "container-log-rotation": [{ why: "no options", mutate: (c) => void (svc(c, "pg-1").logDriver = { name: "json-file" }), expect: "Swarm service pg-1 logs with json-file without max-size/max-file" }],
    "no-plaintext-passwords": [{ why: "password in env", mutate: (c) => void (svc(c, "pg-0").containerSpec.env = { PGPASSWORD: "hunter2hunter2" }), expect: "Swarm service pg-0 passes PGPASSWORD as plain env" }],
    "db-ports-not-public": [{ why: "ingress mode on 5432", mutate: (c) => void (find(c, "pg-0").props.endpointSpec.ports = [{ targetPort: 5432, publishedPort: 5432 }]), expect: "every interface of every Swarm node (routing mesh)" }],
    "pinned-images": [{ why: "latest", mutate: (c) => void (svc(c, "etcd-2").containerSpec.image = "10.77.0.10:5000/dpg/etcd:latest"), expect: "etcd-2: \"10.77.0.10:5000/dpg/etcd:latest\" uses the floating tag" }],
    "docker-hosts": [
        { why: "two Patroni nodes on one Swarm node", mutate: (c) => void (svc(c, "pg-2").placement.constraints = ["node.labels.dpg.node==1"]), expect: "3 patroni member service(s) are pinned to 2 distinct Swarm node(s)" },
        { why: "an unpinned etcd member", mutate: (c) => void (svc(c, "etcd-0").placement = undefined), expect: "etcd-0 have no node constraint" },
    ],
    "db-network-internal": [{ why: "internal bridge only", mutate: (c) => void (find(c, "cluster-network").props.driver = "bridge"), expect: "the Swarm services have no internal overlay" }],
};

describe("on the Swarm target's shape", () => {
    for (const rule of RULES) {
        const expected = SWARM_FAILS[rule.name];
        if (expected) {
            test(`rule ${rule.name} fails on every Swarm stack, saying ${expected}`, async () => {
                const got = await messages(rule, swarmCluster());
                assert.ok(got.length > 0 && got.every((m) => m.startsWith("Swarm service ")), JSON.stringify(got));
                assert.ok(got.some((m) => m.includes(expected)), JSON.stringify(got));
            });
        } else {
            test(`rule ${rule.name} passes`, async () => {
                assert.deepEqual(await messages(rule, swarmCluster()), []);
            });
        }
        for (const c of SWARM_CASES[rule.name] ?? []) {
            test(`rule ${rule.name} fails (${c.why})`, async () => {
                const cluster = swarmCluster();
                const mutated = c.mutate(cluster) ?? cluster;
                const got = await messages(rule, mutated);
                assert.ok(got.some((m) => m.includes(c.expect)), `no message says ${c.expect}: ${JSON.stringify(got)}`);
            });
        }
    }

    test("a repository server pinned to a node without a Patroni member is offsite; on a Patroni member's node it is not", async () => {
        for (const name of ["backup-offsite", "backup-shared-storage"]) {
            const rule = RULES.find((r) => r.name === name)!;
            assert.deepEqual(await messages(rule, withRepositoryServer(swarmCluster(), "node.labels.dpg.node==4")), []);
            const shared = await messages(rule, withRepositoryServer(swarmCluster(), "node.labels.dpg.node==2"));
            assert.ok(shared.some((m) => /placed \(node\.labels\.dpg\.node==2\) on the node of a Patroni member/.test(m)), JSON.stringify(shared));
        }
    });

    test("only the routers' published ports fail db-ports-not-public; members publish nothing", async () => {
        const got = await messages(RULES.find((r) => r.name === "db-ports-not-public")!, swarmCluster());
        assert.deepEqual(got.map((m) => m.split(" ")[2]), ["haproxy-0", "haproxy-1"]);
        assert.match(got[0], /5000→5000 \(host mode\) on every interface of the node its task runs on/);
    });
});
