// `npm run promote -- --from dev --to prod [--yes]` and `npm run promote -- --rollback --to prod [--yes]`.
//
// Promote: the source's drill and bench records must be fresh and passing, its readiness report must have no
// failing blocker beyond those that depend on the environment, and the target's preview with the pack must be
// clean; the target then runs exactly the source's images (dpg-cluster:images.fromStack, a StackReference to
// the source's imageIds output: no rebuild). Prints the diff, asks (or --yes), runs `pulumi up`, the target's
// readiness report, writes a promotion record, then watches the target's Alertmanager for
// dpg-cluster:promotion.watchMinutes and rolls back by itself when a `rollback_trigger` alert starts.
// Rollback re-applies the settings and image ids of the promotion before the newest one.
//
// Exit codes: 0 promoted (or rolled back on request), 1 refused or failed (nothing changed when refused),
// 3 promoted, then rolled back because a rollback trigger fired.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { spawnSync } from "child_process";
import { parseDocument } from "yaml";
import { MONITORING_PORTS } from "../../components/monitoring/render";
import { IMAGE_IDS_OUTPUT } from "../../components/target/images";
import { StackConfig } from "../../infra/config";
import { patroniMembers, recordFile, systemIdentifier } from "../live/gather";
import { dockerOk, memberExec, docker } from "../live/sources";
import { LiveTarget, settingsFrom, targetFrom } from "../live/target";
import { stackConfig, stackOutputs } from "../report/pulumi";
import { AmAlert, firedTriggers, previewGate, previousPromotion, readinessGate, recordGate, ReportItem } from "./gates";
import { GateResult, PromotedImage, promotionsDir, PromotionRecord, readPromotions, writePromotion } from "./record";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const REPORTS = path.join(REPO_ROOT, "reports");
const NS = "dpg-cluster";
const WATCH_POLL_MS = 10_000;

const USAGE = `usage:
  promote --from <stack> --to <stack> [--yes]   gates, diff, pulumi up of <to> with <from>'s images, report, record, watch
  promote --rollback --to <stack> [--yes]       re-apply the settings and images of the promotion before the newest one
exit codes: 0 done, 1 refused or failed, 3 promoted then rolled back by a rollback trigger`;

class Refusal extends Error {}

const out = (s: string) => process.stdout.write(s + "\n");
const since = (t0: number) => (Date.now() - t0) / 1000;

interface Args {
    from?: string;
    to?: string;
    rollback: boolean;
    yes: boolean;
}

export function parseArgs(argv: string[]): Args {
    const a: Args = { rollback: false, yes: false };
    for (let i = 0; i < argv.length; i++) {
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new Refusal(`${argv[i - 1]} needs a stack name`);
            return v;
        };
        switch (argv[i]) {
            case "--from": a.from = value(); break;
            case "--to": a.to = value(); break;
            case "--rollback": a.rollback = true; break;
            case "--yes": a.yes = true; break;
            default: throw new Refusal(`unknown argument ${argv[i]}`);
        }
    }
    if (!a.to) throw new Refusal("--to <stack> is required");
    if (a.rollback && a.from) throw new Refusal("--rollback takes --to only: it restores the target's previous promotion");
    if (!a.rollback && !a.from) throw new Refusal("--from <stack> is required (or --rollback)");
    if (a.from === a.to) throw new Refusal(`--from and --to are both ${a.to}: promote between two stacks`);
    return a;
}

