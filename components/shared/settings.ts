// Setting types several components share: ports, IPv4 addresses and CIDRs, checked the way the
// Docker daemon and pg_hba will read them, so a typo is refused before anything exists.
import { z } from "zod";

export const port = z
  .number()
  .int()
  .min(1024, "must be a port between 1024 and 65535")
  .max(65535, "must be a port between 1024 and 65535");

/** Dotted quad with every octet 0-255, or undefined when it is one. */
export function ipv4Problem(value: string): string | undefined {
  const parts = value.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p))) return "must be an IPv4 address such as 127.0.0.1";
  if (parts.some((p) => Number(p) > 255)) return "has an octet above 255";
  return undefined;
}

/** IPv4 CIDR with the prefix in [minPrefix, maxPrefix] and no host bits set (Docker and pg_hba read them as networks). */
export function cidrProblem(value: string, minPrefix = 0, maxPrefix = 32): string | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(value);
  if (!m) return "must be an IPv4 CIDR such as 10.213.0.0/24";
  const addressProblem = ipv4Problem(m[1]);
  if (addressProblem) return addressProblem;
  const prefix = Number(m[2]);
  if (prefix < minPrefix || prefix > maxPrefix) return `must have a prefix length between /${minPrefix} and /${maxPrefix}`;
  const address = ipv4ToNumber(m[1]);
  const network = prefix === 0 ? 0 : (address & (~0 << (32 - prefix))) >>> 0;
  if (network !== address) return `has host bits set: the network is ${numberToIpv4(network)}/${prefix}`;
  return undefined;
}

export function ipv4ToNumber(ip: string): number {
  return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0) >>> 0;
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join(".");
}

/** [first, last] address of a valid CIDR. */
export function cidrRange(cidr: string): [number, number] {
  const [ip, bits] = cidr.split("/");
  const prefix = Number(bits);
  const first = ipv4ToNumber(ip);
  return [first, (first + 2 ** (32 - prefix) - 1) >>> 0];
}

export const ipv4 = z.string().superRefine((v, ctx) => {
  const problem = ipv4Problem(v);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

export function cidr(minPrefix: number, maxPrefix: number) {
  return z.string().superRefine((v, ctx) => {
    const problem = cidrProblem(v, minPrefix, maxPrefix);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });
}

/** A lowercase SQL identifier (database and role names are interpolated into bootstrap SQL). */
export const sqlIdentifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lowercase SQL identifier");
