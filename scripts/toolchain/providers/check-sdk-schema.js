#!/usr/bin/env node
// Compares a generated Pulumi package schema with the published npm SDK that
// programs use, so a self-built provider can be checked against the SDK it
// must serve: resource/function tokens, property names (both directions),
// required-ness, coarse types, secret outputs and inputs (both directions) and
// provider config variables.
//
// Usage: node check-sdk-schema.js <schema.json> <sdk dir, e.g. node_modules/@pulumi/random> [token-filter-regexp]
// Exit code 1 when any mismatch is found. Needs the "typescript" package
// (resolved from the SDK dir's node_modules chain).
"use strict";
const fs = require("fs");
const path = require("path");

const [schemaPath, sdkDir, filter] = process.argv.slice(2);
if (!schemaPath || !sdkDir) {
    console.error("usage: check-sdk-schema.js <schema.json> <sdk dir> [token-filter-regexp]");
    process.exit(2);
}
const ts = require(require.resolve("typescript", { paths: [path.resolve(sdkDir)] }));
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
const only = filter ? new RegExp(filter) : null;
const problems = [];
const report = (where, msg) => problems.push(`${where}: ${msg}`);

// --- TypeScript declaration helpers --------------------------------------
function parse(file) {
    return ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
}
// Collects every interface / class (also inside namespaces) by name.
function declarations(sf) {
    const out = {};
    const visit = (n) => {
        if ((ts.isInterfaceDeclaration(n) || ts.isClassDeclaration(n)) && n.name) out[n.name.text] = n;
        ts.forEachChild(n, visit);
    };
    visit(sf);
    return out;
}
// name -> {optional, type text without Input/Output wrappers}
function members(decl) {
    const res = {};
    if (!decl) return res;
    for (const m of decl.members) {
        if (!(ts.isPropertySignature(m) || ts.isPropertyDeclaration(m)) || !m.name) continue;
        const mods = ts.getCombinedModifierFlags(m);
        if (mods & ts.ModifierFlags.Static) continue;
        const name = m.name.getText();
        if (name.startsWith("__")) continue;
        res[name] = { optional: !!m.questionToken, type: m.type ? normTs(m.type.getText()) : "?" };
    }
    return res;
}
function normTs(t) {
    let s = t.replace(/\s+/g, "");
    let prev;
    do {
        prev = s;
        s = s.replace(/pulumi\.(Input|Output)<([^<>]*(?:<[^<>]*>)*[^<>]*)>/g, "$2");
    } while (s !== prev);
    s = s.replace(/\b(inputs|outputs)\.(\w+\.)*/g, "").replace(/\benums\.(\w+\.)*/g, "enum:");
    s = s.replace(/;}/g, "}").replace(/\|undefined/g, "").replace(/^\((.*)\)$/, "$1");
    // Schema "pulumi.json#/Asset" is typed Asset|Archive in the SDK.
    s = s.replace(/pulumi\.asset\.Asset\|pulumi\.asset\.Archive/g, "Asset").replace(/pulumi\.asset\.(Asset|Archive)/g, "$1");
    return s;
}
// --- schema helpers -------------------------------------------------------
function typeOf(p) {
    if (!p) return "?";
    if (p.$ref) {
        if (p.$ref.startsWith("pulumi.json#/")) return p.$ref.slice("pulumi.json#/".length);
        const tok = decodeURIComponent(p.$ref.replace(/^#\/types\//, ""));
        const t = schema.types && schema.types[tok];
        return (t && t.enum ? "enum:" : "") + sdkTypeName(tok);
    }
    switch (p.type) {
        case "integer":
        case "number":
            return "number";
        case "array":
            return typeOf(p.items) + "[]";
        case "object":
            return p.additionalProperties ? `{[key:string]:${typeOf(p.additionalProperties)}}` : "any";
        default:
            return p.type || "any";
    }
}
// Name of a schema object type in the SDK's types/*.d.ts (function result
// types such as getNetworkIpamConfig are capitalised there).
function sdkTypeName(tok) {
    const n = tok.split(":").pop();
    return n[0].toUpperCase() + n.slice(1);
}
function sameType(tsType, schemaType) {
    const t = tsType.replace(/[()]/g, "");
    if (t === schemaType || t === schemaType.replace(/\bAny\b/g, "any")) return true;
    if (schemaType === "Asset" || schemaType === "Archive" || schemaType === "Any") return true;
    if (schemaType.startsWith("enum:")) return t.includes(schemaType.slice(5)); // string|enum union
    return t.split("|").includes(schemaType);
}
function compareProps(where, sdkMembers, schemaProps, requiredList, checkRequired) {
    schemaProps = schemaProps || {};
    const req = new Set(requiredList || []);
    for (const [name, p] of Object.entries(schemaProps)) {
        const m = sdkMembers[name];
        if (!m) {
            report(where, `schema has '${name}' (${typeOf(p)}), SDK does not`);
            continue;
        }
        if (!sameType(m.type, typeOf(p))) report(where, `'${name}' type: SDK ${m.type} vs schema ${typeOf(p)}`);
        if (checkRequired && m.optional === req.has(name)) {
            report(where, `'${name}' required: SDK ${!m.optional} vs schema ${req.has(name)}`);
        }
    }
    for (const name of Object.keys(sdkMembers)) {
        if (!(name in schemaProps)) report(where, `SDK has '${name}' (${sdkMembers[name].type}), schema does not`);
    }
}

// --- walk the SDK ---------------------------------------------------------
// Resource/function modules: top-level files plus module folders such as
// @pulumi/command's local/ and remote/ (not types/, config/ or node_modules/).
function jsFiles(dir, rel = "") {
    const out = [];
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
        const r = path.join(rel, e.name);
        if (e.isDirectory()) {
            if (!["types", "config", "node_modules", "scripts"].includes(e.name)) out.push(...jsFiles(dir, r));
        } else if (e.name.endsWith(".js")) out.push(r);
    }
    return out;
}
const top = jsFiles(sdkDir);
const typeDecls = {};
for (const kind of ["input", "output"]) {
    const f = path.join(sdkDir, "types", `${kind}.d.ts`);
    typeDecls[kind] = fs.existsSync(f) ? declarations(parse(f)) : {};
}
const usedTypes = new Set();
const seen = { resources: new Set(), functions: new Set() };

for (const js of top) {
    const src = fs.readFileSync(path.join(sdkDir, js), "utf8");
    const dts = path.join(sdkDir, js.replace(/\.js$/, ".d.ts"));
    if (!fs.existsSync(dts)) continue;
    const decls = declarations(parse(dts));
    let m = src.match(/__pulumiType = ['"]([^'"]+)['"]/);
    if (m && m[1].includes(":")) {
        const tok = m[1];
        if (only && !only.test(tok)) continue;
        seen.resources.add(tok);
        const cls = tok.split(":").pop();
        const r = schema.resources && schema.resources[tok];
        if (!r) {
            report(tok, "resource missing from schema");
            continue;
        }
        compareProps(`${tok} inputs`, members(decls[`${cls}Args`]), r.inputProperties, r.requiredInputs, true);
        compareProps(`${tok} outputs`, members(decls[cls]), r.properties, [], false);
        const sec = src.match(/additionalSecretOutputs: \[([^\]]*)\]/);
        const sdkSecrets = new Set(sec ? [...sec[1].matchAll(/"(\w+)"/g)].map((x) => x[1]) : []);
        for (const [name, p] of Object.entries(r.properties || {})) {
            if (sdkSecrets.has(name) && !p.secret) report(tok, `'${name}' is a secret output in the SDK but not in the schema`);
        }
        for (const s of sdkSecrets) if (!(r.properties || {})[s]) report(tok, `SDK secret '${s}' not in schema`);
        // The other direction: a schema secret the SDK does not ask for is
        // harmless at run time but means the schema and SDK disagree.
        for (const [name, p] of Object.entries(r.properties || {})) {
            if (p.secret && !sdkSecrets.has(name)) report(tok, `'${name}' is a secret output in the schema but not in the SDK`);
        }
        // Secret inputs: the SDK wraps them with pulumi.secret(args.X).
        const sdkSecretIns = new Set([...src.matchAll(/pulumi\.secret\(args\.(\w+)\)/g)].map((x) => x[1]));
        for (const [name, p] of Object.entries(r.inputProperties || {})) {
            if (!!p.secret !== sdkSecretIns.has(name)) {
                report(tok, `input '${name}' secret: SDK ${sdkSecretIns.has(name)} vs schema ${!!p.secret}`);
            }
        }
        continue;
    }
    m = src.match(/\.invoke(?:Output|SingleOutput|Single)?\("([^"]+)"/);
    if (m) {
        const tok = m[1];
        if (only && !only.test(tok)) continue;
        seen.functions.add(tok);
        const fn = schema.functions && schema.functions[tok];
        if (!fn) {
            report(tok, "function missing from schema");
            continue;
        }
        const base = tok.split(":").pop();
        const Base = base[0].toUpperCase() + base.slice(1);
        const ins = (fn.inputs && fn.inputs.properties) || {};
        compareProps(`${tok} args`, members(decls[`${Base}Args`]), ins, fn.inputs && fn.inputs.required, true);
        const outs = (fn.outputs && fn.outputs.properties) || {};
        compareProps(`${tok} result`, members(decls[`${Base}Result`]), outs, [], false);
    }
}
// provider configuration: config/vars.js getters vs schema config variables
if (!only) {
    const vars = path.join(sdkDir, "config", "vars.js");
    if (fs.existsSync(vars)) {
        const src = fs.readFileSync(vars, "utf8");
        const sdkVars = new Set([...src.matchAll(/defineProperty\(exports, "(\w+)", \{\s*get\(/g)].map((x) => x[1]));
        const schemaVars = (schema.config && schema.config.variables) || {};
        for (const v of sdkVars) if (!(v in schemaVars)) report("config", `SDK has config '${v}', schema does not`);
        for (const v of Object.keys(schemaVars)) if (!sdkVars.has(v)) report("config", `schema has config '${v}', SDK does not`);
    }
}
// provider inputs
if (!only) {
    const pd = path.join(sdkDir, "provider.d.ts");
    if (fs.existsSync(pd) && schema.provider) {
        const decls = declarations(parse(pd));
        compareProps("provider inputs", members(decls.ProviderArgs), schema.provider.inputProperties, schema.provider.requiredInputs, true);
    }
}
// object types reachable from what we checked
const refs = (o) => JSON.stringify(o).match(/#\/types\/[^"]+/g) || [];
let queue = [];
for (const tok of seen.resources) queue.push(...refs((schema.resources || {})[tok] || {}));
for (const tok of seen.functions) queue.push(...refs((schema.functions || {})[tok] || {}));
if (!only && schema.provider) queue.push(...refs(schema.provider));
while (queue.length) {
    const tok = decodeURIComponent(queue.pop().replace("#/types/", ""));
    if (usedTypes.has(tok)) continue;
    usedTypes.add(tok);
    const t = schema.types[tok];
    if (!t) {
        report(tok, "dangling type reference");
        continue;
    }
    queue.push(...refs(t));
    if (t.enum) continue;
    const name = sdkTypeName(tok);
    for (const kind of ["input", "output"]) {
        const d = typeDecls[kind][name];
        if (!d) continue; // a type may legitimately be input-only or output-only
        compareProps(`type ${name} (${kind})`, members(d), t.properties, t.required, kind === "input");
    }
    if (!typeDecls.input[name] && !typeDecls.output[name]) report(tok, "type not found in SDK types/");
}
const extra = Object.keys(schema.resources || {}).filter((t) => !seen.resources.has(t) && (!only || only.test(t)));
for (const t of extra) report(t, "resource in schema but not in SDK");

console.log(`checked ${seen.resources.size} resources, ${seen.functions.size} functions, ${usedTypes.size} types`);
for (const p of problems) console.log("MISMATCH " + p);
console.log(problems.length ? `${problems.length} mismatches` : "no mismatches");
process.exit(problems.length ? 1 : 0);
