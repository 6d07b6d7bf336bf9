// etcd's stack settings (dpg-cluster:etcd.*): declared once, with default, bounds and doc line.
import { z } from "zod";

/** The most members etcd.members allows. */
export const ETCD_MAX_MEMBERS = 7;

export const etcdSettings = z
  .object({
    members: z
      .number()
      .int()
      .min(1)
      .max(ETCD_MAX_MEMBERS)
      .refine((n) => n % 2 === 1, "must be odd (1, 3, 5 or 7) so a quorum exists")
      .default(3)
      .describe("etcd members; odd, so a quorum survives the loss of a minority"),
  })
  .strict();

export type EtcdSettings = z.infer<typeof etcdSettings>;
