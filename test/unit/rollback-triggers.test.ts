// The rollback triggers as data: one alert per seed trigger, labelled for whoever watches a promotion, in the
// rendered rules file, and named so they never stand in for another required alert.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { catalog } from "../../policies/catalog";
import { ROLLBACK_TRIGGER_LABEL, ROLLBACK_TRIGGERS } from "../../components/monitoring/rollback-triggers";
import { renderAlertRules } from "../../components/monitoring/rules";

test("the five metric triggers of 001/002 are rendered, each labelled rollback_trigger=<trigger> and critical", () => {
    assert.deepEqual(ROLLBACK_TRIGGERS.map((t) => t.trigger), ["error-rate", "latency-p95", "connection-errors", "out-of-memory", "failovers"]);
    const group = parse(renderAlertRules({ cluster: "c" })).groups.find((g: any) => g.name === "dpg-rollback-triggers");
    assert.equal(group.rules.length, 5);
    for (const [i, r] of group.rules.entries()) {
        assert.equal(r.labels[ROLLBACK_TRIGGER_LABEL], ROLLBACK_TRIGGERS[i].trigger);
        assert.equal(r.labels.severity, "critical");
        assert.match(r.annotations.description, /Seed \(001\/002\): "/);
    }
});

test("the p95 trigger says it is a mean, in its labels, description and the catalog", () => {
    const p95 = ROLLBACK_TRIGGERS.find((t) => t.trigger === "latency-p95")!;
    assert.equal(p95.labels?.approximation, "mean, not p95");
    assert.match(p95.description!, /^NOT the seed's p95/);
    const item = catalog().find((i) => i.id === "002-MON-02")!;
    assert.equal(item.check, "attested");
    assert.match(item.note!, /no alert here can evaluate a p95/);
});

test("no rollback trigger's name satisfies another required alert's pattern (000's memory > 90 % is not an OOM kill)", () => {
    const others = catalog().filter((i) => i.decidedBy?.includes("critical-alert-rules") && !i.id.startsWith("002-") && typeof i.params?.pattern === "string");
    assert.ok(others.length >= 6);
    for (const t of ROLLBACK_TRIGGERS)
        for (const i of others.filter((x) => x.id.startsWith("000-")))
            assert.ok(!new RegExp(String(i.params!.pattern), "i").test(t.alert), `${t.alert} would pass ${i.id} (${i.ref})`);
    for (const t of ROLLBACK_TRIGGERS.filter((x) => x.trigger !== "latency-p95"))
        assert.ok(catalog().some((i) => i.id.startsWith("002-") && new RegExp(String(i.params?.pattern)).test(t.alert)), `${t.alert} has a catalog item`);
});
