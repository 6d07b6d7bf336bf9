// Rolling replacement of the Patroni nodes, as pure functions: in which order `pulumi up` replaces the
// members' containers (or updates their Swarm services) when a change needs a new container (new image,
// new files, a new limit the target cannot change in place), and what the operator is told about it.
// The order is the rolling restart's (day2.ts): replicas one at a time (asynchronous first, the
// synchronous standby last), then a switchover to the synchronous standby, then the former leader.
// PatroniCluster chains the members in this order (index.ts); rolling-step.ts holds the live steps around
// each member's replacement (handover, ready) and the hand-over before a scale-in (leave).
import { Member, switchoverTarget } from "./day2";

/**
 * The nodes in the order their replacements run: nodes that are not members yet (a first `up`, a scale
 * out) in index order, then the replicas (asynchronous ones first, the synchronous standby last, names
 * breaking ties), the leader last. `members` is what Patroni's GET /cluster lists now; members that are
 * not among `nodes` (on their way out) are left out.
 */
export function replacementOrder(nodes: string[], members: Member[]): string[] {
  const live = new Map(members.filter((m) => nodes.includes(m.name)).map((m) => [m.name, m]));
  const isLeader = (m: Member) => m.role === "leader" || m.role === "standby_leader";
  const rank = (name: string): number => {
    const m = live.get(name);
    if (!m) return 0;
    if (isLeader(m)) return 3;
    return m.role === "sync_standby" ? 2 : 1;
  };
  return nodes
    .map((name, i) => ({ name, i }))
    .sort((a, b) => rank(a.name) - rank(b.name) || (rank(a.name) === 0 ? a.i - b.i : a.name.localeCompare(b.name)))
    .map((x) => x.name);
}

/** The live leader among `nodes`, if Patroni names one. */
export function currentLeader(nodes: string[], members: Member[]): string | undefined {
  return members.find((m) => nodes.includes(m.name) && (m.role === "leader" || m.role === "standby_leader"))?.name;
}

/**
 * What `pulumi preview` says before the operator says yes. `replaced` lists the nodes whose container or
 * service this update changes (undefined: not known before the update, e.g. an image still to be built).
 */
export function describeReplacement(order: string[], members: Member[], replaced: string[] | undefined): string {
  const leader = currentLeader(order, members);
  const touched = replaced === undefined ? order : order.filter((n) => replaced.includes(n));
  if (touched.length === 0) return "Patroni nodes: no container or service is replaced";
  const sync = members.find((m) => m.role === "sync_standby" && order.includes(m.name))?.name;
  const steps: string[] = [];
  for (const n of touched) {
    if (n === leader && touched.length > 0 && order.length > 1) steps.push(`switchover ${n} → ${sync ?? "the synchronous standby"}`);
    steps.push(n === leader ? `${n} (former leader)` : members.length > 0 && !members.some((m) => m.name === n) ? `${n} (new: joins by basebackup)` : n);
  }
  const switchover = leader !== undefined && touched.includes(leader) && order.length > 1;
  const certainty = replaced === undefined ? "if their containers are replaced (not known before the images are built), " : "";
  return (
    `Patroni nodes ${certainty}replaced one at a time, each waiting until it streams again: ${steps.join(", then ")}` +
    ` (${switchover ? "one switchover: a few seconds without a writable leader" : "no switchover"})`
  );
}

/** The node streams again without a pending restart, within 16 MB of the leader's WAL (or it leads). */
export function memberBack(ms: Member[], node: string): boolean {
  const m = ms.find((x) => x.name === node);
  if (!m) return false;
  if (m.role === "leader") return m.state === "running";
  return m.state === "streaming" && !m.pending_restart && typeof m.lag === "number" && m.lag < 16 * 1024 * 1024;
}

/** A scale-in: the members Patroni lists that are not among `nodes`, and the switchover to make first. */
export interface ScaleIn {
  /** Members on their way out (Pulumi deletes their containers or services at the end of the update). */
  leaving: string[];
  /** When the leader is leaving: hand it over first, to a member that stays. */
  switchover?: { from: string; to: string };
}

/**
 * What a scale-in does before the leaving members go: when the leader is among them, a switchover to a
 * member that stays (its synchronous standby if it has one, else the replica with the least lag), so no
 * leaving member takes the lead with it. Undefined when nothing leaves; a leader leaving with no
 * streaming member to stay is an error the step reports.
 */
export function planScaleIn(nodes: string[], members: Member[]): ScaleIn | undefined {
  const leaving = members.filter((m) => !nodes.includes(m.name)).map((m) => m.name);
  if (leaving.length === 0) return undefined;
  const leader = members.find((m) => m.role === "leader" || m.role === "standby_leader");
  if (!leader || nodes.includes(leader.name)) return { leaving };
  const staying = members.filter((m) => nodes.includes(m.name) && m.state === "streaming");
  const to = switchoverTarget(staying);
  if (!to) throw new Error(`the leader ${leader.name} is leaving and no member that stays streams: nowhere to hand it over`);
  return { leaving, switchover: { from: leader.name, to: to.name } };
}

/** What `pulumi preview` says of a scale-in before the operator says yes. */
export function describeScaleIn(plan: ScaleIn, memberSlotsTtlS: number): string {
  const how = plan.switchover ? `the leader leaves: switchover ${plan.switchover.from} → ${plan.switchover.to} first (a few seconds without a writable leader)` : "no switchover";
  return `Patroni scale-in: ${plan.leaving.join(", ")} leave${plan.leaving.length === 1 ? "s" : ""} once the other members are in place (${how}); their replication slots are dropped ${memberSlotsTtlS} s after they are gone (patroni.memberSlotsTtlS)`;
}
