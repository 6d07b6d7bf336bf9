// Monitoring: exporters for every service, Prometheus scraping them, alert rules, Alertmanager
// with a built-in webhook receiver, and Grafana when an image for it exists locally (one host only).
// Each service is a workload the target places: containers on one host; on a Swarm, Prometheus,
// Alertmanager and the webhook on the monitoring node, each postgres_exporter beside its database
// node, node_exporter where the backup metrics are written, all scraped by service name on the overlay.
import { spawnSync } from "child_process";
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { serviceSettings } from "../shared/docker";
import { NODE_IMAGE_ENTRYPOINT, NODE_IMAGE_UID, NODE_IMAGE_USER } from "../patroni/render";
import type { Target } from "../target";
import type { MemberVolume, SharedVolume, Workload, WorkloadFile, WorkloadHealthcheck } from "../target/workload";
import { DASHBOARDS, GRAFANA_PATHS, renderDashboard, renderGrafanaDashboardProvider, renderGrafanaDatasources } from "./dashboards";
import {
  ALERTMANAGER_SECRET_FILES,
  EmailReceiver,
  MONITORING_PATHS,
  MONITORING_PORTS,
  PGBOUNCER_EXPORTER_PASSWORD_FILE,
  PrometheusRenderInput,
  SERVICE_COMMANDS,
  pgbouncerExporterEnv,
  postgresExporterEnv,
  ScrapeJob,
  receiverKinds,
  renderAlertmanagerConfig,
  renderPostgresExporterQueries,
  renderCertificateMetrics,
  renderPrometheusConfig,
  scrapedJobs,
} from "./render";
import { alertNames, renderAlertRules } from "./rules";

export interface MonitoringPgbouncerTarget {
  /** PgBouncer instances on the cluster network: one pgbouncer_exporter each. */
  hosts: string[];
  /** Default 6432. */
  port?: number;
  /** A PgBouncer stats_users (or admin_users) entry; it connects to the "pgbouncer" admin database. */
  user: string;
  /** Uploaded as a file; never put in the container's environment. */
  password: pulumi.Input<string>;
}

export interface MonitoringAlertingArgs {
  /** An operator's webhook every alert also goes to (a secret: uploaded as a file). The built-in receiver always gets them. Default: none. */
  webhookUrl?: pulumi.Input<string>;
  /** E-mail notifications (all alerts). The SMTP password is uploaded as a file. Default: none. */
  email?: EmailReceiver & { password?: pulumi.Input<string> };
  /** Slack notifications (all alerts). The incoming-webhook URL is a secret, uploaded as a file. Default: none. */
  slack?: { channel: string; apiUrl: pulumi.Input<string> };
  /** PagerDuty (Events v2) for critical alerts. The routing key is uploaded as a file. Default: none. */
  pagerduty?: { routingKey: pulumi.Input<string> };
}

export interface MonitoringPublishArgs {
  /** Host port of Prometheus. Default: not published. */
  prometheusPort?: number;
  /** Host port of Alertmanager. Default: not published. */
  alertmanagerPort?: number;
  /** Host port of Grafana (when deployed). Default: not published. */
  grafanaPort?: number;
  /** Host port of the built-in webhook receiver (GET /alerts). Default: not published. */
  webhookPort?: number;
}

export interface MonitoringMemoryArgs {
  /** Default 512. */
  prometheus?: number;
  /** Default 128. */
  alertmanager?: number;
  /** Default 64. */
  webhook?: number;
  /** Default 64. */
  nodeExporter?: number;
  /** Default 128, per node. */
  postgresExporter?: number;
  /** Default 64. */
  pgbouncerExporter?: number;
  /** Default 256. */
  grafana?: number;
}

