// The host drills' verdicts (policies/live/host-drill-analysis.ts) on outcomes a real drill produces:
// a clean hand-over, two members acknowledging at once, a lost row, a leader that never demoted.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    acceptedPerMember, demotedAt, doublePrimaryRounds, firstAckAfter, lostRows, maxWriteGapSeconds, RoleSample, splitBrain, spread, WriteAttempt,
} from "../../policies/live/host-drill-analysis";
import { partitionBatch, partitionRules } from "../../lab/faults";
import { HostDrillRun, summarize } from "../../policies/live/host-drills";
import { LAB } from "../../lab/topology";

const T0 = 1_700_000_000_000;
let id = 0;
const ack = (server: string, startedAt: number, router = "r1"): WriteAttempt => ({ router, id: ++id, startedAt: T0 + startedAt, endedAt: T0 + startedAt + 20, ok: true, server });
const fail = (startedAt: number, router = "r1"): WriteAttempt => ({ router, id: ++id, startedAt: T0 + startedAt, endedAt: T0 + startedAt + 2000, ok: false });

/** pg-1 leads, the fault at 1 s, pg-2 takes writes from 31 s. */
const cleanHandOver = () => [ack("pg-1", 0), ack("pg-1", 500), fail(1000), fail(3000, "r2"), ack("pg-2", 31_000), ack("pg-2", 31_500, "r2")];

describe("host drill verdicts", () => {
    it("a clean hand-over: no split brain, the first write after the fault on the new leader", () => {
        const a = cleanHandOver();
        assert.deepEqual(splitBrain(a), []);
        const first = firstAckAfter(a, T0 + 1000, "pg-1");
        assert.equal(first?.server, "pg-2");
        assert.equal(((first!.endedAt - (T0 + 1000)) / 1000).toFixed(2), "30.02");
        assert.equal(maxWriteGapSeconds(a), 30.5);
        assert.deepEqual(acceptedPerMember(a, T0 + 1000, T0 + 40_000), { "pg-2": 2 });
        // sent before the fault, answered after it: committed before the fault, not accepted during it
        assert.deepEqual(acceptedPerMember([{ ...ack("pg-1", 990), endedAt: T0 + 1100 }], T0 + 1000, T0 + 40_000), {});
    });

    it("the isolated old leader acknowledging after the new one started is split brain", () => {
        const a = [...cleanHandOver(), ack("pg-1", 32_000, "r3")];
        const problems = splitBrain(a);
        assert.equal(problems.length, 1);
        assert.match(problems[0], /pg-1 and pg-2 both acknowledged writes/);
        assert.deepEqual(acceptedPerMember(a, T0 + 1000, T0 + 40_000), { "pg-2": 2, "pg-1": 1 });
    });

    it("an insert sent to the old leader before the new one's first answer, but read late, is not split brain; one sent after it is", () => {
        // sent at 0.9 s (before the fault), its answer read only at 33 s, after pg-2's first answer (31.02 s)
        const late = [...cleanHandOver(), { ...ack("pg-1", 900, "r3"), endedAt: T0 + 33_000 }];
        assert.deepEqual(splitBrain(late), []);
        const after = [...cleanHandOver(), { ...ack("pg-1", 31_100, "r3"), endedAt: T0 + 33_000 }];
        assert.equal(splitBrain(after).length, 1);
    });

    it("an acknowledged row missing afterwards is lost; a failed insert that left no row is not", () => {
        const a = cleanHandOver();
        const present = new Set(a.filter((x) => x.ok).map((x) => x.id));
        assert.deepEqual(lostRows(a, present), []);
        present.delete(a[1].id);
        assert.deepEqual(lostRows(a, present), [a[1].id]);
    });

    it("sampling rounds with two writable PostgreSQL are reported; demotion is the first non-primary sample", () => {
        const s: RoleSample[] = [
            { round: 1, at: T0 + 1000, member: "pg-1", role: "primary" },
            { round: 1, at: T0 + 1010, member: "pg-2", role: "replica" },
            { round: 2, at: T0 + 20_000, member: "pg-1", role: "down" },
            { round: 3, at: T0 + 32_000, member: "pg-1", role: "replica" },
            { round: 3, at: T0 + 32_010, member: "pg-2", role: "primary" },
        ];
        assert.deepEqual(doublePrimaryRounds(s), []);
        assert.equal(demotedAt(s, "pg-1", T0 + 500), T0 + 20_000);
        const never = s.map((x) => (x.member === "pg-1" ? { ...x, role: "primary" as const } : x));
        assert.equal(demotedAt(never, "pg-1", T0 + 500), undefined);
        assert.deepEqual(doublePrimaryRounds(never).map((r) => r.members), [["pg-1", "pg-2"]]);
    });

    it("spread over runs: min, median, max; undefined runs skipped; none → undefined", () => {
        assert.deepEqual(spread([31, 29, undefined, 35, 30, 33]), { runs: 5, min: 29, median: 31, max: 35 });
        assert.deepEqual(spread([2, 4]), { runs: 2, min: 2, median: 3, max: 4 });
        assert.equal(spread([undefined]), undefined);
    });
});

