// Child-process helper for program.test.ts: load the program with a given config under mocks
// and print how many resources it registered before failing.
import { installMocks, recorded } from "./mocks";

installMocks(JSON.parse(process.env.DPG_TEST_CONFIG ?? "{}"), "dev");
process.on("exit", () => console.log(`registered=${recorded.length}`));
require("../../infra/index");
