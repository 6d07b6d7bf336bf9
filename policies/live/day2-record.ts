// The day-2 drill's record (`npm run drill:day2`, reports/<stack>/day2-drill.json): per kind of change
// applied by `pulumi up` under a writer and a reader, what it cost them. The report shows it and judges
// each row against issue 9's goals: a reload fails no write; a restart, new image, new memory limit, new
// files or a certificate rotation keeps the largest write gap within 5 s (autobase documents 5–10 s);
// a scale out or in has no outage (no failed write, gap within 1 s); nothing acknowledged is ever lost.
import * as fs from "fs";
import * as path from "path";

/** The kinds of change the drill knows (its --only keys). */
export const DAY2_KINDS = ["none", "reload", "restart", "memory", "files", "scale", "etcd", "image", "certs"] as const;
export type Day2Kind = (typeof DAY2_KINDS)[number];

export interface Day2DrillRow {
    /** What changed, as the operator reads it. */
    kind: string;
    /** The drill's key for it (records before keys were kept have none: their goal is not judged). */
    key?: Day2Kind;
    /** The measurement of a change's revert. */
    revert?: boolean;
    attempted: number;
    failed: number;
    writeGapSeconds: number;
    lost: number;
    reads: number;
    readErrors: number;
    upSeconds: number;
    upOk: boolean;
}

export interface Day2DrillRecord {
    stack: string;
    at: string;
    seconds: number;
    rows: Day2DrillRow[];
}

export interface Day2Goal {
    maxGapSeconds?: number;
    maxFailed?: number;
    text: string;
}

const GOALS: Record<Day2Kind, Day2Goal> = {
    none: { maxFailed: 0, text: "no failed write" },
    reload: { maxFailed: 0, text: "no failed write" },
    restart: { maxGapSeconds: 5, text: "write gap ≤ 5 s" },
    memory: { maxGapSeconds: 5, text: "write gap ≤ 5 s" },
    files: { maxGapSeconds: 5, text: "write gap ≤ 5 s" },
    image: { maxGapSeconds: 5, text: "write gap ≤ 5 s" },
    certs: { maxGapSeconds: 5, text: "write gap ≤ 5 s" },
    scale: { maxGapSeconds: 1, maxFailed: 0, text: "no outage: no failed write, gap ≤ 1 s" },
    etcd: { maxGapSeconds: 1, maxFailed: 0, text: "no outage: no failed write, gap ≤ 1 s" },
};

/** A row against its goal; every row must also have completed its `pulumi up` and lost nothing. */
export function judgeDay2Row(row: Day2DrillRow): { ok: boolean; goal: string; why: string[] } {
    const goal = row.key ? GOALS[row.key] : undefined;
    const why: string[] = [];
    if (!row.upOk) why.push("pulumi up failed");
    if (row.lost > 0) why.push(`${row.lost} acknowledged write(s) lost`);
    if (goal?.maxFailed !== undefined && row.failed > goal.maxFailed) why.push(`${row.failed} failed write(s)`);
    if (goal?.maxGapSeconds !== undefined && row.writeGapSeconds > goal.maxGapSeconds) why.push(`write gap ${row.writeGapSeconds} s`);
    return { ok: why.length === 0, goal: ["nothing lost", ...(goal ? [goal.text] : [])].join("; "), why };
}

/** The stack's record, or why there is none to show. */
export function readDay2Drill(reportsDir: string, stack: string): { record?: Day2DrillRecord; missing?: string } {
    const file = path.join(reportsDir, stack, "day2-drill.json");
    const run = `run: npm run drill:day2 -- --stack ${stack}`;
    if (!fs.existsSync(file)) return { missing: `no day-2 drill recorded for ${stack}; ${run}` };
    try {
        const r = JSON.parse(fs.readFileSync(file, "utf8")) as Day2DrillRecord;
        const valid = (x: Day2DrillRow) => typeof x?.kind === "string" && [x.attempted, x.failed, x.writeGapSeconds, x.lost, x.upSeconds].every((n) => typeof n === "number") && typeof x.upOk === "boolean";
        if (typeof r?.at !== "string" || !Array.isArray(r.rows) || r.rows.length === 0 || !r.rows.every(valid)) return { missing: `${file} is not a day-2 drill record; ${run}` };
        return { record: r };
    } catch (e) {
        return { missing: `${file} could not be read (${(e as Error).message}); ${run}` };
    }
}
