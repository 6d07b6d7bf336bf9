// Args factories for calling policies directly, with the 1.21 fields (stackTags, notApplicable).
import type { ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "../../../policies/pack/testing";
import { FixtureResource } from "./fixture";

export class NotApplicable extends Error {}

export function resourceArgs(r: FixtureResource, props: any = r.props): ResourceValidationArgs {
    return {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        provider: r.provider,
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T>() => ({}) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    } as unknown as ResourceValidationArgs;
}

/** Runs one resource policy on one resource; returns the reported messages. */
export async function runResourcePolicy(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<string[]> {
    const messages: string[] = [];
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    for (const v of validations) await v(args, (m: string) => messages.push(m));
    return messages;
}

/** Runs a resource policy over a whole stack, as the engine does resource by resource. */
export async function runOverStack(policy: ResourceValidationPolicy, cluster: FixtureResource[]): Promise<string[]> {
    const out: string[] = [];
    for (const r of cluster) out.push(...(await runResourcePolicy(policy, resourceArgs(r))));
    return out;
}

export function stackArgs(resources: FixtureResource[], config: Record<string, unknown>): StackValidationArgs {
    return {
        resources: resources.map((r) => ({
            type: r.type,
            props: r.props,
            urn: r.urn,
            name: r.name,
            opts: {},
            provider: r.provider,
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
        })),
        stackTags: new Map(),
        getConfig: <T>() => config as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    } as unknown as StackValidationArgs;
}

export async function runStackPolicy(policy: StackValidationPolicy, args: StackValidationArgs): Promise<string[]> {
    const messages: string[] = [];
    await policy.validateStack(args, (m: string) => messages.push(m));
    return messages;
}
