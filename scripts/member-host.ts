// Prints the Docker endpoint of the daemon that runs a stack's member (a container on one host, a
// Swarm service's task on some node), for shell scripts that must run `docker` beside it: e.g.
// scripts/pitr-restore.sh mounts the repository server's volume, which exists only on that node.
// Prints nothing when the member runs on this machine's daemon; exits 1 when it runs nowhere.
//
//   node --import tsx scripts/member-host.ts [--swarm-only] <stack> <member>   e.g. lab dpg-lab-backup
import * as path from "path";
import { execTargetFor, memberContainer } from "../components/target/member-exec";
import { stackConfig } from "../policies/report/pulumi";
import { settingsFrom } from "../policies/live/target";

const args = process.argv.slice(2);
// --swarm-only: print nothing for a stack on one Docker host (its members run on this machine's daemon).
const swarmOnly = args[0] === "--swarm-only";
const [stack, member] = swarmOnly ? args.slice(1) : args;
if (!stack || !member) {
  console.error("usage: member-host.ts [--swarm-only] <stack> <member>");
  process.exit(2);
}
const config = settingsFrom(stackConfig(stack, path.join(__dirname, "..")), stack);
if (swarmOnly && config.target.kind !== "swarm") process.exit(0);
const target = execTargetFor(config.target);
const found = memberContainer(member, target);
if (!found) {
  console.error(`member-host: ${member} of stack ${stack} has no running container${target.kind === "swarm" ? " (no running task on a node with an endpoint)" : ""}`);
  process.exit(1);
}
if (found.host) console.log(found.host);
