// Where workloads run: `docker` (one host: containers on an internal network plus an edge network for
// published ports) or `swarm` (services on an overlay network, reached through the manager's endpoint,
// images through the stack's registry). Components describe workloads (workload.ts) and hand them
// here; this is the only place that knows the difference.
import { createHash } from "crypto";
import * as path from "path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { serviceImage, ServiceImageArgs, stackLabels } from "../shared/docker";
import { cidrRange, numberToIpv4 } from "../shared/settings";
import { runContainer } from "./container";
import { ExecTarget, execTargetFor, ROLLOUT_KEY_LABEL } from "./member-exec";
import { FILE_SWEEP_SCRIPT, fileObjectPrefixes, fileObjects, serviceArgs } from "./service";
import { chosenImage, imageRole, ImagesSettings } from "./images";
import { constrainedNode, TargetSettings } from "./settings";
import type { Workload } from "./workload";

export type { Workload } from "./workload";

/** Components whose members a Swarm target pins, one constraint each. */
export type PlacedComponent = "etcd" | "patroni" | "haproxy" | "pgbouncer" | "backup" | "monitoring";
/** Components with published ports: the routers, and monitoring (Prometheus, Alertmanager, the alert webhook). */
export type PublishingComponent = "haproxy" | "pgbouncer" | "monitoring";

export interface RunOptions {
  parent: pulumi.Resource;
  dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
  /** Lifecycle hooks of the member's resource: a rolling replacement waits in afterCreate/afterUpdate (patroni/rolling.ts). */
  hooks?: pulumi.ResourceHookBinding;
  /**
   * The member's replacement key (replacementKey), carried as the label `dpg.rollout-key` so that a changed key
   * always means a new container (one host) and a preview can compare it with the running one. On a Swarm it
   * labels the service only: what changed the key changed the task too, and Swarm's update replaces the task.
   */
  rolloutKey?: pulumi.Input<string>;
}

/** Bumped when the Swarm form of a member changes so that existing stacks must roll it (replacementKey). */
const SWARM_ROLLOUT_FORM = 2;

export { ROLLOUT_KEY_LABEL } from "./member-exec";

/**
 * A member's replacement key on a target of this kind (see Target.replacementKey): sha256 of the workload's
 * JSON (outputs resolved), a digest, so it reveals nothing of secret file contents. On one host the memory
 * limit is left out (the provider changes it in place, `docker update`, and day-2 restarts PostgreSQL for the
 * shared_buffers that follow it); any change of a Swarm task template (limits too) makes Swarm replace the task.
 */
export function replacementKey(kind: "docker" | "swarm", w: Workload): pulumi.Output<string> {
  // On a Swarm the key names its rollout form too (v2: the key on the service, not its containers): a stack
  // made before the change rolls its members one at a time once, rather than all at once.
  const value = kind === "docker" ? { ...w, limits: { ...w.limits, memoryMb: undefined } } : { ...w, rollout: SWARM_ROLLOUT_FORM };
  return pulumi.unsecret(pulumi.output(value as any).apply((v) => createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 32)));
}

export interface Target {
  readonly kind: "docker" | "swarm";
  /** Builds an image here and makes it runnable where the workloads run; the reference to put in a workload. */
  image(resourceName: string, args: ServiceImageArgs, parent: pulumi.Resource): pulumi.Output<string>;
  /** Runs a workload; the resource's id changes whenever the workload is re-created. */
  run(resourceName: string, w: Workload, opts: RunOptions): pulumi.CustomResource;
  /**
   * A digest of what gives a member a new container (one host) or a new task (Swarm) when it changes: its image,
   * files, volumes, process and the rest of the workload, not what the target changes in place (limits on one
   * host, where the provider runs `docker update`).
   */
  replacementKey(w: Workload): pulumi.Output<string>;
  /** Swarm constraint of member i (undefined on one host). */
  placement(component: PlacedComponent, i: number): string | undefined;
  /** Names of a router's instances: one on a host; one per placement on a Swarm (all share `base` as DNS alias). */
  routerNames(component: "haproxy" | "pgbouncer", base: string): string[];
  /** Addresses clients reach a component's published ports on. */
  publishedAddresses(component: PublishingComponent): string[];
  /** The cluster network's name (containers) or id (services), for workloads the target does not run. */
  readonly clusterNetwork: pulumi.Output<string>;
  /** How to exec into a member where it runs (day-2, live checks). */
  readonly exec: ExecTarget;
  /** The network published ports live on (name on one host, id on a Swarm). */
  readonly edgeNetwork: pulumi.Output<string>;
  /** What each image role runs (filled as components ask for images): exported, so a promotion can read it. */
  readonly imageIds: Record<string, pulumi.Output<string>>;
}

