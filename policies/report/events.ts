// Policy events from `pulumi preview --event-log <file>` (one JSON engine event per line). `--json` output
// leaves policy events out (display/json.go), so the event log is the CLI-level source of them.
import type { PolicyViolation } from "./render";

export function parsePolicyEvents(eventLog: string): PolicyViolation[] {
    const out: PolicyViolation[] = [];
    for (const line of eventLog.split("\n")) {
        if (!line.trim().startsWith("{")) continue;
        try {
            const e = JSON.parse(line).policyEvent;
            if (e && typeof e.policyName === "string")
                out.push({ policyName: e.policyName, enforcementLevel: e.enforcementLevel ?? "", resourceUrn: e.resourceUrn || undefined, message: String(e.message ?? "") });
        } catch {
            // a torn last line while the engine is still writing; ignore
        }
    }
    return out;
}

/** Policy violations from `pulumi policy analyze --json` (shape not pinned: any object with policyName + message). */
export function parseAnalyzeJson(stdout: string): PolicyViolation[] {
    const out: PolicyViolation[] = [];
    const walk = (v: unknown) => {
        if (Array.isArray(v)) return v.forEach(walk);
        if (v && typeof v === "object") {
            const o = v as Record<string, any>;
            if (typeof o.policyName === "string" && typeof o.message === "string")
                out.push({ policyName: o.policyName, enforcementLevel: String(o.enforcementLevel ?? ""), resourceUrn: o.urn ?? o.resourceUrn, message: o.message });
            else Object.values(o).forEach(walk);
        }
    };
    try {
        walk(JSON.parse(stdout));
    } catch {
        /* not JSON: nothing to add, the evaluation file still carries every item */
    }
    return out;
}
