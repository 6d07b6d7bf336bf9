// Patroni/PostgreSQL stack settings (dpg-cluster:patroni.* and database.*): declared once, with
// default, bounds and doc line. Cross-field checks live in infra/config.ts.
import { z } from "zod";
import { sqlIdentifier } from "../shared/settings";

/** The only PostgreSQL major the node image packages (and the seeds' minimum is 15). */
export const POSTGRES_MAJOR = 17;

/** Most Patroni nodes a stack may have: the routers keep a backend slot for each (infra/index.ts). */
export const PATRONI_MAX_NODES = 9;

export const patroniSettings = z
  .object({
    nodes: z.number().int().min(1).max(PATRONI_MAX_NODES).default(3).describe("PostgreSQL nodes managed by Patroni (1 leader + replicas)"),
    postgresMajor: z.literal(POSTGRES_MAJOR).default(POSTGRES_MAJOR).describe(`PostgreSQL major built into the node image; only ${POSTGRES_MAJOR} is packaged`),
    vectorExtension: z
      .enum(["vector", "ruvector"])
      .default("vector")
      .describe(
        "vector extension created in the application database at bootstrap: `vector` (pgvector 0.8, Debian) or `ruvector` " +
          "(RuVector 2.0.4, extension 2.0.0, built from crates.io; its HNSW index writes no WAL, so it is rebuilt on a promoted leader " +
          "and not usable on replicas: components/IMAGES.md)",
      ),
    synchronousMode: z.boolean().default(true).describe("Patroni synchronous_mode: commits wait for `synchronousNodeCount` standbys"),
    synchronousNodeCount: z.number().int().min(1).max(8).default(1).describe("synchronous standbys when synchronousMode is on; at most nodes − 1"),
    // A killed leader is replaced after its lease expires (≤ ttl) plus up to one loop, then HAProxy's
    // rise checks. Patroni's own 30/10/10 measured 40.9 s kill → first write here (npm run drill);
    // the seeds want < 30 s, so the defaults are the shortest lease Patroni 4 accepts and a short loop.
    ttl: z
      .number()
      .int()
      .min(20, "must be at least 20: Patroni 4 ignores shorter leases")
      .max(300)
      .default(20)
      .describe("leader lease in seconds (Patroni 4 refuses less than 20); loopWait + 2 × retryTimeout ≤ ttl"),
    loopWait: z.number().int().min(1).max(60).default(2).describe("seconds between Patroni HA loop runs"),
    retryTimeout: z.number().int().min(3).max(120).default(4).describe("seconds Patroni retries DCS and PostgreSQL operations before demoting"),
    memberSlotsTtlS: z
      .number()
      .int()
      .min(0)
      .max(604800)
      .default(1800)
      .describe(
        "Patroni member_slots_ttl in seconds: how long the leader keeps the replication slot (and so the WAL) of a member that is gone, " +
          "for a replica on its way back; after a scale-in the leaving members' slots are dropped once it passes (0: at once)",
      ),
    maxConnections: z.number().int().min(20).max(10000).default(200).describe("PostgreSQL max_connections"),
    parameters: z
      .record(z.union([z.string(), z.number()]))
      .default({})
      .describe("postgresql.conf overrides merged over the derived tuning, e.g. `{ log_min_duration_statement: 500 }`"),
    memoryMb: z
      .number()
      .int()
      .min(256, "must be at least 256 (MB)")
      .max(1048576)
      .default(1024)
      .describe("memory limit of each node in MB; shared_buffers (25 %), effective_cache_size (75 %) and work_mem follow"),
  })
  .strict();

export type PatroniSettings = z.infer<typeof patroniSettings>;

export const databaseSettings = z
  .object({
    name: sqlIdentifier.default("app").describe("application database created at bootstrap"),
    appUser: sqlIdentifier.default("app_user").describe("application login role (owner of the app schema)"),
  })
  .strict();

export type DatabaseSettings = z.infer<typeof databaseSettings>;

/**
 * Connections max_connections must keep free of the pooler: superuser_reserved_connections (3)
 * plus Patroni, replication, the exporter and backups (10). The config check and the readiness
 * pack both read this.
 */
export const CONNECTIONS_RESERVED = { superuser: 3, internal: 10, total: 13 } as const;

/**
 * Memory of one idle PostgreSQL 17 backend after it has served queries, in MB, rounded up. Measured on
 * the e2e cluster (2026-12-01, /proc/<pid>/smaps_rollup of 17 idle app_user backends behind PgBouncer,
 * over TLS): private 1.4 MB, PSS 2.0 MB each; walsenders 1.5 / 5.1 MB.
 */
export const BACKEND_MEMORY_MB = 2;
