// HAProxy: the cluster's stable entry points, published on the host.
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { serviceImage, serviceSettings } from "../shared/docker";
import { HAPROXY_CA_PATH, HAPROXY_CONFIG_PATH, HAPROXY_PORTS, HaproxyBackendNode, renderHaproxyConfig } from "./render";
import type { HaproxySettings } from "./settings";

export interface HAProxyArgs {
  namePrefix: string;
  baseImage: string;
  /** Internal cluster network (to reach PostgreSQL and Patroni). */
  clusterNetworkName: pulumi.Input<string>;
  /** Network the published ports live on (an internal network cannot publish). */
  edgeNetworkName: pulumi.Input<string>;
  nodes: HaproxyBackendNode[];
  /** dpg-cluster:haproxy.*, parsed: bind address, ports and check cadence. */
  settings: HaproxySettings;
  /** The cluster CA when Patroni's REST API serves TLS. */
  caCertPem?: pulumi.Input<string>;
}

export function haproxyHostname(namePrefix: string): string {
  return `${namePrefix}-haproxy`;
}

/** Memory limit in MB: HAProxy holds a few hundred connections here. */
const HAPROXY_MEMORY_MB = 128;

/** What the readiness pack sees of this component. */
export interface HAProxySpec {
  writePort: number;
  readPort: number;
  statsPort: number;
  bindAddress: string;
  checkInterMs: number;
  fall: number;
  rise: number;
}

export class HAProxy extends pulumi.ComponentResource {
  static readonly __pulumiType = "dpg:haproxy:HAProxy";

  readonly writeEndpoint: string;
  readonly readEndpoint: string;
  readonly statsUrl: string;
  readonly container: docker.Container;
  /** Hostname on the cluster network (for the pooler's upstream). */
  readonly containerName: string;

  constructor(name: string, args: HAProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    const bindAddress = args.settings.bindAddress;
    const spec: HAProxySpec = { ...args.settings };
    super(HAProxy.__pulumiType, name, spec, opts);

    const image = serviceImage(
      `${name}-image`,
      { imageDir: path.join(__dirname, "image"), repository: "dpg/haproxy", baseImage: args.baseImage },
      { parent: this },
    );
    const config = renderHaproxyConfig({ nodes: args.nodes, checkInterMs: spec.checkInterMs, fall: spec.fall, rise: spec.rise, restTls: args.caCertPem !== undefined });
    const containerName = haproxyHostname(args.namePrefix);
    this.containerName = containerName;
    this.container = new docker.Container(
      `${name}`,
      {
        name: containerName,
        hostname: containerName,
        image: image.imageId,
        // The edge network comes first so the published ports are reachable from the host.
        networksAdvanced: [{ name: args.edgeNetworkName }, { name: args.clusterNetworkName, aliases: [containerName] }],
        ports: [
          { internal: HAPROXY_PORTS.write, external: spec.writePort, ip: bindAddress },
          { internal: HAPROXY_PORTS.read, external: spec.readPort, ip: bindAddress },
          { internal: HAPROXY_PORTS.stats, external: spec.statsPort, ip: bindAddress },
        ],
        uploads: [
          { file: HAPROXY_CONFIG_PATH, content: config },
          ...(args.caCertPem !== undefined ? [{ file: HAPROXY_CA_PATH, content: args.caCertPem }] : []),
        ],
        healthcheck: {
          tests: ["CMD", "haproxy", "-c", "-q", "-f", HAPROXY_CONFIG_PATH],
          interval: "10s",
          timeout: "5s",
          retries: 3,
        },
        ...serviceSettings(args.namePrefix, "haproxy", { memoryMb: HAPROXY_MEMORY_MB, cpus: 0.5 }),
      },
      { parent: this },
    );
    this.writeEndpoint = `${bindAddress}:${spec.writePort}`;
    this.readEndpoint = `${bindAddress}:${spec.readPort}`;
    this.statsUrl = `http://${bindAddress}:${spec.statsPort}/`;
    this.registerOutputs({ writeEndpoint: this.writeEndpoint, readEndpoint: this.readEndpoint, statsUrl: this.statsUrl });
  }
}
