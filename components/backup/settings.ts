// pgBackRest's stack settings (dpg-cluster:backup.*): declared once, with default, bounds and doc line.
import { z } from "zod";
import { cronProblem } from "./cron";

const cron = z.string().superRefine((expr, ctx) => {
  const problem = cronProblem(expr);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

export const backupSettings = z
  .object({
    enabled: z.boolean().default(true).describe("pgBackRest repository, WAL archiving and scheduled backups"),
    // A shared volume dies with its host and cannot span Swarm nodes (issue 11): prod sets `server`.
    repository: z
      .enum(["volume", "server"])
      .default("volume")
      .describe(
        "`volume`: one repository volume every node mounts (one host only); `server`: a dedicated repository workload (pgBackRest TLS server, its own volume; needs tls.enabled; on a Swarm placed by target.placement.backup) the nodes archive to and the backups run from",
      ),
    // Seed 004: daily incremental, full backups never older than 7 days.
    fullSchedule: cron.default("0 2 * * 0").describe("cron (UTC) of full backups, run by the leader only"),
    diffSchedule: cron.optional().describe("cron (UTC) of differential backups; none when unset"),
    incrSchedule: cron.default("0 2 * * 1-6").describe("cron (UTC) of incremental backups"),
    retentionFull: z.number().int().min(1).max(9999).default(2).describe("full backups kept (count) or days kept (time)"),
    retentionFullType: z.enum(["count", "time"]).default("count").describe("how retentionFull counts"),
    // Seed 000: RPO < 5 min. A WAL segment is forced at least this often, archived within seconds.
    archiveTimeoutSeconds: z
      .number()
      .int()
      .min(10)
      .max(300, "must be at most 300 (seed 000: RPO < 5 min)")
      .default(60)
      .describe("archive_timeout in seconds: the RPO bound of a quiet cluster"),
    retainRepoOnDestroy: z.boolean().default(false).describe("keep the repository volume on `pulumi destroy`"),
  })
  .strict();

export type BackupSection = z.infer<typeof backupSettings>;
