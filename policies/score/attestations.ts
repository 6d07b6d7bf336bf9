// Attested items: stack config `dpg-cluster:attestations` = { <item id>: { owner, date, expires, evidence? } }.
// An entry passes while today is within [date, expires]; expired, future-dated or malformed entries fail.
import { ATTESTATIONS } from "../rules/settings";

export interface Attestation {
    owner: string;
    date: string;
    expires: string;
    evidence?: string;
}

/**
 * Attestation ids beyond the catalog: the seeds' 72-hour success criteria no metric shows (001 "Success
 * Criteria"), judged in the report's 72-hour section (policies/live/success-window.ts), not scored.
 */
export const WINDOW_ATTESTATIONS = [
    { id: "72H-SECURITY", criterion: "No security incidents", what: "no security incident in the 72 h window" },
    { id: "72H-COST", criterion: "Cost within 10% of projections", what: "the window's cost within 10 % of the projection" },
] as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (s: unknown): s is string => typeof s === "string" && DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

/**
 * An unquoted `date: 2026-01-01` in Pulumi.<stack>.yaml is a YAML timestamp: the engine hands it over as
 * "2026-01-01 00:00:00 +0000 UTC". Both that and "2026-01-01T00:00:00Z" mean the day itself.
 */
export function yamlDay(value: unknown): unknown {
    if (typeof value !== "string") return value;
    const m = /^(\d{4}-\d{2}-\d{2})(?:[ T]00:00:00(?:Z| \+0000 UTC)?)$/.exec(value.trim());
    return m ? m[1] : value;
}

/** Accepts the map as an object, or as the JSON string Pulumi stores for structured config values. */
export function parseAttestations(raw: unknown): Record<string, unknown> {
    if (raw === undefined || raw === null || raw === "") return {};
    if (typeof raw === "string") {
        try {
            return parseAttestations(JSON.parse(raw));
        } catch {
            return {};
        }
    }
    return typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
}

/** Attestations from the stack config the engine hands to the policy process (PULUMI_CONFIG, undocumented). */
export function attestationsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
    try {
        const cfg = JSON.parse(env.PULUMI_CONFIG ?? "{}");
        return parseAttestations(cfg[ATTESTATIONS]);
    } catch {
        return {};
    }
}

export function checkAttestation(id: string, entry: unknown, asOf: string): { status: "pass" | "fail"; evidence: string } {
    const how = `add ${ATTESTATIONS} "${id}" {owner, date, expires[, evidence]} (pulumi config set --path 'attestations["${id}"].owner' <name> ...)`;
    if (entry === undefined) return { status: "fail", evidence: `not attested; ${how}` };
    const a = typeof entry === "object" && entry !== null ? { ...(entry as Partial<Attestation>) } : (entry as Partial<Attestation>);
    if (typeof a === "object" && a !== null) {
        a.date = yamlDay(a.date) as string;
        a.expires = yamlDay(a.expires) as string;
    }
    if (typeof a !== "object" || a === null || typeof a.owner !== "string" || a.owner.trim() === "")
        return { status: "fail", evidence: `attestation has no owner; ${how}` };
    if (!validDate(a.date) || !validDate(a.expires))
        return { status: "fail", evidence: `attestation dates must be YYYY-MM-DD (date "${a.date}", expires "${a.expires}")` };
    if (a.date > asOf) return { status: "fail", evidence: `attestation by ${a.owner} is dated in the future (${a.date})` };
    if (a.expires < asOf) return { status: "fail", evidence: `attestation by ${a.owner} expired on ${a.expires}; renew it` };
    const evidence = a.evidence ? `; evidence: ${a.evidence}` : "";
    return { status: "pass", evidence: `attested by ${a.owner} on ${a.date}, expires ${a.expires}${evidence}` };
}

export function today(): string {
    return new Date().toISOString().slice(0, 10);
}
