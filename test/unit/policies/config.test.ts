// Enforcement per environment: prod makes exactly the blocker resource policies mandatory; dev is all advisory.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { RESOURCE_RULES } from "../../../policies/rules";
import { renderConfig } from "../../../policies/config/generate";
import { allPolicies } from "../../../policies/pack/policies";

const CONFIG_DIR = path.resolve(__dirname, "../../../policies/config");
const read = (env: string) => JSON.parse(fs.readFileSync(path.join(CONFIG_DIR, `${env}.json`), "utf8"));

test("committed dev.json and prod.json are what generate.ts renders (regenerate after changing a severity)", () => {
    for (const env of ["dev", "prod"] as const) assert.equal(fs.readFileSync(path.join(CONFIG_DIR, `${env}.json`), "utf8"), renderConfig(env), env);
});

test("prod: every enforceable blocker resource policy is mandatory, advisories stay advisory, the score stays advisory", () => {
    const prod = read("prod");
    assert.equal(prod.all, "advisory");
    for (const r of RESOURCE_RULES) {
        const expected = r.severity === "blocker" && r.enforceInProd !== false ? "mandatory" : undefined;
        assert.equal(prod[r.name], expected, r.name);
    }
    assert.equal(prod["grafana-deployed"], undefined, "a missing capability does not refuse `pulumi up`");
    assert.deepEqual(prod["readiness-score"], { enforcementLevel: "advisory", environment: "prod" });
});

test("dev: nothing mandatory", () => {
    const dev = read("dev");
    assert.equal(dev.all, "advisory");
    assert.ok(!JSON.stringify(dev).includes("mandatory"));
    assert.equal(dev["readiness-score"].environment, "dev");
});

test("every key of the configs names a policy of the pack (the CLI rejects unknown policies)", () => {
    const names = new Set(allPolicies().map((p) => p.name));
    for (const env of ["dev", "prod"]) for (const k of Object.keys(read(env))) if (k !== "all") assert.ok(names.has(k), `${env}: ${k}`);
});
