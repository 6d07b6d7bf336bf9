// npm run lab -- up | down | status | push IMAGE...
import { gatherSwarmFacts, judgeSwarm } from "./facts";
import { down, labEndpoints, status, up } from "./lab";
import { push } from "./registry";

const USAGE = "usage: npm run lab -- up | down | status | push IMAGE:TAG... | facts [REQUIRED_MBIT_S]";

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "up": {
      const { ms } = await up();
      process.stdout.write(`lab up in ${(ms / 1000).toFixed(1)} s\n`);
      const problems = status();
      return problems.length ? (problems.forEach((p) => console.error(p)), 1) : 0;
    }
    case "down":
      down();
      return 0;
    case "status": {
      const problems = status();
      for (const p of problems) console.error(`unhealthy: ${p}`);
      return problems.length ? 1 : 0;
    }
    case "push": {
      if (!rest.length) throw new Error(USAGE);
      for (const p of await push(rest)) {
        process.stdout.write(`${p.ref}\t${p.image}\t${p.pushed ? "pushed" : "already there"} in ${(p.ms / 1000).toFixed(1)} s\n`);
      }
      return 0;
    }
    case "facts": {
      // 001-PERF-09 has no figure in the seed: the required rate is given (Mbit/s), default 1000
      const required = Number(rest[0] ?? 1000) * 1e6;
      const t0 = Date.now();
      const facts = await gatherSwarmFacts(await labEndpoints());
      const verdicts = judgeSwarm(facts, { requiredBitsPerSecond: required });
      for (const [id, v] of Object.entries(verdicts)) process.stdout.write(`${id}\t${v.status}\t${v.evidence}\n`);
      process.stdout.write(`gathered in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      return Object.values(verdicts).every((v) => v.status === "pass") ? 0 : 1;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`lab: ${(e as Error).message}`);
    process.exit(1);
  },
);
