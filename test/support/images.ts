// The service images as the program builds them (same folder, same tag), for tests that run
// the real tools on rendered configs without a Pulumi stack.
import * as path from "node:path";
import { patroniImageArgs } from "../../components/patroni";
import { serviceImageName, ServiceImageArgs } from "../../components/shared/docker";
import { docker, REPO_ROOT } from "./cli";

export const BASE_IMAGE = process.env.DPG_BASE_IMAGE ?? "debian:trixie-slim";

export function ensureImage(component: "etcd" | "patroni" | "haproxy"): string {
  // Patroni's image also copies the RuVector artifact (scripts/build-ruvector.sh, run by prepare.sh).
  const args: ServiceImageArgs =
    component === "patroni"
      ? patroniImageArgs(BASE_IMAGE)
      : { imageDir: path.join(REPO_ROOT, "components", component, "image"), repository: `dpg/${component}`, baseImage: BASE_IMAGE };
  const name = serviceImageName(args);
  if (docker(["image", "inspect", name], { allowFail: true }).status !== 0) {
    const buildArgs = Object.entries({ ...args.buildArgs, BASE_IMAGE }).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
    docker(["build", "-q", "-t", name, ...buildArgs, args.imageDir], { timeoutMs: 15 * 60_000 });
  }
  return name;
}
