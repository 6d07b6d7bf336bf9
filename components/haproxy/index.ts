// HAProxy: the cluster's stable entry points, published on the host.
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { serviceImage, serviceSettings } from "../shared/docker";
import { HAPROXY_CA_PATH, HAPROXY_CONFIG_PATH, HAPROXY_PORTS, HaproxyBackendNode, renderHaproxyConfig } from "./render";

export interface HAProxyArgs {
  namePrefix: string;
  baseImage: string;
  /** Internal cluster network (to reach PostgreSQL and Patroni). */
  clusterNetworkName: pulumi.Input<string>;
  /** Network the published ports live on (an internal network cannot publish). */
  edgeNetworkName: pulumi.Input<string>;
  nodes: HaproxyBackendNode[];
  /** Host address ports are published on. Default 127.0.0.1. */
  bindAddress?: string;
  /** Host port routed to the leader. Default 5000. */
  writePort?: number;
  /** Host port balanced over replicas. Default 5001. */
  readPort?: number;
  /** Host port of the stats page and /metrics. Default 7000. */
  statsPort?: number;
  /** Check interval in ms. Default 1000. */
  checkInterMs?: number;
  /** Failed checks to mark down. Default 3. */
  fall?: number;
  /** Passed checks to mark up. Default 2. */
  rise?: number;
  /** Memory limit in MB. Default 128. */
  memoryMb?: number;
  /** The cluster CA when Patroni's REST API serves TLS. */
  caCertPem?: pulumi.Input<string>;
}

export function haproxyHostname(namePrefix: string): string {
  return `${namePrefix}-haproxy`;
}

export const HAPROXY_DEFAULTS = {
  bindAddress: "127.0.0.1",
  writePort: 5000,
  readPort: 5001,
  statsPort: 7000,
  checkInterMs: 1000,
  fall: 3,
  rise: 2,
  memoryMb: 128,
} as const;

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
    const bindAddress = args.bindAddress ?? HAPROXY_DEFAULTS.bindAddress;
    const spec: HAProxySpec = {
      writePort: args.writePort ?? HAPROXY_DEFAULTS.writePort,
      readPort: args.readPort ?? HAPROXY_DEFAULTS.readPort,
      statsPort: args.statsPort ?? HAPROXY_DEFAULTS.statsPort,
      bindAddress,
      checkInterMs: args.checkInterMs ?? HAPROXY_DEFAULTS.checkInterMs,
      fall: args.fall ?? HAPROXY_DEFAULTS.fall,
      rise: args.rise ?? HAPROXY_DEFAULTS.rise,
    };
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
        ...serviceSettings(args.namePrefix, "haproxy", { memoryMb: args.memoryMb ?? HAPROXY_DEFAULTS.memoryMb, cpus: 0.5 }),
      },
      { parent: this },
    );
    this.writeEndpoint = `${bindAddress}:${spec.writePort}`;
    this.readEndpoint = `${bindAddress}:${spec.readPort}`;
    this.statsUrl = `http://${bindAddress}:${spec.statsPort}/`;
    this.registerOutputs({ writeEndpoint: this.writeEndpoint, readEndpoint: this.readEndpoint, statsUrl: this.statsUrl });
  }
}
