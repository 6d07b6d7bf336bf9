// etcd's membership step, run by the cluster's command:local:Command once every member of `members` is in
// place (deletes come last in a Pulumi update, so before the containers of a scale-in go):
//   - waits (bounded) until every wanted member is a started member of the cluster: a member that joined
//     (the image's dpg-etcd-start adds it) has caught up before `pulumi up` moves on;
//   - removes from the membership, one at a time, every member that is not wanted (a scale-in), so the
//     cluster's quorum is counted over the members that stay before any container is stopped.
// It talks to the cluster from inside a wanted member (`docker exec -u etcd … dpg-etcdctl`), with that
// member's own client certificate: no key leaves the cluster network.
// Usage: node --import tsx membership.ts  (stdin: JSON MembershipInput). Progress on stderr, summary on stdout.
import { spawnSync } from "node:child_process";
import { ExecTarget, execArgs } from "../target/member-exec";
import { readStdin, until } from "../shared/step-io";

export interface MembershipInput {
  /** The wanted members' names (also their hostnames), in order. */
  members: string[];
  /** Where the members run: absent on one Docker host. */
  target?: ExecTarget;
  /** Upper bound of each wait in seconds. */
  limitS?: number;
}

export interface EtcdMember {
  id: string;
  started: boolean;
  /** The member's name: its peer URL's host (members are named by hostname; an unstarted one has no name yet). */
  name: string;
  peerUrl: string;
}

/** Parses `etcdctl member list` (simple format: "ID, status, name, peer URLs, client URLs, is learner"). */
export function parseMemberList(text: string): EtcdMember[] {
  return text
    .split("\n")
    .map((l) => l.split(", "))
    .filter((f) => f.length >= 4 && /^[0-9a-f]+$/.test(f[0]))
    .map((f) => ({ id: f[0], started: f[1] === "started", name: new URL(f[3].split(",")[0]).hostname, peerUrl: f[3] }));
}

/** What the step does to a membership: the members to remove, in the order it removes them (the last first). */
export function planMembership(current: EtcdMember[], wanted: string[]): { remove: EtcdMember[]; waitFor: string[] } {
  const remove = current.filter((m) => !wanted.includes(m.name)).sort((a, b) => b.name.localeCompare(a.name, "en", { numeric: true }));
  const waitFor = wanted.filter((w) => !current.some((m) => m.name === w && m.started));
  return { remove, waitFor };
}

const log = (s: string) => process.stderr.write(`[etcd-membership] ${s}\n`);

/** dpg-etcdctl in the first wanted member that runs and answers; undefined when none does. */
function etcdctl(input: MembershipInput, args: string[]): string | undefined {
  for (const member of input.members) {
    const exec = execArgs(member, ["-u", "etcd"], ["dpg-etcdctl", ...args], input.target);
    if (!exec) continue;
    const r = spawnSync("docker", exec, { encoding: "utf8", timeout: 30_000 });
    if (r.status === 0) return r.stdout;
  }
  return undefined;
}

async function main(): Promise<void> {
  const input = JSON.parse(await readStdin()) as MembershipInput;
  const limit = input.limitS ?? 300;
  const list = () => {
    const out = etcdctl(input, ["member", "list"]);
    return out === undefined ? undefined : parseMemberList(out);
  };
  let current = await until("etcd's member list from a wanted member (a quorum)", list, limit);
  for (const m of planMembership(current, input.members).remove) {
    log(`${m.name} leaves: member remove ${m.id} (${m.peerUrl})`);
    if (etcdctl(input, ["member", "remove", m.id]) === undefined) throw new Error(`member remove ${m.id} (${m.name}) failed`);
    // The next removal only once this one is applied (etcd refuses a reconfiguration while one is pending).
    await until(`${m.name} gone from the member list`, () => (list()?.every((x) => x.id !== m.id) ? true : undefined), limit);
  }
  current = await until(
    `${input.members.join(", ")} started members of the cluster`,
    () => {
      const now = list();
      return now && planMembership(now, input.members).waitFor.length === 0 ? now : undefined;
    },
    limit,
  );
  log(`members: ${current.map((m) => m.name).join(", ")}`);
  process.stdout.write(JSON.stringify({ members: current.map((m) => m.name) }) + "\n");
}

if (require.main === module) {
  main().catch((e) => {
    log(`failed: ${(e as Error).message}`);
    process.exit(1);
  });
}