export interface TargetArgs {
  namePrefix: string;
  settings: TargetSettings;
  /** Subnet of the cluster network (internal bridge on one host, overlay on a Swarm). */
  subnet: string;
  /** Host address published ports bind to (one host only; Swarm publishes on each task's node). */
  bindAddress: string;
  /** Build here, or run another stack's images / pinned ids (one host only; the config check says so). */
  images: ImagesSettings;
}

/**
 * The cluster overlay's address plan: its subnet and the gateway Docker would choose (the first address),
 * written out. A Swarm manager allocates an overlay's gateway after creating it, so the provider first reads
 * no gateway and a refresh later finds one: without it here, `pulumi up --refresh` would plan to replace
 * the network, and with it every service. (A stack created before this was written: `pulumi up --refresh`
 * once, which reads the same gateway back.) One host keeps its bridge as it was made.
 */
export function clusterIpam(subnet: string): { subnet: string; gateway: string } {
  return { subnet, gateway: numberToIpv4(cidrRange(subnet)[0] + 1) };
}

export function createTarget(args: TargetArgs): Target {
  return args.settings.kind === "swarm" ? new SwarmTarget(args) : new DockerHostTarget(args);
}

class DockerHostTarget implements Target {
  readonly kind = "docker";
  readonly exec: ExecTarget = { kind: "docker" };
  readonly clusterNetwork: pulumi.Output<string>;
  readonly edgeNetwork: pulumi.Output<string>;
  readonly imageIds: Record<string, pulumi.Output<string>> = {};

  constructor(private readonly args: TargetArgs) {
    const prefix = args.namePrefix;
    // Databases and etcd live on an internal network (no route out); the routers also join an edge
    // network, because Docker cannot publish ports of a container that is only on an internal one.
    this.clusterNetwork = new docker.Network("cluster-network", {
      name: `${prefix}-cluster`,
      internal: true,
      ipamConfigs: [{ subnet: args.subnet }],
      labels: stackLabels(prefix, "network"),
    }).name;
    this.edgeNetwork = new docker.Network("edge-network", { name: `${prefix}-edge`, labels: stackLabels(prefix, "network") }).name;
  }

  publishedAddresses(): string[] {
    return [this.args.bindAddress];
  }

  image(resourceName: string, args: ServiceImageArgs, parent: pulumi.Resource): pulumi.Output<string> {
    const role = imageRole(args.repository);
    const id = chosenImage(this.args.images, role) ?? serviceImage(resourceName, args, { parent }).imageId;
    this.imageIds[role] = id;
    return id;
  }

  run(resourceName: string, w: Workload, opts: RunOptions): pulumi.CustomResource {
    const ctx = {
      namePrefix: this.args.namePrefix,
      networks: { cluster: this.clusterNetwork, edge: this.edgeNetwork },
      bindAddress: this.args.bindAddress,
      ...(opts.rolloutKey !== undefined ? { extraLabels: [{ label: ROLLOUT_KEY_LABEL, value: opts.rolloutKey }] } : {}),
    };
    return runContainer(resourceName, w, ctx, { parent: opts.parent, dependsOn: opts.dependsOn, ...(opts.hooks ? { hooks: opts.hooks } : {}) });
  }

  replacementKey(w: Workload): pulumi.Output<string> {
    return replacementKey(this.kind, w);
  }

  placement(): string | undefined {
    return undefined;
  }

  routerNames(_component: "haproxy" | "pgbouncer", base: string): string[] {
    return [base];
  }
}

class SwarmTarget implements Target {
  readonly kind = "swarm";
  readonly exec: ExecTarget;
  readonly clusterNetwork: pulumi.Output<string>;
  readonly edgeNetwork: pulumi.Output<string>;
  private readonly provider: docker.Provider;
  private readonly images = new Map<string, pulumi.Output<string>>();
  readonly imageIds: Record<string, pulumi.Output<string>> = {};

