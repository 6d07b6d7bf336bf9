// The --policy-pack-config file for one run: the environment's levels plus what only the report knows
// (the stack's attestations, where to write the evaluation, the evaluation date).
import { Environment, policyConfigFor } from "../config/environments";
import { READINESS_POLICY } from "../pack/readiness-policy";

export function buildPolicyConfig(env: Environment, opts: { attestations: Record<string, unknown>; reportFile: string; asOf?: string }) {
    const config = policyConfigFor(env);
    config[READINESS_POLICY] = {
        ...(config[READINESS_POLICY] as object),
        attestations: opts.attestations,
        reportFile: opts.reportFile,
        ...(opts.asOf ? { asOf: opts.asOf } : {}),
    };
    return config;
}

/** prod when the stack config says so (dpg-cluster:environment) or the stack name contains "prod". */
export function environmentFor(stack: string, stackConfig: Record<string, unknown>, explicit?: Environment): Environment {
    if (explicit) return explicit;
    const fromConfig = stackConfig["dpg-cluster:environment"];
    if (fromConfig === "prod" || fromConfig === "dev") return fromConfig;
    return /prod/i.test(stack) ? "prod" : "dev";
}
