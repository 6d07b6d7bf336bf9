// The readiness pack on the real engine: prod passes its mandatory policies, an unsafe copy of
// prod is refused before anything is created, and the report reads real previews.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { docker, pulumi, REPO_ROOT, run } from "../support/cli";
import { createTestStack, TestStack } from "../support/stack";

const PACK = ["--policy-pack", "policies", "--policy-pack-config", "policies/config/prod.json"];

function mandatoryViolations(output: string): string[] {
  return output.split("\n").filter((l) => l.includes("[mandatory]")).map((l) => l.trim());
}

describe("readiness pack on the real engine", { timeout: 20 * 60_000 }, () => {
  const stacks: TestStack[] = [];
  after(() => stacks.forEach((s) => s.remove()));

  it("finds no mandatory violation in a preview of the prod stack's config", () => {
    const stack = createTestStack("e2e-prod", "prod", { namePrefix: "dpg-e2e-prod" });
    stacks.push(stack);
    const r = pulumi(["preview", "--stack", stack.name, ...PACK], { allowFail: true });
    assert.deepEqual(mandatoryViolations(r.stdout + r.stderr), []);
    assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr.slice(-3000));
    // The pack did run: its advisory findings are listed.
    assert.match(r.stdout, /dpg-readiness@v0\.1\.0/);
  });

  it("refuses `pulumi up` of prod with TLS off and HAProxy on 0.0.0.0, naming both blockers, and creates nothing", () => {
    const stack = createTestStack("e2e-unsafe", "prod", {
      namePrefix: "dpg-e2e-unsafe",
      tls: { enabled: false },
      haproxy: { bindAddress: "0.0.0.0", writePort: 23000, readPort: 23001, statsPort: 23002 },
      pgbouncer: { port: 23003 },
      network: { subnet: "10.213.40.0/24" },
      // prod's repository server authenticates by certificates: without TLS the config check refuses it
      // before the pack runs; a shared volume keeps this config one the pack must judge.
      backup: { repository: "volume" },
    });
    stacks.push(stack);
    const r = pulumi(["up", "--yes", "--stack", stack.name, ...PACK], { allowFail: true, timeoutMs: 10 * 60_000 });
    const out = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, "pulumi up must be refused");
    const mandatory = mandatoryViolations(out);
    assert.ok(mandatory.some((l) => /postgres-tls/.test(l)), `no TLS blocker among ${mandatory.join("; ")}`);
    assert.ok(mandatory.some((l) => /db-ports-not-public/.test(l)), `no 0.0.0.0 blocker among ${mandatory.join("; ")}`);
    assert.match(out, /set dpg-cluster:tls\.enabled to true/);
    // Issue 8: derived from what this config renders (pg_hba lines, etcd member config), not a copy of tls.enabled.
    for (const policy of ["hostssl-only", "etcd-tls", "etcd-auth"]) assert.ok(mandatory.some((l) => l.includes(policy)), `no ${policy} blocker among ${mandatory.join("; ")}`);
    assert.match(out, /pg_hba\.conf admits non-TLS connections \(host all all 127\.0\.0\.1\/32 scram-sha-256/);
    assert.match(out, /dpg-cluster:haproxy\.bindAddress/);
    const created = docker(["ps", "-a", "--filter", "label=dpg.stack=dpg-e2e-unsafe", "--format", "{{.Names}}"]).stdout.trim();
    assert.equal(created, "", "no container may be created for a refused config");
    const resources = JSON.parse(pulumi(["stack", "export", "--stack", stack.name]).stdout).deployment?.resources ?? [];
    assert.ok(!resources.some((res: { type: string }) => res.type.startsWith("docker:")), "no docker resource in the state");
  });

  it("reports the dev stack as not ready (exit 1) with a table, Markdown and JSON", () => {
    const stack = createTestStack("e2e-report", "dev", { namePrefix: "dpg-e2e-report" });
    stacks.push(stack);
    const out = path.join(REPO_ROOT, "reports", "e2e-report");
    const r = run("npx", ["--no-install", "tsx", "policies/report/cli.ts", "--stack", stack.name, "--out", out], { allowFail: true, timeoutMs: 10 * 60_000 });
    assert.equal(r.status, 1, r.stdout.slice(-2000) + r.stderr.slice(-2000));
    assert.match(r.stdout, /NOT READY \(dev, \d{4}-\d{2}-\d{2}\): overall \d+\.\d%/);
    assert.match(r.stdout, /CATEGORY\s+ITEM\s+SEV\s+STATUS\s+EVIDENCE/);
    const report = JSON.parse(fs.readFileSync(path.join(out, "readiness.json"), "utf8"));
    assert.equal(report.stack, stack.name);
    assert.equal(report.score.status, "not-ready");
    assert.ok(report.items.length >= 179, `${report.items.length} items`);
    assert.match(fs.readFileSync(path.join(out, "readiness.md"), "utf8"), /\| Category \| Passed \| Score \| Failing blockers \|/);
    // Issue 8: what the dev config really declares, from the engine's preview of it.
    const byId = new Map<string, { status: string; evidence: string }>(report.items.map((i: { id: string }) => [i.id, i]));
    const expect = (id: string, status: string, evidence: RegExp) => {
      assert.equal(byId.get(id)?.status, status, `${id}: ${byId.get(id)?.evidence}`);
      assert.match(byId.get(id)!.evidence, evidence, id);
    };
    for (const id of ["000-MON-02", "000-MON-03", "000-MON-04", "000-MON-05"]) expect(id, "fail", /no Grafana serves the dashboard.*Grafana is not deployed/);
    expect("000-MON-12", "fail", /precondition fails: .*only the built-in test sink/);
    expect("001-DB-13", "fail", /PostgreSQL max_connections is 200/);
    expect("000-DB-09", "fail", /one local Docker volume \(.*pgbackrest-repo|one local Docker volume/);
    expect("000-INF-09", "fail", /only this host can restore from it/);
    expect("001-SEC-10", "pass", /container-log-rotation: ok/);
    expect("001-SEC-04", "pass", /hostssl-only: ok/);
    expect("001-SEC-01", "not-measured", /not measured at preview/);
    // The dev config keeps pgvector: the seeds' RuVector items fail before any measurement; the version is live.
    for (const id of ["000-DB-01", "000-DB-02", "001-DB-02"]) expect(id, "fail", /precondition fails: vector-extension: the stack creates pgvector \(vector\).*dpg-cluster:patroni\.vectorExtension to "ruvector"/);
    expect("001-DB-01", "not-measured", /not measured at preview/);
    console.log(`# dev readiness: ${r.stdout.trim().split("\n").filter((l) => /READY/.test(l)).pop()}`);
  });
});
