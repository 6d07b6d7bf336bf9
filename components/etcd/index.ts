// EtcdCluster: the distributed configuration store Patroni keeps its leader lock in.
import * as path from "path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { serviceImageName } from "../shared/docker";
import type { Target } from "../target";
import { memberRunning } from "../target/member-exec";
import { runOneAtATime } from "../target/rolling";
import { ETCD_MAX_MEMBERS, EtcdSettings } from "./settings";
import { TlsMaterial, tlsFilesFor } from "../tls";
import { ETCD_CLIENT_PORT, ETCD_UID, ETCD_CONFIG_PATH, ETCD_METRICS_PORT, ETCD_TLS_FILES, EtcdSecurity, etcdFounders, etcdSecurity, renderEtcdConfig } from "./render";


export interface EtcdClusterArgs {
  /** dpg-cluster:etcd.*, parsed (the member count). */
  settings: EtcdSettings;
  /** Prefix of container and volume names, e.g. "dpg-dev". */
  namePrefix: string;
  /** Base image the etcd image is built FROM. */
  baseImage: string;
  /** Where the members run. */
  target: Target;
  /** TLS material from ClusterTls, with a certificate per member name (peer + client, mutual); plaintext when absent. */
  tls?: TlsMaterial;
}

/** Member names (also hostnames): known before anything exists, so certificates can name them. */
export function etcdMemberNames(namePrefix: string, members: number): string[] {
  return Array.from({ length: members }, (_, i) => `${namePrefix}-etcd-${i + 1}`);
}

/** Memory limit per member in MB: etcd holds only Patroni's keys here. */
const MEMBER_MEMORY_MB = 256;

/** What the readiness pack sees of this component (secret-free). */
/** What the readiness pack sees: the security posture read back from the rendered member config. */
export interface EtcdClusterSpec extends EtcdSecurity {
  members: number;
  image: string;
}

export class EtcdCluster extends pulumi.ComponentResource {
  static readonly __pulumiType = "dpg:etcd:EtcdCluster";

  /** Every member's client endpoint ("host:port") on the cluster network. */
  readonly clientEndpoints: string[];
  /**
   * The founders' client endpoints, for Patroni's etcd3 hosts: Patroni discovers the other members from
   * etcd's member list, so scaling etcd leaves Patroni's configuration, and the database nodes, untouched.
   */
  readonly seedEndpoints: string[];
  /** Runs once the members are in place: waits until each is a started member, removes those a scale-in drops. */
  readonly membership: command.local.Command;
  /** One container (one host) or service (Swarm) per member. */
  readonly members: pulumi.CustomResource[];
  /** Plain-HTTP /metrics endpoints ("host:2381") for Prometheus. */
  readonly metricsEndpoints: string[];
  readonly memberNames: string[];

  constructor(name: string, args: EtcdClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const members = args.settings.members;
    const memoryMb = MEMBER_MEMORY_MB;
    const memberNames = etcdMemberNames(args.namePrefix, members);
    const tls = args.tls !== undefined;
    // With TLS every client must present a certificate from the cluster CA (client-cert-auth).
    const imageArgs = { imageDir: path.join(__dirname, "image"), repository: "dpg/etcd", baseImage: args.baseImage };
    const founders = etcdFounders(memberNames);
    const rendered = renderEtcdConfig({ name: memberNames[0], founders, clusterToken: args.namePrefix, tls });
    const spec: EtcdClusterSpec = { members, image: serviceImageName(imageArgs), ...etcdSecurity(rendered) };
    super(EtcdCluster.__pulumiType, name, spec, opts);

    const image = args.target.image(`${name}-image`, imageArgs, this);
    if (process.env.DPG_NO_LIVE_CLUSTER !== "1") this.sayScaling(args.namePrefix, memberNames, args.target);
    const token = new random.RandomId(`${name}-cluster-token`, { byteLength: 8, prefix: `${args.namePrefix}-` }, { parent: this });
    const tlsFiles = tlsFilesFor(ETCD_TLS_FILES, args.tls);

    this.members = runOneAtATime(
      args.target,
      memberNames.map((memberName, i) => ({
        resourceName: `${name}-${i + 1}`,
        workload: {
          name: memberName,
          component: "etcd",
          image,
          process: { user: "etcd", uid: ETCD_UID, entrypoint: [], command: ["dpg-etcd-start", ETCD_CONFIG_PATH] },
          files: [
            {
              path: ETCD_CONFIG_PATH,
              content: token.hex.apply((hex) => renderEtcdConfig({ name: memberName, founders, clusterToken: `${args.namePrefix}-${hex}`, tls })),
            },
            ...tlsFiles(memberName),
          ],
          memberVolumes: [{ resourceName: `${name}-data-${i + 1}`, name: `${memberName}-data`, containerPath: "/var/lib/etcd" }],
          healthcheck: {
            // etcd's /health on the plain metrics port: no client certificate needed to ask.
            test: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${ETCD_METRICS_PORT}/health`],
            intervalS: 5,
            timeoutS: 4,
            retries: 5,
            startPeriodS: 10,
          },
          // The process serves (metrics answer without quorum): a member is resolvable before the others join.
          swarmHealthcheck: {
            test: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${ETCD_METRICS_PORT}/metrics`],
            intervalS: 5,
            timeoutS: 4,
            retries: 5,
            startPeriodS: 10,
          },
          limits: { memoryMb, cpus: 0.5 },
          placement: args.target.placement("etcd", i),
        },
      })),
      { parent: this },
    );
    // Before Pulumi deletes what a scale-in drops (deletes come last), those members leave the membership.
    this.membership = new command.local.Command(
      `${name}-membership`,
      {
        create: `node --import tsx ${path.relative(process.cwd(), path.join(__dirname, "membership.ts"))}`,
        stdin: JSON.stringify({ members: memberNames, target: args.target.exec }),
        logging: "stderr",
      },
      { parent: this, dependsOn: this.members },
    );
    this.clientEndpoints = memberNames.map((m) => `${m}:${ETCD_CLIENT_PORT}`);
    this.seedEndpoints = founders.map((m) => `${m}:${ETCD_CLIENT_PORT}`);
    this.metricsEndpoints = memberNames.map((m) => `${m}:${ETCD_METRICS_PORT}`);
    this.memberNames = memberNames;
    this.registerOutputs({ clientEndpoints: this.clientEndpoints, metricsEndpoints: this.metricsEndpoints });
  }

  /** Tells the operator, in preview and up, which members a change of etcd.members adds or removes, and how. */
  private sayScaling(namePrefix: string, wanted: string[], target: Target): void {
    const running = etcdMemberNames(namePrefix, ETCD_MAX_MEMBERS).filter((m) => memberRunning(m, target.exec));
    if (running.length === 0) return;
    const joining = wanted.filter((m) => !running.includes(m));
    const leaving = running.filter((m) => !wanted.includes(m)).reverse();
    if (joining.length) pulumi.log.info(`etcd scale-out: ${joining.join(", ")} join the running cluster one at a time (member add, then start as an existing member)`, this);
    if (leaving.length) pulumi.log.info(`etcd scale-in: ${leaving.join(", ")} leave the membership (member remove, one at a time) before their containers go`, this);
  }
}
