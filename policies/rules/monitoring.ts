// Prometheus / Alertmanager / Grafana spec. Required dashboards and alert patterns come from the catalog's
// item params (000 "Required dashboards", "Critical alerts"), so the data and the policy cannot drift apart.
import { ResourceRule, RuleContext } from "./types";
import { T, fix, noSetting, setting } from "./settings";

const absent = `no ${T.monitoring} component is declared; enable monitoring (${setting("monitoring", "enabled")} = true)`;

function rule(r: Omit<ResourceRule, "kind" | "types" | "absent">): ResourceRule {
    return { kind: "resource", types: [T.monitoring], absent, ...r };
}

/** Jobs every cluster needs scraped; pgbouncer joins when the stack declares a PgBouncer. */
export const BASE_SCRAPE_JOBS = ["postgres", "patroni", "etcd", "haproxy", "node"];

function requiredJobs(ctx: RuleContext): string[] {
    const fromParams = ctx.params.map((p) => p.job).filter((j): j is string => typeof j === "string");
    if (ctx.focused && fromParams.length > 0) return fromParams;
    const jobs = new Set([...BASE_SCRAPE_JOBS, ...fromParams]);
    if (ctx.model?.resources.some((r) => r.type === T.pgbouncer)) jobs.add("pgbouncer");
    return [...jobs];
}

export const prometheusScrapeCoverage = rule({
    name: "prometheus-scrape-coverage",
    description: "Prometheus scrapes every component (postgres, patroni, etcd, haproxy, node, and pgbouncer when deployed).",
    severity: "blocker",
    check: (p, ctx) => {
        const have = new Set<string>((p.scrapedJobs ?? []).map((j: string) => String(j).toLowerCase()));
        const missing = requiredJobs(ctx).filter((j) => !have.has(j));
        return missing.length === 0
            ? []
            : [`Prometheus does not scrape ${missing.join(", ")}; ${noSetting("components/monitoring (a job per deployed component)")}`];
    },
});

export const criticalAlertRules = rule({
    name: "critical-alert-rules",
    description: "The alerts the seeds ask for exist: 000's critical list (database down, replication lag, disk space, pool exhaustion, latency, memory), 003's connection alert, 001/002's rollback triggers.",
    severity: "blocker",
    check: (p, ctx) => {
        const names: string[] = (p.alertRules ?? []).map(String);
        const missing = ctx.params
            .filter((q) => typeof q.pattern === "string")
            .filter((q) => !names.some((n) => new RegExp(String(q.pattern), "i").test(n)))
            .map((q) => String(q.alert));
        return missing.length === 0
            ? []
            : [`alert rules miss: ${missing.join("; ")}; ${noSetting("components/monitoring/rules.ts")}`];
    },
});

export const alertmanagerReceiver = rule({
    name: "alertmanager-receiver",
    description: "Alertmanager notifies a person: an e-mail, Slack, PagerDuty or operator webhook channel (the built-in webhook receiver is a test sink).",
    severity: "blocker",
    // Still a blocker of the score; not a refused `pulumi up` until the committed prod config names a channel
    // (the lead's call: Pulumi.prod.yaml has none today, and refusing it would block every prod deploy).
    enforceInProd: false,
    check: (p) =>
        (p.receivers ?? []).length > 0
            ? []
            : [`Alertmanager has no notification channel (only the built-in test sink, which notifies nobody); ${fix(setting("monitoring", "alerting.email"), "{ to, from, smarthost }")} (or ${setting("monitoring", "alerting.slack")}, ${setting("monitoring", "alerting.pagerduty")}, ${setting("monitoring", "alerting.webhookUrl")})`],
});

export const alertEscalation = rule({
    name: "alert-escalation",
    description: "Alerts escalate through PagerDuty or Opsgenie.",
    severity: "advisory",
    check: (p) =>
        (p.receivers ?? []).some((r: string) => /^(pagerduty|opsgenie)$/i.test(String(r)))
            ? []
            : [`no PagerDuty/Opsgenie receiver for escalation; set ${setting("monitoring", "alerting.pagerduty.routingKey")} (as a secret)`],
});

function dashboardPresent(have: string[], q: Record<string, unknown>): boolean {
    const wanted = [q.dashboard, ...((q.aliases as unknown[]) ?? [])].map((t) => String(t).toLowerCase());
    return have.some((h) => wanted.includes(h));
}

export const grafanaDashboards = rule({
    name: "grafana-dashboards",
    description: "The four required Grafana dashboards are served by a running Grafana (provisioned by the program).",
    severity: "blocker",
    enforceInProd: false, // a missing capability (no Grafana image offline), as grafana-deployed
    check: (p, ctx) => {
        // The spec lists a dashboard only where a deployed Grafana serves it.
        const have = (p.dashboards ?? []).map((d: string) => String(d).toLowerCase());
        const missing = ctx.params.filter((q) => typeof q.dashboard === "string" && !dashboardPresent(have, q)).map((q) => String(q.dashboard));
        if (missing.length === 0) return [];
        return p.grafanaDeployed
            ? [`Grafana does not serve the dashboard(s) ${missing.join(", ")}; ${noSetting("components/monitoring/dashboards.ts")}`]
            : [`no Grafana serves the dashboard(s) ${missing.join(", ")} (Grafana is not deployed); ${fix(setting("monitoring", "grafanaImage"), "a Grafana image present in the local Docker daemon")}`];
    },
});

export const grafanaDeployed = rule({
    name: "grafana-deployed",
    description: "Grafana runs and serves the provisioned dashboards.",
    severity: "blocker",
    enforceInProd: false,
    check: (p) =>
        p.grafanaDeployed ? [] : [`Grafana is not deployed (no image can be had offline); ${fix(setting("monitoring", "grafanaImage"), "a Grafana image present in the local Docker daemon")}`],
});

export const grafanaProvisioned = rule({
    name: "grafana-provisioned",
    description: "Dashboards are provisioned by the program (dashboard automation), not imported by hand.",
    severity: "advisory",
    check: (p) =>
        p.grafanaDeployed && (p.dashboards ?? []).length > 0
            ? []
            : [`no dashboards are provisioned by the program (no Grafana runs); ${fix(setting("monitoring", "grafanaImage"), "a Grafana image present in the local Docker daemon")}`],
});

export const monitoringRules = [
    grafanaDeployed,
    prometheusScrapeCoverage,
    criticalAlertRules,
    alertmanagerReceiver,
    alertEscalation,
    grafanaDashboards,
    grafanaProvisioned,
];
