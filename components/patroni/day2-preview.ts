// What `pulumi preview` tells the operator before they say yes: which Patroni settings change on the
// running cluster, and whether that reloads, or restarts members (which, in which order) with a switchover.
// Read from the live cluster (its DCS and pg_settings), because only it knows what it holds now.
import { describePlan, diffConfig, planRollout, restartParameters } from "./day2";
import { anyNodeRunning, getJson, LiveCluster, members, parameterContexts } from "./day2-live";
import type { DynamicConfig } from "./render";

/**
 * The plan as one line, and whether it restarts anything (a warning, so it stands out before the
 * operator says yes); undefined when there is no running cluster to change (a first `up`).
 */
export function previewDay2(c: LiveCluster, desired: DynamicConfig): { message: string; restarts: boolean } | undefined {
  if (!anyNodeRunning(c)) return undefined;
  const current = getJson(c, "/config");
  if (!current) return { message: "Patroni dynamic configuration: no node answers GET /config, so what `up` will reload or restart is unknown", restarts: true };
  const ms = members(c);
  const changes = diffConfig(current, desired);
  const restart = restartParameters(changes, parameterContexts(c) ?? {});
  // Members still pending from an interrupted rollout restart too.
  const pendingBefore = ms.some((m) => m.pending_restart);
  const steps = planRollout(changes, restart.length > 0 || pendingBefore, ms, (m) => restart.length > 0 || !!m.pending_restart);
  return { message: describePlan(steps, restart), restarts: steps.some((s) => s.kind !== "patch") };
}
