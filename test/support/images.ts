// The service images as the program builds them (same folder, same tag), for tests that run
// the real tools on rendered configs without a Pulumi stack.
import * as path from "node:path";
import { imageTag } from "../../components/shared/docker";
import { docker, REPO_ROOT } from "./cli";

export const BASE_IMAGE = process.env.DPG_BASE_IMAGE ?? "debian:trixie-slim";

export function ensureImage(component: "etcd" | "patroni" | "haproxy"): string {
  const dir = path.join(REPO_ROOT, "components", component, "image");
  const name = `dpg/${component}:${imageTag(dir, BASE_IMAGE)}`;
  if (docker(["image", "inspect", name], { allowFail: true }).status !== 0) {
    docker(["build", "-q", "-t", name, "--build-arg", `BASE_IMAGE=${BASE_IMAGE}`, dir], { timeoutMs: 15 * 60_000 });
  }
  return name;
}
