// Reads the checklists straight from the seed files, so the catalog tests fail when the catalog drifts from them.
import * as fs from "fs";
import * as path from "path";

/** shared/ sits beside the repository (locally and in CI); DPG_SEEDS_DIR overrides. */
export const SEEDS_DIR = process.env.DPG_SEEDS_DIR ?? path.resolve(__dirname, "../../../../shared/seeds");

export function seedFile(prefix: string): { name: string; text: string } {
    const name = fs.readdirSync(SEEDS_DIR).find((f) => f.startsWith(`${prefix}_`) && f.endsWith(".txt"));
    if (!name) throw new Error(`no seed ${prefix}_*.txt in ${SEEDS_DIR}`);
    return { name, text: fs.readFileSync(path.join(SEEDS_DIR, name), "utf8") };
}

const SEED_CATEGORY: Record<string, string> = {
    Infrastructure: "infrastructure",
    "Database Configuration": "database",
    "Security & Hardening": "security",
    "Monitoring & Observability": "monitoring",
    "Performance & Capacity": "performance",
    "High Availability & Failover": "high-availability",
};

/** The 77-item checklist of 001: "### <Category> (N items)" headings, "- [ ] <item>" lines. */
export function checklist001(): { ref: string; category: string; declared: number }[] {
    const { text } = seedFile("001");
    const start = text.indexOf("## Production Readiness Checklist");
    const end = text.indexOf("\n## ", start + 1);
    const out: { ref: string; category: string; declared: number }[] = [];
    let category = "";
    let declared = 0;
    for (const line of text.slice(start, end).split("\n")) {
        const h = /^### (.+) \((\d+) items\)$/.exec(line.trim());
        if (h) {
            category = SEED_CATEGORY[h[1]] ?? `unknown:${h[1]}`;
            declared = Number(h[2]);
        }
        const item = /^- \[ \] (.+)$/.exec(line.trim());
        if (item) out.push({ ref: item[1], category, declared });
    }
    return out;
}

/** 000's critical requirements, recommended items and pre-launch checklist, with the severity the seed implies. */
export function requirements000(): { ref: string; kind: "critical" | "recommended" | "pre-launch" }[] {
    const { text } = seedFile("000");
    const out: { ref: string; kind: "critical" | "recommended" | "pre-launch" }[] = [];
    let section: "critical" | "recommended" | "pre-launch" | "other" = "other";
    let inList = false; // inside a "**Requirements**:" / "**Required dashboards**:" / "**Critical alerts**:" list
    let inCode = false;
    const strip = (s: string) => s.replace(/\*\*/g, "");
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (line.startsWith("```")) inCode = !inCode;
        if (inCode) continue;
        if (/^### ✅ Critical Requirements/.test(line)) section = "critical";
        else if (/^### 🟡 Recommended Requirements/.test(line)) section = "recommended";
        else if (/^## Pre-Launch Checklist/.test(line)) section = "pre-launch";
        else if (/^## /.test(line)) section = "other";
        if (section === "other") continue;
        const req = /^\*\*Requirement\*\*: (.+)$/.exec(line);
        if (req && section === "critical") out.push({ ref: strip(req[1]), kind: "critical" });
        if (/^\*\*(Requirements|Required dashboards|Critical alerts)\*\*:$/.test(line)) {
            inList = true;
            continue;
        }
        if (line === "") inList = false;
        const bullet = /^- (?!\[)(.+)$/.exec(line);
        if (bullet && inList && section === "critical") out.push({ ref: strip(bullet[1]), kind: "critical" });
        else if (bullet && section === "recommended") out.push({ ref: strip(bullet[1]), kind: "recommended" });
        const box = /^- \[ \] (.+)$/.exec(line);
        if (box && section === "pre-launch") out.push({ ref: box[1], kind: "pre-launch" });
    }
    return out;
}

/** Every "- [ ]" line of 003 (the applicable subset must come from here). */
export function checklist003(): string[] {
    const { text } = seedFile("003");
    return text.split("\n").map((l) => /^- \[ \] (.+)$/.exec(l.trim())?.[1]).filter((x): x is string => !!x);
}
