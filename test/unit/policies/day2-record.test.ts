// The day-2 drill record in the readiness report: read from reports/<stack>/day2-drill.json, each row judged
// against issue 9's goals, shown in the Markdown and HTML reports; no record (or a broken one) says so.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { Day2DrillRecord, Day2DrillRow, judgeDay2Row, readDay2Drill } from "../../../policies/live/day2-record";
import { day2Markdown } from "../../../policies/report/render";
import { renderHtml } from "../../../policies/report/html";

const row = (over: Partial<Day2DrillRow>): Day2DrillRow => ({ kind: "x", attempted: 500, failed: 0, writeGapSeconds: 0.3, lost: 0, reads: 300, readErrors: 0, upSeconds: 30, upOk: true, ...over });
const RECORD: Day2DrillRecord = {
  stack: "dev",
  at: "2026-12-03T00:40:00.000Z",
  seconds: 300,
  rows: [
    row({ kind: "reloadable parameter", key: "reload" }),
    row({ kind: "image update", key: "image", failed: 8, writeGapSeconds: 4.6 }),
    row({ kind: "etcd scale out", key: "etcd", writeGapSeconds: 0.1 }),
    row({ kind: "revert: etcd scale out", key: "etcd", revert: true, writeGapSeconds: 0.9 }),
  ],
};

describe("day-2 drill record", () => {
  it("passes each row within its goal", () => {
    for (const r of RECORD.rows) assert.equal(judgeDay2Row(r).ok, true, r.kind);
    assert.equal(judgeDay2Row(RECORD.rows[1]).goal, "nothing lost; write gap ≤ 5 s");
  });
  it("fails a reload that failed a write, a restart over 5 s, a scale with an outage, a lost write, a failed up", () => {
    assert.deepEqual(judgeDay2Row(row({ key: "reload", failed: 1 })).why, ["1 failed write(s)"]);
    assert.deepEqual(judgeDay2Row(row({ key: "restart", failed: 12, writeGapSeconds: 7.2 })).why, ["write gap 7.2 s"]);
    assert.deepEqual(judgeDay2Row(row({ key: "scale", revert: true, failed: 6, writeGapSeconds: 2.9 })).why, ["6 failed write(s)", "write gap 2.9 s"]);
    assert.deepEqual(judgeDay2Row(row({ key: "certs", lost: 2 })).why, ["2 acknowledged write(s) lost"]);
    assert.deepEqual(judgeDay2Row(row({ upOk: false })).why, ["pulumi up failed"]);
  });
  it("a row with no key (an older record) is judged on nothing lost and its up only", () => {
    assert.equal(judgeDay2Row(row({ failed: 40, writeGapSeconds: 30 })).ok, true);
    assert.equal(judgeDay2Row(row({})).goal, "nothing lost");
  });
  it("reads the stack's record; no record, or not a record, says how to make one", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dpg-day2-"));
    try {
      assert.match(readDay2Drill(dir, "dev").missing!, /no day-2 drill recorded for dev; run: npm run drill:day2 -- --stack dev/);
      fs.mkdirSync(path.join(dir, "dev"));
      fs.writeFileSync(path.join(dir, "dev", "day2-drill.json"), JSON.stringify({ at: "2026-12-03", rows: [{ kind: "x" }] }));
      assert.match(readDay2Drill(dir, "dev").missing!, /is not a day-2 drill record/);
      fs.writeFileSync(path.join(dir, "dev", "day2-drill.json"), JSON.stringify(RECORD));
      assert.deepEqual(readDay2Drill(dir, "dev").record, RECORD);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("Markdown: a table row per change with its verdict, or why there is none", () => {
    const failing = { ...RECORD, rows: [...RECORD.rows, row({ kind: "restart", key: "restart", writeGapSeconds: 6 })] };
    const md = day2Markdown({ record: failing }).join("\n");
    assert.match(md, /## Day-2 changes \(2026-12-03 00:40:00 UTC\)/);
    assert.match(md, /\| image update \| 4\.6 \| 8\/500 \| 0 \| 0\/300 \| 30 \| nothing lost; write gap ≤ 5 s \| PASS \|/);
    assert.match(md, /\| restart \| 6 \| .* \| FAIL: write gap 6 s \|/);
    assert.match(day2Markdown({ missing: "no day-2 drill recorded for dev" }).join("\n"), /No usable day-2 drill record: no day-2 drill recorded for dev\./);
  });
  it("HTML: the section after the benchmark, with the count of rows that pass", () => {
    const doc = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "support", "readiness-report.json"), "utf8"));
    const html = renderHtml({ ...doc, day2: { record: { ...RECORD, rows: [...RECORD.rows, row({ kind: "restart", key: "restart", writeGapSeconds: 6 })] } } });
    assert.ok(html.indexOf('id="bench"') < html.indexOf('id="day2"') && html.indexOf('id="day2"') < html.indexOf('id="success-window"'));
    assert.match(html, /<h2>Day-2 changes <span class="count">4\/5<\/span>/);
    assert.match(html, /<tr data-kind="etcd-revert"><td>revert: etcd scale out<\/td>/);
    assert.match(html, /s-fail">fail<\/span> <span class="evidence">write gap 6 s<\/span>/);
    assert.match(renderHtml({ ...doc, day2: undefined }), /<section id="day2"><h2>Day-2 changes<\/h2><p class="empty">No usable day-2 drill record: the report did not read one\.<\/p>/);
  });
});
