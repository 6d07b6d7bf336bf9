// Members of one component that a change must never take down together (etcd's quorum, the routers):
// each member's resource depends on the one before it, and once a running component's member has been
// created anew or updated, its afterCreate/afterUpdate hook waits until every member passes its own health
// check again (wait-members.ts), so the next member's turn begins only then. A first `up` (no member runs
// yet) registers no hook and no chain: the members are created in parallel. Patroni has its own, leader-
// aware order (patroni/rolling.ts).
import { spawn } from "child_process";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { RunOptions, Target, Workload } from "./index";
import { memberRunning } from "./member-exec";

export interface RollingMember {
  resourceName: string;
  workload: Workload;
}

export function runOneAtATime(target: Target, members: RollingMember[], opts: Omit<RunOptions, "hooks">): pulumi.CustomResource[] {
  const names = members.map((m) => m.workload.name);
  const running = process.env.DPG_NO_LIVE_CLUSTER !== "1" ? names.filter((n) => memberRunning(n, target.exec)) : [];
  const existing = running.length > 0;
  const script = path.relative(process.cwd(), path.join(__dirname, "wait-members.ts"));
  const out: pulumi.CustomResource[] = [];
  for (const [i, m] of members.entries()) {
    const w = m.workload;
    const check = (target.kind === "swarm" ? (w.swarmHealthcheck ?? w.healthcheck) : w.healthcheck).test;
    // The members that run now and those up to this one in the chain: on a scale-out, a member whose turn
    // has not come yet does not exist, and is not waited for.
    const waitFor = names.filter((n, j) => j <= i || running.includes(n));
    const input = JSON.stringify({ members: waitFor, target: target.exec, check: check[0] === "CMD" ? check.slice(1) : ["sh", "-c", check.slice(1).join(" ")], limitS: 300 });
    const ready = existing
      ? new pulumi.ResourceHook(`${m.resourceName}-ready`, async () => {
          pulumi.log.info(`${w.name}: waiting until every member of ${waitFor.join(", ")} is healthy before the next one's turn`, opts.parent);
          await runChild(script, input);
        })
      : undefined;
    const previous = out[out.length - 1];
    out.push(
      target.run(m.resourceName, w, {
        ...opts,
        ...(existing && previous ? { dependsOn: pulumi.output(opts.dependsOn ?? []).apply((d) => [...d, previous]) } : {}),
        ...(ready ? { hooks: { afterCreate: [ready], afterUpdate: [ready] } } : {}),
      }),
    );
  }
  return out;
}

/** Runs a step script (wait-members.ts, patroni/rolling-step.ts) in a child process with `input` on stdin, so the program's event loop stays free; rejects with its last lines of stderr. */
export function runChild(script: string, input: string, args: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("node", ["--import", "tsx", script, ...args], { cwd: process.cwd(), stdio: ["pipe", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(err.trim().split("\n").slice(-3).join("; ") || `${[script, ...args].join(" ")} exited ${code}`))));
    child.stdin.end(input);
  });
}
