// `--stack` wiring with a stand-in `pulumi` on PATH (the real CLI is not available to unit tests): the report
// reads the stack config, hands attestations + report file to the pack through --policy-pack-config, runs the
// streaming JSON preview from the repo root, and turns the evaluation into tables, files and an exit code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { evaluateStack } from "../../../policies/pack/readiness-policy";
import { goodCluster } from "./fixture";
import { stackArgs } from "./helpers";

const REPO = path.resolve(__dirname, "../../..");
const CLI = path.join(REPO, "policies/report/cli.ts");

const FAKE_PULUMI = `#!/usr/bin/env node
const fs = require("fs");
const argv = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify({ argv, cwd: process.cwd() }) + "\\n");
const flag = (f) => argv[argv.indexOf(f) + 1];
if (argv[0] === "config") {
  process.stdout.write(JSON.stringify({
    "dpg-cluster:attestations": { value: "{}", objectValue: { "003-DOC-01": { owner: "ops", date: "2026-01-01", expires: "2026-12-31" } }, secret: false },
    "dpg-cluster:superuserPassword": { value: "[secret]", secret: true },
  }));
  process.exit(0);
}
if (argv[0] === "stack" && argv[1] === "output") {
  process.stdout.write("{}"); // never deployed: the live collector has nothing to measure
  process.exit(0);
}
if (argv[0] === "preview") {
  const cfg = JSON.parse(fs.readFileSync(flag("--policy-pack-config"), "utf8"));
  if (process.env.FAKE_EVALUATION) fs.copyFileSync(process.env.FAKE_EVALUATION, cfg["readiness-score"].reportFile);
  if (process.env.PULUMI_ENABLE_STREAMING_JSON_PREVIEW === "true" && argv.includes("--json")) {
    process.stdout.write(JSON.stringify({ policyEvent: { policyName: "etcd-members", message: "etcd has 1 member(s)", enforcementLevel: "mandatory", resourceUrn: "urn:x" } }) + "\\n");
  }
  process.stderr.write("error: preview failed\\n");
  process.exit(255);
}
process.exit(1);
`;

function setup(withEvaluation: boolean) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "readiness-stack-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "pulumi"), FAKE_PULUMI, { mode: 0o755 });
    const evaluation = path.join(dir, "fake-evaluation.json");
    fs.writeFileSync(evaluation, JSON.stringify(evaluateStack(stackArgs(goodCluster(), {}).resources, { asOf: "2026-03-01", environment: "prod" })));
    const env = { ...process.env, PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, FAKE_LOG: path.join(dir, "calls.jsonl"), FAKE_EVALUATION: withEvaluation ? evaluation : "" };
    const out = path.join(dir, "out");
    const r = spawnSync(process.execPath, ["--import", "tsx", CLI, "--stack", "prod", "--out", out, "--as-of", "2026-03-01"], { cwd: REPO, encoding: "utf8", env });
    const calls = fs.readFileSync(env.FAKE_LOG, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    return { r, calls, out };
}

test("--stack: runs config + preview with the pack from the repo root, writes reports, exits 1 when not ready", () => {
    const { r, calls, out } = setup(true);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(calls.map((c) => c.argv[0]), ["config", "preview", "stack"]);
    const preview = calls[1];
    assert.equal(preview.cwd, REPO);
    assert.equal(preview.argv[preview.argv.indexOf("--policy-pack") + 1], path.join(REPO, "policies"));
    assert.ok(preview.argv.includes("--json"), "events come from the streaming JSON preview");
    const cfg = JSON.parse(fs.readFileSync(path.join(out, "policy-config.json"), "utf8"));
    assert.equal(cfg["etcd-members"], "mandatory", "stack named prod gets prod enforcement");
    assert.deepEqual(Object.keys(cfg["readiness-score"].attestations), ["003-DOC-01"]);
    assert.ok(!JSON.stringify(cfg).includes("secret"), "secret config values are never copied");
    const doc = JSON.parse(fs.readFileSync(path.join(out, "readiness.json"), "utf8"));
    assert.equal(doc.stack, "prod");
    assert.equal(doc.violations[0].policyName, "etcd-members");
    assert.match(doc.live.skipped, /stack prod has no deployed cluster/);
    assert.match(r.stderr, /live items stay "not measured"/);
    assert.match(fs.readFileSync(path.join(out, "readiness.md"), "utf8"), /# Readiness report: prod/);
    assert.match(r.stdout, /CATEGORY\s+ITEM/);
});

test("--stack: no evaluation written (pack failed to load) → exit 1 with the engine output", () => {
    const { r } = setup(false);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /wrote no evaluation[\s\S]*preview failed/);
});
