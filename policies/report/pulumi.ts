// The only module that runs the Pulumi CLI.
import { spawnSync } from "child_process";
import * as fs from "fs";

export interface RunResult {
    status: number;
    stdout: string;
    stderr: string;
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): RunResult {
    const r = spawnSync("pulumi", args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true", ...env } });
    if (r.error) throw new Error(`cannot run pulumi: ${r.error.message}`);
    return { status: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** `pulumi config --json` → { "dpg-cluster:key": value }, structured values parsed. */
export function stackConfig(stack: string, cwd: string): Record<string, unknown> {
    const r = run(["config", "--stack", stack, "--json"], cwd);
    if (r.status !== 0) throw new Error(`pulumi config --stack ${stack} failed: ${r.stderr.trim()}`);
    const raw = JSON.parse(r.stdout) as Record<string, { value?: string; objectValue?: unknown; secret?: boolean }>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) {
        if (v.secret) continue; // attestations and the environment are never secret; don't read secrets at all
        out[k] = v.objectValue ?? v.value;
    }
    return out;
}

/**
 * `preview` has no --event-log (only `up`, `destroy`, `refresh` do), so the engine events come
 * from the streaming JSON preview: one event per stdout line, policy events included. They are
 * saved to `eventLog` for the report and for anyone debugging it.
 */
export function previewWithPack(opts: { stack: string; cwd: string; packDir: string; configFile: string; eventLog: string }): RunResult {
    const r = run(
        ["preview", "--stack", opts.stack, "--policy-pack", opts.packDir, "--policy-pack-config", opts.configFile, "--json", "--non-interactive"],
        opts.cwd,
        { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" },
    );
    fs.writeFileSync(opts.eventLog, r.stdout);
    return r;
}

export function analyzeWithPack(opts: { stack: string; cwd: string; packDir: string; configFile: string }): RunResult {
    return run(["policy", "analyze", "--stack", opts.stack, "--policy-pack", opts.packDir, "--policy-pack-config", opts.configFile, "--json"], opts.cwd);
}

/** `pulumi stack output --json --show-secrets`: the live collector logs in to the cluster it measures. */
export function stackOutputs(stack: string, cwd: string): Record<string, unknown> {
    const r = run(["stack", "output", "--stack", stack, "--json", "--show-secrets"], cwd);
    if (r.status !== 0) throw new Error(`pulumi stack output --stack ${stack} failed: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout || "{}");
}
