// PgBouncer's stack settings (dpg-cluster:pgbouncer.*): declared once, with default, bounds and doc line.
import { z } from "zod";
import { port } from "../shared/settings";

export const pgbouncerSettings = z
  .object({
    port: port.default(6432).describe("host port of the pooler, published on `haproxy.bindAddress`"),
    poolMode: z.enum(["transaction", "session"]).default("transaction").describe("pool mode (seed 004: transaction)"),
    maxClientConn: z.number().int().min(10).max(100000).default(10000).describe("client connections the pooler accepts (seed 004)"),
    defaultPoolSize: z.number().int().min(1).max(1000).default(25).describe("server connections per database and user (seed 004)"),
    reservePoolSize: z.number().int().min(0).max(1000).default(5).describe("extra server connections under load (seed 004)"),
    reservePoolTimeout: z.number().int().min(0).max(600).default(3).describe("seconds a client waits before the reserve pool is used (seed 004)"),
    maxPreparedStatements: z.number().int().min(0).max(10000).default(100).describe("prepared statements tracked per server connection"),
  })
  .strict();

export type PgbouncerSettings = z.infer<typeof pgbouncerSettings>;
