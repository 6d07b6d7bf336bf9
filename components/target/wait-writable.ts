// `pulumi up` on a Swarm returns once the write path works: like pg_isready, but from this machine to
// the routers' published ports (the overlay is not reachable from here, and no node has our client).
// Any answer of PostgreSQL itself (even "no such role") means the leader is reachable behind HAProxy;
// a refused or dropped connection means it is not yet. Bounded: DPG_WAIT_TRIES × 1 s.
//   DPG_WAIT_ENDPOINTS="10.77.0.11:25000,10.77.0.12:25000" node --import tsx components/target/wait-writable.ts
import { Client } from "pg";

/** True when PostgreSQL answered at host:port (a SQLSTATE from the server), false when nothing did. */
export async function postgresAnswers(host: string, port: number): Promise<boolean> {
  const c = new Client({ host, port, user: "dpg_wait_probe", database: "postgres", password: "-", connectionTimeoutMillis: 2000, ssl: false });
  try {
    await c.connect();
    return true;
  } catch (e) {
    return typeof (e as { code?: unknown }).code === "string" && /^[0-9A-Z]{5}$/.test((e as { code: string }).code);
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  const endpoints = (process.env.DPG_WAIT_ENDPOINTS ?? "").split(",").filter(Boolean);
  const tries = Number(process.env.DPG_WAIT_TRIES ?? 180);
  if (!endpoints.length) throw new Error("set DPG_WAIT_ENDPOINTS");
  const start = Date.now();
  for (let i = 0; i < tries; i++) {
    for (const ep of endpoints) {
      const [host, port] = ep.split(":");
      if (await postgresAnswers(host, Number(port))) {
        process.stdout.write(String(Math.round((Date.now() - start) / 1000)));
        return 0;
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.error(`no writable primary behind ${endpoints.join(", ")} after ${tries} tries`);
  return 1;
}

if (require.main === module) main().then((code) => process.exit(code), (e) => (console.error((e as Error).message), process.exit(1)));
