// The catalog holds the seeds' checklists by exact text, every item is mapped, and the data is consistent
// with the rules that decide it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { catalog, CATEGORIES, SOURCES } from "../../../policies/catalog";
import { RULES, ruleByName } from "../../../policies/rules";
import { checklist001, checklist003, requirements000, seedFile } from "./seeds";

const items = catalog();
const from = (code: string) => items.filter((i) => i.source === SOURCES[code]);

test("001: the seed lists 77 items and each category matches its declared count", () => {
    const seed = checklist001();
    assert.equal(seed.length, 77);
    for (const c of new Set(seed.map((s) => s.category))) {
        const inCat = seed.filter((s) => s.category === c);
        assert.equal(inCat.length, inCat[0].declared, `${c}: heading count vs items`);
    }
});

test("001: every one of the 77 items is in the catalog by exact text, in its category, once", () => {
    const catalog001 = from("001");
    for (const s of checklist001()) {
        const hits = catalog001.filter((i) => i.ref === s.ref);
        assert.equal(hits.length, 1, `001 item not in catalog exactly once: ${s.ref}`);
        assert.equal(hits[0].category, s.category, `${hits[0].id} category`);
    }
    assert.equal(catalog001.length, 77, "catalog has 001 items the seed does not have");
});

test("000: every critical requirement, recommended item and pre-launch item is in the catalog with its severity", () => {
    const catalog000 = from("000");
    const seed = requirements000();
    assert.ok(seed.length >= 90, `parsed only ${seed.length} items from 000`);
    // Documented exception: listed under critical, but the seed itself calls the threshold "Recommended".
    const advisoryByDesign = new Set(["Recommended: 50GB+ available"]);
    for (const s of seed) {
        const hits = catalog000.filter((i) => i.ref === s.ref);
        assert.ok(hits.length >= 1, `000 ${s.kind} item not in catalog: ${s.ref}`);
        const want = s.kind === "critical" && !advisoryByDesign.has(s.ref) ? "blocker" : "advisory";
        for (const h of hits) assert.equal(h.severity, want, `${h.id} severity`);
        if (s.kind === "pre-launch") for (const h of hits) assert.equal(h.check, "attested", `${h.id} is a pre-launch attestation`);
    }
    // Catalog 000 items the parser did not find must still be 000 text (e.g. "Essential PostgreSQL settings").
    const seedText = seedFile("000").text.replace(/\*\*/g, "");
    for (const i of catalog000) assert.ok(seedText.includes(i.ref), `${i.id} ref is not 000 text: ${i.ref}`);
});

test("003: only real 003 checklist lines, covering the DB-cluster topics the issue names", () => {
    const lines = new Set(checklist003());
    const catalog003 = from("003");
    for (const i of catalog003) assert.ok(lines.has(i.ref), `${i.id} is not a 003 line: ${i.ref}`);
    for (const topic of ["etcd authentication configured", "TLS enabled for production", "Secrets management configured", "Database backup automated", "Point-in-time recovery tested", "Resource limits set", "Log retention policies set", "Runbooks created"])
        assert.ok(catalog003.some((i) => i.ref === topic), `003 topic missing: ${topic}`);
});

test("no item is unmapped: each has a category, severity, source, ref and a decided check kind", () => {
    for (const i of items) {
        assert.ok(CATEGORIES.includes(i.category), i.id);
        assert.ok(["blocker", "advisory"].includes(i.severity), i.id);
        assert.ok(Object.values(SOURCES).includes(i.source), i.id);
        assert.ok(i.ref.length > 0, i.id);
        if (i.check === "static") assert.ok(i.decidedBy!.length > 0, `${i.id} static without rules`);
        else if (i.check === "live") assert.ok(i.probe, `${i.id} live without probe`);
        else if (i.check === "not-applicable") assert.ok(i.reason, `${i.id} n/a without reason`);
        else assert.equal(i.check, "attested", i.id);
    }
});

test("every rule a static or live item names exists, and every rule decides or gates some item", () => {
    const named = new Set<string>();
    for (const i of items) for (const r of [...(i.decidedBy ?? []), ...(i.preconditions ?? [])]) {
        assert.ok(ruleByName(r), `${i.id} names unknown rule ${r}`);
        named.add(r);
    }
    assert.deepEqual(RULES.map((r) => r.name).filter((n) => !named.has(n)), []);
});

test("a rule is a blocker exactly when a blocker item depends on it (so prod enforcement follows the seeds)", () => {
    for (const rule of RULES) {
        const users = items.filter((i) => i.decidedBy?.includes(rule.name) || i.preconditions?.includes(rule.name));
        const want = users.some((i) => i.severity === "blocker") ? "blocker" : "advisory";
        assert.equal(rule.severity, want, `${rule.name}: used by ${users.map((u) => `${u.id}(${u.severity})`).join(", ")}`);
    }
});

test("001/003 blockers restate a 000 critical requirement or say why they block", () => {
    const byId = new Map(items.map((i) => [i.id, i]));
    for (const i of items.filter((x) => x.source !== SOURCES["000"] && x.severity === "blocker")) {
        const related = (i.relates ?? []).map((id) => byId.get(id));
        assert.ok(related.every((r) => r !== undefined), `${i.id} relates to an unknown id`);
        assert.ok(related.some((r) => r!.severity === "blocker") || i.severityReason, `${i.id} is a blocker without a 000 blocker or a reason`);
    }
});

test("ids are stable-looking and unique; sources are the seed file names", () => {
    assert.equal(new Set(items.map((i) => i.id)).size, items.length);
    for (const code of ["000", "001", "002", "003"]) assert.equal(SOURCES[code], seedFile(code).name);
});
