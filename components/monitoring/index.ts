// Monitoring: exporters for every service, Prometheus scraping them, alert rules, Alertmanager
// with a built-in webhook receiver, and Grafana when an image for it exists locally.
import { spawnSync } from "child_process";
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { serviceImage, serviceSettings } from "../shared/docker";
import { NODE_IMAGE_ENTRYPOINT, NODE_IMAGE_USER } from "../patroni/render";
import { secretFilesSettings } from "../shared/secret-files";
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
  /** PgBouncer host on the cluster network. */
  host: string;
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
  /** Host address published ports bind to (dpg-cluster:haproxy.bindAddress). */
  bindAddress: string;
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
  /** Internal cluster network: every exporter and Prometheus join it. */
  clusterNetworkName: pulumi.Input<string>;
  /** Network for published ports and outbound notifications (an internal network cannot do either). */
  edgeNetworkName: pulumi.Input<string>;
  /** Scrape and rule evaluation interval. Default 15 (seed: "Prometheus scraping metrics every 15s"). */
  scrapeIntervalSeconds?: number;
  /** Patroni node hostnames: one postgres_exporter container (`<prefix>-pgexp-N`) per node. Default: none. */
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
  /** HAProxy stats endpoint ("host:7000") serving /metrics. Default: none. */
  haproxyEndpoint?: string;
  /** PgBouncer to export (one pgbouncer_exporter container). Default: none. */
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
  /** Volume node_exporter reads *.prom files from; created here when not given. */
  textfileVolumeName?: pulumi.Input<string>;
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
/** The monitoring image's user (components/monitoring/image); its entrypoint is dumb-init alone. */
const MONITORING_IMAGE_USER = "prometheus";

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
  /** Volume node_exporter reads *.prom files from (backup and certificate metrics, see rules.ts). */
  readonly textfileVolumeName: pulumi.Output<string>;
  readonly containers: docker.Container[];

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    const prefix = args.namePrefix;
    const scrapeIntervalSeconds = args.scrapeIntervalSeconds ?? MONITORING_DEFAULTS.scrapeIntervalSeconds;
    const mem = { ...MONITORING_DEFAULTS.memoryMb, ...stripUndefined(args.memoryMb ?? {}) };
    const publish = args.publish;
    const bindAddress = publish.bindAddress;
    const postgresNodes = args.postgresNodes ?? [];
    if (postgresNodes.length > 0 && (!args.postgresExporterImage || !args.exporterPassword)) {
      throw new Error("Monitoring: postgresNodes needs postgresExporterImage and exporterPassword");
    }
    const nodeExporter = args.nodeExporter ?? MONITORING_DEFAULTS.nodeExporter;
    const host = (role: string) => `${prefix}-${role}`;
    const names = {
      prometheus: host("prometheus"),
      alertmanager: host("alertmanager"),
      webhook: host("alert-webhook"),
      nodeExporter: host("node-exporter"),
      pgbouncerExporter: host("pgbouncer-exporter"),
      grafana: host("grafana"),
      pgexp: (i: number) => host(`pgexp-${i + 1}`),
    };
    const port = MONITORING_PORTS;
    const tls = args.caCertPem !== undefined;
    const caUploads = tls ? [{ file: MONITORING_PATHS.caFile, content: args.caCertPem! }] : [];
    const targets: PrometheusRenderInput["targets"] = {
      prometheus: [{ address: `${names.prometheus}:${port.prometheus}` }],
      alertmanager: [{ address: `${names.alertmanager}:${port.alertmanager}` }],
      node: nodeExporter ? [{ address: `${names.nodeExporter}:${port.nodeExporter}` }] : [],
      postgres: postgresNodes.map((node, i) => ({ address: `${names.pgexp(i)}:${port.postgresExporter}`, labels: { node } })),
      patroni: (args.patroniEndpoints ?? []).map((address) => ({ address })),
      etcd: (args.etcdEndpoints ?? []).map((address) => ({ address })),
      haproxy: args.haproxyEndpoint ? [{ address: args.haproxyEndpoint }] : [],
      pgbouncer: args.pgbouncer ? [{ address: `${names.pgbouncerExporter}:${port.pgbouncerExporter}` }] : [],
    };
    const alerting = args.alerting ?? {};
    const amInput = {
      webhookUrl: `http://${names.webhook}:${port.webhook}/alerts`,
      operatorWebhook: alerting.webhookUrl !== undefined,
      email: alerting.email ? { ...alerting.email, hasPassword: alerting.email.password !== undefined } : undefined,
      slack: alerting.slack ? { channel: alerting.slack.channel } : undefined,
      pagerduty: alerting.pagerduty ? {} : undefined,
    };
    const grafana = grafanaAvailability(args.grafanaImage);
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

    const image = serviceImage(
      `${name}-image`,
      { imageDir: path.join(__dirname, "image"), repository: "dpg/monitoring", baseImage: args.baseImage },
      { parent: this },
    );
    const onCluster = (alias: string) => [{ name: args.clusterNetworkName, aliases: [alias] }];
    // A published port needs a non-internal network listed first (as HAProxy does).
    const networks = (alias: string, edge: boolean) => (edge ? [{ name: args.edgeNetworkName }, ...onCluster(alias)] : onCluster(alias));
    const ports = (internal: number, external?: number) => (external ? [{ internal, external, ip: bindAddress }] : []);
    const httpCheck = (url: string, startPeriod = "10s") => ({
      tests: ["CMD", "python3", "/usr/local/bin/http-check.py", url],
      interval: "15s",
      timeout: "5s",
      retries: 3,
      startPeriod,
    });
    const limits = (which: keyof typeof MONITORING_CPUS) => serviceSettings(prefix, "monitoring", { memoryMb: mem[which], cpus: MONITORING_CPUS[which] });

    const containers: docker.Container[] = [];

    // Built-in webhook receiver: the default notification channel.
    containers.push(
      new docker.Container(
        `${name}-webhook`,
        {
          name: names.webhook,
          hostname: names.webhook,
          image: image.imageId,
          command: SERVICE_COMMANDS.webhook(),
          envs: [`WEBHOOK_LISTEN=0.0.0.0:${port.webhook}`],
          networksAdvanced: networks(names.webhook, publish.webhookPort !== undefined),
          ports: ports(port.webhook, publish.webhookPort),
          healthcheck: httpCheck(`http://127.0.0.1:${port.webhook}/healthz`),
          ...limits("webhook"),
        },
        { parent: this },
      ),
    );

    // Alertmanager: needs the edge network to be published or to reach e-mail/Slack/PagerDuty.
    const amUploads: docker.types.input.ContainerUpload[] = [{ file: MONITORING_PATHS.alertmanagerConfig, content: renderAlertmanagerConfig(amInput) }];
    // Secret files are handed to the service user (0600) before it starts: secretFilesSettings.
    const secretFile = (file: string, content: pulumi.Input<string>) => ({ file, content: pulumi.secret(content) });
    const amSecretFiles: string[] = [];
    const amSecret = (file: string, content: pulumi.Input<string>) => {
      amSecretFiles.push(file);
      amUploads.push(secretFile(file, content));
    };
    if (alerting.email?.password !== undefined) amSecret(ALERTMANAGER_SECRET_FILES.emailPassword, alerting.email.password);
    if (alerting.slack) amSecret(ALERTMANAGER_SECRET_FILES.slackApiUrl, alerting.slack.apiUrl);
    if (alerting.pagerduty) amSecret(ALERTMANAGER_SECRET_FILES.pagerdutyRoutingKey, alerting.pagerduty.routingKey);
    if (alerting.webhookUrl !== undefined) amSecret(ALERTMANAGER_SECRET_FILES.webhookUrl, alerting.webhookUrl);
    // An operator's channel is outside the internal network: it needs the edge network's egress.
    const amEgress = publish.alertmanagerPort !== undefined || !!(alerting.email || alerting.slack || alerting.pagerduty || alerting.webhookUrl !== undefined);
    const amData = new docker.Volume(`${name}-alertmanager-data`, { name: `${names.alertmanager}-data` }, { parent: this });
    containers.push(
      new docker.Container(
        `${name}-alertmanager`,
        {
          name: names.alertmanager,
          hostname: names.alertmanager,
          image: image.imageId,
          command: SERVICE_COMMANDS.alertmanager(),
          networksAdvanced: networks(names.alertmanager, amEgress),
          ports: ports(port.alertmanager, publish.alertmanagerPort),
          volumes: [{ volumeName: amData.name, containerPath: MONITORING_PATHS.alertmanagerData }],
          uploads: amUploads,
          healthcheck: httpCheck(`http://127.0.0.1:${port.alertmanager}/-/ready`),
          ...limits("alertmanager"),
          ...(amSecretFiles.length ? secretFilesSettings({ user: MONITORING_IMAGE_USER, files: amSecretFiles, entrypoint: [], command: SERVICE_COMMANDS.alertmanager() }) : {}),
        },
        { parent: this },
      ),
    );

    // node_exporter, with the textfile volume other components write backup/cert metrics into
    // (the Patroni nodes' backup scheduler writes dpg_backup.prom; certificate expiries come from here).
    const textfileVolumeName =
      args.textfileVolumeName ?? new docker.Volume(`${name}-textfile`, { name: `${prefix}-metrics-textfile` }, { parent: this }).name;
    const certificateMetrics = args.certificateExpiries
      ? pulumi.all(args.certificateExpiries).apply((expiries) => [{ file: `${MONITORING_PATHS.textfileDir}/dpg_certificates.prom`, content: renderCertificateMetrics(expiries) }])
      : pulumi.output([]);
    if (nodeExporter) {
      containers.push(
        new docker.Container(
          `${name}-node-exporter`,
          {
            name: names.nodeExporter,
            hostname: names.nodeExporter,
            image: image.imageId,
            command: SERVICE_COMMANDS.nodeExporter(),
            networksAdvanced: onCluster(names.nodeExporter),
            // Writable only so the certificate metrics can be uploaded into it at creation.
            volumes: [{ volumeName: textfileVolumeName, containerPath: MONITORING_PATHS.textfileDir }],
            uploads: certificateMetrics,
            healthcheck: httpCheck(`http://127.0.0.1:${port.nodeExporter}/`),
            ...limits("nodeExporter"),
          },
          { parent: this },
        ),
      );
    }

    // postgres_exporter, one per node, from the Patroni image (it has the Debian package).
    const queries = renderPostgresExporterQueries();
    postgresNodes.forEach((node, i) => {
      const db = args.postgresDatabase ?? MONITORING_DEFAULTS.postgresDatabase;
      containers.push(
        new docker.Container(
          `${name}-pgexp-${i + 1}`,
          {
            name: names.pgexp(i),
            hostname: names.pgexp(i),
            image: args.postgresExporterImage!,
            envs: postgresExporterEnv({
              host: node,
              port: args.postgresPort ?? MONITORING_DEFAULTS.postgresPort,
              database: db,
              user: args.exporterUser ?? MONITORING_DEFAULTS.exporterUser,
              tls,
            }),
            networksAdvanced: onCluster(names.pgexp(i)),
            uploads: [
              { file: MONITORING_PATHS.postgresExporterQueries, content: queries },
              secretFile(MONITORING_PATHS.postgresExporterPassword, args.exporterPassword!),
              ...caUploads,
            ],
            healthcheck: {
              tests: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${port.postgresExporter}/`],
              interval: "15s",
              timeout: "5s",
              retries: 3,
              startPeriod: "10s",
            },
            ...limits("postgresExporter"),
            ...secretFilesSettings({ user: NODE_IMAGE_USER, files: [MONITORING_PATHS.postgresExporterPassword], entrypoint: NODE_IMAGE_ENTRYPOINT, command: SERVICE_COMMANDS.postgresExporter() }),
          },
          { parent: this },
        ),
      );
    });

    if (args.pgbouncer) {
      const pgb = args.pgbouncer;
      containers.push(
        new docker.Container(
          `${name}-pgbouncer-exporter`,
          {
            name: names.pgbouncerExporter,
            hostname: names.pgbouncerExporter,
            image: image.imageId,
            envs: pgbouncerExporterEnv({ host: pgb.host, port: pgb.port ?? MONITORING_DEFAULTS.pgbouncerPort, user: pgb.user, tls }),
            networksAdvanced: onCluster(names.pgbouncerExporter),
            uploads: [secretFile(PGBOUNCER_EXPORTER_PASSWORD_FILE, pgb.password), ...caUploads],
            healthcheck: httpCheck(`http://127.0.0.1:${port.pgbouncerExporter}/`),
            ...limits("pgbouncerExporter"),
            ...secretFilesSettings({ user: MONITORING_IMAGE_USER, files: [PGBOUNCER_EXPORTER_PASSWORD_FILE], entrypoint: [], command: SERVICE_COMMANDS.pgbouncerExporter() }),
          },
          { parent: this },
        ),
      );
    }

    const promData = new docker.Volume(`${name}-prometheus-data`, { name: `${names.prometheus}-data` }, { parent: this });
    const promConfig = renderPrometheusConfig({
      cluster: prefix,
      scrapeIntervalSeconds,
      targets,
      alertmanager: `${names.alertmanager}:${port.alertmanager}`,
      tlsJobs: tls ? ["patroni"] : [],
    });
    containers.push(
      new docker.Container(
        `${name}-prometheus`,
        {
          name: names.prometheus,
          hostname: names.prometheus,
          image: image.imageId,
          command: SERVICE_COMMANDS.prometheus(args.retentionDays),
          networksAdvanced: networks(names.prometheus, publish.prometheusPort !== undefined),
          ports: ports(port.prometheus, publish.prometheusPort),
          volumes: [{ volumeName: promData.name, containerPath: MONITORING_PATHS.prometheusData }],
          uploads: [
            { file: MONITORING_PATHS.prometheusConfig, content: promConfig },
            { file: MONITORING_PATHS.rulesFile, content: renderAlertRules(rulesInput) },
            ...caUploads,
          ],
          healthcheck: httpCheck(`http://127.0.0.1:${port.prometheus}/-/ready`, "30s"),
          // Prometheus flushes its head block on SIGTERM.
          stopTimeout: 30,
          ...limits("prometheus"),
        },
        { parent: this, dependsOn: containers.slice() },
      ),
    );

    if (grafana.deploy) {
      const adminPassword = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 32, special: false }, { parent: this });
      containers.push(
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
            networksAdvanced: networks(names.grafana, publish.grafanaPort !== undefined),
            ports: ports(port.grafana, publish.grafanaPort),
            uploads: [
              { file: GRAFANA_PATHS.datasources, content: renderGrafanaDatasources(`http://${names.prometheus}:${port.prometheus}`, scrapeIntervalSeconds) },
              { file: GRAFANA_PATHS.dashboardProvider, content: renderGrafanaDashboardProvider() },
              ...DASHBOARDS.map((d) => ({ file: `${GRAFANA_PATHS.dashboardsDir}/${d.file}`, content: renderDashboard(d) })),
              secretFile(GRAFANA_PATHS.adminPasswordFile, adminPassword.result),
            ],
            ...limits("grafana"),
          },
          { parent: this },
        ),
      );
    }

    this.containers = containers;
    this.prometheusInternalUrl = `http://${names.prometheus}:${port.prometheus}`;
    this.prometheusUrl = publish.prometheusPort ? `http://${bindAddress}:${publish.prometheusPort}` : "";
    this.alertmanagerUrl = publish.alertmanagerPort ? `http://${bindAddress}:${publish.alertmanagerPort}` : "";
    this.grafanaUrl = grafana.deploy && publish.grafanaPort ? `http://${bindAddress}:${publish.grafanaPort}` : "";
    this.webhookReceiverUrl = publish.webhookPort ? `http://${bindAddress}:${publish.webhookPort}` : "";
    this.grafanaStatus = grafana.message;
    this.textfileVolumeName = pulumi.output(textfileVolumeName);
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