export interface MonitoringArgs {
  /** Prefix of container, volume names and the `cluster` label, e.g. "dpg-dev". */
  namePrefix: string;
  /** Base image the monitoring image is built FROM. */
  baseImage: string;
  /** Where the services run (one host or a Swarm): its cluster network, edge network and placements. */
  target: Target;
  /** Scrape and rule evaluation interval. Default 15 (seed: "Prometheus scraping metrics every 15s"). */
  scrapeIntervalSeconds?: number;
  /** Patroni node hostnames: one postgres_exporter (`<prefix>-pgexp-N`) per node, beside it on a Swarm. Default: none. */
  postgresNodes?: string[];
  /** PostgreSQL port of the nodes. Default 5432. */
  postgresPort?: number;
  /** Database the exporters connect to (pg_stat_statements and the vector indexes live there). Default "app". */
  postgresDatabase?: string;
  /** Image (id or name) that has prometheus-postgres-exporter: the Patroni node image. Required with postgresNodes. */
  postgresExporterImage?: pulumi.Input<string>;
  /** Login role of the exporters; needs pg_monitor. Default "postgres_exporter". */
  exporterUser?: string;
  /** Its password: uploaded as DATA_SOURCE_PASS_FILE, never in the environment. Required with postgresNodes. */
  exporterPassword?: pulumi.Input<string>;
  /** Patroni REST endpoints ("host:8008"), scraped at /metrics. Default: none. */
  patroniEndpoints?: string[];
  /** etcd client endpoints ("host:2379"), scraped at /metrics. Default: none. */
  etcdEndpoints?: string[];
  /** HAProxy stats endpoints ("host:7000", one per instance) serving /metrics. Default: none. */
  haproxyEndpoints?: string[];
  /** PgBouncer to export (one pgbouncer_exporter per instance). Default: none. */
  pgbouncer?: MonitoringPgbouncerTarget;
  /** Run node_exporter (host CPU, memory, disk of the Docker host as seen from a container). Default true. */
  nodeExporter?: boolean;
  /** Notification channels. Default: the built-in webhook receiver only. */
  alerting?: MonitoringAlertingArgs;
  /** Host address and ports; nothing is published unless a port is asked for. */
  publish: MonitoringPublishArgs;
  /** Prometheus TSDB retention in days (dpg-cluster:monitoring.retentionDays). */
  retentionDays: number;
  /** Last successful backup older than this alerts (dpg-cluster:monitoring.backupMaxAgeHours). */
  backupMaxAgeHours: number;
  /** Grafana image present in the local daemon (not packaged in Debian, no registry offline). Default: none, Grafana not deployed. */
  grafanaImage?: string;
  /** One host: the volume node_exporter reads *.prom files from (the nodes write backup metrics there); created here when not given. */
  textfileVolumeName?: pulumi.Input<string>;
  /**
   * Swarm: the node-local volume the backup repository server writes dpg_backup.prom into; node_exporter
   * then runs on the repository's node (dpg-cluster:target.placement.backup) and reads it. Default: none,
   * node_exporter runs on the monitoring node.
   */
  swarmTextfileVolume?: string;
  /** Certificate name → expiry (RFC 3339), exported as dpg_certificate_not_after_timestamp_seconds. */
  certificateExpiries?: Record<string, pulumi.Input<string>>;
  /** The cluster CA when the cluster serves TLS: exporters verify-full, Patroni scraped over https. */
  caCertPem?: pulumi.Input<string>;
  /** Memory limits in MB per container. */
  memoryMb?: MonitoringMemoryArgs;
}

export const MONITORING_DEFAULTS = {
  scrapeIntervalSeconds: 15,
  postgresPort: 5432,
  postgresDatabase: "app",
  exporterUser: "postgres_exporter",
  pgbouncerPort: 6432,
  nodeExporter: true,
  memoryMb: { prometheus: 512, alertmanager: 128, webhook: 64, nodeExporter: 64, postgresExporter: 128, pgbouncerExporter: 64, grafana: 256 },
} as const;

/** CPU limit (cores) per container: scraping and evaluating is light at this cluster's size. */
export const MONITORING_CPUS = { prometheus: 1, alertmanager: 0.25, webhook: 0.25, nodeExporter: 0.25, postgresExporter: 0.25, pgbouncerExporter: 0.25, grafana: 0.5 } as const;
/** The monitoring image's user (components/monitoring/image, whose build checks the id); its entrypoint is dumb-init alone. */
const MONITORING_IMAGE_USER = "prometheus";
const MONITORING_IMAGE_UID = 100;

/** What the readiness pack sees of this component (secret-free). */
export interface MonitoringSpec {
  scrapeIntervalSeconds: number;
  scrapedJobs: string[];
  /** Alert names. */
  alertRules: string[];
  /**
   * Notification channels an operator configured: "webhook" (dpg-cluster:monitoring.alerting.webhookUrl), "email",
   * "slack", "pagerduty". The built-in webhook receiver is a test sink that notifies nobody, so it is not listed.
   */
  receivers: string[];
  /** Titles of the dashboards a running Grafana serves: none when Grafana is not deployed. */
  dashboards: string[];
  grafanaDeployed: boolean;
}

