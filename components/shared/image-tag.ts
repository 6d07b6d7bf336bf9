// The image tag scheme on its own (no SDK import), for callers outside a Pulumi program (the lab CLI).
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/**
 * The image tag is the hash of the image folder, so an edited Dockerfile gives a new tag (and a
 * rebuild) while an unchanged one is reused: tags are pinned, never "latest".
 */
export function imageTag(imageDir: string, baseImage: string): string {
  const hash = crypto.createHash("sha256");
  hash.update(baseImage);
  for (const file of fs.readdirSync(imageDir).sort()) {
    hash.update(file);
    hash.update(fs.readFileSync(path.join(imageDir, file)));
  }
  return hash.digest("hex").slice(0, 12);
}
