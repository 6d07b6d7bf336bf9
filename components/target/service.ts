// A Docker Swarm: a workload becomes one service pinned to its node, the way a stateful member needs
// it: 1 replica, a fixed name (stable DNS), endpoint mode dnsrr (no IPVS on many kernels, and no
// virtual IP between a client and the member), host-mode ports, a node-local volume, stop-first
// updates with a grace period for a clean PostgreSQL shutdown. Files become Docker secrets (owned by
// the service user, 0400) and configs (0444), named by their content's hash: a changed file is a new
// name, so rotation never edits a secret in place (Swarm refuses that anyway).
import * as crypto from "crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { goDuration, stackLabels } from "../shared/docker";
import { checkWorkload, Workload, WorkloadFile } from "./workload";

export interface SwarmContext {
  namePrefix: string;
  /** The overlays' ids (by id: a name forces a replacement on every update): internal cluster, and edge for published ports. */
  networks: { cluster: pulumi.Input<string>; edge: pulumi.Input<string> };
  /** What each file became: its Docker secret or config, by path. */
  fileRefs: Record<string, { id: pulumi.Input<string>; name: pulumi.Input<string> }>;
  /** Labels beyond the stack's (the rollout key), on the service (not its tasks' containers). */
  extraLabels?: { label: string; value: pulumi.Input<string> }[];
}

/** Docker name of a file's secret/config: service, file name, content hash (names are immutable in Swarm). */
export function fileObjectName(serviceName: string, path: string, content: string): string {
  const base = path.split("/").pop()!.replace(/[^A-Za-z0-9_.-]/g, "-");
  const hash = crypto.createHash("sha256").update(content).digest("hex").slice(0, 12);
  return `${serviceName}-${base}-${hash}`;
}

/**
 * A duration as the provider reads a service's durations back (its shortDur: Go's form without a trailing
 * zero unit, "1m" not "1m0s", "1h" not "1h0m0s"); any other form is a change on every preview.
 */
export function swarmDuration(seconds: number): string {
  let s = goDuration(seconds);
  if (s.endsWith("m0s")) s = s.slice(0, -2);
  if (s.endsWith("h0m")) s = s.slice(0, -2);
  return s;
}

/** Docker's name of a Node.js architecture (the platform of an image built on this machine). */
export function dockerArchitecture(arch: string): string {
  const names: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x" };
  const name = names[arch];
  if (!name) throw new Error(`no Docker platform for this machine's architecture ${arch}: a Swarm service cannot name its image's platform`);
  return name;
}

/** Memory in bytes and CPUs in nano-CPUs, as Swarm takes limits. */
export function swarmLimits(w: Workload) {
  return { memoryBytes: w.limits.memoryMb * 1024 * 1024, nanoCpus: Math.round(w.limits.cpus * 1e9) };
}

