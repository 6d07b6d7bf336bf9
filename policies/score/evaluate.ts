// Decides every catalog item against the declared stack: static by its rules, live as "not measured" (the report's live collector decides them later)
// (unless a precondition already fails), attested from the attestations, not-applicable with its reason.
import { CatalogItem } from "../catalog";
import { Model, Rule, RuleContext, ruleByName } from "../rules";
import { checkAttestation } from "./attestations";
import { ItemStatus } from "./score";

export interface ItemResult {
    id: string;
    category: CatalogItem["category"];
    severity: CatalogItem["severity"];
    source: string;
    ref: string;
    check: CatalogItem["check"];
    scored: boolean;
    status: ItemStatus;
    evidence: string;
}

/** Params of every catalog item a rule decides (what the resource policy checks for all items at once). */
export function paramsFor(ruleName: string, items: CatalogItem[]): Record<string, unknown>[] {
    return items.filter((i) => i.decidedBy?.includes(ruleName) && i.params).map((i) => i.params!);
}

/** Violation messages of one rule over the model; a resource rule with nothing to check fails with `absent`. */
export function runRule(rule: Rule, model: Model, params: Record<string, unknown>[], focused: boolean): string[] {
    const base = { params, focused, model };
    if (rule.kind === "stack") return rule.evaluate(model, { ...base, type: "", urn: "", name: "stack" });
    const targets = model.resources.filter((r) => rule.types.includes(r.type));
    if (targets.length === 0) return [rule.absent];
    return targets.flatMap((r) =>
        isBlankComponent(r.type, r.props)
            ? [`${r.type} ${r.name} exposes no spec to policies (component inputs need @pulumi/pulumi ≥ 3.202 in the program, without PULUMI_NODEJS_SKIP_COMPONENT_INPUTS)`]
            : rule.check(r.props, { ...base, type: r.type, urn: r.urn, name: r.name } as RuleContext),
    );
}

/** A dpg component whose spec never reached the pack: say so instead of judging empty props. */
function isBlankComponent(type: string, props: unknown): boolean {
    return type.startsWith("dpg:") && (props === undefined || props === null || (typeof props === "object" && Object.keys(props as object).length === 0));
}

type Outcome = { status: ItemStatus; evidence: string };

function rulesOutcome(names: string[], item: CatalogItem, items: CatalogItem[], model: Model): Outcome {
    const failures: string[] = [];
    for (const name of names) {
        const rule = ruleByName(name);
        if (!rule) return { status: "fail", evidence: `catalog names unknown rule ${name}` };
        const focused = item.params !== undefined;
        try {
            failures.push(...runRule(rule, model, focused ? [item.params!] : paramsFor(name, items), focused).map((m) => `${name}: ${m}`));
        } catch (e) {
            // Preview unknowns (UnknownValueError) and malformed props: undecided, never a pass.
            return { status: "unknown", evidence: `${name} could not be decided: ${(e as Error).message}` };
        }
    }
    return failures.length === 0 ? { status: "pass", evidence: `${names.join(", ")}: ok` } : { status: "fail", evidence: failures.join(" | ") };
}

function decide(item: CatalogItem, items: CatalogItem[], model: Model, attestations: Record<string, unknown>, asOf: string): Outcome {
    switch (item.check) {
        case "static":
            return rulesOutcome(item.decidedBy ?? [], item, items, model);
        case "live": {
            if (item.preconditions?.length) {
                const pre = rulesOutcome(item.preconditions, { ...item, params: undefined }, items, model);
                if (pre.status !== "pass") return { status: pre.status, evidence: `precondition fails: ${pre.evidence}` };
            }
            return item.measuredBy
                ? { status: "not-measured", evidence: `not measured at preview; the report's live collector measures it on the deployed stack: ${item.probe}` }
                : { status: "not-measured", evidence: `not collected yet (no live measurement for it): ${item.probe}` };
        }
        case "attested":
            return checkAttestation(item.id, attestations[item.id], asOf);
        case "not-applicable":
            return { status: "not-applicable", evidence: item.reason ?? "" };
    }
}

export function evaluateCatalog(
    items: CatalogItem[],
    model: Model,
    opts: { attestations: Record<string, unknown>; asOf: string },
): ItemResult[] {
    return items.map((item) => {
        const { status, evidence } = decide(item, items, model, opts.attestations, opts.asOf);
        return {
            id: item.id,
            category: item.category,
            severity: item.severity,
            source: item.source,
            ref: item.ref,
            check: item.check,
            scored: item.scored,
            status,
            evidence,
        };
    });
}
