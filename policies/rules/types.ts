// Rule shapes shared by the resource policies (one per rule) and the stack evaluator (the score).
import type { Severity } from "../catalog";

/** One declared resource as the evaluator sees it: inputs for resources the pack analysed, else outputs. */
export interface ModelResource {
    type: string;
    urn: string;
    name: string;
    props: any;
    /** Docker daemon address of the provider that manages the resource, when known. */
    providerHost?: string;
}

export interface Model {
    resources: ModelResource[];
}

export interface RuleContext {
    type: string;
    urn: string;
    name: string;
    /** Parameters from the catalog items decided by this rule (dashboard titles, alert patterns, jobs). */
    params: Record<string, unknown>[];
    /** true when one catalog item is evaluated with its own params only. */
    focused: boolean;
    /** The whole declared stack, only during stack evaluation (cross-resource checks). */
    model?: Model;
}

/** Checks the inputs of one resource; returns violation messages, each naming the setting to change. */
export interface ResourceRule {
    kind: "resource";
    name: string;
    description: string;
    severity: Severity;
    types: string[];
    check(props: any, ctx: RuleContext): string[];
    /** Message when no resource of `types` is declared (the item cannot pass then). */
    absent: string;
    /**
     * false: a blocker for the readiness score that prod does not turn into a refused `pulumi up`,
     * because it reports a missing capability (e.g. no Grafana image here) rather than an unsafe
     * setting. Default true.
     */
    enforceInProd?: boolean;
}

/** Decides a fact that needs several resources at once (topology, presence); only used by the score. */
export interface StackRule {
    kind: "stack";
    name: string;
    description: string;
    severity: Severity;
    evaluate(model: Model, ctx: RuleContext): string[];
}

export type Rule = ResourceRule | StackRule;
