// A component's workload, described once: what runs (image, process, files, volumes, health check,
// limits, published ports), not where. A Target (target/index.ts) turns it into a docker.Container
// on one host (container.ts) or a Swarm service (service.ts); components never say which.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceLimits } from "../shared/docker";

/** A file the service reads. Secret files are owned by the service user, mode 0600 (host) / 0400 (Swarm). */
export interface WorkloadFile {
  path: string;
  content: pulumi.Input<string>;
  secret?: boolean;
}

/** Data that lives as long as the member: one named volume, created by the target where the member runs. */
export interface MemberVolume {
  /** Pulumi name of the volume resource on a single host (kept stable: a rename re-creates data). */
  resourceName: string;
  /** Docker volume name. */
  name: string;
  containerPath: string;
  /** Kept by `pulumi destroy` (the backup repository with backup.retainRepoOnDestroy). */
  retainOnDestroy?: boolean;
}

/** A volume something else created and shares between workloads (single host only). */
export interface SharedVolume {
  volumeName: pulumi.Input<string>;
  containerPath: string;
}

export interface WorkloadHealthcheck {
  test: string[];
  intervalS: number;
  timeoutS: number;
  retries: number;
  startPeriodS?: number;
}

/** The process: the image's user runs it; secret files are handed to that user first. */
export interface WorkloadProcess {
  user: string;
  /** Numeric id of that user in the image: Swarm secrets are owned by id, so workloads with secret files need it. */
  uid?: number;
  /** The image's ENTRYPOINT after its `dumb-init --`. */
  entrypoint: string[];
  command: string[];
}

export interface Workload {
  /** Container or service name; also its hostname and DNS name on the cluster network. */
  name: string;
  /** Component label (etcd, patroni, haproxy, pgbouncer, ...). */
  component: string;
  image: pulumi.Input<string>;
  process: WorkloadProcess;
  files: WorkloadFile[];
  memberVolumes?: MemberVolume[];
  sharedVolumes?: SharedVolume[];
  healthcheck: WorkloadHealthcheck;
  /**
   * On a Swarm, when it must differ: Swarm gives a starting task no DNS name until its check passes, and
   * restarts a task whose check fails. A check that needs the peers (etcd's quorum /health) then never
   * passes during bootstrap, and one that needs PostgreSQL running (Patroni's /health) kills a replica in
   * a long basebackup. Such members use a liveness check here; their cluster health is a live fact.
   */
  swarmHealthcheck?: WorkloadHealthcheck;
  limits: ServiceLimits;
  /** Container port → host port, published on the target's bind address (routers only). */
  ports?: { internal: number; external: number }[];
  /** Further DNS names on the cluster network (e.g. the routers' common name). */
  aliases?: string[];
  /** Seconds a stop waits before SIGKILL (PostgreSQL needs a clean shutdown). */
  stopGraceS?: number;
  /**
   * The same on a Swarm, when it must differ: the provider's destroy waits at most this long for a service's
   * task container to be gone, and a Swarm stops every member at once there.
   */
  swarmStopGraceS?: number;
  shmSizeMb?: number;
  /** Swarm placement constraint; ignored on one host. */
  placement?: string;
}

/** True when any file holds a secret: then the whole file list is a Pulumi secret, and the hand-over runs. */
export function hasSecretFiles(w: Workload): boolean {
  return w.files.some((f) => f.secret);
}

/** Every file path must be absolute and unique: two files on one path would silently overwrite. */
export function checkWorkload(w: Workload): void {
  const seen = new Set<string>();
  for (const f of w.files) {
    if (!f.path.startsWith("/")) throw new Error(`${w.name}: file path must be absolute: ${f.path}`);
    if (seen.has(f.path)) throw new Error(`${w.name}: two files on ${f.path}`);
    seen.add(f.path);
  }
  if (hasSecretFiles(w) && w.process.uid === undefined) throw new Error(`${w.name}: secret files need the service user's uid`);
}
