// HAProxy: the cluster's stable entry points, published on the host.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { Target } from "../target";
import { HAPROXY_CA_PATH, HAPROXY_CONFIG_PATH, HAPROXY_PORTS, HaproxyBackendNode, renderHaproxyConfig } from "./render";
import type { HaproxySettings } from "./settings";
import { runOneAtATime } from "../target/rolling";

export interface HAProxyArgs {
  namePrefix: string;
  baseImage: string;
  /** Where the routers run. */
  target: Target;
  /**
   * Backend servers. infra/index.ts gives a slot for every node name the settings allow, so a change of the
   * node count does not change haproxy.cfg (which would replace the routers); a slot whose name does not
   * resolve (no such node now) stays in maintenance.
   */
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
  /** One router on a host; one per placement on a Swarm. */
  readonly instances: pulumi.CustomResource[];
  /** Hostname on the cluster network (for the pooler's upstream). */
  readonly containerName: string;

  constructor(name: string, args: HAProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    const spec: HAProxySpec = { ...args.settings };
    super(HAProxy.__pulumiType, name, spec, opts);

    const image = args.target.image(
      `${name}-image`,
      { imageDir: path.join(__dirname, "image"), repository: "dpg/haproxy", baseImage: args.baseImage },
      this,
    );
    const config = renderHaproxyConfig({ nodes: args.nodes, checkInterMs: spec.checkInterMs, fall: spec.fall, rise: spec.rise, restTls: args.caCertPem !== undefined });
    const hostname = haproxyHostname(args.namePrefix);
    this.containerName = hostname;
    const instances = args.target.routerNames("haproxy", hostname);
    this.instances = runOneAtATime(
      args.target,
      instances.map((instance, i) => ({
        // One host keeps the resource name it always had (a rename would re-create the router).
        resourceName: instances.length === 1 ? name : `${name}-${i + 1}`,
        workload: {
          name: instance,
          component: "haproxy",
          image,
          process: { user: "haproxy", entrypoint: [], command: ["haproxy", "-W", "-db", "-f", HAPROXY_CONFIG_PATH] },
          files: [
            { path: HAPROXY_CONFIG_PATH, content: config },
            ...(args.caCertPem !== undefined ? [{ path: HAPROXY_CA_PATH, content: args.caCertPem }] : []),
          ],
          ports: [
            { internal: HAPROXY_PORTS.write, external: spec.writePort },
            { internal: HAPROXY_PORTS.read, external: spec.readPort },
            { internal: HAPROXY_PORTS.stats, external: spec.statsPort },
          ],
          // Every instance answers to the common name the pooler and certificates use.
          aliases: instance === hostname ? [] : [hostname],
          healthcheck: { test: ["CMD", "haproxy", "-c", "-q", "-f", HAPROXY_CONFIG_PATH], intervalS: 10, timeoutS: 5, retries: 3 },
          limits: { memoryMb: HAPROXY_MEMORY_MB, cpus: 0.5 },
          placement: args.target.placement("haproxy", i),
        },
      })),
      { parent: this },
    );
    // Where clients connect: "host:port", or on a Swarm one per router ("a:port,b:port", libpq's multi-host form).
    const addresses = args.target.publishedAddresses("haproxy");
    const at = (port: number) => addresses.map((a) => `${a}:${port}`).join(",");
    this.writeEndpoint = at(spec.writePort);
    this.readEndpoint = at(spec.readPort);
    this.statsUrl = `http://${addresses[0]}:${spec.statsPort}/`;
    this.registerOutputs({ writeEndpoint: this.writeEndpoint, readEndpoint: this.readEndpoint, statsUrl: this.statsUrl });
  }
}
