// The seeds' rollback triggers (components/monitoring/rollback-triggers.ts) under `promtool test rules`, with
// the promtool of the monitoring image the program deploys: each fires on a synthetic series above its
// threshold once its window has passed, stays quiet below it (and before the window), and a drifted
// threshold fails the tests.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { stringify } from "yaml";
import { rollbackTriggerGroup, ROLLBACK_TRIGGERS } from "../../components/monitoring/rollback-triggers";
import { docker } from "../support/cli";
import { ensureMonitoringImage, monitoringRendered } from "../support/monitoring";

const C = { cluster: "dpg-golden" };
const series = (name: string, labels: Record<string, string>, values: string) => ({ series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`, values });
const pgexp = (i: number) => ({ ...C, job: "postgres", role: "database", instance: `dpg-golden-pgexp-${i}:9187`, node: `dpg-golden-pg-${i}` });
const haproxy = { ...C, job: "haproxy", role: "proxy", instance: "dpg-golden-haproxy:7000" };
const node = { ...C, job: "node", role: "host", instance: "dpg-golden-node-exporter:9100" };
const patroni = (i: number) => ({ ...C, job: "patroni", role: "ha", instance: `dpg-golden-pg-${i}:8008`, scope: "dpg-golden" });

const rule = (alert: string) => rollbackTriggerGroup().rules.find((r) => r.alert === alert)!;
/** What promtool must see on a firing trigger: its labels and both annotations. */
function fired(alert: string, labels: Record<string, string>, summary: string) {
    const r = rule(alert);
    return { exp_labels: { ...labels, severity: r.severity, ...r.labels }, exp_annotations: { summary, description: r.description } };
}

/** Counter series rising by `step` per 15 s sample, for 20 min. */
const counter = (step: number) => `0+${step}x80`;

function ruleTests(rulesFile: string): string {
    const tx = (commit: number, rollback: number, datname = "app") => [
        series("pg_stat_database_xact_commit", { ...pgexp(1), datname }, counter(commit)),
        series("pg_stat_database_xact_rollback", { ...pgexp(1), datname }, counter(rollback)),
    ];
    return stringify(
        {
            rule_files: [rulesFile],
            evaluation_interval: "1m",
            tests: [
                {
                    name: "error rate 10 % for longer than 5 min fires; not before the 5 min",
                    interval: "15s",
                    input_series: tx(90, 10),
                    alert_rule_test: [
                        { eval_time: "4m", alertname: "RollbackTriggerErrorRate", exp_alerts: [] },
                        { eval_time: "8m", alertname: "RollbackTriggerErrorRate", exp_alerts: [fired("RollbackTriggerErrorRate", C, "Rollback trigger: 10% of transactions in dpg-golden rolled back over 5 min (> 5 %)")] },
                    ],
                },
                {
                    name: "error rate 4 % stays quiet; rollbacks in the postgres database do not count",
                    interval: "15s",
                    input_series: [...tx(96, 4), ...tx(10, 90, "postgres")],
                    alert_rule_test: [{ eval_time: "15m", alertname: "RollbackTriggerErrorRate", exp_alerts: [] }],
                },
                {
                    name: "mean statement time 3 s fires (the p95 stand-in)",
                    interval: "15s",
                    input_series: [series("pg_stat_statements_seconds_total", pgexp(1), counter(30)), series("pg_stat_statements_calls_total", pgexp(1), counter(10))],
                    alert_rule_test: [
                        { eval_time: "4m", alertname: "RollbackTriggerLatencyMean", exp_alerts: [] },
                        { eval_time: "8m", alertname: "RollbackTriggerLatencyMean", exp_alerts: [fired("RollbackTriggerLatencyMean", C, "Rollback trigger (approximation): mean statement time in dpg-golden is 3s over 5 min (> 2 s)")] },
                    ],
                },
                {
                    name: "mean statement time 1.5 s stays quiet",
                    interval: "15s",
                    input_series: [series("pg_stat_statements_seconds_total", pgexp(1), counter(15)), series("pg_stat_statements_calls_total", pgexp(1), counter(10))],
                    alert_rule_test: [{ eval_time: "15m", alertname: "RollbackTriggerLatencyMean", exp_alerts: [] }],
                },
                {
                    name: "25 % of write-port connections failing fires for that port only",
                    interval: "15s",
                    input_series: [
                        series("haproxy_backend_connection_errors_total", { ...haproxy, proxy: "primary" }, counter(5)),
                        series("haproxy_frontend_connections_total", { ...haproxy, proxy: "primary" }, counter(20)),
                        series("haproxy_backend_connection_errors_total", { ...haproxy, proxy: "replicas" }, counter(1)),
                        series("haproxy_frontend_connections_total", { ...haproxy, proxy: "replicas" }, counter(20)),
                    ],
                    alert_rule_test: [
                        { eval_time: "4m", alertname: "RollbackTriggerConnectionErrors", exp_alerts: [] },
                        {
                            eval_time: "8m",
                            alertname: "RollbackTriggerConnectionErrors",
                            exp_alerts: [fired("RollbackTriggerConnectionErrors", { ...C, proxy: "primary" }, "Rollback trigger: 25% of connections to the primary port of dpg-golden failed to reach PostgreSQL over 5 min (> 10 %)")],
                        },
                    ],
                },
                {
                    name: "one OOM kill fires at once; none stays quiet",
                    interval: "15s",
                    input_series: [series("node_vmstat_oom_kill", node, "3x20 4x20")],
                    alert_rule_test: [
                        { eval_time: "4m", alertname: "RollbackTriggerOOMKill", exp_alerts: [] },
                        { eval_time: "6m", alertname: "RollbackTriggerOOMKill", exp_alerts: [fired("RollbackTriggerOOMKill", node, "Rollback trigger: the kernel OOM-killed a process on the host of dpg-golden-node-exporter:9100 in the last 5 min")] },
                        { eval_time: "12m", alertname: "RollbackTriggerOOMKill", exp_alerts: [] },
                    ],
                },
                {
                    name: "three leader changes within 1 h fire; a stale replica's old timeline does not matter",
                    interval: "1m",
                    input_series: [
                        series("patroni_postgres_timeline", patroni(1), "1x4 2x4 3x4 4x20"),
                        series("patroni_postgres_timeline", patroni(2), "1x34"),
                    ],
                    alert_rule_test: [
                        { eval_time: "12m", alertname: "RollbackTriggerFailovers", exp_alerts: [] },
                        { eval_time: "20m", alertname: "RollbackTriggerFailovers", exp_alerts: [fired("RollbackTriggerFailovers", C, "Rollback trigger: 3 leader changes in dpg-golden within 1 h (> 2)")] },
                    ],
                },
                {
                    name: "three leader changes spread over more than 1 h stay quiet",
                    interval: "1m",
                    input_series: [series("patroni_postgres_timeline", patroni(1), "1x29 2x39 3x39 4x20")],
                    alert_rule_test: [
                        { eval_time: "75m", alertname: "RollbackTriggerFailovers", exp_alerts: [] },
                        { eval_time: "115m", alertname: "RollbackTriggerFailovers", exp_alerts: [] },
                    ],
                },
            ],
        },
        { lineWidth: 0 },
    );
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "dpg-rollback-"));
fs.chmodSync(work, 0o755);
let image = "";

/** promtool test rules over named rule files (each with its own test file), in one run of the monitoring image. */
function promtoolTest(name: string, rulesByFile: Record<string, string>) {
    const dir = path.join(work, name);
    fs.mkdirSync(dir, { mode: 0o755 });
    for (const [file, rules] of Object.entries(rulesByFile)) {
        fs.writeFileSync(path.join(dir, `${file}.yml`), rules, { mode: 0o644 });
        fs.writeFileSync(path.join(dir, `${file}.test.yml`), ruleTests(`${file}.yml`), { mode: 0o644 });
    }
    const tests = Object.keys(rulesByFile).map((f) => `/rules/${f}.test.yml`);
    return docker(["run", "--rm", "--network", "none", "-v", `${dir}:/rules:ro`, "--entrypoint", "promtool", image, "test", "rules", ...tests], { allowFail: true, timeoutMs: 300_000 });
}

describe("rollback triggers under promtool test rules", { timeout: 20 * 60_000 }, () => {
    before(() => {
        image = ensureMonitoringImage();
    });
    const rules = () => monitoringRendered["monitoring/dpg-alerts.yml"]();

    it("each trigger fires above its threshold after its window and stays quiet below it", () => {
        const r = promtoolTest("ok", { "dpg-alerts": rules() });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /SUCCESS/);
    });

    it("a drifted threshold fails the tests, for every trigger", () => {
        const drifted: Record<string, string> = {};
        for (const t of ROLLBACK_TRIGGERS) {
            const threshold = Number(/ > ([0-9.]+)$/.exec(t.expr)![1]);
            drifted[`drift-${t.trigger}`] = rules().replace(t.expr, t.expr.replace(/ > [0-9.]+$/, ` > ${threshold * 10 + 3}`));
            assert.notEqual(drifted[`drift-${t.trigger}`], rules(), t.alert);
        }
        const r = promtoolTest("drift", drifted);
        assert.notEqual(r.status, 0);
        // Only drift-<trigger>.yml changes that trigger's rule (the undrifted rules pass above), so a failure
        // naming the trigger's alert can only come from its own drifted threshold.
        const out = r.stdout + r.stderr;
        for (const t of ROLLBACK_TRIGGERS) assert.match(out, new RegExp(`FAILED:[^]*?alertname: ${t.alert}, time:`), `${t.alert} with a drifted threshold must fail its firing test`);
    });
});
