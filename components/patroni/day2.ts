// Day-2 changes of a running Patroni cluster, as pure functions: what Patroni's dynamic configuration
// (the DCS, PATCH /config) should hold, how it differs from what the cluster holds, and in which order
// members restart when a changed parameter needs it. The executor (day2-apply.ts) and `pulumi preview`
// (day2-preview.ts) feed these the live state; the unit tests feed them every kind of change.
import type { DynamicConfig } from "./render";


/** One changed key of the dynamic configuration; `to` undefined means the key is removed. */
export interface ConfigChange {
  /** "ttl", "synchronous_mode", "postgresql.parameters.work_mem", … */
  key: string;
  from: unknown;
  to: unknown;
}

const PARAMS = "postgresql.parameters.";

/**
 * Patroni stores what it was given, parsed as YAML 1.1: numbers stay numbers, and an unquoted `on`/`off`
 * in patroni.yml's bootstrap.dcs becomes true/false, which Patroni writes back as on/off. PostgreSQL sees
 * the same text either way.
 */
function same(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined || a === null || b === null) return a === b || (a == null && b == null);
  if (typeof a === "object" || typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
  const text = (v: unknown) => (v === true ? "on" : v === false ? "off" : String(v));
  return text(a) === text(b);
}

/** What differs between the DCS (current) and the desired configuration, keys sorted. */
export function diffConfig(current: Record<string, any>, desired: DynamicConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  for (const key of ["ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover", "member_slots_ttl", "synchronous_mode", "synchronous_node_count"] as const) {
    if (!same(current[key], desired[key])) changes.push({ key, from: current[key], to: desired[key] });
  }
  const cur = current.postgresql ?? {};
  for (const key of ["use_pg_rewind", "use_slots", "pg_hba"] as const) {
    if (!same(cur[key], desired.postgresql[key])) changes.push({ key: `postgresql.${key}`, from: cur[key], to: desired.postgresql[key] });
  }
  const curParams: Record<string, unknown> = cur.parameters ?? {};
  const names = [...new Set([...Object.keys(curParams), ...Object.keys(desired.postgresql.parameters)])].sort();
  for (const name of names) {
    const from = curParams[name];
    const to = desired.postgresql.parameters[name];
    if (!same(from, to)) changes.push({ key: PARAMS + name, from, to });
  }
  return changes;
}

/** The merge patch Patroni's PATCH /config takes for these changes (null removes a key). */
export function configPatch(changes: ConfigChange[]): Record<string, any> {
  const patch: Record<string, any> = {};
  for (const ch of changes) {
    const path = ch.key.startsWith(PARAMS) ? ["postgresql", "parameters", ch.key.slice(PARAMS.length)] : ch.key.split(".");
    let node = patch;
    for (const part of path.slice(0, -1)) node = node[part] ??= {};
    node[path[path.length - 1]] = ch.to === undefined ? null : ch.to;
  }
  return patch;
}

/** PostgreSQL parameters among the changes (names). */
export function changedParameters(changes: ConfigChange[]): string[] {
  return changes.filter((c) => c.key.startsWith(PARAMS)).map((c) => c.key.slice(PARAMS.length));
}

/**
 * Parameters whose new value takes effect only at a postmaster restart, judged by pg_settings.context
 * ("postmaster"); an unknown name (an extension's, not loaded yet) counts as needing a restart, the safe side.
 */
export function restartParameters(changes: ConfigChange[], contexts: Record<string, string>): string[] {
  return changedParameters(changes).filter((name) => (contexts[name] ?? "postmaster") === "postmaster");
}

/**
 * Parameters a hot standby must hold at no less than the primary's value (PostgreSQL 17, "Hot Standby
 * Parameter Settings"); Patroni runs a replica with the higher of its configured value and the one its
 * pg_control has from the primary. So a lower value reaches a replica only once the primary has restarted
 * with it and the replica has replayed that: the leader restarts first.
 */
export const STANDBY_FLOOR_PARAMETERS = ["max_connections", "max_locks_per_transaction", "max_prepared_transactions", "max_wal_senders", "max_worker_processes"];

/**
 * Floor parameters being lowered: by the changes, or (a rollout cut short and resumed) by what the members
 * report pending (Patroni's pending_restart_reason, old and new value).
 */
export function loweredFloorParameters(changes: ConfigChange[], members: Member[]): string[] {
  const lower = (from: unknown, to: unknown) => from !== undefined && to !== undefined && Number.isFinite(Number(from)) && Number(to) < Number(from);
  const out = new Set<string>();
  for (const c of changes) {
    const name = c.key.slice(PARAMS.length);
    if (c.key.startsWith(PARAMS) && STANDBY_FLOOR_PARAMETERS.includes(name) && lower(c.from, c.to)) out.add(name);
  }
  for (const m of members) {
    for (const [name, r] of Object.entries(m.pending_restart_reason ?? {})) {
      if (STANDBY_FLOOR_PARAMETERS.includes(name) && lower(r.old_value, r.new_value)) out.add(name);
    }
  }
  return [...out].sort();
}

/**
 * The changes to PATCH before members are replaced in the same `up` (a new image, files or, on a Swarm, a
 * memory limit): restart-bound parameters, so that each new container or task starts with them and no
 * second rolling restart follows. Not a lowered floor parameter: that one needs the leader restarted first,
 * which only the step after the members does. Everything else waits for that step too.
 */
