// HAProxy's stack settings (dpg-cluster:haproxy.*): declared once, with default, bounds and doc line.
import { z } from "zod";
import { ipv4, port } from "../shared/settings";

export const haproxySettings = z
  .object({
    bindAddress: ipv4
      .default("127.0.0.1")
      .describe("host address every published port binds to (never 0.0.0.0 in prod: the policy pack refuses it)"),
    writePort: port.default(5000).describe("host port routed to the leader (Patroni `GET /primary`)"),
    readPort: port.default(5001).describe("host port balanced over healthy replicas (Patroni `GET /replica`)"),
    statsPort: port.default(7000).describe("host port of the stats page and `/metrics`"),
    checkInterMs: z.number().int().min(200).max(30000).default(1000).describe("milliseconds between Patroni REST checks"),
    fall: z.number().int().min(1).max(10).default(3).describe("failed checks before a server is marked down"),
    rise: z.number().int().min(1).max(10).default(2).describe("passed checks before a server is marked up"),
  })
  .strict();

export type HaproxySettings = z.infer<typeof haproxySettings>;
