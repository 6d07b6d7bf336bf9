// Attested items: owner, date, expiry; expired = not passed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { attestationsFromEnv, checkAttestation, parseAttestations } from "../../../policies/score/attestations";

const ok = { owner: "ops@example.com", date: "2026-01-10", expires: "2026-07-10", evidence: "runbook v3" };

test("a current attestation passes and names owner and expiry", () => {
    const r = checkAttestation("003-DOC-01", ok, "2026-03-01");
    assert.equal(r.status, "pass");
    assert.match(r.evidence, /ops@example.com.*2026-07-10.*runbook v3/);
});

test("missing, expired, future-dated, ownerless and malformed attestations fail with a reason", () => {
    assert.match(checkAttestation("003-DOC-01", undefined, "2026-03-01").evidence, /not attested.*dpg-cluster:attestations/);
    assert.equal(checkAttestation("x", ok, "2026-07-10").status, "pass"); // the expiry day itself still counts
    const expired = checkAttestation("x", ok, "2026-07-11");
    assert.equal(expired.status, "fail");
    assert.match(expired.evidence, /expired on 2026-07-10/);
    assert.match(checkAttestation("x", ok, "2026-01-09").evidence, /future/);
    assert.match(checkAttestation("x", { ...ok, owner: " " }, "2026-03-01").evidence, /no owner/);
    assert.match(checkAttestation("x", { ...ok, expires: "2026-02-30" }, "2026-03-01").evidence, /YYYY-MM-DD/);
    assert.match(checkAttestation("x", { ...ok, date: "10/01/2026" }, "2026-03-01").evidence, /YYYY-MM-DD/);
});

test("the map is read from an object or from Pulumi's JSON string form", () => {
    assert.deepEqual(parseAttestations({ a: ok }), { a: ok });
    assert.deepEqual(parseAttestations(JSON.stringify({ a: ok })), { a: ok });
    assert.deepEqual(parseAttestations("not json"), {});
    assert.deepEqual(parseAttestations(["a"]), {});
    assert.deepEqual(parseAttestations(undefined), {});
});

test("attestations fall back to the stack config the engine passes in PULUMI_CONFIG", () => {
    const env = { PULUMI_CONFIG: JSON.stringify({ "dpg-cluster:attestations": JSON.stringify({ "001-INF-07": ok }), "dpg-cluster:other": "x" }) };
    assert.deepEqual(attestationsFromEnv(env), { "001-INF-07": ok });
    assert.deepEqual(attestationsFromEnv({}), {});
});

test("an unquoted YAML date (as the engine hands it over) counts as that day", () => {
    const r = checkAttestation("003-DOC-01", { ...ok, date: "2026-01-10 00:00:00 +0000 UTC", expires: "2026-07-10 00:00:00 +0000 UTC" }, "2026-03-01");
    assert.equal(r.status, "pass", r.evidence);
    assert.match(r.evidence, /on 2026-01-10, expires 2026-07-10/);
});
