// Program entry: validate the stack settings first, then declare the cluster.
import * as path from "path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PgBackRest } from "../components/backup";
import { repositoryHostname } from "../components/backup/server";
import { EtcdCluster, etcdMemberNames } from "../components/etcd";
import { HAProxy, haproxyHostname } from "../components/haproxy";
import { Monitoring } from "../components/monitoring";
import { PatroniCluster, patroniNodeNames } from "../components/patroni";
import { PgBouncer, pgbouncerHostname } from "../components/pgbouncer";
import { HAPROXY_PORTS } from "../components/haproxy/render";
import { PATRONI_REST_PORT, POSTGRES_PORT } from "../components/patroni/render";
import { PATRONI_MAX_NODES } from "../components/patroni/settings";
import { stackLabels } from "../components/shared/docker";
import { createTarget } from "../components/target";
import { ClusterTls } from "../components/tls";
import { loadStackConfig } from "./load-config";

// Throws StackConfigError (every bad key, named, with the fix) before any resource exists.
const config = loadStackConfig();
const prefix = config.namePrefix;

// One Docker host or a Swarm: the target owns the networks and turns each workload into a container or a service.
const target = createTarget({ namePrefix: prefix, settings: config.target, subnet: config.network.subnet, bindAddress: config.haproxy.bindAddress, images: config.images });

// Every hostname a certificate must carry is known before anything is created.
const etcdMembers = etcdMemberNames(prefix, config.etcd.members);
const patroniNodeHosts = patroniNodeNames(prefix, config.patroni.nodes);
const haproxyHost = haproxyHostname(prefix);
const pgbouncerHost = pgbouncerHostname(prefix);
const backupServerHost = config.backup.enabled && config.backup.repository === "server" ? repositoryHostname(prefix) : undefined;
// The host addresses clients connect to (a wildcard bind is no address a certificate can name).
// On a Swarm, clients reach the routers on the nodes' addresses.
const hostIps = [...new Set(["127.0.0.1", config.haproxy.bindAddress, ...config.target.nodes.map((n) => n.address)])].filter((ip) => ip !== "0.0.0.0");
const tls = config.tls.enabled
  ? new ClusterTls("tls", {
      organization: prefix,
      settings: config.tls,
      certificates: [
        ...etcdMembers.map((m) => ({ name: m, dnsNames: [m, "localhost"], ipAddresses: ["127.0.0.1"] })),
        // Clients reach PostgreSQL through HAProxy (by its name inside, by the host address outside).
        ...patroniNodeHosts.map((n) => ({ name: n, dnsNames: [n, haproxyHost, "localhost"], ipAddresses: hostIps })),
        // Each pooler instance's own name too: on a Swarm its exporter connects verify-full to that instance.
        { name: pgbouncerHost, dnsNames: [...new Set([pgbouncerHost, ...target.routerNames("pgbouncer", pgbouncerHost)]), "localhost"], ipAddresses: hostIps },
        // The pgBackRest repository server: its CN is how the nodes' TLS servers admit it (tls-server-auth).
        ...(backupServerHost ? [{ name: backupServerHost, dnsNames: [backupServerHost] }] : []),
      ],
    })
  : undefined;

const etcd = new EtcdCluster("etcd", {
  settings: config.etcd,
  namePrefix: prefix,
  baseImage: config.baseImage,
  target,
  tls,
});

const backup = config.backup.enabled
  ? new PgBackRest("backup", {
      namePrefix: prefix,
      settings: config.backup,
      server: { nodes: patroniNodeHosts, tls, target },
    })
  : undefined;

// node_exporter's textfile directory, shared with the nodes: the backup scheduler writes its metrics
// there. Created before the nodes so the volume takes the nodes' directory owner (postgres). On a
// Swarm the repository server writes them into a volume on its node, where node_exporter then runs.
const metricsTextfile =
  config.monitoring.enabled && target.kind === "docker"
    ? new docker.Volume("metrics-textfile", { name: `${prefix}-metrics-textfile`, labels: stackLabels(prefix, "monitoring") })
    : undefined;
const swarmMetricsVolume = config.monitoring.enabled && target.kind === "swarm" && backupServerHost ? `${prefix}-metrics-textfile` : undefined;

