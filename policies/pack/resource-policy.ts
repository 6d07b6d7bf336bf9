// One resource policy per resource rule. Advisory by default; policies/config/prod.json makes blockers mandatory.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { ResourceRule } from "../rules";
import { recordResource } from "./inputs-cache";

export function resourcePolicy(rule: ResourceRule, params: Record<string, unknown>[]): ResourceValidationPolicy {
    return {
        name: rule.name,
        description: rule.description,
        enforcementLevel: "advisory",
        severity: rule.severity === "blocker" ? "critical" : "medium",
        tags: [rule.severity],
        // Not validateResourceOfType: every policy sees every resource so the inputs are recorded for the score.
        validateResource: (args, reportViolation) => {
            recordResource(args);
            if (!rule.types.includes(args.type)) return;
            for (const message of rule.check(args.props, { type: args.type, urn: args.urn, name: args.name, params, focused: false })) {
                reportViolation(message);
            }
        },
    };
}
