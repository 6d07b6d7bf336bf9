// Writes dev.json and prod.json from the rules (run after changing a rule's severity):
//   npx tsx policies/config/generate.ts
import * as fs from "fs";
import * as path from "path";
import { ENVIRONMENTS, policyConfigFor } from "./environments";

export function renderConfig(env: (typeof ENVIRONMENTS)[number]): string {
    return JSON.stringify(policyConfigFor(env), null, 2) + "\n";
}

if (require.main === module) {
    for (const env of ENVIRONMENTS) fs.writeFileSync(path.join(__dirname, `${env}.json`), renderConfig(env));
}