const patroni = new PatroniCluster(
  "patroni",
  {
    settings: config.patroni,
    database: config.database,
    passwordLength: config.secrets.passwordLength,
    namePrefix: prefix,
    baseImage: config.baseImage,
    target,
    clusterSubnet: config.network.subnet,
    etcdEndpoints: etcd.seedEndpoints,
    tls,
    clientCidrs: config.network.clientCidrs,
    metricsVolumeName: metricsTextfile?.name,
    backup: backup && {
      repoVolumeName: backup.repoVolumeName,
      repoPath: backup.repoPath,
      files: backup.nodeFiles,
      postgresParameters: backup.postgresParameters,
      recoveryConf: backup.recoveryConf,
      postBootstrapCommands: backup.postBootstrapCommands,
    },
  },
  { dependsOn: [...etcd.members, etcd.membership] },
);

// The repository server (backup.repository=server) runs the nodes' image; after the nodes, so its
// initial backup finds a primary sooner.
backup?.runRepository({ image: patroni.imageId, metricsVolumeName: metricsTextfile?.name, swarmMetricsVolume, dependsOn: patroni.members });

const haproxy = new HAProxy("haproxy", {
  namePrefix: prefix,
  baseImage: config.baseImage,
  target,
  // A backend slot for every node the settings allow, not only the nodes of now: scaling patroni.nodes
  // then leaves the routers' config, and so the routers, untouched (a slot with no node stays in
  // maintenance: its name does not resolve).
  nodes: patroniNodeNames(prefix, PATRONI_MAX_NODES).map((host) => ({ host, postgresPort: POSTGRES_PORT, restPort: PATRONI_REST_PORT })),
  settings: config.haproxy,
  caCertPem: tls?.caCertPem,
});

// `pulumi up` returns only once the write path works (bounded: 180 tries, 1 s apart). Re-runs when members change.
const writePathTriggers = [...haproxy.instances, ...patroni.members].map((r) => r.id);
const writePathReady =
  target.kind === "docker"
    ? // A node asks HAProxy's write listener until the leader answers through it.
      new command.local.Command(
        "write-path-ready",
        {
          create: [
            "start=$(date +%s)",
            `for i in $(seq 1 180); do docker exec ${patroni.nodeNames[0]} pg_isready -q -h ${haproxyHost} -p ${HAPROXY_PORTS.write} && break; sleep 1; done`,
            `docker exec ${patroni.nodeNames[0]} pg_isready -q -h ${haproxyHost} -p ${HAPROXY_PORTS.write} || { echo "no writable primary behind ${haproxyHost}:${HAPROXY_PORTS.write} after 180 s" >&2; exit 1; }`,
            "echo $(( $(date +%s) - start ))",
          ].join("\n"),
          triggers: writePathTriggers,
        },
        { dependsOn: [haproxy, patroni] },
      )
    : // From here to the routers' published ports on their nodes (the overlay is not reachable from here).
      new command.local.Command(
        "write-path-ready",
        {
          // Relative to where Pulumi runs the program (the project directory).
          create: `node --import tsx ${path.relative(process.cwd(), path.join(__dirname, "..", "components", "target", "wait-writable.ts"))}`,
          environment: { DPG_WAIT_ENDPOINTS: haproxy.writeEndpoint },
          triggers: writePathTriggers,
        },
        { dependsOn: [haproxy, patroni] },
      );

const pgbouncer = new PgBouncer("pgbouncer", {
  namePrefix: prefix,
  image: patroni.imageId,
  target,
  upstreamHost: haproxy.containerName,
  upstreamPort: HAPROXY_PORTS.write,
  databases: [config.database.name],
  authUserPassword: patroni.poolerAuthPassword,
  postgresMaxConnections: config.patroni.maxConnections,
  bindAddress: config.haproxy.bindAddress,
  settings: config.pgbouncer,
  passwordLength: config.secrets.passwordLength,
  tls,
});

