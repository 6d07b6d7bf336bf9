// The gates of `npm run promote` (policies/promote/gates.ts): each passes on good facts and fails, naming
// itself and the fix, on bad ones; the rollback picks the promotion before the newest; bad input is refused.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { catalog } from "../../policies/catalog";
import type { BenchRecord, DrillRecord } from "../../policies/live/judges";
import { environmentReason, firedTriggers, previewGate, previousPromotion, readinessGate, recordGate, ReportItem } from "../../policies/promote/gates";
import { parseArgs } from "../../policies/promote/cli";
import type { PromotionRecord } from "../../policies/promote/record";
import { parseStackConfig } from "../../infra/config";

const NOW = new Date("2026-12-02T12:00:00Z");
const ctx = { stack: "dev", to: "prod", clusterId: "7443", now: NOW, maxAgeHours: 168 };
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();

const drill = (over: Partial<DrillRecord> = {}): DrillRecord => ({
    stack: "dev",
    systemIdentifier: "7443",
    at: hoursAgo(2),
    failover: { seconds: 12.5, oldLeader: "pg-1", newLeader: "pg-2", committedRows: 120, rowsAfter: 120 },
    switchover: { seconds: 4, from: "pg-2", to: "pg-3", ok: true },
    reconnect: { ok: true, seconds: 13, sessionError: "terminating connection" },
    rejoin: { ok: true, seconds: 20, member: "pg-1" },
    ...over,
});

const bench = (over: Partial<BenchRecord> = {}): BenchRecord => ({
    stack: "dev",
    systemIdentifier: "7443",
    at: hoursAgo(1),
    concurrentClients: { clients: 1000, succeeded: 1000, seconds: 9, errors: [] },
    pgbench: { clients: 8, seconds: 20, tpcbTps: 400, selectOnlyTps: 3000, failed: 0, latencyAvgMs: 20 },
    latency: { samples: 500, p50: 1, p95: 3, p99: 5 },
    burst: { container: "pg-1", peakCpuPercentOfLimit: 60, cpuLimit: 1 },
    targetTps: 100,
    ...over,
});

describe("promote: drill and bench record gates", () => {
    it("pass a fresh, passing record of the same cluster", () => {
        const d = recordGate("drills", "reports/dev/drills.json", drill(), ctx);
        assert.equal(d.ok, true, d.detail);
        assert.match(d.detail, /000-HA-02, 001-HA-02, 003-HA-02 pass/);
        assert.equal(recordGate("bench", "reports/dev/bench.json", bench(), ctx).ok, true);
    });

    it("fail a missing record, naming the command that makes it", () => {
        const g = recordGate("drills", "reports/dev/drills.json", undefined, ctx);
        assert.equal(g.ok, false);
        assert.equal(g.name, "drill-record");
        assert.match(g.detail, /no failover drill recorded for dev \(reports\/dev\/drills\.json\); run: npm run drill -- --stack dev/);
    });

    it("fail a stale record, naming the setting that bounds its age", () => {
        const g = recordGate("drills", "f", drill({ at: hoursAgo(200) }), ctx);
        assert.equal(g.ok, false);
        assert.match(g.detail, /stale: 200\.0 h old \(at most 168 h: dpg-cluster:promotion\.recordMaxAgeHours of prod\)/);
        assert.equal(recordGate("bench", "f", bench({ at: hoursAgo(169) }), ctx).ok, false);
    });

    it("fail a record of another cluster (the stack was re-created since)", () => {
        const g = recordGate("bench", "f", bench({ systemIdentifier: "9999" }), ctx);
        assert.equal(g.ok, false);
        assert.match(g.detail, /ran on another cluster \(system identifier 9999, now 7443\); run: npm run bench -- --stack dev/);
    });

    it("fail a record whose judges fail: a slow failover, lost rows, too few TPS", () => {
        const slow = recordGate("drills", "f", drill({ failover: { seconds: 45, oldLeader: "pg-1", newLeader: "pg-2", committedRows: 120, rowsAfter: 119 } }), ctx);
        assert.equal(slow.ok, false);
        assert.match(slow.detail, /not passing: 000-HA-02: .*45\.0 s/);
        const tps = recordGate("bench", "f", bench({ pgbench: { clients: 8, seconds: 20, tpcbTps: 40, selectOnlyTps: 300, failed: 0, latencyAvgMs: 20 } }), ctx);
        assert.equal(tps.ok, false);
        assert.match(tps.detail, /001-PERF-02: pgbench tpcb-like 40 TPS/);
    });
});

