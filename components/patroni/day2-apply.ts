// The day-2 executor `pulumi up` runs (a command:local:Command of PatroniCluster) whenever the desired
// dynamic configuration changes: PATCH /config with what differs, then the rolling restart planned by
// day2.ts for parameters that need one, each step waiting until the cluster is whole again.
// With the argument `early` it runs before the members instead (early() below; stdin also names each
// member's new rollout key). Input (stdin, JSON): { nodes, tls, synchronousMode, desired }. Progress goes to stderr (the Pulumi
// log), the summary to stdout (the resource's stdout output). Nothing secret passes through here.
import { ConfigChange, configPatch, diffConfig, earlyChanges, Member, planRollout, restartParameters, Step, switchoverTarget } from "./day2";
import { anyNodeRunning, getJson, healthy, LiveCluster, members, parameterContexts, readStdin, rest, sleep, until } from "./day2-live";
import type { DynamicConfig } from "./render";
import { memberLabel, ROLLOUT_KEY_LABEL } from "../target/member-exec";

interface ApplyInput extends LiveCluster {
  synchronousMode: boolean;
  desired: DynamicConfig;
  /** `early` mode: each member's new replacement key (a running member labelled otherwise is being replaced). */
  keys?: Record<string, string>;
}

const log = (s: string) => process.stderr.write(`[day2] ${s}\n`);


async function waitHealthy(c: ApplyInput, what: string, extra: (ms: Member[]) => boolean = () => true, limitS = 180): Promise<Member[]> {
  return until(what, () => {
    const ms = members(c);
    return healthy(ms, c.nodes, c.synchronousMode) && extra(ms) ? ms.filter((m) => c.nodes.includes(m.name)) : undefined;
  }, limitS);
}

/** A replica is back when it streams again without a pending restart and has replayed to within 16 MB. */
const caughtUp = (name: string) => (ms: Member[]) => {
  const m = ms.find((x) => x.name === name);
  return !!m && m.state === "streaming" && !m.pending_restart && typeof m.lag === "number" && m.lag < 16 * 1024 * 1024;
};

async function restartMember(c: ApplyInput, name: string): Promise<void> {
  log(`restarting ${name}`);
  const r = rest(c, name, "POST", "/restart", { restart_pending: true }, 120);
  if (r.status !== 200) throw new Error(`POST /restart on ${name} answered ${r.status}: ${r.body}`);
}

async function switchover(c: ApplyInput, from: string, to: string): Promise<void> {
  log(`switchover ${from} → ${to}`);
  const r = rest(c, from, "POST", "/switchover", { leader: from, candidate: to }, 120);
  if (r.status !== 200) throw new Error(`POST /switchover ${from} → ${to} answered ${r.status}: ${r.body}`);
}

/**
 * Before the members (`early`): when members are replaced in this up, PATCH the restart-bound parameters
 * first (earlyChanges), so each new container or task starts with them; the step after the members then
 * finds them applied and restarts no one for them. Otherwise nothing: the step after the members does it all.
 */
async function early(input: ApplyInput): Promise<void> {
  const replaced = Object.entries(input.keys ?? {}).filter(([node, key]) => {
    const running = memberLabel(node, ROLLOUT_KEY_LABEL, input.target);
    return running !== undefined && running !== key;
  });
  if (!replaced.length) {
    process.stdout.write(JSON.stringify({ early: [] }) + "\n");
    return;
  }
  const before = await waitHealthy(input, "a healthy cluster before the members are replaced", () => true, 300);
  const current = await until("Patroni's dynamic configuration (GET /config)", () => getJson(input, "/config"), 60);
  const changes = diffConfig(current, input.desired);
  const first = earlyChanges(changes, restartParameters(changes, parameterContexts(input) ?? {}), before);
  if (first.length) {
    log(`PATCH /config before the members are replaced (they start with it): ${first.map((ch) => ch.key).join(", ")}`);
    const leader = before.find((m) => m.role === "leader")!.name;
    const r = rest(input, leader, "PATCH", "/config", configPatch(first));
    if (r.status !== 200) throw new Error(`PATCH /config answered ${r.status}: ${r.body}`);
  }
  process.stdout.write(JSON.stringify({ early: first.map((ch) => ch.key) }) + "\n");
}

