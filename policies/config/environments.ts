// Enforcement per environment (issue 4): prod makes every blocker resource policy mandatory, so `pulumi up`
// refuses an unsafe prod config before creating anything; dev keeps everything advisory.
import { RESOURCE_RULES } from "../rules";
import { READINESS_POLICY } from "../pack/readiness-policy";

export type Environment = "dev" | "prod";
export const ENVIRONMENTS: Environment[] = ["dev", "prod"];

export function policyConfigFor(env: Environment): Record<string, unknown> {
    const config: Record<string, unknown> = { all: "advisory" };
    if (env === "prod") {
        for (const rule of RESOURCE_RULES) if (rule.severity === "blocker" && rule.enforceInProd !== false) config[rule.name] = "mandatory";
    }
    config[READINESS_POLICY] = { enforcementLevel: "advisory", environment: env };
    return config;
}
