// `npm run promote` for real: a copy of dev is promoted to a copy of prod (created by the promotion), which then
// runs exactly dev's image ids; a gate that fails (no drill record, then a drill record older than the target's
// setting allows) refuses naming it, with nothing changed; a hotfix of dev promoted next with a short watch
// window is rolled back by the command itself once three switchovers on prod fire the "more than 2 failovers in
// 1 h" rollback trigger in prod's own Prometheus and Alertmanager: prod runs the first promotion's images again.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { docker, eventually, pulumi, REPO_ROOT, run } from "../support/cli";
import { createTestStack, readStackConfig, TestStack } from "../support/stack";
import { patroniMembers } from "../../policies/live/gather";
import { healthy } from "../../policies/live/host-drill-observe";
import { memberExec } from "../../policies/live/sources";
import { LiveTarget, settingsFrom, targetFrom } from "../../policies/live/target";
import { readPromotions, promotionsDir } from "../../policies/promote/record";

const DEV = "e2epromote-dev";
const PROD = "e2epromote-prod";
const REPORTS = path.join(REPO_ROOT, "reports");
const HOTFIX_TAG = "e2epromote-hotfix/haproxy:1";
const log = (s: string) => console.log(`# ${s}`);

function promote(args: string[], timeoutMs = 40 * 60_000) {
    const t0 = Date.now();
    const r = run("node", ["--import", "tsx", "policies/promote/cli.ts", ...args], { allowFail: true, timeoutMs });
    return { ...r, seconds: (Date.now() - t0) / 1000, out: r.stdout + r.stderr };
}

/** Image id of every container of a stack, by container name without the prefix (pg-1, haproxy, …). */
function containerImages(prefix: string): Map<string, string> {
    const names = docker(["ps", "--filter", `label=dpg.stack=${prefix}`, "--format", "{{.Names}}"]).stdout.split("\n").filter(Boolean);
    return new Map(names.map((n) => [n.slice(prefix.length + 1), docker(["inspect", "--format", "{{.Image}}", n]).stdout.trim()]));
}

function liveTarget(stack: string): LiveTarget {
    return targetFrom(stack, JSON.parse(pulumi(["stack", "output", "--stack", stack, "--json", "--show-secrets"]).stdout), settingsFrom(readStackConfig(stack), stack));
}

