// Prints one setting of a stack's Pulumi.<stack>.yaml (or its default) for the shell scripts,
// e.g. the base image the docker bootstrap must provide before `pulumi up`.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_NAMESPACE, parseStackConfig } from "../infra/config";

const [stack, key] = process.argv.slice(2);
if (!stack || !key) {
  console.error("usage: stack-setting.ts <stack> <key>   e.g. stack-setting.ts dev baseImage");
  process.exit(2);
}
const file = path.join(__dirname, "..", `Pulumi.${stack}.yaml`);
const doc = fs.existsSync(file) ? (parse(fs.readFileSync(file, "utf8")) ?? {}) : {};
const raw: Record<string, unknown> = {};
for (const [k, v] of Object.entries(doc.config ?? {})) {
  const [ns, name] = k.split(":", 2);
  if (ns === CONFIG_NAMESPACE && name) raw[name] = v;
}
const config = parseStackConfig(raw, stack) as unknown as Record<string, unknown>;
const value = key.split(".").reduce<any>((o, part) => (o == null ? undefined : o[part]), config);
console.log(typeof value === "object" ? JSON.stringify(value) : String(value));
