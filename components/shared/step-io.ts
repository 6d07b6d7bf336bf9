// What every step script run by a command:local:Command or a resource hook needs: its JSON input on
// stdin, and bounded waiting for something to happen on the live cluster.

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until probe returns a value; bounded in time and count, fails naming what never happened. */
export async function until<T>(what: string, probe: () => T | undefined, limitS: number): Promise<T> {
  const deadline = Date.now() + limitS * 1000;
  for (let i = 0; i < 100_000; i++) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) break;
    await sleep(500);
  }
  throw new Error(`${what}: not reached within ${limitS} s`);
}

/** The JSON input a step script (day2-apply.ts, rolling-step.ts, etcd/membership.ts) gets from its command on stdin. */
export function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (d) => (data += d));
    process.stdin.on("end", () => resolve(data));
    process.stdin.on("error", reject);
  });
}
