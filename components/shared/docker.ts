// Pieces every service component shares: how an image is built from its folder, and the
// container settings an operator expects on every service (labels, restart, log rotation).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { imageTag } from "./image-tag";

export { imageTag };

/** Labels that let tests and operators find everything a stack created. */
export function stackLabels(namePrefix: string, component: string): docker.types.input.ContainerLabel[] {
  return [
    { label: "dpg.stack", value: namePrefix },
    { label: "dpg.component", value: component },
  ];
}

export interface ServiceImageArgs {
  /** Folder holding the Dockerfile. */
  imageDir: string;
  /** Repository part of the image name, e.g. "dpg/patroni". */
  repository: string;
  /** Base image passed as the BASE_IMAGE build argument. */
  baseImage: string;
}

/** "repository:tag" of a service image: known before anything is built (policies read it). */
export function serviceImageName(args: ServiceImageArgs): string {
  return `${args.repository}:${imageTag(args.imageDir, args.baseImage)}`;
}

/** Builds a service image from its folder with the docker provider (classic builder, no registry). */
export function serviceImage(name: string, args: ServiceImageArgs, opts: pulumi.CustomResourceOptions): docker.RemoteImage {
  return new docker.RemoteImage(
    name,
    {
      name: serviceImageName(args),
      build: {
        context: args.imageDir,
        buildArgs: { BASE_IMAGE: args.baseImage },
      },
      // Images are shared by stacks and cheap to keep; destroy removes containers, volumes, networks.
      keepLocally: true,
    },
    opts,
  );
}

export interface ServiceLimits {
  /** Memory limit in MB (hard; the kernel kills above it). */
  memoryMb: number;
  /** CPU limit in cores, e.g. 1.5. */
  cpus: number;
}

/** Open-file limit every service asks for (seed 004: PgBouncer's 10000 clients need it). */
export const WANTED_NOFILE = 65536;

/**
 * A container cannot get more open files than the Docker daemon's own hard limit without
 * CAP_SYS_RESOURCE, which the services drop. scripts/env.sh reads the daemon's limit into
 * DPG_DOCKER_NOFILE_MAX; when it is lower we ask for what the host can give, and say so.
 */
export function nofileLimit(env: NodeJS.ProcessEnv = process.env): number {
  const hostMax = Number(env.DPG_DOCKER_NOFILE_MAX);
  return Number.isInteger(hostMax) && hostMax > 0 && hostMax < WANTED_NOFILE ? hostMax : WANTED_NOFILE;
}

let nofileWarned = false;
function warnIfNofileClamped(nofile: number): void {
  if (nofile < WANTED_NOFILE && !nofileWarned) {
    nofileWarned = true;
    pulumi.log.warn(
      `containers get nofile ${nofile}, not ${WANTED_NOFILE}: the Docker daemon's hard limit is ${nofile}. ` +
        `Raise it (LimitNOFILE=${WANTED_NOFILE} for dockerd) before production; the readiness pack reports this.`,
    );
  }
}

/**
 * What every long-running service gets: restart policy, bounded json logs, memory and CPU
 * limits, no privilege escalation, no Linux capabilities (every service runs as a non-root
 * user on ports above 1024), a listen backlog above the kernel's 4096 default, and labels.
 */
export function serviceSettings(namePrefix: string, component: string, limits: ServiceLimits) {
  const nofile = nofileLimit();
  warnIfNofileClamped(nofile);
  return {
    restart: "unless-stopped",
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "5" },
    memory: limits.memoryMb,
    cpus: String(limits.cpus),
    securityOpts: ["no-new-privileges:true"],
    capabilities: { drops: ["ALL"] },
    // A dead peer's name no longer resolves, and on the internal network Docker's DNS never answers for
    // it: glibc's default 5 s × 2 attempts then stalls Patroni's leader race by ~10 s (measured with
    // npm run drill). One short try fails fast instead; live names answer in well under a second.
    dnsOpts: ["timeout:1", "attempts:1"],
    // 001-INF-13 asks for net.core.somaxconn=65535; it is per network namespace, so each container gets it.
    sysctls: { "net.core.somaxconn": "65535" },
    ulimits: [{ name: "nofile", soft: nofile, hard: nofile }],
    labels: stackLabels(namePrefix, component),
  };
}