describe("promote: the source's readiness gate", () => {
    const item = (id: string, status: string, evidence = "measured"): ReportItem => {
        const c = catalog().find((i) => i.id === id)!;
        return { id, severity: c.severity, status, check: c.check, evidence };
    };

    it("fails on a failing live blocker of the cluster itself, naming it and how to re-check", () => {
        const g = readinessGate("dev", [item("000-HA-01", "fail", "pg-2 is stopped"), item("000-MON-02", "fail", "no Grafana")]);
        assert.equal(g.ok, false);
        assert.match(g.detail, /1 failing blocker\(s\) of dev that do not depend on the environment: 000-HA-01: pg-2 is stopped; fix them, then run npm run readiness -- --stack dev/);
    });

    it("passes when only blockers that depend on the environment fail, and says which and why", () => {
        const g = readinessGate("dev", [
            item("000-HA-01", "pass"),
            item("000-MON-02", "fail", "no Grafana"),
            item("000-INF-02", "fail", "16 containers on 1 host"),
            item("000-INF-06", "fail", "61 GB free"),
            item("000-DB-01", "fail", "precondition fails: vector-extension: pgvector"),
            item("000-HA-03", "fail", "not attested"),
            item("000-PERF-02", "fail", "p95 37 ms"),
        ]);
        assert.equal(g.ok, true, g.detail);
        assert.match(g.detail, /000-INF-02 \(topology: the source runs on one Docker host\)/);
        assert.match(g.detail, /000-MON-02 \(judged from the source's settings; the target-preview gate judges the target's\)/);
        assert.match(g.detail, /000-DB-01 \(its precondition is a setting of the source/);
        assert.match(g.detail, /000-HA-03 \(an attestation of the source stack/);
        assert.match(g.detail, /000-PERF-02 \(a short latency\/load probe/);
    });

    it("does not excuse a drill, backup-capacity or certificate blocker", () => {
        for (const id of ["000-HA-02", "000-INF-07", "001-SEC-01"]) {
            const c = catalog().find((i) => i.id === id);
            assert.equal(environmentReason(item(id, "fail"), c), undefined, id);
        }
    });
});

describe("promote: the target's preview gate", () => {
    it("fails on a mandatory violation, quoting it", () => {
        const g = previewGate("prod", "policies/config/prod.json", 255, "Policies:\n    ❌ dpg-readiness@v0.1.0 (local: policies)\n        - [mandatory]  postgres-tls  (dpg:patroni:PatroniCluster: patroni)\n");
        assert.equal(g.ok, false);
        assert.match(g.detail, /1 mandatory violation\(s\): - \[mandatory\]  postgres-tls/);
    });

    it("fails on a failed preview without violations (e.g. the source exports no image ids)", () => {
        const g = previewGate("prod", "p.json", 255, "error: dpg-cluster:images.fromStack: stack dev exports no imageIds.patroni\n");
        assert.equal(g.ok, false);
        assert.match(g.detail, /failed \(exit 255\): error: dpg-cluster:images\.fromStack/);
    });

    it("passes a clean preview and summarises the plan", () => {
        const g = previewGate("prod", "p.json", 0, "Resources:\n    ~ 3 to update\n    +-1 to replace\n    40 unchanged\n");
        assert.equal(g.ok, true, g.detail);
        assert.match(g.detail, /no mandatory violation; ~ 3 to update, 40 unchanged/);
    });
});

describe("promote: the watch window and the rollback", () => {
    const up = new Date("2026-12-02T12:00:00Z");
    const alert = (labels: Record<string, string>, startsAt: string, state = "active") => ({ labels: { alertname: "A", ...labels }, startsAt, status: { state } });

    it("acts only on active rollback_trigger alerts that started after the up", () => {
        const fired = firedTriggers(
            [
                alert({ rollback_trigger: "failovers" }, "2026-12-02T12:03:00Z"),
                alert({ rollback_trigger: "error-rate" }, "2026-12-02T11:59:00Z"),
                alert({ severity: "critical" }, "2026-12-02T12:05:00Z"),
                alert({ rollback_trigger: "out-of-memory" }, "2026-12-02T12:04:00Z", "suppressed"),
            ],
            up,
        );
        assert.deepEqual(fired.map((a) => a.labels.rollback_trigger), ["failovers"]);
        assert.deepEqual(firedTriggers([alert({ rollback_trigger: "failovers" }, "2026-12-02T11:00:00Z")], up), []);
    });

    const rec = (at: string, result: PromotionRecord["result"], id: string): PromotionRecord => ({
        from: "dev", to: "prod", at, by: "op", images: [{ name: "haproxy", id }], gates: [], result, seconds: 1, settings: { "dpg-cluster:environment": "prod" },
    });

    it("restores the promotion before the newest one, also after a rollback in between", () => {
        const records = [rec("2026-12-02T12:30:00Z", "rolled-back", "a"), rec("2026-12-02T12:20:00Z", "promoted", "b"), rec("2026-12-02T12:15:00Z", "refused", "x"), rec("2026-12-02T12:10:00Z", "promoted", "a")];
        const r = previousPromotion(records);
        assert.ok(typeof r !== "string");
        assert.equal(r.previous.images[0].id, "a");
        assert.equal(r.current.images[0].id, "b");
    });

    it("after a rollback and a new promotion, restores what the rollback had put back", () => {
        const records = [rec("2026-12-02T12:40:00Z", "promoted", "c"), rec("2026-12-02T12:30:00Z", "rolled-back", "a"), rec("2026-12-02T12:20:00Z", "promoted", "b"), rec("2026-12-02T12:10:00Z", "promoted", "a")];
        const r = previousPromotion(records);
        assert.ok(typeof r !== "string");
        assert.equal(r.previous.result, "rolled-back");
        assert.equal(r.previous.images[0].id, "a");
    });

    it("refuses when there is nothing earlier to roll back to", () => {
        assert.match(previousPromotion([]) as string, /no promotion of this stack is recorded/);
        assert.match(previousPromotion([rec("2026-12-02T12:10:00Z", "promoted", "a")]) as string, /only one promotion is recorded .* no earlier one/);
    });
});

describe("promote: bad input is refused before anything changes", () => {
    it("names the missing or contradicting flag", () => {
        assert.throws(() => parseArgs(["--from", "dev"]), /--to <stack> is required/);
        assert.throws(() => parseArgs(["--to", "prod"]), /--from <stack> is required \(or --rollback\)/);
        assert.throws(() => parseArgs(["--from", "prod", "--to", "prod"]), /both prod/);
        assert.throws(() => parseArgs(["--rollback", "--from", "dev", "--to", "prod"]), /--rollback takes --to only/);
        assert.throws(() => parseArgs(["--to"]), /--to needs a stack name/);
        assert.deepEqual(parseArgs(["--from", "dev", "--to", "prod", "--yes"]), { from: "dev", to: "prod", rollback: false, yes: true });
    });

    it("the settings: an image id that is no image id, and images from another stack on a Swarm", () => {
        assert.throws(() => parseStackConfig({ images: { ids: { patroni: "dpg/patroni:latest" } } }, "prod"), /dpg-cluster:images\.ids\.patroni: must be a local image id sha256:<64 hex>/);
        assert.throws(() => parseStackConfig({ images: { ids: { postgres: `sha256:${"a".repeat(64)}` } } }, "prod"), /dpg-cluster:images\.ids/);
        const swarm = {
            target: {
                kind: "swarm", endpoint: "tcp://10.0.0.1:2376", registry: "10.0.0.1:5000",
                nodes: ["a", "b", "c"].map((h, i) => ({ hostname: h, address: `10.0.0.${i + 1}` })),
                placement: { etcd: ["a", "b", "c"].map((h) => `node.hostname==${h}`), patroni: ["a", "b", "c"].map((h) => `node.hostname==${h}`) },
            },
            images: { fromStack: "dev" },
        };
        assert.throws(() => parseStackConfig(swarm, "lab"), /dpg-cluster:images\.fromStack: runs local image ids, so only with dpg-cluster:target\.kind docker/);
        assert.equal(parseStackConfig({ images: { fromStack: "dev" } }, "prod").images.fromStack, "dev");
        assert.equal(parseStackConfig({}, "prod").promotion.watchMinutes, 30);
    });
});