function pulumi(args: string[], opts: { inherit?: boolean } = {}): { status: number; output: string } {
    const r = spawnSync("pulumi", [...args, "--non-interactive"], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", opts.inherit ? "inherit" : "pipe", opts.inherit ? "inherit" : "pipe"] });
    if (r.error) throw new Error(`cannot run pulumi: ${r.error.message}`);
    return { status: r.status ?? 1, output: (r.stdout ?? "") + (r.stderr ?? "") };
}

/** A stack's validated settings; an unknown stack or a bad setting is refused naming the flag. */
function openSettings(stack: string, flag: string): { raw: Record<string, unknown>; config: StackConfig } {
    const file = stackFile(stack);
    if (!fs.existsSync(file)) throw new Refusal(`${flag} ${stack}: no stack file ${path.relative(process.cwd(), file)}; create the stack (npm run up -- ${stack}) or name an existing one`);
    let raw: Record<string, unknown>;
    try {
        raw = stackConfig(stack, REPO_ROOT);
    } catch (e) {
        throw new Refusal(`${flag} ${stack}: ${(e as Error).message.split("\n")[0]}; check \`pulumi stack ls\` and the passphrase (PULUMI_CONFIG_PASSPHRASE)`);
    }
    try {
        return { raw, config: settingsFrom(raw, stack) };
    } catch (e) {
        throw new Refusal(`${flag} ${stack}: ${(e as Error).message}`);
    }
}

function liveTarget(stack: string, config: StackConfig, flag: string): { t: LiveTarget; outputs: Record<string, unknown> } {
    try {
        const outputs = stackOutputs(stack, REPO_ROOT);
        return { t: targetFrom(stack, outputs, config), outputs };
    } catch (e) {
        throw new Refusal(`${flag} ${stack}: not deployed (${(e as Error).message.split("\n")[0]}); run npm run up -- ${stack}`);
    }
}

const stackFile = (stack: string) => path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
const packConfigFor = (config: StackConfig) => path.join("policies", "config", `${config.environment}.json`);
const packArgs = (config: StackConfig) => ["--policy-pack", "policies", "--policy-pack-config", packConfigFor(config)];

function imagesOf(outputs: Record<string, unknown>): PromotedImage[] {
    const ids = outputs[IMAGE_IDS_OUTPUT] as Record<string, string> | undefined;
    return Object.entries(ids ?? {}).sort().map(([name, id]) => ({ name, id }));
}

/** The stack file's `config` map, and a writer that replaces it keeping the rest (salt, comments). */
function stackSettings(stack: string) {
    const file = stackFile(stack);
    const text = fs.readFileSync(file, "utf8");
    const doc = parseDocument(text);
    return {
        text,
        config: ((doc.toJS() as { config?: Record<string, unknown> }).config ?? {}) as Record<string, unknown>,
        write(config: Record<string, unknown>) {
            doc.set("config", doc.createNode(config));
            fs.writeFileSync(file, doc.toString());
        },
        restore: () => fs.writeFileSync(file, text),
    };
}

async function confirm(question: string, yes: boolean): Promise<boolean> {
    if (yes) return true;
    if (!process.stdin.isTTY) throw new Refusal("not a terminal to ask on: pass --yes to apply without a prompt");
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    const answer = await new Promise<string>((r) => rl.question(`${question} [y/N] `, r));
    rl.close();
    return /^y(es)?$/i.test(answer.trim());
}

/** Runs the readiness report on a stack; its exit code and the items it wrote. */
function readiness(stack: string): { code: number; items: ReportItem[]; summary: string } {
    const started = Date.now();
    const r = spawnSync("node", ["--import", "tsx", path.join("policies", "report", "cli.ts"), "--stack", stack], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const file = path.join(REPORTS, stack, "readiness.json");
    const summary = (r.stdout ?? "").split("\n").find((l) => /READY/.test(l))?.trim() ?? `no summary (exit ${r.status}): ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}`;
    const items = fs.existsSync(file) && fs.statSync(file).mtimeMs >= started ? (JSON.parse(fs.readFileSync(file, "utf8")).items as ReportItem[]) : [];
    return { code: r.status ?? 1, items, summary };
}

const printGate = (g: GateResult) => out(`gate ${g.name.padEnd(17)} ${g.ok ? "ok  " : "FAIL"}  ${g.detail}`);

function readJson<T>(file: string): T | undefined {
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as T) : undefined;
}

async function promote(a: Args): Promise<number> {
    const from = a.from!;
    const to = a.to!;
    const t0 = Date.now();
    const at = new Date().toISOString();
    const by = os.userInfo().username;
    const source = openSettings(from, "--from");
    const target = openSettings(to, "--to");
    if (target.config.promotion.watchMinutes > 0 && !target.config.monitoring.enabled)
        throw new Refusal(`--to ${to}: ${NS}:promotion.watchMinutes is ${target.config.promotion.watchMinutes} but ${NS}:monitoring.enabled is false: no Alertmanager to watch; set watchMinutes to 0 or enable monitoring`);
    const { t: src, outputs: srcOutputs } = liveTarget(from, source.config, "--from");
    const images = imagesOf(srcOutputs);
    if (images.length === 0) throw new Refusal(`--from ${from}: the stack exports no ${IMAGE_IDS_OUTPUT}; run npm run up -- ${from} with this version (it exports its image ids)`);
    out(`promote ${from} → ${to} (by ${by}, ${at})`);
    const gates: GateResult[] = [];
    const record = (result: PromotionRecord["result"], detail: string, settings?: Record<string, unknown>, imgs = images) =>
        writePromotion(REPORTS, { from, to, at, by, images: imgs, gates, result, seconds: Math.round(since(t0)), detail, settings });
    const refuse = (why: string) => {
        const file = record("refused", why);
        out(`REFUSED: ${why}\nrecord: ${path.relative(process.cwd(), file)}`);
        return 1;
    };

    // Records first: cheap, and a missing or stale one refuses before anything long runs.
    const clusterId = await systemIdentifier(src);
    const ctx = { stack: from, to, clusterId, now: new Date(), maxAgeHours: target.config.promotion.recordMaxAgeHours };
    for (const kind of ["drills", "bench"] as const) {
        const file = recordFile(REPORTS, from, kind);
        gates.push(recordGate(kind, path.relative(REPO_ROOT, file), readJson(file), ctx));
        printGate(gates[gates.length - 1]);
    }
    if (gates.some((g) => !g.ok)) return refuse(`gate ${gates.filter((g) => !g.ok).map((g) => g.name).join(", ")} failed`);

    const tReport = Date.now();
    const report = readiness(from);
    gates.push(report.items.length ? readinessGate(from, report.items) : { name: "source-readiness", ok: false, detail: `the readiness report of ${from} wrote no items: ${report.summary}` });
    printGate(gates[gates.length - 1]);
    out(`  ${from}: ${report.summary} (${since(tReport).toFixed(0)} s)`);
    if (!gates[gates.length - 1].ok) return refuse("gate source-readiness failed");

    // The target now reads the source's images; the stack file goes back as it was unless the up runs.
    const settings = stackSettings(to);
    const images_ = { ...((settings.config[`${NS}:images`] as object) ?? {}) } as Record<string, unknown>;
    delete images_.ids;
    const promotedConfig = { ...settings.config, [`${NS}:images`]: { ...images_, fromStack: from } };
    settings.write(promotedConfig);
    let applied = false;
    try {
        const tPreview = Date.now();
        const preview = pulumi(["preview", "--diff", "--stack", to, ...packArgs(target.config)]);
        gates.push(previewGate(to, packConfigFor(target.config), preview.status, preview.output));
        printGate(gates[gates.length - 1]);
        if (!gates[gates.length - 1].ok) return refuse("gate target-preview failed");
        out(`\n--- diff of ${to} (pulumi preview --diff, ${since(tPreview).toFixed(0)} s) ---\n${preview.output.trim()}\n--- end of diff ---`);
        out(`images of ${from} for ${to}: ${images.map((i) => `${i.name} ${i.id}`).join(", ")}`);
        out(`gates took ${since(t0).toFixed(0)} s`);
        if (!(await confirm(`apply this to ${to}?`, a.yes))) return refuse("not confirmed");

        const tUp = Date.now();
        const upStart = new Date();
        const up = pulumi(["up", "--yes", "--skip-preview", "--stack", to, ...packArgs(target.config)]);
        applied = true;
        const upSeconds = since(tUp);
        out(up.output.trim().split("\n").filter((l) => /Resources:|to create|created|updated|replaced|deleted|unchanged|Duration:|error/i.test(l)).slice(-12).join("\n"));
        if (up.status !== 0) {
            const file = record("failed", `pulumi up of ${to} failed (exit ${up.status}) after ${upSeconds.toFixed(0)} s: ${up.output.trim().split("\n").slice(-6).join(" | ")}`, promotedConfig);
            out(`FAILED: pulumi up of ${to} exited ${up.status}; the stack file keeps images.fromStack ${from}; npm run promote -- --rollback --to ${to} restores the previous promotion\nrecord: ${path.relative(process.cwd(), file)}`);
            return 1;
        }
        const { outputs: dstOutputs } = liveTarget(to, target.config, "--to");
        const running = imagesOf(dstOutputs);
        const same = JSON.stringify(running) === JSON.stringify(images);
        out(`pulumi up of ${to}: ${upSeconds.toFixed(0)} s; ${to} runs ${same ? `the same images as ${from}` : `OTHER images than ${from}: ${running.map((i) => `${i.name} ${i.id}`).join(", ")}`}`);
        // Recorded before the target's report runs: a report that is slow or killed loses no promotion.
        const detail = `gates ${((tUp - t0) / 1000).toFixed(0)} s, up ${upSeconds.toFixed(0)} s`;
        const file = record(same ? "promoted" : "failed", same ? detail : `${detail}; ${to} does not run ${from}'s images`, promotedConfig, running);
        out(`${same ? "PROMOTED" : "FAILED"} ${from} → ${to} in ${since(t0).toFixed(0)} s (gates + up)\nrecord: ${path.relative(process.cwd(), file)}`);
        if (!same) return 1;
        const tTarget = Date.now();
        const targetReport = readiness(to);
        out(`readiness of ${to}: ${targetReport.summary} (${since(tTarget).toFixed(0)} s; reports/${to}/readiness.{md,json,html})`);
        return (await watch(to, target.config, upStart, a.yes)) ? 3 : 0;
    } finally {
        if (!applied) settings.restore();
    }
}

/** Active alerts of the target's Alertmanager, asked from inside the cluster network through a running node. */
function activeAlerts(t: LiveTarget): AmAlert[] {
    const url = `http://${t.namePrefix}-alertmanager:${MONITORING_PORTS.alertmanager}/api/v2/alerts?active=true&silenced=false&inhibited=false`;
    let nodes = t.patroniNodes;
    try {
        nodes = patroniMembers(t).filter((m) => m.state === "running" || m.state === "streaming").map((m) => m.name);
    } catch {
        // Patroni's API is busy (a switchover): try every node in turn.
    }
    let last: unknown;
    for (const node of nodes.length ? nodes : t.patroniNodes) {
        try {
            return JSON.parse(dockerOk(memberExec(t, node, [], ["curl", "-fsS", "--max-time", "10", url]), 20_000)) as AmAlert[];
        } catch (e) {
            last = e;
        }
    }
    throw new Error(`no node could ask ${url}: ${(last as Error)?.message?.split("\n")[0]}`);
}

/** Watches for rollback triggers that start after the up; rolls back when one fires. True when it rolled back. */
async function watch(to: string, config: StackConfig, upStart: Date, yes: boolean): Promise<boolean> {
    const minutes = config.promotion.watchMinutes;
    if (minutes <= 0) return false;
    const { t } = liveTarget(to, config, "--to");
    out(`watching ${to}'s Alertmanager for ${minutes} min (${NS}:promotion.watchMinutes) for rollback_trigger alerts that started after ${upStart.toISOString()}`);
    const end = Date.now() + minutes * 60_000;
    for (let i = 0; Date.now() < end && i < Math.ceil((minutes * 60_000) / WATCH_POLL_MS) + 1; i++) {
        let alerts: AmAlert[] = [];
        try {
            alerts = activeAlerts(t);
        } catch (e) {
            out(`  watch: ${(e as Error).message}`);
        }
        const fired = firedTriggers(alerts, upStart);
        if (fired.length) {
            const why = fired.map((f) => `${f.labels.rollback_trigger} (${f.labels.alertname}, since ${f.startsAt}): ${f.annotations?.summary ?? ""}`).join("; ");
            out(`ROLLBACK TRIGGER fired on ${to}: ${why}`);
            await rollback(to, yes, `rollback trigger ${why}`, { name: "rollback-trigger", ok: false, detail: why });
            return true;
        }
        await new Promise((r) => setTimeout(r, Math.min(WATCH_POLL_MS, Math.max(0, end - Date.now()))));
    }
    out(`watch over: no rollback trigger fired on ${to} in ${minutes} min`);
    return false;
}

async function rollback(to: string, yes: boolean, reason: string, trigger?: GateResult): Promise<number> {
    const t0 = Date.now();
    const at = new Date().toISOString();
    const target = openSettings(to, "--to");
    const chosen = previousPromotion(readPromotions(promotionsDir(REPORTS, to)).records);
    if (typeof chosen === "string") throw new Refusal(`--rollback --to ${to}: ${chosen} (reports/${to}/promotions/)`);
    const { previous, current } = chosen;
    const gone = previous.images.filter((i) => docker(["image", "inspect", "--format", "{{.Id}}", i.id]).status !== 0);
    if (gone.length) throw new Refusal(`--rollback --to ${to}: image(s) of the promotion of ${previous.at} are gone from the Docker daemon: ${gone.map((i) => `${i.name} ${i.id}`).join(", ")}; nothing was changed`);
    out(`rollback of ${to}: from the promotion of ${current.at} (${current.from}) to the state of ${previous.at} (${previous.result} from ${previous.from}): ${previous.images.map((i) => `${i.name} ${i.id}`).join(", ")}`);
    if (!(await confirm(`re-apply those settings and images to ${to}?`, yes))) throw new Refusal("not confirmed");
    const settings = stackSettings(to);
    const ids = Object.fromEntries(previous.images.map((i) => [i.name, i.id]));
    const restored = { ...previous.settings!, [`${NS}:images`]: { ids } };
    settings.write(restored);
    const up = pulumi(["up", "--yes", "--skip-preview", "--stack", to, ...packArgs(target.config)]);
    const ok = up.status === 0;
    if (!ok) settings.restore();
    const file = writePromotion(REPORTS, {
        from: previous.from,
        to,
        at,
        by: os.userInfo().username,
        images: previous.images,
        gates: trigger ? [trigger] : [],
        result: ok ? "rolled-back" : "failed",
        seconds: Math.round(since(t0)),
        detail: ok ? `rolled back to the state of ${previous.at} (${reason})` : `rollback failed (exit ${up.status}): ${up.output.trim().split("\n").slice(-6).join(" | ")}`,
        settings: restored,
    });
    out(`${ok ? "ROLLED BACK" : "ROLLBACK FAILED"}: ${to} ${ok ? "runs" : "was to run"} the images of ${previous.at} (${since(t0).toFixed(0)} s)\nrecord: ${path.relative(process.cwd(), file)}`);
    return ok ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
    try {
        const a = parseArgs(argv);
        return a.rollback ? await rollback(a.to!, a.yes, "asked for with --rollback") : await promote(a);
    } catch (e) {
        if (e instanceof Refusal) {
            process.stderr.write(`promote: ${e.message}\n${/required|argument|needs/.test(e.message) ? USAGE + "\n" : ""}`);
            return 1;
        }
        process.stderr.write(`promote: ${(e as Error).message}\n`);
        return 1;
    }
}

if (require.main === module) main(process.argv.slice(2)).then((code) => (process.exitCode = code));
