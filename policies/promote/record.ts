// The promotion record: what `npm run promote` writes under reports/<to>/promotions/ and what the readiness
// report's history shows. One file per attempt (refused ones too), named after its time, so the history is
// the directory listing and nothing is ever rewritten.
import * as fs from "fs";
import * as path from "path";

export interface GateResult {
    name: string;
    ok: boolean;
    detail: string;
}

export interface PromotedImage {
    /** The image's role in the stack (patroni, etcd, haproxy, ...). */
    name: string;
    /** Local image id (sha256:…) the source stack's containers run. */
    id: string;
    /** Registry digest, when the image was pushed somewhere (none for locally built images). */
    digest?: string;
}

export interface PromotionRecord {
    from: string;
    to: string;
    /** ISO time the promotion started. */
    at: string;
    /** Who ran it (the operator's login name). */
    by: string;
    images: PromotedImage[];
    gates: GateResult[];
    result: "promoted" | "refused" | "failed" | "rolled-back";
    /** Wall time of gates + up, seconds. */
    seconds: number;
    detail?: string;
    /** The target's settings (its Pulumi.<to>.yaml `config`, secrets as ciphertext) as applied: what a rollback re-applies. */
    settings?: Record<string, unknown>;
}

export const promotionsDir = (reportsDir: string, stack: string) => path.join(reportsDir, stack, "promotions");

/** Every promotion record of a stack, newest first; unreadable files are skipped with their name in `skipped`. */
export function readPromotions(dir: string): { records: PromotionRecord[]; skipped: string[] } {
    if (!fs.existsSync(dir)) return { records: [], skipped: [] };
    const records: PromotionRecord[] = [];
    const skipped: string[] = [];
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(".json")).sort()) {
        try {
            const r = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as PromotionRecord;
            if (typeof r.from !== "string" || typeof r.to !== "string" || typeof r.at !== "string" || !Array.isArray(r.gates)) throw new Error("not a promotion record");
            records.push(r);
        } catch {
            skipped.push(f);
        }
    }
    return { records: records.sort((a, b) => b.at.localeCompare(a.at)), skipped };
}

/** Writes one record; the file name sorts by time and never collides with an earlier attempt's. */
export function writePromotion(reportsDir: string, record: PromotionRecord): string {
    const dir = promotionsDir(reportsDir, record.to);
    fs.mkdirSync(dir, { recursive: true });
    const base = `${record.at.replace(/[:.]/g, "-")}-${record.from}`;
    let file = path.join(dir, `${base}.json`);
    for (let n = 2; fs.existsSync(file) && n < 1000; n++) file = path.join(dir, `${base}-${n}.json`);
    fs.writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
    return file;
}