const stackFileText = (s: string) => fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${s}.yaml`), "utf8");

describe("npm run promote on the real engine", { timeout: 120 * 60_000 }, () => {
    let dev: TestStack;
    let prod: TestStack;
    let devImages: Map<string, string>;

    before(() => {
        for (const s of [DEV, PROD]) fs.rmSync(path.join(REPORTS, s), { recursive: true, force: true });
        dev = createTestStack(DEV, "dev", {
            namePrefix: DEV,
            haproxy: { writePort: 30000, readPort: 30001, statsPort: 30002 },
            pgbouncer: { port: 30003 },
            monitoring: { prometheusPort: 30090, alertmanagerPort: 30093 },
            network: { subnet: "10.213.171.0/24" },
            // This machine is shared and slow: the bench's TPS target is not what this test is about.
            benchmark: { targetTps: 1 },
        });
        prod = createTestStack(PROD, "prod", {
            namePrefix: PROD,
            haproxy: { writePort: 30100, readPort: 30101, statsPort: 30102 },
            pgbouncer: { port: 30103 },
            network: { subnet: "10.213.172.0/24" },
            promotion: { watchMinutes: 0 },
        });
        const t0 = Date.now();
        pulumi(["up", "--yes", "--skip-preview", "--stack", DEV], { timeoutMs: 30 * 60_000 });
        log(`pulumi up of ${DEV}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
        devImages = containerImages(DEV);
    });

    after(() => {
        for (const s of [prod, dev]) {
            if (!s) continue;
            pulumi(["destroy", "--yes", "--skip-preview", "--stack", s.name], { timeoutMs: 15 * 60_000, allowFail: true });
            s.remove();
        }
        docker(["image", "rm", HOTFIX_TAG], { allowFail: true });
    });

    it("refuses while dev has no drill record, naming the gate and the fix, and changes nothing; --rollback with no promotion is refused", () => {
        const before = stackFileText(PROD);
        const rb = promote(["--rollback", "--to", PROD, "--yes"]);
        assert.equal(rb.status, 1, rb.out);
        assert.match(rb.out, new RegExp(`--rollback --to ${PROD}: no promotion of this stack is recorded`));
        const r = promote(["--from", DEV, "--to", PROD, "--yes"]);
        log(`refusal (no drill record) in ${r.seconds.toFixed(1)} s`);
        assert.equal(r.status, 1, r.out);
        assert.match(r.out, new RegExp(`gate drill-record\\s+FAIL\\s+no failover drill recorded for ${DEV} .*run: npm run drill -- --stack ${DEV}`));
        assert.match(r.out, /REFUSED: gate drill-record, bench-record failed/);
        assert.equal(stackFileText(PROD), before, "the target's settings are untouched");
        assert.equal(docker(["ps", "-aq", "--filter", `label=dpg.stack=${PROD}`]).stdout.trim(), "", "nothing of the target is created");
        assert.equal(readPromotions(promotionsDir(REPORTS, PROD)).records[0].result, "refused");
    });

    it("runs a short drill and bench on dev; a drill record older than the target's setting is refused as stale", () => {
        for (const cmd of ["drill", "bench"]) {
            const t0 = Date.now();
            const r = run("node", ["--import", "tsx", `policies/live/${cmd}.ts`, "--stack", DEV], { allowFail: true, timeoutMs: 10 * 60_000 });
            assert.equal(r.status, 0, r.stdout + r.stderr.slice(-3000));
            log(`${cmd} on ${DEV}: ${((Date.now() - t0) / 1000).toFixed(0)} s: ${r.stdout.trim().split("\n")[0]}`);
        }
        // 0.001 h = 3.6 s: the drill that just ran is older than that, for real.
        pulumi(["config", "set", "--path", "dpg-cluster:promotion.recordMaxAgeHours", "0.001", "--type", "float", "--stack", PROD]);
        try {
            const r = promote(["--from", DEV, "--to", PROD, "--yes"]);
            assert.equal(r.status, 1, r.out);
            assert.match(r.out, new RegExp(`gate drill-record\\s+FAIL\\s+the failover drill of ${DEV} is stale: [0-9.]+ h old \\(at most 0\\.001 h: dpg-cluster:promotion\\.recordMaxAgeHours of ${PROD}\\)`));
        } finally {
            pulumi(["config", "rm", "--path", "dpg-cluster:promotion.recordMaxAgeHours", "--stack", PROD]);
        }
    });

    it("promotes dev to prod: gates pass, prod's containers run dev's image ids, the record says who, what and which gates", () => {
        const r = promote(["--from", DEV, "--to", PROD, "--yes"]);
        fs.writeFileSync(path.join(REPORTS, `${PROD}-promotion-1.txt`), r.out);
        log(`promotion 1 (gates + up + target report): ${r.seconds.toFixed(0)} s; ${r.out.split("\n").filter((l) => /^gates took|^pulumi up of|^PROMOTED/.test(l)).join("; ")}`);
        assert.equal(r.status, 0, r.out.slice(-6000));
        for (const g of ["drill-record", "bench-record", "source-readiness", "target-preview"]) assert.match(r.out, new RegExp(`gate ${g}\\s+ok`), g);
        assert.match(r.out, /--- diff of e2epromote-prod/);
        const prodImages = containerImages(PROD);
        const devIds = new Set(devImages.values());
        assert.ok(prodImages.size >= 10, `prod containers: ${[...prodImages.keys()].join(", ")}`);
        for (const [name, id] of prodImages) assert.ok(devIds.has(id), `${PROD}'s ${name} runs ${id}, which no container of ${DEV} runs`);
        for (const role of ["pg-1", "etcd-1", "haproxy", "prometheus"]) assert.equal(prodImages.get(role), devImages.get(role), role);
        const rec = readPromotions(promotionsDir(REPORTS, PROD)).records[0];
        assert.equal(rec.result, "promoted");
        assert.equal(rec.from, DEV);
        assert.ok(rec.by.length > 0);
        assert.deepEqual(rec.gates.map((g) => [g.name, g.ok]), [["drill-record", true], ["bench-record", true], ["source-readiness", true], ["target-preview", true]]);
        assert.deepEqual(Object.fromEntries(rec.images.map((i) => [i.name, i.id])), JSON.parse(pulumi(["stack", "output", "imageIds", "--json", "--stack", DEV]).stdout));
        assert.equal((rec.settings?.["dpg-cluster:images"] as { fromStack?: string }).fromStack, DEV);
    });

    it("promotes a hotfix of dev; with a short watch window, three switchovers on prod fire the failovers rollback trigger and the command rolls back to the first promotion's images by itself", async () => {
        // The hotfix: dev's HAProxy image plus a label, a new image id, pinned on dev (images.ids).
        const base = devImages.get("haproxy")!;
        const baseTag = docker(["image", "inspect", "--format", "{{index .RepoTags 0}}", base]).stdout.trim();
        const hotfix = run("sh", ["-c", `printf 'FROM ${baseTag}\\nLABEL dpg.e2e.hotfix=${Date.now()}\\n' | docker build -q -t ${HOTFIX_TAG} -`]).stdout.trim();
        assert.match(hotfix, /^sha256:/);
        assert.notEqual(hotfix, base);
        pulumi(["config", "set", "--path", "dpg-cluster:images.ids.haproxy", hotfix, "--stack", DEV]);
        pulumi(["up", "--yes", "--skip-preview", "--stack", DEV], { timeoutMs: 15 * 60_000 });
        assert.equal(containerImages(DEV).get("haproxy"), hotfix);
        pulumi(["config", "set", "--path", "dpg-cluster:promotion.watchMinutes", "8", "--stack", PROD]);

        const t0 = Date.now();
        const child = spawn("node", ["--import", "tsx", "policies/promote/cli.ts", "--from", DEV, "--to", PROD, "--yes"], { cwd: REPO_ROOT, env: process.env });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
        try {
            for (const deadline = Date.now() + 40 * 60_000; !/^watching /m.test(out); await new Promise((r) => setTimeout(r, 2000))) {
                if (child.exitCode !== null || Date.now() > deadline) assert.fail(`the promotion did not reach its watch window (exit ${child.exitCode}):\n${out.slice(-6000)}`);
            }
            assert.equal(containerImages(PROD).get("haproxy"), hotfix);
            const t = liveTarget(PROD);
            for (let i = 1; i <= 3; i++) {
                const m = await eventually(`a healthy ${PROD} before switchover ${i}`, () => {
                    const x = patroniMembers(t);
                    return healthy(t, x) ? x : undefined;
                }, 180_000, 2000);
                const from = m.find((x) => x.role === "leader")!.name;
                const to = (m.find((x) => x.role === "sync_standby") ?? m.find((x) => x.role !== "leader"))!.name;
                run("docker", [...memberExec(t, from, ["-u", "postgres"], []), "patronictl", "-c", "/etc/patroni/patroni.yml", "switchover", "--leader", from, "--candidate", to, "--force"], { timeoutMs: 120_000 });
                log(`switchover ${i}: ${from} → ${to} at ${((Date.now() - t0) / 1000).toFixed(0)} s`);
            }
            let timer: NodeJS.Timeout | undefined;
            const code = await Promise.race([exited, new Promise<number>((_, reject) => (timer = setTimeout(() => reject(new Error(`no rollback within 12 min:\n${out.slice(-4000)}`)), 12 * 60_000)))]).finally(() => clearTimeout(timer));
            fs.writeFileSync(path.join(REPORTS, `${PROD}-promotion-watch.txt`), out);
            log(`promotion 2 (hotfix) with the watch window, to its own rollback: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
            assert.equal(code, 3, out.slice(-6000));
            assert.match(out, /ROLLBACK TRIGGER fired on e2epromote-prod: failovers \(RollbackTriggerFailovers, since [^)]+\): Rollback trigger: [34] leader changes/);
            assert.match(out, /ROLLED BACK/);
            assert.equal(containerImages(PROD).get("haproxy"), base, "the automatic rollback restored the first promotion's image");
            const rec = readPromotions(promotionsDir(REPORTS, PROD)).records[0];
            assert.equal(rec.result, "rolled-back");
            assert.equal(rec.gates[0].name, "rollback-trigger");
        } finally {
            if (child.exitCode === null) child.kill();
        }
    });
});
