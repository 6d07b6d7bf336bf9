// The report CLI without an engine: catalog JSON, argument parsing, event-log parsing, rendering, exit codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { catalog } from "../../../policies/catalog";
import { parseArgs } from "../../../policies/report/args";
import { parseAnalyzeJson, parsePolicyEvents } from "../../../policies/report/events";
import { buildPolicyConfig, environmentFor } from "../../../policies/report/policy-config";
import { renderMarkdown, renderTable } from "../../../policies/report/render";
import { evaluateStack } from "../../../policies/pack/readiness-policy";
import { goodCluster } from "./fixture";
import { stackArgs } from "./helpers";

const REPO = path.resolve(__dirname, "../../..");
const CLI = path.join(REPO, "policies/report/cli.ts");
const cli = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: REPO, encoding: "utf8" });

test("--catalog --json prints the whole catalog as a JSON array, nothing else on stdout", () => {
    const r = cli(["--catalog", "--json"]);
    assert.equal(r.status, 0, r.stderr);
    const items = JSON.parse(r.stdout);
    assert.ok(Array.isArray(items));
    assert.equal(items.length, catalog().length);
    for (const i of items) for (const k of ["id", "category", "severity", "source", "ref", "check"]) assert.ok(typeof i[k] === "string" && i[k] !== "", `${i.id}.${k}`);
    assert.equal(items.filter((i: any) => i.source.startsWith("001_")).length, 77);
});

test("argument parsing: modes, values, errors", () => {
    assert.deepEqual(parseArgs(["--catalog", "--json"]), { mode: "catalog", json: true, engine: "preview", live: true });
    assert.equal(parseArgs(["--stack", "dev", "--no-live"]).live, false);
    assert.equal(parseArgs(["--stack", "prod", "--env", "prod", "--analyze"]).engine, "analyze");
    assert.throws(() => parseArgs(["--stack"]), /needs a value/);
    assert.throws(() => parseArgs(["--env", "qa"]), /dev or prod/);
    assert.throws(() => parseArgs(["--bogus"]), /unknown argument/);
    assert.equal(cli(["--bogus"]).status, 1);
});

test("policy events are read from the engine event log; torn lines are ignored", () => {
    const log = [
        JSON.stringify({ sequence: 1, preludeEvent: { config: {} } }),
        JSON.stringify({ sequence: 2, policyEvent: { resourceUrn: "urn:x", message: "etcd has 1 member(s)", policyName: "etcd-members", policyPackName: "dpg-readiness", enforcementLevel: "mandatory" } }),
        '{"sequence":3,"policyEv',
    ].join("\n");
    assert.deepEqual(parsePolicyEvents(log), [{ policyName: "etcd-members", enforcementLevel: "mandatory", resourceUrn: "urn:x", message: "etcd has 1 member(s)" }]);
    assert.deepEqual(parseAnalyzeJson(JSON.stringify({ violations: [{ policyName: "a", message: "m", enforcementLevel: "advisory", urn: "u" }] })), [{ policyName: "a", enforcementLevel: "advisory", resourceUrn: "u", message: "m" }]);
    assert.deepEqual(parseAnalyzeJson("not json"), []);
});

test("the generated policy config carries the environment levels, attestations, report file and date", () => {
    const cfg = buildPolicyConfig("prod", { attestations: { a: { owner: "o" } }, reportFile: "/tmp/e.json", asOf: "2026-03-01" }) as any;
    assert.equal(cfg["etcd-members"], "mandatory");
    assert.deepEqual(cfg["readiness-score"], { enforcementLevel: "advisory", environment: "prod", attestations: { a: { owner: "o" } }, reportFile: "/tmp/e.json", asOf: "2026-03-01" });
    assert.equal(environmentFor("dev", {}), "dev");
    assert.equal(environmentFor("prod-eu", {}), "prod");
    assert.equal(environmentFor("staging", { "dpg-cluster:environment": "prod" }), "prod");
    assert.equal(environmentFor("prod", {}, "dev"), "dev");
});

test("table and Markdown show category, item, status and evidence", () => {
    const e = evaluateStack(stackArgs(goodCluster(), {}).resources, { asOf: "2026-03-01", environment: "prod" });
    const table = renderTable(e);
    assert.match(table, /CATEGORY\s+ITEM\s+SEV\s+STATUS\s+EVIDENCE/);
    assert.match(table, /NOT MEASURED/);
    assert.match(table, /NOT READY \(prod, 2026-03-01\)/);
    const md = renderMarkdown(e, "prod", [{ policyName: "etcd-members", enforcementLevel: "mandatory", message: "a | b" }]);
    assert.match(md, /^# Readiness report: prod/);
    assert.match(md, /\| Security & Hardening \| 000-SEC-01 Unique, complex passwords \(≥16 characters\) \|/);
    assert.match(md, /a \\\| b/);
});

test("--evaluation renders a saved evaluation and exits 1 / 2 / 0 by readiness", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "readiness-cli-"));
    const e = evaluateStack(stackArgs(goodCluster(), {}).resources, { asOf: "2026-03-01" });
    const write = (status: string) => {
        const f = path.join(dir, `${status}.json`);
        fs.writeFileSync(f, JSON.stringify({ ...e, score: { ...e.score, status } }));
        return f;
    };
    assert.equal(cli(["--evaluation", write("not-ready")]).status, 1);
    assert.equal(cli(["--evaluation", write("ready-with-warnings")]).status, 2);
    const ready = cli(["--evaluation", write("ready"), "--json"]);
    assert.equal(ready.status, 0);
    assert.equal(JSON.parse(ready.stdout).score.status, "ready");
});