const alerting = config.monitoring.alerting;
const monitoring = config.monitoring.enabled
  ? new Monitoring(
      "monitoring",
      {
        namePrefix: prefix,
        baseImage: config.baseImage,
        target,
        postgresNodes: patroni.nodeNames,
        postgresDatabase: config.database.name,
        postgresExporterImage: patroni.imageId,
        exporterPassword: patroni.exporterPassword,
        patroniEndpoints: patroni.nodeNames.map((n) => `${n}:${PATRONI_REST_PORT}`),
        etcdEndpoints: etcd.metricsEndpoints,
        // Every router instance by its own name (on a Swarm the common name would reach either one).
        haproxyEndpoints: target.routerNames("haproxy", haproxy.containerName).map((n) => `${n}:${HAPROXY_PORTS.stats}`),
        pgbouncer: { hosts: target.routerNames("pgbouncer", pgbouncer.containerName), user: pgbouncer.statsUser, password: pgbouncer.statsPassword },
        alerting: {
          webhookUrl: alerting.webhookUrl && pulumi.secret(alerting.webhookUrl),
          email: alerting.email && { ...alerting.email, password: alerting.email.password && pulumi.secret(alerting.email.password) },
          slack: alerting.slack && { channel: alerting.slack.channel, apiUrl: pulumi.secret(alerting.slack.apiUrl) },
          pagerduty: alerting.pagerduty && { routingKey: pulumi.secret(alerting.pagerduty.routingKey) },
        },
        publish: {
          prometheusPort: config.monitoring.prometheusPort,
          alertmanagerPort: config.monitoring.alertmanagerPort,
          webhookPort: config.monitoring.webhookPort,
          grafanaPort: config.monitoring.grafanaPort,
        },
        grafanaImage: config.monitoring.grafanaImage,
        retentionDays: config.monitoring.retentionDays,
        backupMaxAgeHours: config.monitoring.backupMaxAgeHours,
        caCertPem: tls?.caCertPem,
        textfileVolumeName: metricsTextfile?.name,
        swarmTextfileVolume: swarmMetricsVolume,
        certificateExpiries: tls?.expiries,
      },
      // After the repository server: on a Swarm it seeds the textfile volume node_exporter reads.
      { dependsOn: [patroni, haproxy, pgbouncer, ...(backup?.repository ? [backup.repository] : [])] },
    )
  : undefined;

// With TLS, clients verify the server's name against the exported CA (save caCertPem to a file).
const sslQuery = config.tls.enabled ? "?sslmode=verify-full&sslrootcert=ca.crt" : "";
const appUrl = (endpoint: string) =>
  pulumi.secret(
    pulumi.interpolate`postgresql://${patroni.appUser}:${patroni.appPassword}@${endpoint}/${patroni.databaseName}${sslQuery}`,
  );

export const environment = config.environment;
/** The internal CA: clients use it for sslmode=verify-full. */
export const caCertPem = tls?.caCertPem;
export const writeEndpoint = haproxy.writeEndpoint;
/** Seconds `pulumi up` waited, after the containers were created, for the leader to answer through HAProxy. */
export const writePathReadyAfterSeconds = writePathReady.stdout.apply((s) => Number(s.trim()));
export const readEndpoint = haproxy.readEndpoint;
export const haproxyStatsUrl = haproxy.statsUrl;
export const databaseName = patroni.databaseName;
export const appUser = patroni.appUser;
export const writeConnectionString = appUrl(haproxy.writeEndpoint);
export const readConnectionString = appUrl(haproxy.readEndpoint);
export const poolerEndpoint = pgbouncer.endpoint;
export const poolerConnectionString = appUrl(pgbouncer.endpoint);
export const superuserPassword = pulumi.secret(patroni.superuserPassword);
export const exporterPassword = pulumi.secret(patroni.exporterPassword);
export const patroniNodes = patroni.nodeNames;
export const etcdEndpoints = etcd.clientEndpoints;
export const clusterNetworkName = target.clusterNetwork;
export const prometheusUrl = monitoring?.prometheusUrl;
export const alertmanagerUrl = monitoring?.alertmanagerUrl;
export const alertWebhookUrl = monitoring?.webhookReceiverUrl;
export const grafanaUrl = monitoring?.grafanaUrl;
/** The image id each role runs (patroni, etcd, haproxy, monitoring): what `npm run promote` hands to the next stack. */
export const imageIds = pulumi.all(target.imageIds);
export const grafanaStatus = monitoring?.grafanaStatus ?? "monitoring disabled (dpg-cluster:monitoring.enabled = false)";
