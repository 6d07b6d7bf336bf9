// README "Stack settings" is generated from the schema (infra/settings-doc.ts): a stale table or an
// undocumented setting fails here.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import { README_PATH, renderSettingsTable, settingRows, withSettingsTable } from "../../infra/settings-doc";

describe("README settings table", () => {
  it("is the one generated from the schema (run: node --import tsx infra/settings-doc.ts --write)", () => {
    const readme = fs.readFileSync(README_PATH, "utf8");
    assert.equal(withSettingsTable(readme), readme);
  });

  it("documents every setting with a doc line", () => {
    const undocumented = settingRows().filter((r) => !r.description.trim()).map((r) => r.key);
    assert.deepEqual(undocumented, []);
  });

  it("shows each setting's default and bounds from its one declaration", () => {
    const table = renderSettingsTable();
    assert.match(table, /\| `patroni\.ttl` \| `20` \| integer 20–300 \|/);
    assert.match(table, /\| `patroni\.loopWait` \| `2` \|/);
    assert.match(table, /\| `etcd\.members` \| `3` \| integer 1–7 \|/);
  });
});