  constructor(private readonly args: TargetArgs) {
    const t = args.settings;
    this.exec = execTargetFor(t);
    this.provider = new docker.Provider("swarm", { host: t.endpoint! });
    // As on one host: databases and etcd on an internal overlay (no route out), the routers also on an
    // edge overlay, because a task only on an internal network gets no gateway for host-mode ports.
    const overlay = (name: string, suffix: string, internal: boolean) =>
      new docker.Network(
        name,
        {
          name: `${args.namePrefix}-${suffix}`,
          driver: "overlay",
          internal,
          // Attachable: operators and the readiness probes can join a one-off container to it.
          attachable: true,
          ...(internal ? { ipamConfigs: [clusterIpam(args.subnet)] } : {}),
          // Unset unless encrypted: Docker adds its own options (the VXLAN id), which `{}` would fight on every up.
          ...(t.overlay.encrypted ? { options: { encrypted: "" } } : {}),
          labels: stackLabels(args.namePrefix, "network"),
        },
        { provider: this.provider },
      ).id;
    this.clusterNetwork = overlay("cluster-network", "cluster", true);
    this.edgeNetwork = overlay("edge-network", "edge", false);
  }

  replacementKey(w: Workload): pulumi.Output<string> {
    return replacementKey(this.kind, w);
  }

  publishedAddresses(component: PublishingComponent): string[] {
    // Host-mode ports answer only on the nodes the component is pinned to.
    return this.args.settings.placement[component].map((c) => constrainedNode(this.args.settings.nodes, c)!.address);
  }

  image(resourceName: string, args: ServiceImageArgs, parent: pulumi.Resource): pulumi.Output<string> {
    const known = this.images.get(args.repository);
    if (known) return known;
    const built = serviceImage(resourceName, args, { parent });
    const pushed = new command.local.Command(
      `${resourceName}-push`,
      {
        create: `node --import tsx ${path.relative(process.cwd(), path.join(__dirname, "push.ts"))}`,
        environment: { DPG_PUSH_IMAGE: built.name, DPG_REGISTRY: this.args.settings.registry!, DPG_PUSH_VIA: this.args.settings.endpoint! },
        triggers: [built.imageId],
        logging: "stderr",
      },
      { parent, dependsOn: [built] },
    );
    const ref = pushed.stdout.apply((s) => s.trim());
    this.images.set(args.repository, ref);
    this.imageIds[imageRole(args.repository)] = ref;
    return ref;
  }

  run(resourceName: string, w: Workload, opts: RunOptions): pulumi.CustomResource {
    // Files outlive Pulumi's delete (retainOnDelete): the sweep after the service removes the ones it
    // left, and the reaper (created first, so deleted last) removes them all when the service goes.
    const reaper = w.files.length ? [this.fileSweep(`${resourceName}-files-reaper`, w, "delete", [], opts.parent, [])] : [];
    const fileRefs = fileObjects(resourceName, w, { parent: opts.parent, provider: this.provider, retainOnDelete: true, dependsOn: reaper });
    const cleanup = this.volumeCleanup(resourceName, w, opts.parent);
    const networks = { cluster: this.clusterNetwork, edge: this.edgeNetwork };
    const extraLabels = opts.rolloutKey !== undefined ? [{ label: ROLLOUT_KEY_LABEL, value: opts.rolloutKey }] : undefined;
    const service = new docker.Service(resourceName, serviceArgs(w, { namePrefix: this.args.namePrefix, networks, fileRefs, ...(extraLabels ? { extraLabels } : {}) }), {
      parent: opts.parent,
      ...(opts.hooks ? { hooks: opts.hooks } : {}),
      provider: this.provider,
      // A fixed name: the old service must go before its replacement can take the name.
      deleteBeforeReplace: true,
      dependsOn: pulumi.output(opts.dependsOn ?? []).apply((d) => [...d, ...(cleanup ? [cleanup] : [])]),
    });
    if (w.files.length) this.fileSweep(`${resourceName}-files-sweep`, w, "create", Object.values(fileRefs).map((r) => r.name), opts.parent, [service]);
    return service;
  }

