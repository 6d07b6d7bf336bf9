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
  /** Further build arguments (part of the tag). Default none. */
  buildArgs?: Record<string, string>;
}

/** "repository:tag" of a service image: known before anything is built (policies read it). */
export function serviceImageName(args: ServiceImageArgs): string {
  return `${args.repository}:${imageTag(args.imageDir, args.baseImage, args.buildArgs)}`;
}

/** Builds a service image from its folder with the docker provider (classic builder, no registry). */
export function serviceImage(name: string, args: ServiceImageArgs, opts: pulumi.CustomResourceOptions): docker.RemoteImage {
  return new docker.RemoteImage(
    name,
    {
      name: serviceImageName(args),
      build: {
        context: args.imageDir,
        buildArgs: { ...args.buildArgs, BASE_IMAGE: args.baseImage },
      },
      // Images are shared by stacks and cheap to keep; destroy removes containers, volumes, networks.
      keepLocally: true,
    },
    opts,
  );
}

/**
 * A duration as Go's time.Duration prints it ("5s", "1m0s", "1m30s"): the docker provider reads health
 * check times back in that form, so "60s" would show as a change ("1m0s") on every preview.
 */
export function goDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`goDuration: ${seconds} is not a whole number of seconds`);
  if (seconds === 0) return "0s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h}h${m}m${s}s` : m ? `${m}m${s}s` : `${s}s`;
}

/**
 * CPUs as the docker provider reads them back from NanoCPUs (its nanoInt64ToDecimalString): nine
 * decimals, one kept when the string has exactly nine zeros ("1.0", "0.5"), else trailing zeros cut
 * ("1.5", "0.25", and "10." for ten). "1" would show as a change, and cpus forces a replacement.
 */
export function dockerCpus(cpus: number): string {
  if (!(cpus > 0)) throw new Error(`dockerCpus: ${cpus} is not a positive number of CPUs`);
  const nano = Math.round(cpus * 1e9);
  const fixed = `${Math.floor(nano / 1e9)}.${String(nano % 1e9).padStart(9, "0")}`;
  return (fixed.match(/0/g) ?? []).length === 9 ? (nano / 1e9).toFixed(1) : fixed.replace(/0+$/, "");
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
    // No swap: a database that swaps is slower than one that is told it is out of memory. Docker would
    // otherwise set memory + swap to twice the memory, which the provider reads back as a change.
    memorySwap: limits.memoryMb,
    cpus: dockerCpus(limits.cpus),
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
