// npm run lab -- up | down | status | push IMAGE...
import { down, status, up } from "./lab";
import { push } from "./registry";

const USAGE = "usage: npm run lab -- up | down | status | push IMAGE:TAG...";

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
