// Images on every node without a public registry: host images go through node 1's dockerd into the
// lab registry (the host's own daemon cannot be told to trust it), and services pin them by digest.
import { hostDocker, run } from "./docker";
import { managerDocker } from "./lab";
import { managerEndpoint, registryAddress } from "./topology";

export interface Pushed {
  /** The host image, repo:tag. */
  image: string;
  /** What a service pins: <registry>/<repo>@sha256:... */
  ref: string;
  /** false when the registry already held this exact image (same config digest). */
  pushed: boolean;
  ms: number;
}

const MANIFEST_TYPES = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
].join(", ");

function splitRef(image: string): { repo: string; tag: string } {
  const at = image.lastIndexOf(":");
  if (at <= 0 || image.slice(at).includes("/") || image.includes("@")) throw new Error(`push needs repo:tag, got "${image}"`);
  return { repo: image.slice(0, at), tag: image.slice(at + 1) };
}

/** The manifest digest and config digest the lab registry holds for repo:tag, if any. */
export async function registryManifest(repo: string, tag: string): Promise<{ digest: string; config: string } | undefined> {
  const r = await fetch(`http://${registryAddress}/v2/${repo}/manifests/${tag}`, {
    headers: { Accept: MANIFEST_TYPES },
    signal: AbortSignal.timeout(10_000),
  });
  if (r.status === 404) return undefined;
  if (!r.ok) throw new Error(`registry ${registryAddress}: GET manifest ${repo}:${tag} → ${r.status}`);
  const body = (await r.json()) as { config?: { digest?: string } };
  const digest = r.headers.get("docker-content-digest");
  if (!digest || !body.config?.digest) throw new Error(`registry ${registryAddress}: manifest of ${repo}:${tag} has no digest`);
  return { digest, config: body.config.digest };
}

export async function push(images: string[]): Promise<Pushed[]> {
  const out: Pushed[] = [];
  for (const image of images) {
    const t0 = Date.now();
    const { repo, tag } = splitRef(image);
    const id = hostDocker(["image", "inspect", "-f", "{{.Id}}", image], { timeoutMs: 20_000 }).stdout.trim();
    let held = await registryManifest(repo, tag);
    const pushed = held?.config !== id;
    if (pushed) {
      const target = `${registryAddress}/${image}`;
      run("bash", ["-c", 'set -o pipefail; docker save "$1" | docker -H "$2" load -q', "push", image, managerEndpoint], {
        timeoutMs: 10 * 60_000,
      });
      managerDocker(["tag", image, target]);
      managerDocker(["push", "-q", target], { timeoutMs: 10 * 60_000 });
      // node 1 pulls by digest like every other node: it keeps no copy outside the registry
      managerDocker(["rmi", image, target], { allowFail: true });
      held = await registryManifest(repo, tag);
      if (held?.config !== id) throw new Error(`pushed ${image} but the registry holds config ${held?.config}, not ${id}`);
    }
    out.push({ image, ref: `${registryAddress}/${repo}@${held!.digest}`, pushed, ms: Date.now() - t0 });
  }
  return out;
}

