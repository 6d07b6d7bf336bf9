// The stack policy end to end without the engine: resource policies record inputs, the readiness-score policy
// decides every catalog item from them, reports the score with the per-category breakdown, writes the evaluation.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { allPolicies } from "../../../policies/pack/policies";
import { clearRecorded } from "../../../policies/pack/inputs-cache";
import { Evaluation, READINESS_POLICY, evaluateStack } from "../../../policies/pack/readiness-policy";
import { catalog } from "../../../policies/catalog";
import { T } from "../../../policies/rules/settings";
import { UNKNOWN_ARRAY, UnknownValueError, unknownCheckingProxy, ResourceValidationPolicy, StackValidationPolicy } from "../../../policies/pack/testing";
import { FixtureResource, find, goodCluster } from "./fixture";
import { resourceArgs, runResourcePolicy, runStackPolicy, stackArgs } from "./helpers";

const policies = allPolicies();
const resourcePolicies = policies.filter((p): p is ResourceValidationPolicy => "validateResource" in p);
const scorePolicy = policies.find((p) => p.name === READINESS_POLICY) as StackValidationPolicy;

/** What the engine does: every resource policy on every resource (inputs), then the stack policy (outputs). */
async function preview(cluster: FixtureResource[], config: Record<string, unknown>) {
    const violations: string[] = [];
    for (const r of cluster) for (const p of resourcePolicies) violations.push(...(await runResourcePolicy(p, resourceArgs(r))));
    // Components' outputs are only what they register: the spec is not there.
    const outputs = cluster.map((r) => (r.type.startsWith("dpg:") ? { ...r, props: {} } : r));
    const stackMessages = await runStackPolicy(scorePolicy, stackArgs(outputs, config));
    return { violations, stackMessages };
}

function allAttested(asOf: string) {
    return Object.fromEntries(catalog().filter((i) => i.check === "attested").map((i) => [i.id, { owner: "ops", date: asOf, expires: "2099-01-01" }]));
}

beforeEach(() => clearRecorded());

test("the pack has one resource policy per resource rule plus the score, all advisory by default", () => {
    assert.ok(resourcePolicies.length >= 40);
    assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
    for (const p of policies) assert.equal(p.enforcementLevel, "advisory", p.name);
});

test("production-shaped stack: no resource violation, every static item passes from recorded inputs", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "readiness-"));
    const reportFile = path.join(dir, "evaluation.json");
    const { violations, stackMessages } = await preview(goodCluster(), { environment: "prod", reportFile, asOf: "2026-03-01" });
    assert.deepEqual(violations, []);
    const e = JSON.parse(fs.readFileSync(reportFile, "utf8")) as Evaluation;
    const staticFails = e.items.filter((i) => i.check === "static" && i.status !== "pass");
    assert.deepEqual(staticFails.map((i) => `${i.id}: ${i.evidence}`), []);
    // Live facts are not measured yet, so the stack is not ready and says why per category.
    assert.equal(e.score.status, "not-ready");
    assert.equal(stackMessages.length, 1);
    assert.match(stackMessages[0], /^Readiness \(prod\): NOT READY — overall \d+\.\d%/);
    for (const title of ["Infrastructure", "Database Configuration", "Security & Hardening", "Monitoring & Observability", "Performance & Capacity", "High Availability & Failover"])
        assert.ok(stackMessages[0].includes(title), title);
    assert.match(stackMessages[0], /Failing blockers: /);
});

test("with every attestation current, only live items (and the single-host gap) keep it from ready", async () => {
    const asOf = "2026-03-01";
    const cluster = goodCluster();
    await preview(cluster, {});
    const outputs = cluster.map((r) => (r.type.startsWith("dpg:") ? { ...r, props: {} } : r));
    const e = evaluateStack(stackArgs(outputs, {}).resources, { asOf, attestations: allAttested(asOf) });
    const notPassed = e.items.filter((i) => i.scored && i.status !== "pass");
    assert.ok(notPassed.length > 0);
    for (const i of notPassed) assert.equal(i.check, "live", `${i.id} ${i.status}: ${i.evidence}`);
    assert.ok(notPassed.every((i) => i.status === "not-measured" && /not measured at preview|not collected yet/.test(i.evidence)));
});

test("an unsafe config: the failing item's evidence names the setting, and dependent live items fail early", async () => {
    const cluster = goodCluster();
    find(cluster, "pg").props.nodes = 1;
    find(cluster, "pg").props.synchronousMode = false;
    const { violations } = await preview(cluster, {});
    assert.ok(violations.some((v) => v.includes("dpg-cluster:patroni.nodes")));
    const e = evaluateStack(stackArgs(cluster, {}).resources, { asOf: "2026-03-01" });
    const byId = new Map(e.items.map((i) => [i.id, i]));
    assert.equal(byId.get("001-HA-01")!.status, "fail");
    assert.match(byId.get("001-HA-01")!.evidence, /dpg-cluster:patroni\.nodes/);
    assert.equal(byId.get("000-HA-02")!.status, "fail");
    assert.match(byId.get("000-HA-02")!.evidence, /precondition fails: synchronous-replication/);
});

test("a missing optional component fails its items with the setting that enables it", async () => {
    const cluster = goodCluster().filter((r) => r.type !== T.backup);
    const e = evaluateStack(stackArgs(cluster, {}).resources, { asOf: "2026-03-01" });
    const item = e.items.find((i) => i.id === "000-DB-06")!;
    assert.equal(item.status, "fail");
    assert.match(item.evidence, /dpg-cluster:backup\.enabled/);
});

test("expired attestation counts as not passed", () => {
    const e = evaluateStack(stackArgs(goodCluster(), {}).resources, {
        asOf: "2026-03-01",
        attestations: { "003-DOC-01": { owner: "ops", date: "2025-01-01", expires: "2025-12-31" } },
    });
    const item = e.items.find((i) => i.id === "003-DOC-01")!;
    assert.equal(item.status, "fail");
    assert.match(item.evidence, /expired on 2025-12-31/);
});

test("preview unknowns: a resource policy touching an unknown throws UnknownValueError (the engine reports it advisory)", async () => {
    const pg0 = find(goodCluster(), "pg-0");
    const policy = resourcePolicies.find((p) => p.name === "no-plaintext-passwords")!;
    const props = unknownCheckingProxy({ ...pg0.props, envs: UNKNOWN_ARRAY });
    await assert.rejects(runResourcePolicy(policy, resourceArgs(pg0, props)), UnknownValueError);
});

test("preview unknowns in the score: the item is 'unknown' (not passed), the rest is still decided", () => {
    const cluster = goodCluster();
    const pg0 = find(cluster, "pg-0");
    pg0.props = unknownCheckingProxy({ ...pg0.props, envs: UNKNOWN_ARRAY });
    const e = evaluateStack(stackArgs(cluster, {}).resources, { asOf: "2026-03-01" });
    const item = e.items.find((i) => i.id === "000-SEC-03")!;
    assert.equal(item.status, "unknown");
    assert.match(item.evidence, /can't be known during preview/);
    assert.equal(e.items.find((i) => i.id === "001-HA-01")!.status, "pass");
});
