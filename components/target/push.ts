// Images on every Swarm node without a public registry: an image built on this machine goes through
// the manager's dockerd into the stack's registry (the local daemon need not trust that registry),
// and services pin it by digest, so every node runs the same bits. Skipped when the registry already
// holds the same image (same config digest). `pulumi up` runs this as a command (target/index.ts):
//   DPG_PUSH_IMAGE=repo:tag DPG_REGISTRY=host:port DPG_PUSH_VIA=unix:///... node --import tsx components/target/push.ts
import { spawnSync } from "node:child_process";

export interface PushTarget {
  /** host:port of the registry the nodes pull from (plain HTTP from this machine). */
  registry: string;
  /** Docker endpoint of the daemon that pushes (the Swarm manager). */
  via: string;
}

export interface Pushed {
  image: string;
  /** What a service pins: <registry>/<repo>@sha256:... */
  ref: string;
  /** false when the registry already held this exact image. */
  pushed: boolean;
  ms: number;
}

const MANIFEST_TYPES = ["application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json"].join(", ");

function sh(cmd: string, args: string[], timeoutMs = 60_000, allowFail = false): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${(r.stderr ?? "").slice(-2000)}`);
  return r.stdout ?? "";
}

export function splitRef(image: string): { repo: string; tag: string } {
  const at = image.lastIndexOf(":");
  if (at <= 0 || image.slice(at).includes("/") || image.includes("@")) throw new Error(`push needs repo:tag, got "${image}"`);
  return { repo: image.slice(0, at), tag: image.slice(at + 1) };
}

/** The manifest and config digests the registry holds for repo:tag, if any. */
export async function registryManifest(registry: string, repo: string, tag: string): Promise<{ digest: string; config: string } | undefined> {
  const r = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, { headers: { Accept: MANIFEST_TYPES }, signal: AbortSignal.timeout(10_000) });
  if (r.status === 404) return undefined;
  if (!r.ok) throw new Error(`registry ${registry}: GET manifest ${repo}:${tag} → ${r.status}`);
  const body = (await r.json()) as { config?: { digest?: string } };
  const digest = r.headers.get("docker-content-digest");
  if (!digest || !body.config?.digest) throw new Error(`registry ${registry}: manifest of ${repo}:${tag} has no digest`);
  return { digest, config: body.config.digest };
}

export async function pushImage(image: string, t: PushTarget): Promise<Pushed> {
  const t0 = Date.now();
  const { repo, tag } = splitRef(image);
  const id = sh("docker", ["image", "inspect", "-f", "{{.Id}}", image], 20_000).trim();
  let held = await registryManifest(t.registry, repo, tag);
  const pushed = held?.config !== id;
  if (pushed) {
    const target = `${t.registry}/${image}`;
    sh("bash", ["-c", 'set -o pipefail; docker save "$1" | docker -H "$2" load -q', "push", image, t.via], 10 * 60_000);
    sh("docker", ["-H", t.via, "tag", image, target]);
    sh("docker", ["-H", t.via, "push", "-q", target], 10 * 60_000);
    // The manager pulls by digest like every other node: it keeps no copy outside the registry.
    sh("docker", ["-H", t.via, "rmi", image, target], 60_000, true);
    held = await registryManifest(t.registry, repo, tag);
    if (held?.config !== id) throw new Error(`pushed ${image} but ${t.registry} holds config ${held?.config}, not ${id}`);
  }
  return { image, ref: `${t.registry}/${repo}@${held!.digest}`, pushed, ms: Date.now() - t0 };
}

if (require.main === module) {
  const { DPG_PUSH_IMAGE: image, DPG_REGISTRY: registry, DPG_PUSH_VIA: via } = process.env;
  if (!image || !registry || !via) {
    console.error("push: set DPG_PUSH_IMAGE, DPG_REGISTRY and DPG_PUSH_VIA");
    process.exit(2);
  }
  pushImage(image, { registry, via }).then(
    (p) => {
      console.error(`push: ${p.image} → ${p.ref} (${p.pushed ? "pushed" : "already there"} in ${(p.ms / 1000).toFixed(1)} s)`);
      process.stdout.write(p.ref);
    },
    (e) => {
      console.error(`push: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
