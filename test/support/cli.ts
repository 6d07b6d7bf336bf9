// Runs real commands (pulumi, docker) for the e2e tests, bounded in time, failing loudly.
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";

export const REPO_ROOT = path.join(__dirname, "..", "..");

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { timeoutMs?: number; allowFail?: boolean; env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ...opts.env },
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const result = { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  if (!opts.allowFail && r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}${r.error ? ` (${r.error.message})` : ""}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
  }
  return result;
}

export function pulumi(args: string[], opts: { timeoutMs?: number; allowFail?: boolean; env?: NodeJS.ProcessEnv } = {}): RunResult {
  return run("pulumi", [...args, "--non-interactive"], { timeoutMs: 900_000, ...opts });
}

/** `pulumi` without blocking the event loop, so the writer keeps writing while it runs. */
export function pulumiAsync(args: string[], timeoutMs = 20 * 60_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("pulumi", [...args, "--non-interactive"], { cwd: REPO_ROOT, env: process.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

export function docker(args: string[], opts: { timeoutMs?: number; allowFail?: boolean } = {}): RunResult {
  return run("docker", args, opts);
}

/** Polls fn until it returns a value or the deadline passes; bounded in count and time. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let attempt = 0; attempt < Math.ceil(timeoutMs / everyMs) + 1; attempt++) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ""}`);
}
