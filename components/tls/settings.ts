// TLS stack settings (dpg-cluster:tls.*): declared once, with default, bounds and doc line.
import { z } from "zod";

/** Seed 000: certificates keep at least 30 days before expiry. */
export const MIN_CERT_DAYS_LEFT = 30;

export const tlsSettings = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe("TLS for PostgreSQL (hostssl only), Patroni REST, etcd (mutual) and PgBouncer, from an internal CA"),
    certValidityDays: z.number().int().min(MIN_CERT_DAYS_LEFT + 1, `must exceed the ${MIN_CERT_DAYS_LEFT}-day floor of minDaysLeft`).max(3650).default(365).describe("lifetime of issued certificates in days"),
    caValidityDays: z.number().int().min(365).max(36500).default(3650).describe("lifetime of the CA in days"),
    minDaysLeft: z
      .number()
      .int()
      .min(MIN_CERT_DAYS_LEFT, `must be at least ${MIN_CERT_DAYS_LEFT} (seed 000: certificates keep ≥ ${MIN_CERT_DAYS_LEFT} days)`)
      .max(3650)
      .default(MIN_CERT_DAYS_LEFT)
      .describe("a certificate with fewer days left is re-issued by the next `pulumi up`"),
  })
  .strict();

export type TlsSettings = z.infer<typeof tlsSettings>;