  /**
   * A command removing the workload's file objects left behind (FILE_SWEEP_SCRIPT): `create` after the service
   * has moved to its new files (again whenever the wanted names change): the ones older than the service's;
   * or `delete`, when the service is gone (pulumi destroy, a member scaled in): all of them.
   */
  private fileSweep(
    name: string,
    w: Workload,
    when: "create" | "delete",
    keep: pulumi.Output<string>[],
    parent: pulumi.Resource,
    dependsOn: pulumi.Resource[],
  ): command.local.Command {
    // The names Pulumi wants only trigger a new sweep; what to keep the script reads from the running service.
    const wanted = pulumi.all(keep).apply((k) => [...k].sort().join(" "));
    const environment = {
      DPG_SWARM_ENDPOINT: this.args.settings.endpoint!,
      ...(when === "create" ? { DPG_SERVICE: w.name } : {}),
      DPG_FILE_PREFIXES: fileObjectPrefixes(w).map((p) => `${p.kind}:${p.prefix}`).join(" "),
      DPG_SWEEP_RETRY_S: "2",
    };
    return new command.local.Command(
      name,
      when === "create" ? { create: FILE_SWEEP_SCRIPT, environment, triggers: [wanted] } : { delete: FILE_SWEEP_SCRIPT, environment },
      { parent, dependsOn },
    );
  }

  /**
   * Swarm creates a member's volume on its node and never removes it: `pulumi destroy` would leave the
   * data behind. This command (created before the service, so deleted after it) removes the volume from
   * every node whose endpoint is known, retrying while the task's container is still going away.
   */
  private volumeCleanup(resourceName: string, w: Workload, parent: pulumi.Resource): command.local.Command | undefined {
    // A volume mounted read-only is another service's (node_exporter reads the repository's metrics): its owner removes it.
    const names = (w.memberVolumes ?? []).filter((v) => !v.retainOnDestroy && !v.readOnly).map((v) => v.name);
    const endpoints = this.args.settings.nodes.flatMap((n) => (n.endpoint ? [n.endpoint] : []));
    if (!names.length) return undefined;
    if (endpoints.length < this.args.settings.nodes.length) {
      pulumi.log.warn(`${w.name}: not every node of dpg-cluster:target.nodes has an endpoint; pulumi destroy cannot remove its volumes there`, parent);
    }
    // The task's container may take its whole stop grace period to go (the provider waits only for
    // containers its manager endpoint sees): try for that long and half a minute more. Only stopped
    // containers are removed; a running one is waited for.
    const tries = Math.ceil(((w.swarmStopGraceS ?? w.stopGraceS ?? 10) + 30) / 2);
    const script = [
      "for ep in $DPG_NODE_ENDPOINTS; do for v in $DPG_VOLUMES; do",
      '  for i in $(seq 1 "$DPG_TRIES"); do',
      '    docker -H "$ep" volume inspect "$v" >/dev/null 2>&1 || break',
      // Tasks an update replaced stay behind as stopped containers (Swarm's task history) and hold the volume.
      '    for s in exited dead created; do docker -H "$ep" ps -aq --filter volume="$v" --filter status=$s; done | xargs -r docker -H "$ep" rm >/dev/null 2>&1',
      '    docker -H "$ep" volume rm "$v" >/dev/null 2>&1 && break; sleep 2',
      "  done",
      '  if docker -H "$ep" volume inspect "$v" >/dev/null 2>&1; then echo "volume $v on $ep is still in use: not removed (docker volume rm it once its container has gone)" >&2; fi',
      "done; done",
    ].join("\n");
    return new command.local.Command(
      `${resourceName}-volumes`,
      { delete: script, environment: { DPG_NODE_ENDPOINTS: endpoints.join(" "), DPG_VOLUMES: names.join(" "), DPG_TRIES: String(tries) } },
      { parent },
    );
  }

  placement(component: PlacedComponent, i: number): string | undefined {
    const list = this.args.settings.placement[component];
    const c = list[i];
    if (!c) throw new Error(`dpg-cluster:target.placement.${component}[${i}] is missing (the config check should have said so)`);
    return c;
  }

  routerNames(component: "haproxy" | "pgbouncer", base: string): string[] {
    return this.args.settings.placement[component].map((_, i) => `${base}-${i + 1}`);
  }
}
