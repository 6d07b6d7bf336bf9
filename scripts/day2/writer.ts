// A client that keeps committing rows through the write port while a day-2 change runs, as an
// application would: one connection, re-opened after an error. It measures what the change cost writers:
// failed writes, the largest gap between acknowledged writes, and (after stop) acknowledged rows lost.
import { Client } from "pg";

export interface WriterTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  caCertPem?: string;
}

export interface WriterRecord {
  attempted: number;
  acknowledged: number;
  failed: number;
  /** Largest gap between two consecutive acknowledged writes (or start/stop and the nearest one), seconds. */
  writeGapSeconds: number;
  /** Acknowledged rows not in the table afterwards (read through the write port). */
  lost: number;
  durationSeconds: number;
  /** First few error messages, for the log. */
  errors: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function client(t: WriterTarget): Client {
  return new Client({
    host: t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    database: t.database,
    connectionTimeoutMillis: 2000,
    query_timeout: 5000,
    ssl: t.caCertPem ? { ca: t.caCertPem } : false,
  });
}

/** Runs SQL on a fresh connection, retrying while a leader change settles (bounded). */
export async function writeSql(t: WriterTarget, sql: string, params: unknown[] = []): Promise<any[]> {
  let last: unknown;
  for (let i = 0; i < 30; i++) {
    const c = client(t);
    try {
      await c.connect();
      return (await c.query(sql, params)).rows;
    } catch (e) {
      last = e;
      await sleep(1000);
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  throw new Error(`SQL through ${t.host}:${t.port} kept failing: ${(last as Error)?.message}`);
}

/**
 * Starts writing into `table` (created if missing) every `everyMs`; stop() ends the run and returns
 * the record. Bounded: at most `maxWrites` attempts.
 */
export async function startWriter(t: WriterTarget, table: string, everyMs = 50, maxWrites = 200_000) {
  await writeSql(t, `CREATE TABLE IF NOT EXISTS ${table} (id bigint PRIMARY KEY, run text NOT NULL, at timestamptz NOT NULL DEFAULT now())`);
  const run = `${Date.now()}`;
  const acked: Array<{ id: number; at: number }> = [];
  const errors: string[] = [];
  let attempted = 0;
  let failed = 0;
  let running = true;
  const startedAt = Date.now();
  let base = Number((await writeSql(t, `SELECT coalesce(max(id), 0) AS m FROM ${table}`))[0].m);
  const loop = (async () => {
    let c: Client | undefined;
    for (let i = 0; running && i < maxWrites; i++) {
      const id = ++base;
      attempted++;
      try {
        if (!c) {
          c = client(t);
          c.on("error", () => undefined); // a dropped connection surfaces on the next query
          await c.connect();
        }
        await c.query(`INSERT INTO ${table} (id, run) VALUES ($1, $2)`, [id, run]);
        acked.push({ id, at: Date.now() });
      } catch (e) {
        failed++;
        if (errors.length < 5) errors.push((e as Error).message);
        await c?.end().catch(() => undefined);
        c = undefined;
      }
      await sleep(everyMs);
    }
    await c?.end().catch(() => undefined);
  })();
  return {
    acknowledged: () => acked.length,
    stop: async (): Promise<WriterRecord> => {
      running = false;
      await loop;
      const stoppedAt = Date.now();
      const times = [startedAt, ...acked.map((a) => a.at), stoppedAt];
      let gap = 0;
      for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
      const present = new Set((await writeSql(t, `SELECT id FROM ${table} WHERE run = $1`, [run])).map((r) => Number(r.id)));
      return {
        attempted,
        acknowledged: acked.length,
        failed,
        writeGapSeconds: Math.round(gap / 100) / 10,
        lost: acked.filter((a) => !present.has(a.id)).length,
        durationSeconds: Math.round((stoppedAt - startedAt) / 100) / 10,
        errors,
      };
    },
  };
}
