// The pack's policy list: one resource policy per resource rule, plus the readiness score.
import { Policies } from "@pulumi/policy";
import { catalog } from "../catalog";
import { RESOURCE_RULES } from "../rules";
import { paramsFor } from "../score/evaluate";
import { resourcePolicy } from "./resource-policy";
import { readinessScorePolicy } from "./readiness-policy";

export function allPolicies(): Policies {
    const items = catalog();
    return [...RESOURCE_RULES.map((r) => resourcePolicy(r, paramsFor(r.name, items))), readinessScorePolicy()];
}