/** Whether Grafana can be deployed, and if not, why (said plainly in the stack outputs). */
export function grafanaAvailability(image: string | undefined, imageExists: (name: string) => boolean = localImageExists): { deploy: boolean; message: string } {
  if (!image) {
    return {
      deploy: false,
      message:
        "Grafana not deployed: no grafanaImage was given. Grafana is not packaged in Debian and no image registry is reachable offline; " +
        "the datasource and the 4 dashboards are rendered (components/monitoring/dashboards.ts) and validated, ready for any Grafana.",
    };
  }
  if (!imageExists(image)) {
    return {
      deploy: false,
      message: `Grafana not deployed: image "${image}" is not present in the local Docker daemon (load it with docker load, then run up again).`,
    };
  }
  return { deploy: true, message: `Grafana deployed from ${image} with the Prometheus datasource and 4 provisioned dashboards.` };
}

function localImageExists(name: string): boolean {
  const r = spawnSync("docker", ["image", "inspect", "--format", "{{.Id}}", name], { encoding: "utf8", timeout: 30_000 });
  return r.status === 0;
}

export class Monitoring extends pulumi.ComponentResource {
  static readonly __pulumiType = "dpg:monitoring:Monitoring";

  /** Prometheus inside the cluster network. */
  readonly prometheusInternalUrl: string;
  /** Published URLs ("" when not published). */
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  readonly grafanaUrl: string;
  readonly webhookReceiverUrl: string;
  /** Plain statement of whether Grafana runs, and why not. */
  readonly grafanaStatus: string;
  /** One host: the volume node_exporter reads *.prom files from (backup metrics, see rules.ts). */
  readonly textfileVolumeName?: pulumi.Output<string>;
  /** The monitoring services: containers on one host, Swarm services on a Swarm. */
  readonly services: pulumi.CustomResource[];

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    const prefix = args.namePrefix;
    const target = args.target;
    const onHost = target.kind === "docker";
    const scrapeIntervalSeconds = args.scrapeIntervalSeconds ?? MONITORING_DEFAULTS.scrapeIntervalSeconds;
    const mem = { ...MONITORING_DEFAULTS.memoryMb, ...stripUndefined(args.memoryMb ?? {}) };
    const publish = args.publish;
    // Where published ports answer: the bind address on one host, the monitoring node on a Swarm.
    const publishedAddress = () => target.publishedAddresses("monitoring")[0];
    const postgresNodes = args.postgresNodes ?? [];
    if (postgresNodes.length > 0 && (!args.postgresExporterImage || !args.exporterPassword)) {
      throw new Error("Monitoring: postgresNodes needs postgresExporterImage and exporterPassword");
    }
    const nodeExporter = args.nodeExporter ?? MONITORING_DEFAULTS.nodeExporter;
    const host = (role: string) => `${prefix}-${role}`;
    const pgbouncerHosts = args.pgbouncer?.hosts ?? [];
    const names = {
      prometheus: host("prometheus"),
      alertmanager: host("alertmanager"),
      webhook: host("alert-webhook"),
      nodeExporter: host("node-exporter"),
      // One exporter per pooler instance; a single one keeps the unnumbered name.
      pgbouncerExporter: (i: number) => (pgbouncerHosts.length === 1 ? host("pgbouncer-exporter") : host(`pgbouncer-exporter-${i + 1}`)),
      grafana: host("grafana"),
      pgexp: (i: number) => host(`pgexp-${i + 1}`),
    };
    const port = MONITORING_PORTS;
    const tls = args.caCertPem !== undefined;
    const targets: PrometheusRenderInput["targets"] = {
      prometheus: [{ address: `${names.prometheus}:${port.prometheus}` }],
      alertmanager: [{ address: `${names.alertmanager}:${port.alertmanager}` }],
      node: nodeExporter ? [{ address: `${names.nodeExporter}:${port.nodeExporter}` }] : [],
      postgres: postgresNodes.map((node, i) => ({ address: `${names.pgexp(i)}:${port.postgresExporter}`, labels: { node } })),
      patroni: (args.patroniEndpoints ?? []).map((address) => ({ address })),
      etcd: (args.etcdEndpoints ?? []).map((address) => ({ address })),
      haproxy: (args.haproxyEndpoints ?? []).map((address) => ({ address })),
      pgbouncer: pgbouncerHosts.map((_, i) => ({ address: `${names.pgbouncerExporter(i)}:${port.pgbouncerExporter}` })),
    };
    const alerting = args.alerting ?? {};
    const amInput = {
      webhookUrl: `http://${names.webhook}:${port.webhook}/alerts`,
      operatorWebhook: alerting.webhookUrl !== undefined,
      email: alerting.email ? { ...alerting.email, hasPassword: alerting.email.password !== undefined } : undefined,
      slack: alerting.slack ? { channel: alerting.slack.channel } : undefined,
      pagerduty: alerting.pagerduty ? {} : undefined,
    };
    // Grafana comes from this machine's daemon, so it runs on one host only (the config refuses it on a Swarm).
    const grafana = onHost
      ? grafanaAvailability(args.grafanaImage)
      : { deploy: false, message: "Grafana not deployed: it runs on one Docker host only (an image in the local daemon); the 4 dashboards are rendered for any Grafana." };
    const jobs: ScrapeJob[] = scrapedJobs(targets);
    const rulesInput = { cluster: prefix, backupMaxAgeSeconds: args.backupMaxAgeHours * 3600 };
    const spec: MonitoringSpec = {
      scrapeIntervalSeconds,
      scrapedJobs: jobs,
      alertRules: alertNames(rulesInput),
      receivers: receiverKinds(amInput).filter((k) => k !== "webhook" || alerting.webhookUrl !== undefined),
      // Rendered dashboards count only where a Grafana serves them (issue 8).
      dashboards: grafana.deploy ? DASHBOARDS.map((d) => d.title) : [],
      grafanaDeployed: grafana.deploy,
    };
    super(Monitoring.__pulumiType, name, spec, opts);