/** The docker.Service arguments of a workload (pure: unit tests read them). */
export function serviceArgs(w: Workload, ctx: SwarmContext): docker.ServiceArgs {
  checkWorkload(w);
  if (!w.placement) throw new Error(`${w.name}: a Swarm service needs a placement constraint`);
  const h = w.swarmHealthcheck ?? w.healthcheck;
  // The extra labels (the rollout key) go on the service only: the provider replaces a service whose
  // container labels change (delete, then create: the new task may start beside the old one still stopping on
  // its node), while a service update is Swarm's own stop-first rollout of the task.
  const taskLabels = stackLabels(ctx.namePrefix, w.component);
  const labels = [...taskLabels, ...(ctx.extraLabels ?? [])];
  const ref = (f: WorkloadFile) => {
    const r = ctx.fileRefs[f.path];
    if (!r) throw new Error(`${w.name}: no secret/config for ${f.path}`);
    return r;
  };
  return {
    name: w.name,
    labels,
    mode: { replicated: { replicas: 1 } },
    endpointSpec: {
      mode: "dnsrr",
      ...(w.ports?.length
        ? { ports: w.ports.map((p) => ({ targetPort: p.internal, publishedPort: p.external, publishMode: "host", protocol: "tcp" })) }
        : {}),
    },
    // stop-first: two PostgreSQL processes must never share a data directory, and a pinned member has one node.
    updateConfig: { order: "stop-first", parallelism: 1, failureAction: "pause" },
    rollbackConfig: { order: "stop-first", parallelism: 1 },
    taskSpec: {
      containerSpec: {
        image: w.image,
        hostname: w.name,
        // The image's ENTRYPOINT (dumb-init) stays; it runs as the image's user, who owns the secrets.
        args: w.process.command,
        ...(w.env?.length ? { env: Object.fromEntries(w.env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])) } : {}),
        labels: taskLabels,
        secrets: w.files
          .filter((f) => f.secret)
          .map((f) => ({
            secretId: ref(f).id,
            secretName: ref(f).name,
            fileName: f.path,
            fileUid: String(w.process.uid),
            fileGid: String(w.process.uid),
            fileMode: 0o400,
          })),
        configs: w.files
          .filter((f) => !f.secret)
          .map((f) => ({ configId: ref(f).id, configName: ref(f).name, fileName: f.path, fileUid: "0", fileGid: "0", fileMode: 0o444 })),
        mounts: [
          ...(w.memberVolumes ?? []).map((v) => ({
            type: "volume",
            source: v.name,
            target: v.containerPath,
            ...(v.readOnly ? { readOnly: true, volumeOptions: { noCopy: true } } : {}),
          })),
          ...(w.shmSizeMb !== undefined ? [{ type: "tmpfs", target: "/dev/shm", tmpfsOptions: { sizeBytes: w.shmSizeMb * 1024 * 1024 } }] : []),
        ],
        healthcheck: {
          tests: h.test,
          interval: swarmDuration(h.intervalS),
          timeout: swarmDuration(h.timeoutS),
          retries: h.retries,
          ...(h.startPeriodS !== undefined ? { startPeriod: swarmDuration(h.startPeriodS) } : {}),
        },
        ...((w.swarmStopGraceS ?? w.stopGraceS) !== undefined ? { stopGracePeriod: swarmDuration((w.swarmStopGraceS ?? w.stopGraceS)!) } : {}),
        capDrops: ["ALL"],
        // 001-INF-13: per network namespace, so each task gets it.
        sysctl: { "net.core.somaxconn": "65535" },
      },
      // By id (the schema's `id`; the SDK's types know only the deprecated `name`): a name would force a
      // replacement on every update.
      networksAdvanceds: [
        { id: ctx.networks.cluster, aliases: [w.name, ...(w.aliases ?? [])] },
        ...(w.ports?.length || w.egress ? [{ id: ctx.networks.edge }] : []),
      ] as unknown as docker.types.input.ServiceTaskSpecNetworksAdvanced[],
      // The platform written out: Swarm records the image's (ours are built on this machine), and a
      // refresh would otherwise read it back as a change, an update that restarts every task.
      placement: { constraints: [w.placement], platforms: [{ os: "linux", architecture: dockerArchitecture(process.arch) }] },
      resources: { limits: swarmLimits(w) },
      // window 0s (no window: restart forever) is Docker's default, written out: the provider reads it back,
      // and an unset window would show as a change on every preview.
      restartPolicy: { condition: "any", delay: swarmDuration(5), window: swarmDuration(0) },
      logDriver: { name: "json-file", options: { "max-size": "10m", "max-file": "5" } },
    },
  };
}

/** What every object of a workload's file is named before its hash: `<service>-<file name>-`. */
export function fileObjectPrefixes(w: Workload): { kind: "secret" | "config"; prefix: string }[] {
  return w.files.map((f) => ({ kind: f.secret ? "secret" : "config", prefix: fileObjectName(w.name, f.path, "").replace(/[0-9a-f]{12}$/, "") }));
}

