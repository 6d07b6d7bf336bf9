// Stack policies get OUTPUTS, and a component's outputs are only what it registers, not its spec.
// Resource policies get INPUTS (since Pulumi 3.202 a component's args), and run in the same policy process
// before the stack policy, so they record each resource here and the score reads the spec from the record.
import { ModelResource } from "../rules";

const byUrn = new Map<string, ModelResource>();

export interface RecordableArgs {
    type: string;
    urn: string;
    name: string;
    props: any;
    provider?: { props: any };
}

function providerHost(provider: RecordableArgs["provider"]): string | undefined {
    try {
        const host = provider?.props?.host;
        return typeof host === "string" && host !== "" ? host : undefined;
    } catch {
        return undefined; // unknown during preview
    }
}

export function recordResource(args: RecordableArgs): void {
    byUrn.set(args.urn, { type: args.type, urn: args.urn, name: args.name, props: args.props, providerHost: providerHost(args.provider) });
}

/** The model of the stack: recorded inputs where the pack saw the resource, else the stack policy's outputs. */
export function buildModel(resources: readonly RecordableArgs[]): { resources: ModelResource[] } {
    return {
        resources: resources.map((r) => {
            const seen = byUrn.get(r.urn);
            return seen
                ? { ...seen, providerHost: seen.providerHost ?? providerHost(r.provider) }
                : { type: r.type, urn: r.urn, name: r.name, props: r.props, providerHost: providerHost(r.provider) };
        }),
    };
}

/** For tests: forget what was recorded. */
export function clearRecorded(): void {
    byUrn.clear();
}
