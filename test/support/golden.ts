// Golden files: a renderer's whole output is compared with a reviewed copy in test/golden.
// Regenerate after an intended change with UPDATE_GOLDEN=1 and review the diff.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

export const GOLDEN_DIR = path.join(__dirname, "..", "golden");

export function assertGolden(file: string, actual: string): void {
  const target = path.join(GOLDEN_DIR, file);
  if (process.env.UPDATE_GOLDEN === "1") {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, actual);
    return;
  }
  assert.ok(fs.existsSync(target), `missing golden file ${target}: run with UPDATE_GOLDEN=1 once and review it`);
  assert.equal(actual, fs.readFileSync(target, "utf8"), `${file} differs from its golden copy`);
}
