// Waits (bounded) until every given member runs, has rolled out its last change, and passes its health
// check run inside it. stdin: { members, target, check, limitS }. Used by rolling.ts's hooks.
import { spawnSync } from "node:child_process";
import { ExecTarget, execArgs, memberConverged } from "./member-exec";

interface Input {
  members: string[];
  target: ExecTarget;
  check: string[];
  limitS: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function passes(member: string, input: Input): boolean {
  if (!memberConverged(member, input.target)) return false;
  const args = execArgs(member, [], input.check, input.target);
  return !!args && spawnSync("docker", args, { encoding: "utf8", timeout: 15_000 }).status === 0;
}

async function main(): Promise<void> {
  const input = JSON.parse(await new Promise<string>((resolve) => {
    let d = "";
    process.stdin.on("data", (c) => (d += c));
    process.stdin.on("end", () => resolve(d));
  })) as Input;
  const t0 = Date.now();
  for (let i = 0; i < 10_000; i++) {
    const failing = input.members.filter((m) => !passes(m, input));
    if (failing.length === 0) {
      process.stderr.write(`[rolling] ${input.members.join(", ")} healthy after ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      return;
    }
    if (Date.now() - t0 > input.limitS * 1000) throw new Error(`${failing.join(", ")} not healthy within ${input.limitS} s`);
    await sleep(1000);
  }
}

main().catch((e) => {
  process.stderr.write(`[rolling] failed: ${(e as Error).message}\n`);
  process.exit(1);
});
