// A throwaway stack for e2e tests, made from a committed stack file with test-only overrides
// (its own ports, subnet and names) so it can run beside a developer's dev stack.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { pulumi, REPO_ROOT } from "./cli";

export interface TestStack {
  name: string;
  file: string;
  output(key: string): string;
  remove(): void;
}

export function createTestStack(name: string, fromStack: string, overrides: Record<string, unknown>): TestStack {
  const source = parse(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${fromStack}.yaml`), "utf8"));
  const config = { ...(source.config ?? {}) };
  for (const [key, value] of Object.entries(overrides)) {
    const full = `dpg-cluster:${key}`;
    const current = config[full];
    config[full] = current && typeof current === "object" && value && typeof value === "object" ? { ...current, ...value } : value;
  }
  const file = path.join(REPO_ROOT, `Pulumi.${name}.yaml`);
  fs.writeFileSync(file, `# Written by the e2e tests from Pulumi.${fromStack}.yaml; removed after the run.\n` + stringify({ config }));
  pulumi(["stack", "select", "--create", name]);
  return {
    name,
    file,
    output: (key) => pulumi(["stack", "output", key, "--show-secrets", "--stack", name]).stdout.trim(),
    remove: () => {
      pulumi(["stack", "rm", "--yes", "--force", name], { allowFail: true });
      fs.rmSync(file, { force: true });
    },
  };
}

/** `pulumi config --json` of a stack as { "dpg-cluster:key": value }, as the report reads it. */
export function readStackConfig(name: string): Record<string, unknown> {
  const raw = JSON.parse(pulumi(["config", "--stack", name, "--json"]).stdout) as Record<string, { value?: string; objectValue?: unknown; secret?: boolean }>;
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => !v.secret).map(([k, v]) => [k, v.objectValue ?? v.value]));
}
