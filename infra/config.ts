// The stack settings: the components' settings sections composed into one zod schema, validated
// before any resource is declared. Each key is declared once, in its component's settings.ts, with
// its default, bounds and doc line (README "Stack settings" is generated from them); checks that
// involve several sections live in config-checks.ts. Every error names the key and the fix.
import { z } from "zod";
import { backupSettings } from "../components/backup/settings";
import { etcdSettings } from "../components/etcd/settings";
import { haproxySettings } from "../components/haproxy/settings";
import { monitoringSettings } from "../components/monitoring/settings";
import { databaseSettings, patroniSettings } from "../components/patroni/settings";
import { pgbouncerSettings } from "../components/pgbouncer/settings";
import { cidr } from "../components/shared/settings";
import { imagesSettings } from "../components/target/images";
import { targetSettings } from "../components/target/settings";
import { tlsSettings } from "../components/tls/settings";
import { yamlDay } from "../policies/score/attestations";
import { crossFieldProblems } from "./config-checks";

/** Settings live under this project namespace in Pulumi.<stack>.yaml. */
export const CONFIG_NAMESPACE = "dpg-cluster";

const isoDate = z.preprocess(yamlDay, z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD"));

export const stackConfigSchema = z
  .object({
    environment: z.enum(["dev", "prod"]).default("dev").describe("promotion stage: `prod` makes the readiness pack's blockers mandatory"),
    baseImage: z.string().min(1).default("debian:trixie-slim").describe("image every service image is built FROM; built offline with debootstrap when it cannot be pulled"),
    namePrefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,30}$/, "must be lowercase letters, digits and dashes, 2-31 characters, starting with a letter")
      .optional()
      .describe("prefix of every container, volume and network name; default `dpg-<stack>`"),
    target: targetSettings.default({}),
    images: imagesSettings.default({}),
    network: z
      .object({
        subnet: cidr(16, 28).default("10.213.0.0/24").describe("subnet of the internal cluster network; pg_hba admits only this range"),
        clientCidrs: z.array(cidr(0, 32)).default([]).describe("further client ranges pg_hba admits (scram, hostssl when TLS is on)"),
      })
      .strict()
      .default({})
      .describe("cluster network"),
    etcd: etcdSettings.default({}),
    patroni: patroniSettings.default({}),
    database: databaseSettings.default({}),
    haproxy: haproxySettings.default({}),
    pgbouncer: pgbouncerSettings.default({}),
    tls: tlsSettings.default({}),
    backup: backupSettings.default({}),
    monitoring: monitoringSettings.default({}),
    attestations: z
      .record(
        z
          .object({
            owner: z.string().min(1),
            date: isoDate,
            expires: isoDate,
            evidence: z.string().optional(),
          })
          .strict(),
      )
      .default({})
      .describe("readiness items a person vouches for: `<item id>: {owner, date, expires, evidence}`"),
    benchmark: z
      .object({
        targetTps: z
          .number()
          .positive()
          .max(1_000_000)
          .default(100)
          .describe("throughput `npm run bench` must measure (pgbench tpcb-like, 8 clients, write port) for 001-PERF-02; raise it to your SLA"),
      })
      .strict()
      .default({}),
    promotion: z
      .object({
        watchMinutes: z
          .number()
          .min(0)
          .max(1440)
          .default(30)
          .describe("minutes `npm run promote` watches this stack's Alertmanager after an up for a `rollback_trigger` alert, rolling back when one fires; 0 = no watch"),
        recordMaxAgeHours: z
          .number()
          .positive()
          .max(720)
          .default(168)
          .describe("a promotion into this stack needs the source's drill and bench records at most this old (and of the source's current cluster)"),
      })
      .strict()
      .default({}),
    secrets: z
      .object({
        passwordLength: z.number().int().min(16, "must be at least 16 characters").max(128).default(32).describe("length of every generated password"),
      })
      .strict()
      .default({}),
  })
  .strict();

export type StackConfig = z.infer<typeof stackConfigSchema> & { namePrefix: string };

/** The settings read from `pulumi config`, keyed without the namespace (e.g. "patroni"). */
export type RawStackConfig = Record<string, unknown>;

export class StackConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(
      `Invalid stack configuration (nothing was created):\n` +
        issues.map((i) => `  - ${i}`).join("\n") +
        `\nFix with: pulumi config set --path ${CONFIG_NAMESPACE}:<key> <value>  (see README "Stack settings")`,
    );
    this.name = "StackConfigError";
  }
}

function describeIssue(issue: z.ZodIssue): string {
  const key = [CONFIG_NAMESPACE, issue.path.join(".")].filter(Boolean).join(":");
  if (issue.code === "unrecognized_keys") {
    const where = issue.path.length ? `${CONFIG_NAMESPACE}:${issue.path.join(".")}` : CONFIG_NAMESPACE;
    return `${where}: unknown setting(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}; check the spelling against README "Stack settings"`;
  }
  if (issue.code === "invalid_type") {
    return `${key}: expected ${issue.expected}, got ${issue.received}`;
  }
  if (issue.code === "invalid_enum_value") {
    return `${key}: must be one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")} (got ${JSON.stringify(issue.received)})`;
  }
  if (issue.code === "invalid_literal") {
    return `${key}: must be ${JSON.stringify(issue.expected)} (got ${JSON.stringify(issue.received)})`;
  }
  if (issue.code === "too_small" || issue.code === "too_big") {
    const bound = issue.code === "too_small" ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
    return `${key}: ${issue.message.startsWith("must") ? issue.message : `must be ${bound}`}`;
  }
  return `${key}: ${issue.message}`;
}

/**
 * Validates raw settings and fills in defaults. Throws StackConfigError listing every problem,
 * so an operator fixes them in one pass.
 */
export function parseStackConfig(raw: RawStackConfig, stackName: string): StackConfig {
  const result = stackConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new StackConfigError(result.error.issues.map(describeIssue));
  }
  const config = result.data;
  const problems = crossFieldProblems(config);
  if (problems.length) throw new StackConfigError(problems);
  return { ...config, namePrefix: config.namePrefix ?? `dpg-${stackName}`.toLowerCase().replace(/[^a-z0-9-]/g, "-") };
}

/** The settings this program knows, as top-level keys of the namespace. */
export const CONFIG_KEYS = Object.keys(stackConfigSchema.shape);
