// Rolling replacement of the Patroni nodes, as pure functions: in which order `pulumi up` replaces the
// members' containers (or updates their Swarm services) when a change needs a new container (new image,
// new files, a new limit the target cannot change in place), and what the operator is told about it.
// The order is the rolling restart's (day2.ts): replicas one at a time (asynchronous first, the
// synchronous standby last), then a switchover to the synchronous standby, then the former leader.
// PatroniCluster chains the members in this order (index.ts); handover.ts and member-ready.ts are the
// live steps around each member's replacement.
import { Member } from "./day2";

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
    steps.push(n === leader ? `${n} (former leader)` : n);
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
