// Child-process helper for program.test.ts: load the program with a given config under mocks
// and print how many resources it registered before failing.
import * as fs from "node:fs";
import { installMocks, recorded } from "./mocks";

installMocks(JSON.parse(process.env.DPG_TEST_CONFIG ?? "{}"), "dev");
process.on("exit", () => {
  console.log(`registered=${recorded.length}`);
  // What a test in the parent process reads of the declared resources (plain inputs as the mocks saw them).
  // Into a file: at exit, a large write into a pipe the parent has not drained yet is cut short.
  if (process.env.DPG_TEST_DUMP) fs.writeFileSync(process.env.DPG_TEST_DUMP, JSON.stringify(recorded.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }))));
});
require("../../infra/index");