/**
 * A shell script removing a workload's file objects left behind by earlier versions: for each file (a prefix in
 * $DPG_FILE_PREFIXES, "secret:<prefix> config:<prefix> …"), every object named `<prefix><12 hex digits>` that
 * was created before the one the running service $DPG_SERVICE names. Only older:
 * a newer one is a change on its way (created, its service not yet moved: a failed or targeted up), and Swarm
 * does not protect an object no service names yet. With $DPG_SERVICE unset (the service is gone: destroy, a
 * member scaled in) every such object goes. Swarm refuses to remove an object a service names, so a refusal
 * keeps it; the script says what it removed and what it kept, retrying a moment for a task on its way out.
 */
export const FILE_SWEEP_SCRIPT = [
  'd() { docker -H "$DPG_SWARM_ENDPOINT" "$@"; }',
  'named=""',
  'if [ -n "${DPG_SERVICE:-}" ]; then',
  '  named=$(d service inspect "$DPG_SERVICE" --format "{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}} {{end}}{{range .Spec.TaskTemplate.ContainerSpec.Configs}}{{.ConfigName}} {{end}}") ||',
  '    { echo "no service $DPG_SERVICE: nothing swept"; exit 0; }',
  "fi",
  'for entry in $DPG_FILE_PREFIXES; do kind=${entry%%:*}; prefix=${entry#*:}; newest=""',
  '  if [ -n "${DPG_SERVICE:-}" ]; then',
  '    current=""; for n in $named; do case "$n" in "$prefix"*) current=$n ;; esac; done',
  '    [ -n "$current" ] || { echo "$DPG_SERVICE names no $kind $prefix*: none swept"; continue; }',
  '    newest=$(d "$kind" inspect "$current" --format "{{.CreatedAt.UnixNano}}") || continue',
  "  fi",
  '  for n in $(d "$kind" ls --format "{{.Name}}"); do',
  '    case "$n" in "$prefix"*) ;; *) continue ;; esac',
  '    printf "%s" "${n#"$prefix"}" | grep -Eqx "[0-9a-f]{12}" || continue',
  '    case " $named " in *" $n "*) continue ;; esac',
  '    if [ -n "$newest" ]; then created=$(d "$kind" inspect "$n" --format "{{.CreatedAt.UnixNano}}") || continue; [ "$created" -lt "$newest" ] || continue; fi',
  '    gone=""; for i in 1 2 3; do d "$kind" rm "$n" >/dev/null 2>&1 && { gone=1; break; }; sleep "$DPG_SWEEP_RETRY_S"; done',
  '    if [ -n "$gone" ]; then echo "removed $kind $n"; else echo "kept $kind $n (still in use)"; fi',
  "  done",
  "done",
].join("\n");

/** Each file as a Docker secret (secret files) or config, named by content hash. */
export function fileObjects(
  resourceName: string,
  w: Workload,
  opts: pulumi.CustomResourceOptions,
): Record<string, { id: pulumi.Output<string>; name: pulumi.Output<string> }> {
  const refs: Record<string, { id: pulumi.Output<string>; name: pulumi.Output<string> }> = {};
  for (const f of w.files) {
    const slug = f.path.replace(/^\//, "").replace(/[^A-Za-z0-9]+/g, "-");
    const content = pulumi.output(f.content);
    // The hash names the object; it reveals nothing of a generated password or key.
    const name = pulumi.unsecret(content.apply((c) => fileObjectName(w.name, f.path, c)));
    const data = content.apply((c) => Buffer.from(c).toString("base64"));
    // A new name is a replacement: the new object exists before the service moves to it. The caller keeps
    // the old one past Pulumi's delete (retainOnDelete) and sweeps it once the service has moved: a delete
    // that Pulumi runs before the move (a failed up's pending delete comes first on the next up,
    // pulumi/pulumi#9979) would be refused by Swarm and fail every later up.
    const o = f.secret
      ? new docker.Secret(`${resourceName}-secret-${slug}`, { name, data: pulumi.secret(data) }, opts)
      : new docker.ServiceConfig(`${resourceName}-config-${slug}`, { name, data }, opts);
    refs[f.path] = { id: o.id, name: o.name };
  }
  return refs;
}
