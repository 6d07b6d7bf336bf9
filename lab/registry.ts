// The lab's registry: images go through node 1's dockerd into it (components/target/push.ts does the
// work for any Swarm target; the host's own daemon is not told to trust the lab registry).
import { pushImage, Pushed, registryManifest as manifestAt } from "../components/target/push";
import { managerEndpoint, registryAddress } from "./topology";

export type { Pushed };

export function registryManifest(repo: string, tag: string) {
  return manifestAt(registryAddress, repo, tag);
}

export async function push(images: string[]): Promise<Pushed[]> {
  const out: Pushed[] = [];
  for (const image of images) out.push(await pushImage(image, { registry: registryAddress, via: managerEndpoint }));
  return out;
}
