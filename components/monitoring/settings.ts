// Monitoring's stack settings (dpg-cluster:monitoring.*): declared once, with default, bounds and doc line.
import { z } from "zod";
import { port } from "../shared/settings";

const alerting = z
  .object({
    webhookUrl: z
      .string()
      .url("must be a URL such as http://alerts.internal:9000/hook")
      .optional()
      .describe("operator webhook every alert goes to (a secret: it may carry a token); default: the built-in test sink only"),
    email: z
      .object({
        to: z.string().email(),
        from: z.string().email(),
        smarthost: z.string().regex(/^[^:\s]+:\d{1,5}$/, "must be host:port, such as smtp.example.com:587"),
        authUsername: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
      })
      .strict()
      .optional()
      .describe("e-mail receiver `{to, from, smarthost, authUsername, password}`; set the password with `pulumi config set --secret --path`"),
    slack: z
      .object({ channel: z.string().min(1), apiUrl: z.string().url() })
      .strict()
      .optional()
      .describe("Slack receiver `{channel, apiUrl}`; apiUrl is a secret"),
    pagerduty: z
      .object({ routingKey: z.string().min(1) })
      .strict()
      .optional()
      .describe("PagerDuty (Events v2) for critical alerts `{routingKey}`; the key is a secret"),
  })
  .strict();

export const monitoringSettings = z
  .object({
    enabled: z.boolean().default(true).describe("deploy Prometheus, Alertmanager, exporters and the alert webhook"),
    prometheusPort: port.optional().describe("host port of Prometheus; published only when set"),
    alertmanagerPort: port.optional().describe("host port of Alertmanager; published only when set"),
    webhookPort: port.optional().describe("host port of the built-in alert sink (GET /alerts); published only when set"),
    grafanaPort: port.optional().describe("host port of Grafana; needs `monitoring.grafanaImage`"),
    grafanaImage: z
      .string()
      .min(1)
      .optional()
      .describe("a Grafana image present in the local daemon; unset = Grafana not deployed (none can be had offline here)"),
    retentionDays: z.number().int().min(1).max(3650).default(15).describe("days of metrics Prometheus keeps"),
    backupMaxAgeHours: z.number().int().min(1).max(24 * 31).default(26).describe("BackupTooOld fires when the last successful backup is older than this"),
    alerting: alerting.default({}).describe("notification channels"),
  })
  .strict();

export type MonitoringSettings = z.infer<typeof monitoringSettings>;
