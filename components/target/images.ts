// Which images a stack runs (dpg-cluster:images.*): built here from each component's folder (the default),
// the very images another stack of this project runs (`fromStack`, read through a StackReference: how
// `npm run promote` gives prod exactly what dev ran, with no rebuild), or pinned image ids (`ids`, what a
// promotion rollback re-applies). On one Docker host an image id is directly runnable: both stacks share
// the daemon.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** An image's role in the stack: the last part of its repository (dpg/patroni → patroni). */
export const IMAGE_ROLES = ["patroni", "etcd", "haproxy", "monitoring"] as const;
export type ImageRole = (typeof IMAGE_ROLES)[number];

export const imagesSettings = z
  .object({
    fromStack: z
      .string()
      .regex(/^[A-Za-z0-9._/-]+$/, "must be a stack name of this project, e.g. dev")
      .optional()
      .describe("run the images this stack of the project runs (its `imageIds` output, through a StackReference) instead of building; set by `npm run promote`"),
    ids: z
      .record(z.enum(IMAGE_ROLES), z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be a local image id sha256:<64 hex>"))
      .default({})
      .describe("image ids to run per role (patroni, etcd, haproxy, monitoring), over fromStack or the build; set by `npm run promote -- --rollback`"),
  })
  .strict();

export type ImagesSettings = z.infer<typeof imagesSettings>;

export const imageRole = (repository: string): ImageRole => {
  const role = repository.split("/").pop() as ImageRole;
  if (!IMAGE_ROLES.includes(role)) throw new Error(`image repository ${repository} has no role among ${IMAGE_ROLES.join(", ")}`);
  return role;
};

/** Outputs the source stack must export for `images.fromStack` to read. */
export const IMAGE_IDS_OUTPUT = "imageIds";

/** The source stack, read once per program run. */
let reference: { stack: string; ref: pulumi.StackReference } | undefined;

/**
 * The image id a role runs when the settings say not to build it; undefined means build here.
 * A pinned id wins over the source stack's (a rollback pins every role).
 */
export function chosenImage(settings: ImagesSettings, role: ImageRole): pulumi.Output<string> | undefined {
  const pinned = settings.ids[role];
  if (pinned) return pulumi.output(pinned);
  if (!settings.fromStack) return undefined;
  const from = settings.fromStack;
  if (reference?.stack !== from) reference = { stack: from, ref: new pulumi.StackReference(`images-from-${from.replace(/\//g, "-")}`, { name: from }) };
  return reference.ref.getOutput(IMAGE_IDS_OUTPUT).apply((ids: Record<string, string> | undefined) => {
    const id = ids?.[role];
    if (!id) throw new Error(`dpg-cluster:images.fromStack: stack ${from} exports no ${IMAGE_IDS_OUTPUT}.${role}; run \`npm run up -- ${from}\` (it exports its image ids) or unset the setting to build here`);
    return id;
  });
}
