// Bounded docker CLI calls for the lab: every call has a timeout, every wait a deadline.
import { spawnSync } from "node:child_process";

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  allowFail?: boolean;
  input?: string;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Run {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
    input: opts.input,
  });
  const out = { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  if (!opts.allowFail && r.status !== 0) {
    const why = r.error ? ` (${r.error.message})` : "";
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}${why}\n${out.stdout.slice(-2000)}${out.stderr.slice(-2000)}`);
  }
  return out;
}

/** A docker CLI bound to one daemon (host = undefined: the machine's own daemon). */
export type Docker = (args: string[], opts?: RunOptions) => Run;

export function dockerAt(host?: string): Docker {
  return (args, opts) => run("docker", host ? ["-H", host, ...args] : args, opts);
}

export const hostDocker: Docker = dockerAt();

/** Polls fn until it returns a value; bounded in time and count. */
export async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i <= Math.ceil(timeoutMs / everyMs); i++) {
    try {
      const v = fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message ?? last}` : ""}`);
}

export function exists(docker: Docker, kind: "container" | "volume" | "network" | "image", name: string): boolean {
  return docker([kind, "inspect", name], { allowFail: true, timeoutMs: 20_000 }).status === 0;
}
