// The readiness catalog: one YAML file per seed category, read by the policies, the score and the report.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export const CATEGORIES = [
    "infrastructure",
    "database",
    "security",
    "monitoring",
    "performance",
    "high-availability",
] as const;
export type Category = (typeof CATEGORIES)[number];

// critical → blocker, recommended → advisory (000: "100% of critical requirements", "≥90% of recommended").
export type Severity = "blocker" | "advisory";
export type CheckKind = "static" | "live" | "attested" | "not-applicable";
// Pre-launch checklist phases of 000. Launch-day and post-launch items cannot be true before the launch
// the readiness check gates, so they are tracked but left out of the score.
export type Phase = "week-before" | "days-before" | "launch-day" | "post-launch";
const UNSCORED_PHASES: readonly Phase[] = ["launch-day", "post-launch"];

/** Seed codes used in the YAML files → the seed file names the catalog reports as `source`. */
export const SOURCES: Record<string, string> = {
    "000": "000_5d7722246cd72b20.txt",
    "001": "001_a5368bf83c930327.txt",
    "002": "002_cdffec3e655a19d3.txt",
    "003": "003_6f9ebe6eaed1cd6e.txt",
};

export interface CatalogItem {
    id: string;
    category: Category;
    severity: Severity;
    source: string;
    ref: string;
    check: CheckKind;
    section?: string;
    /** static: the rules (resource policies or stack evaluators) that must all pass. */
    decidedBy?: string[];
    /** static: item-specific parameters for its rules (a dashboard title, an alert pattern, a scrape job). */
    params?: Record<string, unknown>;
    /** live: what the live collector measures. */
    probe?: string;
    /** live: the live collector's measurement that decides it (policies/live/judges.ts); absent = not collected yet. */
    measuredBy?: string;
    /** live: static rules that must pass for the live fact to be possible at all (fail early, with evidence). */
    preconditions?: string[];
    /** not-applicable: one-line reason. */
    reason?: string;
    /** 000 requirement(s) this item restates; a 001/003 blocker must relate to a 000 blocker or give severityReason. */
    relates?: string[];
    severityReason?: string;
    phase?: Phase;
    /** false for items that are tracked but not counted in the score. */
    scored: boolean;
    unscoredReason?: string;
    note?: string;
}

const CATALOG_DIR = __dirname;

function fail(file: string, id: unknown, msg: string): never {
    throw new Error(`catalog ${path.basename(file)} item ${String(id)}: ${msg}`);
}

function toItem(raw: any, category: Category, file: string): CatalogItem {
    const id = raw?.id;
    if (typeof id !== "string" || !/^\d{3}-[A-Z]+-\d{2}$/.test(id)) fail(file, id, "id must look like 001-INF-01");
    const source = SOURCES[String(raw.source)];
    if (!source) fail(file, id, `unknown source ${raw.source}`);
    if (typeof raw.ref !== "string" || raw.ref.trim() === "") fail(file, id, "ref is required");
    if (raw.severity !== "blocker" && raw.severity !== "advisory") fail(file, id, "severity must be blocker|advisory");
    const check = raw.check as CheckKind;
    if (check === "static" && !(Array.isArray(raw.decidedBy) && raw.decidedBy.length > 0))
        fail(file, id, "a static item names the rules that decide it (decidedBy)");
    if (check === "live" && typeof raw.probe !== "string") fail(file, id, "a live item says what is measured (probe)");
    if (raw.measuredBy !== undefined && check !== "live") fail(file, id, "only a live item is measuredBy the collector");
    if (check === "not-applicable" && typeof raw.reason !== "string") fail(file, id, "a not-applicable item needs a reason");
    if (!["static", "live", "attested", "not-applicable"].includes(check)) fail(file, id, `unknown check kind ${check}`);
    const phase = raw.phase as Phase | undefined;
    const unscored = phase !== undefined && UNSCORED_PHASES.includes(phase);
    return {
        id,
        category,
        severity: raw.severity,
        source,
        ref: raw.ref,
        check,
        ...(raw.section ? { section: raw.section } : {}),
        ...(raw.decidedBy ? { decidedBy: raw.decidedBy } : {}),
        ...(raw.params ? { params: raw.params } : {}),
        ...(raw.probe ? { probe: raw.probe } : {}),
        ...(raw.measuredBy ? { measuredBy: raw.measuredBy } : {}),
        ...(raw.preconditions ? { preconditions: raw.preconditions } : {}),
        ...(raw.reason ? { reason: raw.reason } : {}),
        ...(raw.relates ? { relates: raw.relates } : {}),
        ...(raw.severityReason ? { severityReason: raw.severityReason } : {}),
        ...(phase ? { phase } : {}),
        scored: check !== "not-applicable" && !unscored,
        ...(unscored ? { unscoredReason: `${phase} item: cannot be true before the launch this check gates` } : {}),
        ...(raw.note ? { note: raw.note } : {}),
    };
}

/** Reads and validates every catalog file; throws on malformed data or duplicate ids. */
export function loadCatalog(dir: string = CATALOG_DIR): CatalogItem[] {
    const items: CatalogItem[] = [];
    for (const category of CATEGORIES) {
        const file = path.join(dir, `${category}.yaml`);
        const doc = parse(fs.readFileSync(file, "utf8"));
        if (doc?.category !== category) throw new Error(`catalog ${file}: category must be ${category}`);
        for (const raw of doc.items ?? []) items.push(toItem(raw, category, file));
    }
    const seen = new Set<string>();
    for (const item of items) {
        if (seen.has(item.id)) throw new Error(`catalog: duplicate id ${item.id}`);
        seen.add(item.id);
    }
    return items.sort((a, b) => a.id.localeCompare(b.id));
}

export const CATEGORY_TITLES: Record<Category, string> = {
    infrastructure: "Infrastructure",
    database: "Database Configuration",
    security: "Security & Hardening",
    monitoring: "Monitoring & Observability",
    performance: "Performance & Capacity",
    "high-availability": "High Availability & Failover",
};

let cached: CatalogItem[] | undefined;
/** The catalog shipped with the pack, loaded once per process. */
export function catalog(): CatalogItem[] {
    return (cached ??= loadCatalog());
}
