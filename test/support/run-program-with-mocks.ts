// Child-process helper for program.test.ts: load the program with a given config under mocks
// and print how many resources it registered before failing.
import * as fs from "node:fs";
import { installMocks, recorded } from "./mocks";

installMocks(JSON.parse(process.env.DPG_TEST_CONFIG ?? "{}"), "dev");
process.on("exit", () => {
  console.log(`registered=${recorded.length}`);
  // What a test in the parent process reads of the declared resources (plain inputs as the mocks saw them).
  // Written synchronously: at exit, a console.log into a pipe is cut after its first chunk (~200 kB).
  if (process.env.DPG_TEST_DUMP) fs.writeSync(1, `dump=${JSON.stringify(recorded.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs })))}\n`);
});
require("../../infra/index");
