// `npm run alert-test -- --stack <name>`: 000-MON-12 asks for a notification channel "configured and tested".
// Sends a critical test alert through the stack's Alertmanager and waits until Alertmanager reports a
// notification sent (and none failed) on every channel the stack configures (e-mail, Slack, PagerDuty, an
// operator's webhook), from its own counters alertmanager_notifications_total / _failed_total. The record
// (reports/<stack>/alert-test.json) is what the report judges; the built-in webhook sink is not a channel.
import { MONITORING_PORTS } from "../../components/monitoring/render";
import { StackConfig } from "../../infra/config";
import { patroniMembers, systemIdentifier } from "./gather";
import type { AlertTestRecord } from "./judges";
import { dockerOk } from "./sources";
import { openStack, runMain, saveRecord, StackCommand } from "./stack-command";
import { LiveTarget } from "./target";

const log = (s: string) => process.stderr.write(`[alert-test] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WAIT_MS = 180_000; // group_wait 10 s plus the channel's own latency, with room for a slow SMTP server

/** Alertmanager integration names of the channels an operator configured. */
export function configuredChannels(c: StackConfig): string[] {
    const a = c.monitoring.alerting;
    return [...(a.webhookUrl ? ["webhook"] : []), ...(a.email ? ["email"] : []), ...(a.slack ? ["slack"] : []), ...(a.pagerduty ? ["pagerduty"] : [])];
}

/** Sum of a counter per `integration` label in Prometheus text format. */
export function countersByIntegration(metrics: string, name: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const line of metrics.split("\n")) {
        const m = new RegExp(`^${name}\\{([^}]*)\\}\\s+([0-9.eE+-]+)`).exec(line);
        const integration = m && /integration="([^"]+)"/.exec(m[1])?.[1];
        if (integration) out[integration] = (out[integration] ?? 0) + Number(m![2]);
    }
    return out;
}

function alertmanager(t: LiveTarget, node: string, args: string[]): string {
    return dockerOk(["exec", node, "curl", "-fsS", "--max-time", "10", ...args], 20_000);
}

const COMMAND: StackCommand = { name: "alert-test", usage: "sends a test alert through Alertmanager and checks every configured channel got it", prodRisk: "it pages the on-call channels with a test alert" };

export async function main(argv: string[]): Promise<number> {
    const opened = openStack(COMMAND, argv);
    if (typeof opened === "number") return opened;
    const { t, config } = opened;
    const channels = configuredChannels(config);
    if (!config.monitoring.enabled) throw new Error("monitoring is off (dpg-cluster:monitoring.enabled = false): no Alertmanager to test");
    if (channels.length === 0) {
        process.stderr.write("alert-test: no notification channel is configured (the built-in webhook sink notifies nobody); set dpg-cluster:monitoring.alerting.email, .slack, .pagerduty or .webhookUrl\n");
        return 1;
    }
    const node = patroniMembers(t).find((m) => m.state === "running" || m.state === "streaming")?.name ?? t.patroniNodes[0];
    const base = `http://${t.namePrefix}-alertmanager:${MONITORING_PORTS.alertmanager}`;
    const counters = () => {
        const text = alertmanager(t, node, [`${base}/metrics`]);
        return { sent: countersByIntegration(text, "alertmanager_notifications_total"), failed: countersByIntegration(text, "alertmanager_notifications_failed_total") };
    };
    const before = counters();
    const alertName = `DpgAlertTest${Date.now()}`;
    const alert = (endsAt: Date) => JSON.stringify([{ labels: { alertname: alertName, severity: "critical", cluster: t.namePrefix }, annotations: { summary: `readiness test alert of ${t.stack}: no action needed` }, endsAt: endsAt.toISOString() }]);
    const at = new Date();
    log(`sending ${alertName} through ${base} to ${channels.join(", ")}`);
    alertmanager(t, node, ["-XPOST", "-H", "Content-Type: application/json", "-d", alert(new Date(Date.now() + 10 * 60_000)), `${base}/api/v2/alerts`]);
    const delta = (now: ReturnType<typeof counters>) =>
        channels.map((integration) => ({ integration, sent: (now.sent[integration] ?? 0) - (before.sent[integration] ?? 0), failed: (now.failed[integration] ?? 0) - (before.failed[integration] ?? 0) }));
    let result = delta(before);
    for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; ) {
        await sleep(5000);
        result = delta(counters());
        if (result.every((c) => c.sent >= 1 || c.failed > 0)) break;
    }
    alertmanager(t, node, ["-XPOST", "-H", "Content-Type: application/json", "-d", alert(new Date()), `${base}/api/v2/alerts`]); // resolve it
    const record: AlertTestRecord = { stack: t.stack, systemIdentifier: await systemIdentifier(t), at: at.toISOString(), alertName, channels: result };
    const file = saveRecord(COMMAND, t.stack, record);
    process.stdout.write(`${result.map((c) => `${c.integration}: ${c.sent} sent, ${c.failed} failed`).join("; ")}\nrecorded: ${file}\n`);
    return result.every((c) => c.sent >= 1 && c.failed === 0) ? 0 : 1;
}

if (require.main === module) runMain(COMMAND, main);
