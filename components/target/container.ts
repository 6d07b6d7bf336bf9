// One Docker host: a workload becomes a docker.Container with its files uploaded (secret ones handed
// to the service user by the wrapper in shared/secret-files.ts), its member volumes as docker.Volumes,
// and the settings every service gets (shared/docker.ts serviceSettings).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { goDuration, serviceSettings } from "../shared/docker";
import { secretFilesSettings } from "../shared/secret-files";
import { checkWorkload, hasSecretFiles, Workload } from "./workload";

export interface DockerHostNetworks {
  /** Internal network of the databases and etcd. */
  cluster: pulumi.Input<string>;
  /** Network published ports live on (an internal network cannot publish). */
  edge: pulumi.Input<string>;
}

export interface ContainerContext {
  namePrefix: string;
  networks: DockerHostNetworks;
  /** Host address published ports bind to. */
  bindAddress: string;
  /** Docker volume name of each member volume (the created docker.Volume's name). */
  memberVolumeNames: pulumi.Input<string>[];
  /** Labels beyond the stack's (the rollout key). */
  extraLabels?: { label: string; value: pulumi.Input<string> }[];
}

/** The uploads of a workload: one Pulumi secret when any file holds a secret, in the workload's order. */
export function uploadsOf(w: Workload): pulumi.Input<{ file: string; content: string }[]> {
  const files = pulumi.all(w.files.map((f) => f.content)).apply((contents) => w.files.map((f, i) => ({ file: f.path, content: contents[i] })));
  return hasSecretFiles(w) ? pulumi.secret(files) : files;
}

/** The docker.Container arguments of a workload (pure: unit tests read them). */
export function containerArgs(w: Workload, ctx: ContainerContext): docker.ContainerArgs {
  checkWorkload(w);
  const h = w.healthcheck;
  const published = (w.ports ?? []).length > 0;
  const edge = published || w.egress === true;
  const secretFiles = w.files.filter((f) => f.secret).map((f) => f.path);
  return {
    name: w.name,
    hostname: w.name,
    image: w.image,
    // The edge network comes first so the published ports are reachable from the host.
    networksAdvanced: [...(edge ? [{ name: ctx.networks.edge }] : []), { name: ctx.networks.cluster, aliases: [w.name, ...(w.aliases ?? [])] }],
    ...(w.env?.length ? { envs: w.env } : {}),
    ...(published ? { ports: w.ports!.map((p) => ({ internal: p.internal, external: p.external, ip: ctx.bindAddress })) } : {}),
    volumes: [
      ...(w.memberVolumes ?? []).map((v, i) => ({ volumeName: ctx.memberVolumeNames[i], containerPath: v.containerPath })),
      ...(w.sharedVolumes ?? []).map((v) => ({ volumeName: v.volumeName, containerPath: v.containerPath })),
    ],
    uploads: uploadsOf(w),
    healthcheck: {
      tests: h.test,
      interval: goDuration(h.intervalS),
      timeout: goDuration(h.timeoutS),
      retries: h.retries,
      ...(h.startPeriodS !== undefined ? { startPeriod: goDuration(h.startPeriodS) } : {}),
    },
    ...(w.shmSizeMb !== undefined ? { shmSize: w.shmSizeMb } : {}),
    ...(w.stopGraceS !== undefined ? { stopTimeout: w.stopGraceS } : {}),
    ...serviceSettingsWithLabels(ctx, w),
    // Without secret files the image's own user and entrypoint run as built, with the workload's command
    // (one image may serve several programs, as monitoring's does; where it is the image's CMD, no change).
    ...(secretFiles.length
      ? secretFilesSettings({ user: w.process.user, files: secretFiles, entrypoint: w.process.entrypoint, command: w.process.command })
      : { command: w.process.command }),
  };
}

function serviceSettingsWithLabels(ctx: ContainerContext, w: Workload) {
  const base = serviceSettings(ctx.namePrefix, w.component, w.limits);
  return ctx.extraLabels?.length ? { ...base, labels: [...base.labels, ...ctx.extraLabels] } : base;
}

/** Creates the member volumes and the container, under the component's resource names. */
export function runContainer(
  resourceName: string,
  w: Workload,
  ctx: Omit<ContainerContext, "memberVolumeNames">,
  opts: pulumi.CustomResourceOptions,
): docker.Container {
  const volumes = (w.memberVolumes ?? []).map((v) => new docker.Volume(v.resourceName, { name: v.name }, { parent: opts.parent, ...(v.retainOnDestroy ? { retainOnDelete: true } : {}) }));
  return new docker.Container(resourceName, containerArgs(w, { ...ctx, memberVolumeNames: volumes.map((v) => v.name) }), opts);
}
