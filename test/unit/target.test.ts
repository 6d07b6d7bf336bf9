// The target: placement settings refused the way an operator mistypes them, and one workload turned
// into a container (one host) and into a Swarm service, with the modes each needs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parseStackConfig, StackConfigError } from "../../infra/config";
import { ETCD_UID } from "../../components/etcd/render";
import { NODE_IMAGE_UID } from "../../components/patroni/render";
import { SECRET_FILES_SCRIPT } from "../../components/shared/secret-files";
import { containerArgs } from "../../components/target/container";
import { execTargetFor } from "../../components/target/member-exec";
import { dockerArchitecture, FILE_SWEEP_SCRIPT, fileObjectName, fileObjectPrefixes, serviceArgs, swarmDuration } from "../../components/target/service";
import { clusterIpam } from "../../components/target";
import type { Workload } from "../../components/target/workload";

const label = (i: number) => `node.labels.dpg.node==${i}`;
const nodes = [1, 2, 3].map((i) => ({ hostname: `lab-${i}`, address: `10.77.0.${10 + i}`, label: `dpg.node=${i}`, endpoint: `unix:///run/lab-${i}.sock` }));
const swarm = (over: Record<string, unknown> = {}) => ({
  kind: "swarm",
  endpoint: "unix:///run/lab-1.sock",
  registry: "10.77.0.10:5000",
  nodes,
  placement: { etcd: [1, 2, 3].map(label), patroni: [1, 2, 3].map(label), haproxy: [label(1), label(2)], pgbouncer: [label(1), label(2)] },
  ...over,
});
const base = { monitoring: { enabled: false }, backup: { enabled: false } };

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw, "t");
    return [];
  } catch (e) {
    if (e instanceof StackConfigError) return e.issues;
    throw e;
  }
}

