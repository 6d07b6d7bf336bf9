// Readiness report: `npm run readiness -- --stack <name>` / `npm run --silent readiness -- --catalog --json`.
import * as fs from "fs";
import * as path from "path";
import { catalog, CATEGORIES, CATEGORY_TITLES } from "../catalog";
import type { Evaluation } from "../pack/readiness-policy";
import { ATTESTATIONS } from "../rules/settings";
import { parseAttestations } from "../score/attestations";
import { EXIT_CODES } from "../score/score";
import { parseArgs, ReportArgs, USAGE } from "./args";
import { parseAnalyzeJson, parsePolicyEvents } from "./events";
import { buildPolicyConfig, environmentFor } from "./policy-config";
import { analyzeWithPack, previewWithPack, stackConfig, stackOutputs } from "./pulumi";
import { applyLive, collectLive } from "../live/collect";
import { NotDeployedError, settingsFrom, targetFrom } from "../live/target";
import { PolicyViolation, renderMarkdown, renderTable, renderWindowText, ReportDocument, reportDocument, ReportExtras } from "./render";
import { renderHtml } from "./html";
import type { BenchRecord, DrillRecord, MeasureName, PitrRecord, RecordFacts } from "../live/judges";
import { promotionsDir, PromotionRecord, readPromotions } from "../promote/record";
import { gatherSuccessWindow, SuccessWindowView } from "../live/success-window";
import { readDay2Drill } from "../live/day2-record";
import { today } from "../score/attestations";

const PACK_DIR = path.resolve(__dirname, "..");
const REPO_ROOT = path.resolve(PACK_DIR, "..");

function printCatalog(json: boolean): number {
    const items = catalog();
    if (json) {
        process.stdout.write(JSON.stringify(items, null, 2) + "\n");
        return 0;
    }
    for (const c of CATEGORIES) {
        process.stdout.write(`\n${CATEGORY_TITLES[c]}\n`);
        for (const i of items.filter((x) => x.category === c))
            process.stdout.write(`  ${i.id.padEnd(12)} ${i.severity.padEnd(8)} ${i.check.padEnd(14)} ${i.ref}\n`);
    }
    return 0;
}

function writeReports(outDir: string, doc: ReportDocument): void {
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "readiness.md"), renderMarkdown(doc, doc.stack, doc.violations, doc.successWindow, doc.day2));
    fs.writeFileSync(path.join(outDir, "readiness.json"), JSON.stringify(doc, null, 2) + "\n");
    fs.writeFileSync(path.join(outDir, "readiness.html"), renderHtml(doc));
}

/** The records the live collector judged, as it read them: the record when it counts, or why none does. */
type Records = NonNullable<ReportExtras["records"]>;
function recordView<R>(facts: unknown): { record?: R; missing?: string } {
    const f = facts as RecordFacts<R>;
    return f.record ? { record: f.record } : { missing: f.missing ?? "no record" };
}

function show(e: Evaluation, json: boolean, stack: string, violations: PolicyViolation[]): number {
    process.stdout.write(json ? JSON.stringify(reportDocument(e, stack, violations), null, 2) + "\n" : renderTable(e, process.stdout.columns ?? 160) + "\n");
    return EXIT_CODES[e.score.status];
}

interface LiveFacts {
    e: Evaluation;
    records: Records;
    successWindow: SuccessWindowView;
}

/** Measures the live items and the 72-hour window when the stack is deployed; otherwise says why they stay unmeasured. */
async function withLiveFacts(e: Evaluation, stack: string, config: Record<string, unknown>, reportsDir: string, promotions: PromotionRecord[], asOf: string): Promise<LiveFacts> {
    let target;
    try {
        target = targetFrom(stack, stackOutputs(stack, REPO_ROOT), settingsFrom(config, stack));
    } catch (err) {
        if (!(err instanceof NotDeployedError)) throw err;
        process.stderr.write(`[live] ${err.message}; live items stay "not measured"\n`);
        const missing = `the stack is not deployed (${err.message})`;
        return { e: { ...e, live: { measuredItems: 0, skipped: err.message } }, records: { drill: { missing }, bench: { missing } }, successWindow: { missing } };
    }
    const records: Records = { drill: { missing: "the drill record could not be read" }, bench: { missing: "the benchmark record could not be read" } };
    let pitr: { record?: PitrRecord; missing?: string } = { missing: "the restore record could not be read" };
    const onFacts = (measure: MeasureName, facts: unknown) => {
        if (measure === "drills") records.drill = recordView<DrillRecord>(facts);
        if (measure === "bench") records.bench = recordView<BenchRecord>(facts);
        if (measure === "pitr") pitr = recordView<PitrRecord>(facts);
    };
    const live = await collectLive(target, catalog(), { reportsDir, log: (l) => process.stderr.write(l + "\n"), onFacts });
    let successWindow: SuccessWindowView;
    const started = Date.now();
    try {
        const window = await gatherSuccessWindow(target, { promotions, drill: records.drill ?? {}, pitr, attestations: parseAttestations(config[ATTESTATIONS]), asOf });
        successWindow = { window };
    } catch (err) {
        successWindow = { missing: `Prometheus range queries failed: ${(err as Error).message.split("\n")[0].slice(0, 300)}` };
    }
    process.stderr.write(`[live] 72-hour window: ${((Date.now() - started) / 1000).toFixed(1)} s${successWindow.missing ? ` — ${successWindow.missing}` : ""}\n`);
    return { e: applyLive(e, live), records, successWindow };
}

