// Issue 10: "readiness shows the Swarm blockers passing" on the deployed lab stack. Read-only toward the
// stack (a preview with the pack, and the live collector); the swarm probes start one throwaway overlay
// and a container per node, and remove them. Assumes the lab is up and `pulumi up -s lab` has run (the
// lab e2e orders it so).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT, run } from "../support/cli";

const STACK = "lab";
const SWARM_ITEMS = ["000-INF-02", "001-INF-03", "000-INF-03", "001-INF-04", "000-INF-04", "001-PERF-09"];

describe("readiness of the Swarm lab stack", { timeout: 20 * 60_000 }, () => {
  it("the Swarm items pass from live facts; the facts Swarm cannot change fail with the operator's fix", () => {
    const out = path.join(REPO_ROOT, "reports", "e2e-swarm-readiness");
    const t0 = Date.now();
    const r = run("npx", ["--no-install", "tsx", "policies/report/cli.ts", "--stack", STACK, "--out", out], { allowFail: true, timeoutMs: 15 * 60_000 });
    const report = JSON.parse(fs.readFileSync(path.join(out, "readiness.json"), "utf8"));
    const byId = new Map<string, { status: string; evidence: string }>(report.items.map((i: { id: string }) => [i.id, i]));
    console.log(`# lab readiness in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${r.stdout.split("\n").find((l) => /READY/.test(l)) ?? ""}`);
    for (const id of SWARM_ITEMS) {
      const item = byId.get(id)!;
      console.log(`# ${id} ${item.status}: ${item.evidence}`);
      assert.equal(item.status, "pass", `${id}: ${item.evidence}`);
    }
    assert.match(byId.get("001-INF-03")!.evidence, /3 Ready nodes, 3 managers reachable/);
    assert.match(byId.get("001-PERF-09")!.evidence, /iperf3 dpg-lab-1→dpg-lab-2 over the overlay/);
    // Static: the members are pinned to three nodes, so the precondition held before the live facts.
    const nofile = byId.get("001-INF-14")!;
    assert.equal(nofile.status, "fail");
    assert.match(nofile.evidence, /Swarm service .* cannot declare an open-file limit/);
    assert.match(byId.get("000-SEC-05")!.evidence, /host mode\) on every interface of the node its task runs on.*firewall the Swarm nodes/);
  });
});