    const image = target.image(`${name}-image`, { imageDir: path.join(__dirname, "image"), repository: "dpg/monitoring", baseImage: args.baseImage }, this);
    const httpCheck = (url: string, startPeriodS = 10): WorkloadHealthcheck => ({
      test: ["CMD", "python3", "/usr/local/bin/http-check.py", url],
      intervalS: 15,
      timeoutS: 5,
      retries: 3,
      startPeriodS,
    });
    const limits = (which: keyof typeof MONITORING_CPUS) => ({ memoryMb: mem[which], cpus: MONITORING_CPUS[which] });
    const published = (internal: number, external?: number) => (external ? [{ internal, external }] : []);
    const monitoringProcess = (command: string[]) => ({ user: MONITORING_IMAGE_USER, uid: MONITORING_IMAGE_UID, entrypoint: [], command });
    // Prometheus, Alertmanager and the webhook share the monitoring node; the exporters sit where they read.
    const monitoringNode = target.placement("monitoring", 0);
    const caFiles: WorkloadFile[] = tls ? [{ path: MONITORING_PATHS.caFile, content: args.caCertPem! }] : [];
    const services: pulumi.CustomResource[] = [];
    const run = (resourceName: string, w: Omit<Workload, "component">, dependsOn?: pulumi.Resource[]) => {
      const r = target.run(resourceName, { component: "monitoring", ...w }, { parent: this, ...(dependsOn ? { dependsOn } : {}) });
      services.push(r);
      return r;
    };

    // Built-in webhook receiver: the default notification channel.
    run(`${name}-webhook`, {
      name: names.webhook,
      image,
      process: monitoringProcess(SERVICE_COMMANDS.webhook()),
      files: [],
      env: [`WEBHOOK_LISTEN=0.0.0.0:${port.webhook}`],
      ports: published(port.webhook, publish.webhookPort),
      healthcheck: httpCheck(`http://127.0.0.1:${port.webhook}/healthz`),
      limits: limits("webhook"),
      placement: monitoringNode,
    });

    // Alertmanager: its channels' secrets are files owned by its user (0600 on one host, 0400 on a Swarm).
    const amFiles: WorkloadFile[] = [{ path: MONITORING_PATHS.alertmanagerConfig, content: renderAlertmanagerConfig(amInput) }];
    const amSecret = (p: string, content: pulumi.Input<string>) => amFiles.push({ path: p, content: pulumi.secret(content), secret: true });
    if (alerting.email?.password !== undefined) amSecret(ALERTMANAGER_SECRET_FILES.emailPassword, alerting.email.password);
    if (alerting.slack) amSecret(ALERTMANAGER_SECRET_FILES.slackApiUrl, alerting.slack.apiUrl);
    if (alerting.pagerduty) amSecret(ALERTMANAGER_SECRET_FILES.pagerdutyRoutingKey, alerting.pagerduty.routingKey);
    if (alerting.webhookUrl !== undefined) amSecret(ALERTMANAGER_SECRET_FILES.webhookUrl, alerting.webhookUrl);
    run(`${name}-alertmanager`, {
      name: names.alertmanager,
      image,
      process: monitoringProcess(SERVICE_COMMANDS.alertmanager()),
      files: amFiles,
      memberVolumes: [{ resourceName: `${name}-alertmanager-data`, name: `${names.alertmanager}-data`, containerPath: MONITORING_PATHS.alertmanagerData }],
      // An operator's channel is outside the internal network: it needs the edge network's egress.
      egress: !!(alerting.email || alerting.slack || alerting.pagerduty || alerting.webhookUrl !== undefined),
      ports: published(port.alertmanager, publish.alertmanagerPort),
      healthcheck: httpCheck(`http://127.0.0.1:${port.alertmanager}/-/ready`),
      limits: limits("alertmanager"),
      placement: monitoringNode,
    });