async function main(): Promise<void> {
  const input = JSON.parse(await readStdin()) as ApplyInput;
  if (process.argv.includes("early")) return early(input);
  const t0 = Date.now();
  // On one host a created container runs; a Swarm service's task may still be pulling its image.
  const startS = input.target?.kind === "swarm" ? 300 : 0;
  await until(`one of ${input.nodes.join(", ")} running`, () => (anyNodeRunning(input) ? true : undefined), startS).catch(() => {
    throw new Error(`none of ${input.nodes.join(", ")} is running`);
  });
  // A first `up` gets here while the cluster still bootstraps: wait for it to be whole.
  const before = await waitHealthy(input, "a healthy cluster (one leader, every replica streaming) before the change", () => true, 300);
  const current = await until("Patroni's dynamic configuration (GET /config)", () => getJson(input, "/config"), 60);
  const changes: ConfigChange[] = diffConfig(current, input.desired);
  const contexts = parameterContexts(input) ?? {};
  const restartParams = restartParameters(changes, contexts);
  if (changes.length) {
    log(`PATCH /config: ${changes.map((ch) => ch.key).join(", ")}`);
    const leader = before.find((m) => m.role === "leader")!.name;
    const r = rest(input, leader, "PATCH", "/config", configPatch(changes));
    if (r.status !== 200) throw new Error(`PATCH /config answered ${r.status}: ${r.body}`);
    // Every member applies the DCS on its next HA loop (reload: no restart); the restart-bound ones then
    // show pending_restart. Wait two loops, and for the flag where a restart is due.
    await sleep((2 * input.desired.loop_wait + 1) * 1000);
    if (restartParams.length) {
      await until(`pending_restart on every member after changing ${restartParams.join(", ")}`, () => {
        const ms = members(input);
        return ms.length === input.nodes.length && ms.every((m) => m.pending_restart) ? true : undefined;
      }, 30).catch((e) => log(`${(e as Error).message}; restarting the members that show it`));
    }
  }
  // Members left pending by an earlier, interrupted rollout are finished too.
  const now = await waitHealthy(input, "a healthy cluster after the PATCH");
  const needsRestart = now.some((m) => m.pending_restart);
  const steps: Step[] = planRollout(changes, needsRestart, now, (m) => !!m.pending_restart);
  const done: string[] = [];
  for (const step of steps) {
    if (step.kind === "patch") continue;
    if (step.kind === "switchover") {
      // Restarting the synchronous standby moves that role to another replica (Patroni keeps commits
      // synchronous meanwhile), so the target is chosen now, from who is synchronous at this moment:
      // Patroni refuses any other candidate (412 "candidate name does not match with sync_standby").
      const live = await waitHealthy(input, "a synchronous standby to hand over to");
      const from = live.find((m) => m.role === "leader")!.name;
      const to = switchoverTarget(live.filter((m) => m.name !== from))!.name;
      await switchover(input, from, to);
      await waitHealthy(input, `${to} leading, ${from} streaming`, (ms) => ms.some((m) => m.name === to && m.role === "leader") && ms.some((m) => m.name === from && m.state === "streaming"));
      done.push(`switchover ${from}->${to}`);
      continue;
    }
    const m = members(input).find((x) => x.name === step.member);
    if (step.why === "former leader" && m && !m.pending_restart) {
      log(`${step.member} came back with the change when it was demoted: no further restart`);
      continue;
    }
    await restartMember(input, step.member);
    if (step.why === "leader first") {
      await waitHealthy(input, `${step.member} leading again with the change, every replica streaming`, (ms) => ms.some((x) => x.name === step.member && x.role === "leader" && x.state === "running" && !x.pending_restart));
    } else {
      await waitHealthy(input, `${step.member} streaming again, caught up`, caughtUp(step.member));
    }
    done.push(`restart ${step.member}`);
  }
  const summary = {
    changed: changes.map((ch) => ch.key),
    restartParameters: restartParams,
    steps: done,
    seconds: Math.round((Date.now() - t0) / 100) / 10,
  };
  log(`done in ${summary.seconds} s: ${summary.steps.length ? summary.steps.join(", ") : "no restart"}`);
  process.stdout.write(JSON.stringify(summary) + "\n");
}


main().catch((e) => {
  process.stderr.write(`[day2] failed: ${(e as Error).message}\n`);
  process.exit(1);
});