async function runStack(a: ReportArgs): Promise<number> {
    const stack = a.stack!;
    const outDir = path.resolve(a.outDir ?? path.join(REPO_ROOT, "reports", stack));
    fs.mkdirSync(outDir, { recursive: true });
    const config = stackConfig(stack, REPO_ROOT);
    const env = environmentFor(stack, config, a.env);
    const reportFile = path.join(outDir, "evaluation.json");
    fs.rmSync(reportFile, { force: true });
    const configFile = path.join(outDir, "policy-config.json");
    fs.writeFileSync(configFile, JSON.stringify(buildPolicyConfig(env, { attestations: parseAttestations(config[ATTESTATIONS]), reportFile, asOf: a.asOf }), null, 2));

    let violations: PolicyViolation[];
    let log: string;
    if (a.engine === "analyze") {
        const r = analyzeWithPack({ stack, cwd: REPO_ROOT, packDir: PACK_DIR, configFile });
        violations = parseAnalyzeJson(r.stdout);
        log = r.stdout + r.stderr;
    } else {
        const eventLog = path.join(outDir, "events.jsonl");
        const r = previewWithPack({ stack, cwd: REPO_ROOT, packDir: PACK_DIR, configFile, eventLog });
        violations = fs.existsSync(eventLog) ? parsePolicyEvents(fs.readFileSync(eventLog, "utf8")) : [];
        log = r.stdout + r.stderr;
        // A mandatory violation fails the preview by design; only a missing evaluation is an error here.
    }
    fs.writeFileSync(path.join(outDir, `${a.engine}.log`), log);
    if (!fs.existsSync(reportFile)) {
        process.stderr.write(`the readiness-score policy wrote no evaluation (${reportFile}); pulumi ${a.engine} output:\n${log.slice(-4000)}\n`);
        return 1;
    }
    let e = JSON.parse(fs.readFileSync(reportFile, "utf8")) as Evaluation;
    const reportsDir = path.join(REPO_ROOT, "reports");
    const promotions = readPromotions(promotionsDir(reportsDir, stack));
    for (const f of promotions.skipped) process.stderr.write(`[report] ${f} under ${promotionsDir(reportsDir, stack)} is not a promotion record; left out of the history\n`);
    let records: Records = { drill: { missing: "live facts not collected (--no-live)" }, bench: { missing: "live facts not collected (--no-live)" } };
    let successWindow: SuccessWindowView = { missing: "live facts not collected (--no-live)" };
    if (a.live) ({ e, records, successWindow } = await withLiveFacts(e, stack, config, reportsDir, promotions.records, a.asOf ?? today()));
    else e = { ...e, live: { measuredItems: 0, skipped: "--no-live" } };
    const day2 = readDay2Drill(reportsDir, stack);
    const doc = reportDocument(e, stack, violations, { attestations: parseAttestations(config[ATTESTATIONS]), records, day2, promotions: promotions.records, successWindow });
    writeReports(outDir, doc);
    const code = show(e, a.json, stack, violations);
    if (!a.json) process.stdout.write(renderWindowText(successWindow, process.stdout.columns ?? 160) + "\n");
    if (!a.json) process.stdout.write(`reports: ${path.relative(process.cwd(), outDir) || "."}/readiness.{md,json,html}\n`);
    return code;
}

export async function main(argv: string[]): Promise<number> {
    let a: ReportArgs;
    try {
        a = parseArgs(argv);
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
        return 1;
    }
    try {
        switch (a.mode) {
            case "catalog":
                return printCatalog(a.json);
            case "render": {
                const doc = JSON.parse(fs.readFileSync(a.evaluationFile!, "utf8"));
                const e = doc as Evaluation;
                const stack = doc.stack ?? path.basename(a.evaluationFile!);
                if (a.htmlFile) {
                    fs.writeFileSync(a.htmlFile, renderHtml({ ...doc, stack, violations: doc.violations ?? [] }));
                    process.stderr.write(`html: ${a.htmlFile}\n`);
                }
                return show(e, a.json, stack, doc.violations ?? []);
            }
            case "stack":
                return await runStack(a);
            default:
                process.stdout.write(USAGE + "\n");
                return 1;
        }
    } catch (e) {
        process.stderr.write(`readiness: ${(e as Error).message}\n`);
        return 1;
    }
}

if (require.main === module) {
    // `readiness --catalog | head` closes stdout early; that is not an error.
    process.stdout.on("error", (e: NodeJS.ErrnoException) => process.exit(e.code === "EPIPE" ? 0 : 1));
    main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