describe("target settings", () => {
  it("one host by default; a valid Swarm placement parses", () => {
    assert.equal(parseStackConfig({}, "t").target.kind, "docker");
    assert.deepEqual(problems({ ...base, target: swarm() }), []);
  });

  it("refuses two etcd members on one node, even through a hostname and a label naming the same node", () => {
    const p = problems({ ...base, target: swarm({ placement: { ...swarm().placement, etcd: [label(1), "node.hostname==lab-1", label(3)] } }) });
    assert.ok(p.some((m) => /target\.placement\.etcd: entries 0 and 1 both put a etcd member on node lab-1/.test(m)), p.join("\n"));
  });

  it("refuses two Patroni nodes on one node, and a placement count that does not match the node count", () => {
    const same = problems({ ...base, target: swarm({ placement: { ...swarm().placement, patroni: [label(2), label(2), label(3)] } }) });
    assert.ok(same.some((m) => /placement\.patroni: entries 0 and 1 .* lab-2/.test(m)), same.join("\n"));
    const count = problems({ ...base, patroni: { nodes: 5 }, target: swarm() });
    assert.ok(count.some((m) => /placement\.patroni: 3 constraint\(s\) for 5 nodes \(dpg-cluster:patroni\.nodes\)/.test(m)), count.join("\n"));
  });

  it("refuses fewer than 3 nodes and a single router in prod", () => {
    const p = problems({ ...base, environment: "prod", target: swarm({ nodes: nodes.slice(0, 2), placement: { ...swarm().placement, haproxy: [label(1)] } }) });
    assert.ok(p.some((m) => /target\.nodes: prod needs at least 3 Swarm nodes/.test(m)), p.join("\n"));
    assert.ok(p.some((m) => /target\.placement\.haproxy: at least 2/.test(m)), p.join("\n"));
    assert.ok(p.some((m) => /placement\.etcd\[2\]: "node\.labels\.dpg\.node==3" names no node/.test(m)), p.join("\n"));
  });

  it("refuses a Swarm without endpoint or registry, malformed constraints and endpoints, and Swarm settings on one host", () => {
    const p = problems({ ...base, target: swarm({ endpoint: undefined, registry: undefined }) });
    assert.ok(p.some((m) => /target\.endpoint: required/.test(m)));
    assert.ok(p.some((m) => /target\.registry: required/.test(m)));
    const bad = problems({ ...base, target: swarm({ endpoint: "http://x", placement: { ...swarm().placement, etcd: ["lab-1", label(2), label(3)] } }) });
    assert.ok(bad.some((m) => /target\.endpoint: must be a Docker endpoint/.test(m)), bad.join("\n"));
    assert.ok(bad.some((m) => /target\.placement\.etcd\.0: must be a Swarm constraint/.test(m)), bad.join("\n"));
    const stray = problems({ target: { kind: "docker", nodes } });
    assert.ok(stray.some((m) => /target\.kind is "docker" but dpg-cluster:target\.nodes are set/.test(m)), stray.join("\n"));
  });

  it("exec goes to the manager and the nodes' own endpoints on a Swarm, to this machine's daemon otherwise", () => {
    assert.deepEqual(execTargetFor(parseStackConfig({ ...base, target: swarm() }, "t").target), {
      kind: "swarm",
      manager: "unix:///run/lab-1.sock",
      nodes: nodes.map((n) => ({ hostname: n.hostname, endpoint: n.endpoint })),
    });
    assert.deepEqual(execTargetFor(parseStackConfig({}, "t").target), { kind: "docker" });
  });

  it("refuses a repository volume on a Swarm (backups need the server)", () => {
    const p = problems({ monitoring: { enabled: false }, target: swarm() });
    assert.ok(p.some((m) => /dpg-cluster:backup\.repository: "volume" cannot be shared across Swarm nodes/.test(m)), p.join("\n"));
  });

  it("places monitoring by one constraint; prod refuses it on a Patroni node's host; Grafana stays on one host", () => {
    const lab4 = [...nodes, { hostname: "lab-4", address: "10.77.0.14", label: "dpg.node=4" }];
    const placed = (monitoring: string[], over: Record<string, unknown> = {}) =>
      problems({ backup: { enabled: false }, ...over, target: swarm({ nodes: lab4, placement: { ...swarm().placement, monitoring } }) });
    assert.deepEqual(placed([label(4)], { environment: "prod" }), []);
    assert.deepEqual(placed([label(2)]), [], "dev may share a host");
    const shared = placed(["node.hostname==lab-3"], { environment: "prod" });
    assert.ok(shared.some((m) => /target\.placement\.monitoring: Prometheus and Alertmanager are on node lab-3 with Patroni node 3 \(dpg-cluster:target\.placement\.patroni\[2\]\)/.test(m)), shared.join("\n"));
    const none = placed([]);
    assert.ok(none.some((m) => /target\.placement\.monitoring: one constraint naming the node of Prometheus, Alertmanager and the alert webhook is needed/.test(m)), none.join("\n"));
    const two = placed([label(1), label(2)]);
    assert.ok(two.some((m) => /target\.placement\.monitoring: .*at most 1/.test(m)), two.join("\n"));
    const unknown = placed([label(9)]);
    assert.ok(unknown.some((m) => /placement\.monitoring\[0\]: "node\.labels\.dpg\.node==9" names no node/.test(m)), unknown.join("\n"));
    const stray = placed([label(4)], { monitoring: { enabled: false } });
    assert.ok(stray.some((m) => /target\.placement\.monitoring: only used with dpg-cluster:monitoring\.enabled true/.test(m)), stray.join("\n"));
    const grafana = placed([label(4)], { monitoring: { grafanaImage: "grafana/grafana:11" } });
    assert.ok(grafana.some((m) => /dpg-cluster:monitoring\.grafanaImage: Grafana runs from this machine's daemon, on one host only/.test(m)), grafana.join("\n"));
    const onHost = problems({ target: { kind: "docker", placement: { monitoring: [label(4)] } } });
    assert.ok(onHost.some((m) => /target\.kind is "docker" but dpg-cluster:target\.placement\.monitoring are set/.test(m)), onHost.join("\n"));
  });

  it("places the repository server by one constraint; prod refuses it on a Patroni node's host", () => {
    const server = { monitoring: { enabled: false }, backup: { repository: "server" } };
    const placed = (backup: string[], over: Record<string, unknown> = {}) =>
      problems({ ...server, ...over, target: swarm({ nodes: [...nodes, { hostname: "lab-4", address: "10.77.0.14", label: "dpg.node=4" }], placement: { ...swarm().placement, backup } }) });
    assert.deepEqual(placed([label(4)], { environment: "prod" }), []);
    assert.deepEqual(placed([label(1)]), [], "dev may share a host");
    const shared = placed(["node.hostname==lab-2"], { environment: "prod" });
    assert.ok(shared.some((m) => /target\.placement\.backup: the repository server is on node lab-2 with Patroni node 2 \(dpg-cluster:target\.placement\.patroni\[1\]\)/.test(m)), shared.join("\n"));
    const none = placed([]);
    assert.ok(none.some((m) => /target\.placement\.backup: one constraint naming the node of the pgBackRest repository server is needed/.test(m)), none.join("\n"));
    const two = placed([label(1), label(2)]);
    assert.ok(two.some((m) => /target\.placement\.backup: .*at most 1/.test(m)), two.join("\n"));
    const unknown = placed([label(9)]);
    assert.ok(unknown.some((m) => /placement\.backup\[0\]: "node\.labels\.dpg\.node==9" names no node/.test(m)), unknown.join("\n"));
    const stray = problems({ ...base, target: swarm({ placement: { ...swarm().placement, backup: [label(1)] } }) });
    assert.ok(stray.some((m) => /target\.placement\.backup: only used with dpg-cluster:backup\.repository "server"/.test(m)), stray.join("\n"));
    const noTls = problems({ backup: { repository: "server" }, tls: { enabled: false } });
    assert.ok(noTls.some((m) => /dpg-cluster:backup\.repository: "server" authenticates .* set dpg-cluster:tls\.enabled true/.test(m)), noTls.join("\n"));
  });
});

function workload(over: Partial<Workload> = {}): Workload {
  return {
    name: "dpg-t-pg-1",
    component: "patroni",
    image: "img@sha256:1",
    process: { user: "postgres", uid: 999, entrypoint: ["/bin/sh", "/entry.sh"], command: ["patroni", "/etc/patroni/patroni.yml"] },
    files: [
      { path: "/etc/patroni/patroni.yml", content: "secret: 1", secret: true },
      { path: "/etc/dpg/hook.sh", content: "echo hi" },
    ],
    memberVolumes: [{ resourceName: "patroni-data-1", name: "dpg-t-pg-1-data", containerPath: "/var/lib/postgresql/data" }],
    healthcheck: { test: ["CMD", "true"], intervalS: 5, timeoutS: 3, retries: 3, startPeriodS: 60 },
    limits: { memoryMb: 1024, cpus: 1 },
    stopGraceS: 60,
    shmSizeMb: 256,
    placement: label(1),
    ...over,
  };
}

describe("workload → container (one host)", () => {
  const ctx = { namePrefix: "dpg-t", networks: { cluster: "dpg-t-cluster", edge: "dpg-t-edge" }, bindAddress: "127.0.0.1", memberVolumeNames: ["dpg-t-pg-1-data"] };

  it("hands the secret files to the service user before its entrypoint, on the cluster network only", () => {
    const a = containerArgs(workload(), ctx) as any;
    assert.equal(a.user, "root");
    assert.deepEqual(a.entrypoints, ["/bin/sh", "-c", SECRET_FILES_SCRIPT, "dpg-secret-files", "postgres", "/etc/patroni/patroni.yml", "--", "dumb-init", "--", "/bin/sh", "/entry.sh"]);
    assert.deepEqual(a.command, ["patroni", "/etc/patroni/patroni.yml"]);
    assert.deepEqual(a.networksAdvanced, [{ name: "dpg-t-cluster", aliases: ["dpg-t-pg-1"] }]);
    assert.equal(a.ports, undefined);
    assert.deepEqual(a.volumes, [{ volumeName: "dpg-t-pg-1-data", containerPath: "/var/lib/postgresql/data" }]);
    assert.deepEqual(a.healthcheck, { tests: ["CMD", "true"], interval: "5s", timeout: "3s", retries: 3, startPeriod: "1m0s" });
    assert.equal(a.stopTimeout, 60);
    assert.equal(a.shmSize, 256);
    assert.equal(a.cpus, "1.0");
  });

  it("a router without secrets runs the image as built, edge network first, ports on the bind address", () => {
    const a = containerArgs(
      workload({ name: "dpg-t-haproxy", files: [{ path: "/etc/h.cfg", content: "x" }], memberVolumes: [], ports: [{ internal: 5000, external: 25000 }], process: { user: "haproxy", entrypoint: [], command: ["haproxy"] } }),
      ctx,
    ) as any;
    assert.equal(a.user, undefined);
    assert.equal(a.entrypoints, undefined);
    assert.deepEqual(a.networksAdvanced, [{ name: "dpg-t-edge" }, { name: "dpg-t-cluster", aliases: ["dpg-t-haproxy"] }]);
    assert.deepEqual(a.ports, [{ internal: 5000, external: 25000, ip: "127.0.0.1" }]);
  });

  it("refuses two files on one path and secret files without the user's uid", () => {
    assert.throws(() => containerArgs(workload({ files: [{ path: "/a", content: "1" }, { path: "/a", content: "2" }] }), ctx), /two files on \/a/);
    assert.throws(() => containerArgs(workload({ process: { user: "x", entrypoint: [], command: [] } }), ctx), /need the service user's uid/);
  });
});

describe("workload → Swarm service", () => {
  const fileRefs = { "/etc/patroni/patroni.yml": { id: "sec1", name: "s1" }, "/etc/dpg/hook.sh": { id: "cfg1", name: "c1" } };
  const ctx = { namePrefix: "dpg-t", networks: { cluster: "net-id", edge: "edge-id" }, fileRefs };

  it("one replica pinned by its constraint, a fixed name, dnsrr, stop-first, a clean-shutdown grace period", () => {
    const a = serviceArgs(workload(), ctx) as any;
    assert.equal(a.name, "dpg-t-pg-1");
    assert.deepEqual(a.mode, { replicated: { replicas: 1 } });
    assert.equal(a.endpointSpec.mode, "dnsrr");
    assert.equal(a.updateConfig.order, "stop-first");
    assert.deepEqual(a.taskSpec.placement.constraints, ["node.labels.dpg.node==1"]);
    assert.equal(a.taskSpec.containerSpec.stopGracePeriod, "1m");
    assert.equal((serviceArgs({ ...workload(), swarmStopGraceS: 120 }, ctx) as any).taskSpec.containerSpec.stopGracePeriod, "2m", "a longer grace period on a Swarm");
    assert.equal(a.taskSpec.containerSpec.healthcheck.startPeriod, "1m");
    assert.deepEqual([0, 5, 60, 90, 3600, 3661].map(swarmDuration), ["0s", "5s", "1m", "1m30s", "1h", "1h1m1s"]);
    assert.deepEqual(a.taskSpec.networksAdvanceds, [{ id: "net-id", aliases: ["dpg-t-pg-1"] }]);
    assert.deepEqual(a.taskSpec.resources.limits, { memoryBytes: 1024 * 1024 * 1024, nanoCpus: 1e9 });
    assert.deepEqual(a.taskSpec.containerSpec.capDrops, ["ALL"]);
  });

  it("secret files as secrets owned by the service user 0400, the rest as configs 0444; the image's user runs the command", () => {
    const c = (serviceArgs(workload(), ctx) as any).taskSpec.containerSpec;
    assert.deepEqual(c.secrets, [{ secretId: "sec1", secretName: "s1", fileName: "/etc/patroni/patroni.yml", fileUid: "999", fileGid: "999", fileMode: 0o400 }]);
    assert.deepEqual(c.configs, [{ configId: "cfg1", configName: "c1", fileName: "/etc/dpg/hook.sh", fileUid: "0", fileGid: "0", fileMode: 0o444 }]);
    assert.equal(c.user, undefined);
    assert.deepEqual(c.args, ["patroni", "/etc/patroni/patroni.yml"]);
    assert.deepEqual(c.mounts, [
      { type: "volume", source: "dpg-t-pg-1-data", target: "/var/lib/postgresql/data" },
      { type: "tmpfs", target: "/dev/shm", tmpfsOptions: { sizeBytes: 256 * 1024 * 1024 } },
    ]);
  });

  it("routers publish in host mode (no routing mesh) and answer to their common name", () => {
    const a = serviceArgs(
      workload({ name: "dpg-t-haproxy-1", files: [], memberVolumes: [], ports: [{ internal: 5000, external: 25000 }], aliases: ["dpg-t-haproxy"] }),
      ctx,
    ) as any;
    assert.deepEqual(a.endpointSpec, { mode: "dnsrr", ports: [{ targetPort: 5000, publishedPort: 25000, publishMode: "host", protocol: "tcp" }] });
    assert.deepEqual(a.taskSpec.networksAdvanceds, [{ id: "net-id", aliases: ["dpg-t-haproxy-1", "dpg-t-haproxy"] }, { id: "edge-id" }]);
  });

  it("refuses a service without placement; a changed file gets a new object name (rotation by name)", () => {
    assert.throws(() => serviceArgs(workload({ placement: undefined }), ctx), /needs a placement constraint/);
    const a = fileObjectName("dpg-t-pg-1", "/etc/patroni/patroni.yml", "one");
    assert.match(a, /^dpg-t-pg-1-patroni\.yml-[0-9a-f]{12}$/);
    assert.notEqual(a, fileObjectName("dpg-t-pg-1", "/etc/patroni/patroni.yml", "two"));
    assert.equal(a, fileObjectName("dpg-t-pg-1", "/etc/patroni/patroni.yml", "one"));
  });

  it("the file sweep removes a service's older file objects, keeps the named, the newer (a change on its way), the in-use and everyone else's", () => {
    const w = workload();
    assert.deepEqual(fileObjectPrefixes(w), [
      { kind: "secret", prefix: "dpg-t-pg-1-patroni.yml-" },
      { kind: "config", prefix: "dpg-t-pg-1-hook.sh-" },
    ]);
    const yml = (c: string) => fileObjectName("dpg-t-pg-1", "/etc/patroni/patroni.yml", c);
    const hook = (c: string) => fileObjectName("dpg-t-pg-1", "/etc/dpg/hook.sh", c);
    const stranger = fileObjectName("dpg-t-pg-10", "/etc/patroni/patroni.yml", "x");
    // A stand-in daemon: objects (name, creation time) in files, the service's spec names in another; rm refused for one in use.
    const sweep = (service: string | undefined, named: string[] | undefined) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dpg-sweep-"));
      const objects: Record<string, [string, number][]> = {
        secret: [[yml("cur"), 200], [yml("old"), 100], [yml("pending"), 300], [stranger, 1], ["dpg-t-pg-1-patroni.yml-notahash", 1], ["other", 1]],
        config: [[hook("cur"), 200], [hook("held"), 100], [hook("older"), 50]],
      };
      for (const [k, list] of Object.entries(objects)) fs.writeFileSync(path.join(dir, k), list.map(([n, t]) => `${n} ${t}`).join("\n") + "\n");
      if (named) fs.writeFileSync(path.join(dir, "service"), named.join(" ") + " ");
      fs.writeFileSync(
        path.join(dir, "docker"),
        [
          "#!/bin/sh",
          'shift 2; kind=$1; op=$2; n=$3; d=$(dirname "$0")',
          'if [ "$kind" = service ]; then [ -f "$d/service" ] && [ "$n" = dpg-t-pg-1 ] && cat "$d/service"; exit $?; fi',
          'case "$op" in',
          '  ls) cut -d" " -f1 "$d/$kind" ;;',
          '  inspect) grep "^$n " "$d/$kind" | cut -d" " -f2 | grep . ;;',
          `  rm) [ "$n" = "${hook("held")}" ] && { echo "in use" >&2; exit 1; }; grep -v "^$n " "$d/$kind" > "$d/$kind.new"; mv "$d/$kind.new" "$d/$kind" ;;`,
          "esac",
        ].join("\n"),
        { mode: 0o755 },
      );
      const r = spawnSync("sh", ["-c", FILE_SWEEP_SCRIPT], {
        encoding: "utf8",
        env: {
          PATH: `${dir}:${process.env.PATH}`,
          DPG_SWARM_ENDPOINT: "unix:///x.sock",
          ...(service ? { DPG_SERVICE: service } : {}),
          DPG_FILE_PREFIXES: fileObjectPrefixes(w).map((p) => `${p.kind}:${p.prefix}`).join(" "),
          DPG_SWEEP_RETRY_S: "0",
        },
      });
      assert.equal(r.status, 0, r.stderr);
      const left = (k: string) => fs.readFileSync(path.join(dir, k), "utf8").split("\n").filter(Boolean).map((l) => l.split(" ")[0]);
      const result = { secrets: left("secret"), configs: left("config"), out: r.stdout };
      fs.rmSync(dir, { recursive: true, force: true });
      return result;
    };
    // After an up: the older objects go; the newer one (created for a change whose service has not moved yet) stays.
    const after = sweep("dpg-t-pg-1", [yml("cur"), hook("cur")]);
    assert.deepEqual(after.secrets, [yml("cur"), yml("pending"), stranger, "dpg-t-pg-1-patroni.yml-notahash", "other"]);
    assert.deepEqual(after.configs, [hook("cur"), hook("held")]);
    assert.match(after.out, new RegExp(`removed secret ${yml("old")}\n`));
    assert.match(after.out, new RegExp(`kept config ${hook("held")} \\(still in use\\)`));
    // The service is gone (destroy, scale-in): every object of its files goes, unless Swarm says one is in use.
    const gone = sweep(undefined, undefined);
    assert.deepEqual(gone.secrets, [stranger, "dpg-t-pg-1-patroni.yml-notahash", "other"]);
    assert.deepEqual(gone.configs, [hook("held")]);
    // The service does not exist (its creation failed): nothing is removed.
    const none = sweep("dpg-t-pg-1", undefined);
    assert.equal(none.secrets.length, 6);
    assert.match(none.out, /no service dpg-t-pg-1: nothing swept/);
  });

  it("the rollout key labels the service, not its containers (a container label change would replace the service instead of updating it)", () => {
    const a = serviceArgs(workload(), { ...ctx, extraLabels: [{ label: "dpg.rollout-key", value: "k1" }] }) as any;
    assert.ok(a.labels.some((l: any) => l.label === "dpg.rollout-key" && l.value === "k1"));
    assert.ok(!a.taskSpec.containerSpec.labels.some((l: any) => l.label === "dpg.rollout-key"), JSON.stringify(a.taskSpec.containerSpec.labels));
    assert.deepEqual(a.taskSpec.containerSpec.labels.map((l: any) => l.label), ["dpg.stack", "dpg.component"]);
  });

  it("writes out what Swarm would fill in (the platform, the overlay's gateway), so a refresh reads back no change", () => {
    assert.deepEqual(["x64", "arm64"].map(dockerArchitecture), ["amd64", "arm64"]);
    assert.throws(() => dockerArchitecture("mips"), /no Docker platform for this machine's architecture mips/);
    assert.deepEqual(clusterIpam("10.213.0.0/24"), { subnet: "10.213.0.0/24", gateway: "10.213.0.1" });
    assert.deepEqual(clusterIpam("172.30.16.0/20"), { subnet: "172.30.16.0/20", gateway: "172.30.16.1" });
  });

  it("the uids secrets are owned by are the ones the images create", () => {
    const arg = (file: string, name: string) => Number(new RegExp(`ARG ${name}=(\\d+)`).exec(fs.readFileSync(path.join(__dirname, "../../components", file), "utf8"))![1]);
    assert.equal(NODE_IMAGE_UID, arg("patroni/image/Dockerfile", "POSTGRES_UID"));
    assert.equal(ETCD_UID, arg("etcd/image/Dockerfile", "ETCD_UID"));
  });
});
