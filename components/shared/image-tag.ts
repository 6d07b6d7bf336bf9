// The image tag scheme on its own (no SDK import), for callers outside a Pulumi program (the lab CLI).
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/**
 * The image tag is the hash of the image folder (and of the build arguments, e.g. the artifact
 * image a stage copies from), so an edited Dockerfile or a new artifact gives a new tag (and a
 * rebuild) while an unchanged one is reused: tags are pinned, never "latest".
 */
export function imageTag(imageDir: string, baseImage: string, buildArgs: Record<string, string> = {}): string {
  const hash = crypto.createHash("sha256");
  hash.update(baseImage);
  for (const [k, v] of Object.entries(buildArgs).sort(([a], [b]) => a.localeCompare(b))) hash.update(`${k}=${v}\n`);
  for (const file of fs.readdirSync(imageDir).sort()) {
    hash.update(file);
    hash.update(fs.readFileSync(path.join(imageDir, file)));
  }
  return hash.digest("hex").slice(0, 12);
}