describe("lab partition rules", () => {
    it("cut a node off from every other node (the backup host too) and the registry, both ways, and nothing else (the host stays reachable)", () => {
        const rules = partitionRules(LAB.nodes[0]);
        const peers = ["10.77.0.12", "10.77.0.13", "10.77.0.14", "10.77.0.10"];
        assert.equal(rules.length, peers.length * 3);
        for (const ip of peers) {
            assert.ok(rules.some((r) => r[0] === "PREROUTING" && r.includes("-s") && r.includes(ip)));
            assert.ok(rules.some((r) => r[0] === "PREROUTING" && r.includes("-d") && r.includes(ip)));
            assert.ok(rules.some((r) => r[0] === "OUTPUT" && r.includes(ip)));
        }
        assert.ok(!rules.flat().includes("10.77.0.1"), "the host's address is never filtered");
        assert.ok(!rules.flat().includes(LAB.nodes[0].ip), "nor the node's own");
    });

    it("go in as one iptables-restore batch into the raw table, without flushing anything else", () => {
        const batch = partitionBatch(partitionRules(LAB.nodes[1]), "-A").split("\n");
        assert.equal(batch[0], "*raw");
        assert.equal(batch.at(-2), "COMMIT");
        assert.equal(batch[1], "-A PREROUTING -s 10.77.0.11 -j DROP -m comment --comment dpg-lab-partition");
        assert.equal(partitionBatch([["OUTPUT", "-d", "10.77.0.10", "-j", "DROP"]], "-D").split("\n")[1], "-D OUTPUT -d 10.77.0.10 -j DROP");
    });
});

describe("host drill summary", () => {
    const run = (over: Partial<HostDrillRun>): HostDrillRun => ({
        kind: "backup-host-loss", at: "2026-12-02T06:38:00Z", target: "dpg-lab-4,dpg-lab-1", oldLeader: "pg-1", newLeader: "pg-2", firstWriteSeconds: 24,
        maxWriteGapSeconds: 24, acknowledged: 500, failed: 30, lost: [], acceptedDuringFault: {}, splitBrain: [], doublePrimarySamples: 0, recoveredSeconds: 40,
        faultSeconds: 60, repositoryNode: "dpg-lab-4", archiveCatchUpSeconds: 63.9, pitr: { target: "2026-12-02 06:38:38+00", seconds: 13, rows: 199, expected: 199 },
        ok: true, problems: [], ...over,
    });

    it("counts the backup-host restores that hold exactly the rows committed before their target, and fails the others", () => {
        const text = summarize({ stack: "lab", systemIdentifier: "1", runs: [run({}), run({ pitr: { target: "t", seconds: 20, rows: 150, expected: 199 }, archiveCatchUpSeconds: 10 })] });
        assert.match(text, /^backup-host-loss: 2 runs/m);
        assert.match(text, /restore 13\.0 \/ 16\.5 \/ 20\.0 s/);
        assert.match(text, /outage WAL archived after the repository's node came back 10\.0 \/ 37\.0 \/ 63\.9 s/);
        assert.match(text, /restores with exactly the rows before their target 1 of 2/);
    });

    it("a backup-host run without a restore counts as none", () => {
        assert.match(summarize({ stack: "lab", systemIdentifier: "1", runs: [run({ pitr: undefined, ok: false })] }), /exactly the rows before their target 0 of 1/);
    });
});