    // node_exporter reads the backup scheduler's dpg_backup.prom from the textfile volume. One host:
    // a volume shared with the nodes (or the repository server). Swarm: the repository server's
    // node-local volume, so node_exporter runs on that node; certificate expiries are a file of its own.
    const textfileVolumeName = onHost
      ? (args.textfileVolumeName ?? new docker.Volume(`${name}-textfile`, { name: `${prefix}-metrics-textfile` }, { parent: this }).name)
      : undefined;
    const swarmTextfile = onHost ? undefined : args.swarmTextfileVolume;
    if (nodeExporter) {
      const certificates: WorkloadFile[] = args.certificateExpiries
        ? [{ path: `${MONITORING_PATHS.renderedTextfileDir}/dpg_certificates.prom`, content: pulumi.all(args.certificateExpiries).apply((e) => renderCertificateMetrics(e)) }]
        : [];
      const shared: SharedVolume[] = textfileVolumeName ? [{ volumeName: textfileVolumeName, containerPath: MONITORING_PATHS.textfileDir }] : [];
      const member: MemberVolume[] = swarmTextfile
        ? [{ resourceName: `${name}-textfile`, name: swarmTextfile, containerPath: MONITORING_PATHS.textfileDir, readOnly: true }]
        : [];
      run(`${name}-node-exporter`, {
        name: names.nodeExporter,
        image,
        process: monitoringProcess(SERVICE_COMMANDS.nodeExporter(certificates.length > 0)),
        files: certificates,
        sharedVolumes: shared,
        memberVolumes: member,
        healthcheck: httpCheck(`http://127.0.0.1:${port.nodeExporter}/`),
        limits: limits("nodeExporter"),
        placement: swarmTextfile ? target.placement("backup", 0) : monitoringNode,
      });
    }

    // postgres_exporter, one per node, from the Patroni image (it has the Debian package); on a Swarm beside its node.
    const queries = renderPostgresExporterQueries();
    postgresNodes.forEach((node, i) => {
      run(`${name}-pgexp-${i + 1}`, {
        name: names.pgexp(i),
        image: args.postgresExporterImage!,
        process: { user: NODE_IMAGE_USER, uid: NODE_IMAGE_UID, entrypoint: NODE_IMAGE_ENTRYPOINT, command: SERVICE_COMMANDS.postgresExporter() },
        env: postgresExporterEnv({
          host: node,
          port: args.postgresPort ?? MONITORING_DEFAULTS.postgresPort,
          database: args.postgresDatabase ?? MONITORING_DEFAULTS.postgresDatabase,
          user: args.exporterUser ?? MONITORING_DEFAULTS.exporterUser,
          tls,
        }),
        files: [
          { path: MONITORING_PATHS.postgresExporterQueries, content: queries },
          { path: MONITORING_PATHS.postgresExporterPassword, content: pulumi.secret(args.exporterPassword!), secret: true },
          ...caFiles,
        ],
        healthcheck: { test: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${port.postgresExporter}/`], intervalS: 15, timeoutS: 5, retries: 3, startPeriodS: 10 },
        limits: limits("postgresExporter"),
        placement: target.placement("patroni", i),
      });
    });

    if (args.pgbouncer) {
      const pgb = args.pgbouncer;
      pgbouncerHosts.forEach((pgbHost, i) => {
        run(pgbouncerHosts.length === 1 ? `${name}-pgbouncer-exporter` : `${name}-pgbouncer-exporter-${i + 1}`, {
          name: names.pgbouncerExporter(i),
          image,
          process: monitoringProcess(SERVICE_COMMANDS.pgbouncerExporter()),
          env: pgbouncerExporterEnv({ host: pgbHost, port: pgb.port ?? MONITORING_DEFAULTS.pgbouncerPort, user: pgb.user, tls }),
          files: [{ path: PGBOUNCER_EXPORTER_PASSWORD_FILE, content: pulumi.secret(pgb.password), secret: true }, ...caFiles],
          healthcheck: httpCheck(`http://127.0.0.1:${port.pgbouncerExporter}/`),
          limits: limits("pgbouncerExporter"),
          placement: monitoringNode,
        });
      });
    }

