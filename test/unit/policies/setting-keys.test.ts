// Issue 8, item 2: every `dpg-cluster:<key>` the pack tells an operator to set exists in the strict config
// schema (infra/config.ts), read from the zod schema object itself, so advice cannot name a refused key.
// Keys are collected twice: from the pack's source (literals, setting()/pgParam() calls, the judges and
// gatherers) and from the messages every rule prints when run on broken inputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { stackConfigSchema } from "../../../infra/config";
import { RULES } from "../../../policies/rules";
import * as settings from "../../../policies/rules/settings";
import { T } from "../../../policies/rules/settings";
import { runRule } from "../../../policies/score/evaluate";
import { FixtureResource, goodCluster, modelOf, urnOf } from "./fixture";

const POLICIES = path.join(__dirname, "..", "..", "..", "policies");

/** Strips wrappers (default, optional, refinements, pipes) down to the schema that has the shape. */
function unwrap(s: z.ZodTypeAny): z.ZodTypeAny {
    for (let i = 0; i < 20; i++) {
        if (s instanceof z.ZodDefault) s = s._def.innerType;
        else if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap();
        else if (s instanceof z.ZodEffects) s = s.innerType();
        else if (s instanceof z.ZodPipeline) s = s._def.in;
        else if (s instanceof z.ZodLazy) s = s.schema;
        else if (s instanceof z.ZodBranded) s = s.unwrap();
        else return s;
    }
    return s;
}

/** `patroni.parameters.ssl`, `attestations["001-SEC-01"].owner` → path segments. */
export function keyPath(key: string): string[] {
    const out: string[] = [];
    for (const m of key.matchAll(/([^.[\]"]+)|\["([^"]+)"\]/g)) out.push(m[1] ?? m[2]);
    return out;
}

/** Whether the strict schema accepts the key (a record accepts any name at its level). */
export function schemaHas(schema: z.ZodTypeAny, parts: string[]): boolean {
    let s = unwrap(schema);
    for (const part of parts) {
        if (s instanceof z.ZodObject) {
            const next = (s.shape as Record<string, z.ZodTypeAny>)[part];
            if (!next) return false;
            s = unwrap(next);
        } else if (s instanceof z.ZodRecord) s = unwrap(s._def.valueType);
        else if (s instanceof z.ZodIntersection) return schemaHas(s._def.left, [part]) || schemaHas(s._def.right, [part]);
        else return false;
    }
    return true;
}

const KEY = /dpg-cluster:([A-Za-z_][A-Za-z0-9_]*(?:(?:\.[A-Za-z_][A-Za-z0-9_]*)|(?:\["[^"]+"\]))*)/g;
const keysIn = (text: string) => [...text.matchAll(KEY)].map((m) => m[1]);

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" ? [] : sourceFiles(p);
        return /\.(ts|ya?ml)$/.test(e.name) ? [p] : [];
    });
}

/** Keys the source names: literal dpg-cluster:… text (comments excluded), setting("a", "b"), pgParam("x"). */
function keysFromSource(): Map<string, string> {
    const found = new Map<string, string>();
    for (const file of sourceFiles(POLICIES)) {
        const code = fs.readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*(\/\/|#).*$/gm, "");
        const where = path.relative(POLICIES, file);
        for (const k of keysIn(code)) found.set(k, where);
        for (const m of code.matchAll(/\bsetting\(\s*"([^"]+)",\s*"([^"]+)"\s*\)/g)) found.set(`${m[1]}.${m[2]}`, where);
        for (const m of code.matchAll(/\bpgParam\(\s*"([^"]+)"\s*\)/g)) found.set(`patroni.parameters.${m[1]}`, where);
    }
    for (const [name, value] of Object.entries(settings)) if (typeof value === "string") for (const k of keysIn(value)) found.set(k, `settings.ts ${name}`);
    return found;
}

/** Every rule on broken inputs of every type it checks, owned by every component: the keys its messages print. */
function keysFromMessages(): Map<string, string> {
    const found = new Map<string, string>();
    const owners = [undefined, T.etcd, T.patroni, T.haproxy, T.pgbouncer, T.backup, T.monitoring, T.tls];
    const broken: FixtureResource[] = [];
    for (const type of Object.values(T))
        for (const owner of owners) {
            const name = `broken-${broken.length}`;
            broken.push({ type, name, urn: urnOf(type, name, owner ? [owner] : []), props: { ports: [{ internal: 5432, external: 5432 }], bindAddress: "0.0.0.0", envs: ["DB_PASSWORD=x1"], tls: {}, parameters: {} } });
        }
    const models = [modelOf(broken), modelOf([]), modelOf(goodCluster().map((r) => ({ ...r, props: {} })))];
    for (const rule of RULES)
        for (const model of models) {
            let messages: string[] = [];
            try {
                messages = runRule(rule, model, [{ dashboard: "PostgreSQL Overview" }, { alert: "Database down", pattern: "down" }, { job: "etcd" }], false);
            } catch {
                continue; // a rule that cannot read junk props says nothing here; its own tests cover it
            }
            for (const m of messages) for (const k of keysIn(m)) found.set(k, `rule ${rule.name}`);
        }
    return found;
}

test("the schema walker accepts real keys and refuses made-up ones", () => {
    assert.ok(schemaHas(stackConfigSchema, keyPath("patroni.maxConnections")));
    assert.ok(schemaHas(stackConfigSchema, keyPath("patroni.parameters.log_statement")));
    assert.ok(schemaHas(stackConfigSchema, keyPath('attestations["003-DOC-01"].owner')));
    assert.ok(schemaHas(stackConfigSchema, keyPath("monitoring.alerting.pagerduty.routingKey")));
    assert.ok(!schemaHas(stackConfigSchema, keyPath("patroni.usePgRewind")));
    assert.ok(!schemaHas(stackConfigSchema, keyPath("monitoring.dashboards")));
    assert.ok(!schemaHas(stackConfigSchema, keyPath("patroni.maxConnections.value")), "a leaf has no children");
});

test("every dpg-cluster: key a rule, judge or gatherer can print exists in the strict config schema", () => {
    const source = keysFromSource();
    const printed = keysFromMessages();
    assert.ok(source.size >= 20, `only ${source.size} keys found in the source: the scan is broken`);
    assert.ok(printed.size >= 10, `only ${printed.size} keys printed by the rules: the run is broken`);
    const wrong = [...new Map([...source, ...printed])].filter(([k]) => !schemaHas(stackConfigSchema, keyPath(k))).map(([k, where]) => `dpg-cluster:${k} (${where})`);
    assert.deepEqual(wrong, [], "keys the schema refuses");
});
