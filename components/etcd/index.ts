// EtcdCluster: the distributed configuration store Patroni keeps its leader lock in.
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { serviceImage, serviceImageName, serviceSettings } from "../shared/docker";
import { secretFilesSettings } from "../shared/secret-files";
import type { EtcdSettings } from "./settings";
import { TlsMaterial, tlsUploadsFor } from "../tls";
import { ETCD_CLIENT_PORT, ETCD_CONFIG_PATH, ETCD_METRICS_PORT, ETCD_TLS_FILES, EtcdSecurity, etcdSecurity, renderEtcdConfig } from "./render";


export interface EtcdClusterArgs {
  /** dpg-cluster:etcd.*, parsed (the member count). */
  settings: EtcdSettings;
  /** Prefix of container and volume names, e.g. "dpg-dev". */
  namePrefix: string;
  /** Base image the etcd image is built FROM. */
  baseImage: string;
  /** Docker network the members join (internal cluster network). */
  networkName: pulumi.Input<string>;
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

  /** Client endpoints ("host:port") on the cluster network, for Patroni's etcd3 section. */
  readonly clientEndpoints: string[];
  readonly containers: docker.Container[];
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
    const rendered = renderEtcdConfig({ name: memberNames[0], memberNames, clusterToken: args.namePrefix, tls });
    const spec: EtcdClusterSpec = { members, image: serviceImageName(imageArgs), ...etcdSecurity(rendered) };
    super(EtcdCluster.__pulumiType, name, spec, opts);

    const image = serviceImage(`${name}-image`, imageArgs, { parent: this });
    const token = new random.RandomId(`${name}-cluster-token`, { byteLength: 8, prefix: `${args.namePrefix}-` }, { parent: this });

    this.containers = memberNames.map((memberName, i) => {
      const volume = new docker.Volume(`${name}-data-${i + 1}`, { name: `${memberName}-data` }, { parent: this });
      return new docker.Container(
        `${name}-${i + 1}`,
        {
          name: memberName,
          hostname: memberName,
          image: image.imageId,
          networksAdvanced: [{ name: args.networkName, aliases: [memberName] }],
          volumes: [{ volumeName: volume.name, containerPath: "/var/lib/etcd" }],
          uploads: pulumi.secret(
            pulumi
              .all([token.hex, tlsUploadsFor(ETCD_TLS_FILES, args.tls, memberName)])
              .apply(([hex, tlsFiles]) => [
                { file: ETCD_CONFIG_PATH, content: renderEtcdConfig({ name: memberName, memberNames, clusterToken: `${args.namePrefix}-${hex}`, tls }) },
                ...tlsFiles,
              ]),
          ),
          healthcheck: {
            // etcd's /health on the plain metrics port: no client certificate needed to ask.
            tests: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${ETCD_METRICS_PORT}/health`],
            interval: "5s",
            timeout: "4s",
            retries: 5,
            startPeriod: "10s",
          },
          ...serviceSettings(args.namePrefix, "etcd", { memoryMb, cpus: 0.5 }),
          // The image's user; its entrypoint is dumb-init alone, which the hand-over execs.
          ...(args.tls ? secretFilesSettings({ user: "etcd", files: [ETCD_TLS_FILES.key], entrypoint: [], command: ["etcd", "--config-file", ETCD_CONFIG_PATH] }) : {}),
        },
        { parent: this },
      );
    });
    this.clientEndpoints = memberNames.map((m) => `${m}:${ETCD_CLIENT_PORT}`);
    this.metricsEndpoints = memberNames.map((m) => `${m}:${ETCD_METRICS_PORT}`);
    this.memberNames = memberNames;
    this.registerOutputs({ clientEndpoints: this.clientEndpoints, metricsEndpoints: this.metricsEndpoints });
  }
}