    const promConfig = renderPrometheusConfig({
      cluster: prefix,
      scrapeIntervalSeconds,
      targets,
      alertmanager: `${names.alertmanager}:${port.alertmanager}`,
      tlsJobs: tls ? ["patroni"] : [],
    });
    run(
      `${name}-prometheus`,
      {
        name: names.prometheus,
        image,
        process: monitoringProcess(SERVICE_COMMANDS.prometheus(args.retentionDays)),
        files: [
          { path: MONITORING_PATHS.prometheusConfig, content: promConfig },
          { path: MONITORING_PATHS.rulesFile, content: renderAlertRules(rulesInput) },
          ...caFiles,
        ],
        memberVolumes: [{ resourceName: `${name}-prometheus-data`, name: `${names.prometheus}-data`, containerPath: MONITORING_PATHS.prometheusData }],
        ports: published(port.prometheus, publish.prometheusPort),
        healthcheck: httpCheck(`http://127.0.0.1:${port.prometheus}/-/ready`, 30),
        // Prometheus flushes its head block on SIGTERM.
        stopGraceS: 30,
        limits: limits("prometheus"),
        placement: monitoringNode,
      },
      services.slice(),
    );

    if (grafana.deploy) {
      const adminPassword = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 32, special: false }, { parent: this });
      const onCluster = { name: target.clusterNetwork, aliases: [names.grafana] };
      // Grafana's image is not ours (no setpriv hand-over), so it stays a container of its own on one host.
      services.push(
        new docker.Container(
          `${name}-grafana`,
          {
            name: names.grafana,
            hostname: names.grafana,
            image: args.grafanaImage!,
            envs: [
              // Grafana reads *__FILE variables from files: the password itself is not in the env.
              `GF_SECURITY_ADMIN_PASSWORD__FILE=${GRAFANA_PATHS.adminPasswordFile}`,
              "GF_ANALYTICS_REPORTING_ENABLED=false",
              "GF_ANALYTICS_CHECK_FOR_UPDATES=false",
              "GF_AUTH_ANONYMOUS_ENABLED=false",
            ],
            // A published port needs a non-internal network listed first.
            networksAdvanced: publish.grafanaPort !== undefined ? [{ name: target.edgeNetwork }, onCluster] : [onCluster],
            ports: publish.grafanaPort ? [{ internal: port.grafana, external: publish.grafanaPort, ip: publishedAddress() }] : [],
            uploads: [
              { file: GRAFANA_PATHS.datasources, content: renderGrafanaDatasources(`http://${names.prometheus}:${port.prometheus}`, scrapeIntervalSeconds) },
              { file: GRAFANA_PATHS.dashboardProvider, content: renderGrafanaDashboardProvider() },
              ...DASHBOARDS.map((d) => ({ file: `${GRAFANA_PATHS.dashboardsDir}/${d.file}`, content: renderDashboard(d) })),
              { file: GRAFANA_PATHS.adminPasswordFile, content: pulumi.secret(adminPassword.result) },
            ],
            ...serviceSettings(prefix, "monitoring", limits("grafana")),
          },
          { parent: this },
        ),
      );
    }

    const url = (p?: number) => (p ? `http://${publishedAddress()}:${p}` : "");
    this.services = services;
    this.prometheusInternalUrl = `http://${names.prometheus}:${port.prometheus}`;
    this.prometheusUrl = url(publish.prometheusPort);
    this.alertmanagerUrl = url(publish.alertmanagerPort);
    this.grafanaUrl = grafana.deploy ? url(publish.grafanaPort) : "";
    this.webhookReceiverUrl = url(publish.webhookPort);
    this.grafanaStatus = grafana.message;
    this.textfileVolumeName = textfileVolumeName !== undefined ? pulumi.output(textfileVolumeName) : undefined;
    this.registerOutputs({
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
      grafanaUrl: this.grafanaUrl,
      webhookReceiverUrl: this.webhookReceiverUrl,
      grafanaStatus: this.grafanaStatus,
      textfileVolumeName: this.textfileVolumeName,
    });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
