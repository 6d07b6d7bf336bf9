// The live steps around one Patroni node's replacement (see rolling.ts for the order):
//   handover: run by a command:local:Command just before the node's container (or service) changes. When the
//     node runs, it first waits until the cluster is whole (so the previous member's replacement has finished
//     and two members are never down at once); when the node is the leader, it switches over to the
//     synchronous standby and waits until that one leads and the node streams as a replica.
//   ready: run by the node's afterCreate/afterUpdate hook once its new container (or task) exists: waits until
//     the node is back and streaming (caught up) and the cluster is whole, so `pulumi up` goes on to the next
//     member only then.
//   leave: run by the cluster's membership command once every member of `nodes` is in place, before Pulumi
//     deletes what a scale-in removes: members Patroni lists beyond `nodes` are leaving; when the leader is
//     among them it is switched over to a member that stays (rolling.ts planScaleIn).
// Usage: node --import tsx rolling-step.ts handover|ready|leave  (stdin: JSON StepInput). Progress on stderr, summary on stdout.
import { switchoverTarget, Member } from "./day2";
import { memberBack, planScaleIn } from "./rolling";
import { memberConverged } from "../target/member-exec";
import { healthy, LiveCluster, members, nodeRunning, readStdin, rest, until } from "./day2-live";

export interface StepInput extends LiveCluster {
  /** The node this step is about. */
  node: string;
  synchronousMode: boolean;
  /** Upper bound of each wait in seconds. */
  limitS?: number;
}

const log = (s: string) => process.stderr.write(`[rolling] ${s}\n`);


/**
 * Healthy over the nodes that run now (a node not created yet, or on its way in, is not waited for here) and
 * the members on their way out (a scale-in: until the hand-over, the leader may be one of them).
 */
function wholeCluster(c: StepInput): Member[] | undefined {
  const ms = members(c);
  const listed = [...c.nodes.filter((n) => nodeRunning(c, n)), ...ms.filter((m) => !c.nodes.includes(m.name)).map((m) => m.name)];
  return listed.length > 0 && healthy(ms, listed, c.synchronousMode) ? ms : undefined;
}

async function handover(c: StepInput): Promise<Record<string, unknown>> {
  if (!nodeRunning(c, c.node)) {
    log(`${c.node} does not run: it is being created, nothing to hand over`);
    return { node: c.node, handover: "none (not running)" };
  }
  const limit = c.limitS ?? 300;
  const ms = await until(`a whole cluster before ${c.node} is replaced (one leader, every other running member streaming)`, () => wholeCluster(c), limit);
  const leader = ms.find((m) => m.role === "leader");
  const others = ms.filter((m) => m.name !== c.node && c.nodes.includes(m.name) && m.state === "streaming");
  if (leader?.name !== c.node || others.length === 0) {
    log(`${c.node} is ${leader?.name === c.node ? "the only member" : "a replica"}: replaced without a switchover`);
    return { node: c.node, handover: "none" };
  }
  const to = switchoverTarget(others)!.name;
  log(`switchover ${c.node} → ${to} before ${c.node} is replaced`);
  const r = rest(c, c.node, "POST", "/switchover", { leader: c.node, candidate: to }, 120);
  if (r.status !== 200) throw new Error(`POST /switchover ${c.node} → ${to} answered ${r.status}: ${r.body}`);
  await until(
    `${to} leading and ${c.node} streaming after the switchover`,
    () => {
      const now = wholeCluster(c);
      return now && now.some((m) => m.name === to && m.role === "leader") && now.some((m) => m.name === c.node && m.state === "streaming") ? true : undefined;
    },
    limit,
  );
  return { node: c.node, handover: `switchover ${c.node}->${to}` };
}

async function ready(c: StepInput): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  await until(`${c.node} streaming again (caught up) in a whole cluster`, () => {
    // On a Swarm the old task may still answer until the service's update has completed.
    if (!nodeRunning(c, c.node) || !memberConverged(c.node, c.target)) return undefined;
    const ms = wholeCluster(c);
    return ms && memberBack(ms, c.node) ? true : undefined;
  }, c.limitS ?? 300);
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  log(`${c.node} is back and streaming (${seconds} s)`);
  return { node: c.node, ready: seconds };
}

async function leave(c: StepInput): Promise<Record<string, unknown>> {
  // Nothing listed beyond `nodes` (a first up, a scale-out): nothing to wait for.
  if (!planScaleIn(c.nodes, members(c))) return { leaving: [] };
  const limit = c.limitS ?? 300;
  const ms = await until(`a whole cluster (the members of ${c.nodes.join(", ")} and those leaving) before a scale-in`, () => wholeCluster(c), limit);
  const plan = planScaleIn(c.nodes, ms);
  if (!plan) return { leaving: [] };
  log(`leaving: ${plan.leaving.join(", ")}${plan.switchover ? `; the leader leaves: switchover ${plan.switchover.from} → ${plan.switchover.to} first` : " (replicas: no switchover)"}`);
  if (plan.switchover) {
    const { from, to } = plan.switchover;
    const r = rest(c, from, "POST", "/switchover", { leader: from, candidate: to }, 120);
    if (r.status !== 200) throw new Error(`POST /switchover ${from} → ${to} answered ${r.status}: ${r.body}`);
    await until(`${to} leading after the switchover away from the leaving ${from}`, () => (wholeCluster(c)?.some((m) => m.name === to && m.role === "leader") ? true : undefined), limit);
  }
  return { leaving: plan.leaving, ...(plan.switchover ? { switchover: `${plan.switchover.from}->${plan.switchover.to}` } : {}) };
}

async function main(mode: string): Promise<void> {
  const input = JSON.parse(await readStdin()) as StepInput;
  const steps: Record<string, (c: StepInput) => Promise<Record<string, unknown>>> = { handover, ready, leave };
  const out = steps[mode] ? await steps[mode](input) : undefined;
  if (!out) throw new Error(`unknown step ${mode}: handover, ready or leave`);
  process.stdout.write(JSON.stringify(out) + "\n");
}

if (require.main === module) {
  main(process.argv[2] ?? "").catch((e) => {
    process.stderr.write(`[rolling] failed: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