export function earlyChanges(changes: ConfigChange[], restartParams: string[], members: Member[]): ConfigChange[] {
  const lowered = loweredFloorParameters(changes, members);
  return changes.filter((c) => c.key.startsWith(PARAMS) && restartParams.includes(c.key.slice(PARAMS.length)) && !lowered.includes(c.key.slice(PARAMS.length)));
}

/** A member as Patroni's GET /cluster shows it. */
export interface Member {
  name: string;
  /** "leader", "sync_standby", "replica", "standby_leader", … */
  role: string;
  /** "running", "streaming", "stopped", "starting", … */
  state: string;
  pending_restart?: boolean;
  /** Why a restart is pending, per parameter (Patroni ≥ 3.2). */
  pending_restart_reason?: Record<string, { old_value?: string; new_value?: string }>;
  /** Replay lag in bytes (a number), or "unknown". */
  lag?: number | string;
}

export type Step =
  | { kind: "patch"; keys: string[] }
  | { kind: "restart"; member: string; why: "replica" | "former leader" | "leader first" }
  | { kind: "switchover"; from: string; to: string };

/**
 * The rollout of a change, autobase-style: PATCH the DCS (reloadable settings take effect on every
 * member within a loop, no restart); if a changed parameter needs a restart, restart the replicas one at
 * a time (asynchronous ones first, the synchronous standby last, so the standby that will take over has
 * just been restarted and caught up), then switch over to the synchronous standby (in synchronous mode
 * the only member Patroni lets take over without losing a commit; the executor picks it again right
 * before the switchover, as restarting a standby can move that role), then restart the former leader if
 * its demotion did not already apply the change. At most one switchover, never two members down at once.
 * `pending` says which members still need the restart (Patroni's pending_restart, once the executor has
 * patched the DCS; every member in a preview): a rollout cut short by a failure resumes where it stopped.
 */
export function planRollout(changes: ConfigChange[], needsRestart: boolean, members: Member[], pending: (m: Member) => boolean = () => true): Step[] {
  const steps: Step[] = changes.length ? [{ kind: "patch", keys: changes.map((c) => c.key) }] : [];
  if (!needsRestart) return steps;
  const leader = members.find((m) => m.role === "leader" || m.role === "standby_leader");
  const replicas = members.filter((m) => m !== leader).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  // A lowered floor parameter: the leader restarts in place first (no switchover: no standby could run
  // the lower value yet), then each replica, once it has replayed the leader's new value.
  if (leader && loweredFloorParameters(changes, members).length) {
    if (pending(leader)) steps.push({ kind: "restart", member: leader.name, why: "leader first" });
    for (const r of replicas.filter(pending)) steps.push({ kind: "restart", member: r.name, why: "replica" });
    return steps;
  }
  for (const r of replicas.filter(pending)) steps.push({ kind: "restart", member: r.name, why: "replica" });
  if (!leader || !pending(leader)) return steps;
  const target = switchoverTarget(replicas);
  if (target) {
    steps.push({ kind: "switchover", from: leader.name, to: target.name });
    steps.push({ kind: "restart", member: leader.name, why: "former leader" });
  } else {
    // A single node: nobody to hand over to, so the only way is a restart in place (a short outage).
    steps.push({ kind: "restart", member: leader.name, why: "former leader" });
  }
  return steps;
}

/** Asynchronous replicas restart before the synchronous standby. */
function rank(m: Member): number {
  return m.role === "sync_standby" ? 1 : 0;
}

/** The synchronous standby if there is one, else the replica with the least lag. */
export function switchoverTarget(replicas: Member[]): Member | undefined {
  const sync = replicas.find((m) => m.role === "sync_standby");
  if (sync) return sync;
  const lagOf = (m: Member) => (typeof m.lag === "number" ? m.lag : Number.MAX_SAFE_INTEGER);
  return [...replicas].sort((a, b) => lagOf(a) - lagOf(b) || a.name.localeCompare(b.name))[0];
}

/** One line an operator reads before saying yes, e.g. in `pulumi preview`. */
export function describePlan(steps: Step[], restartParams: string[]): string {
  if (steps.length === 0) return "Patroni dynamic configuration unchanged: no reload, no restart";
  const patch = steps[0].kind === "patch" ? steps[0].keys : ["(unchanged; members still pending a restart)"];
  const rest = steps.filter((s) => s.kind !== "patch");
  if (rest.length === 0) return `Patroni dynamic configuration: ${patch.join(", ")} applied by reload on every member, no restart`;
  const why = { replica: "", "former leader": " (former leader, if its demotion did not apply it)", "leader first": " (the leader, in place and first: a lowered standby-floor parameter reaches the replicas only from a restarted primary)" };
  const order = rest.map((s) => (s.kind === "switchover" ? `switchover ${s.from} → ${s.to}` : s.kind === "restart" ? `restart ${s.member}${why[s.why]}` : "")).join(", then ");
  const switchovers = rest.filter((s) => s.kind === "switchover").length;
  const leaderInPlace = rest.some((s) => s.kind === "restart" && s.why === "leader first");
  const cost = switchovers ? "one switchover: a few seconds without a writable leader" : leaderInPlace ? "no switchover; the leader's restart: a few seconds without a writable leader" : "no switchover";
  const what = restartParams.length ? `${restartParams.join(", ")} need${restartParams.length === 1 ? "s" : ""} a restart` : "restarts left pending";
  return `Patroni dynamic configuration: ${patch.join(", ")}; ${what}: ${order} (${cost})`;
}
