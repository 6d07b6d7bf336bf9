// Pinned image versions: a tag other than latest, or a digest (a moving tag changes the cluster on the next pull).
import { ResourceRule, RuleContext } from "./types";
import { T, noSetting } from "./settings";
import { ownerComponent } from "./urn";

const FLOATING_TAGS = ["latest", "main", "master", "edge", "nightly", "dev"];

/** Why an image reference is not pinned, or undefined when it is. */
export function unpinnedReason(image: unknown): string | undefined {
    const ref = String(image ?? "").trim();
    if (ref === "") return "no image is set";
    if (ref.includes("@sha256:") || /^sha256:[0-9a-f]{64}$/.test(ref)) return undefined;
    const lastSegment = ref.slice(ref.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    if (colon < 0) return `"${ref}" has no tag (means :latest)`;
    const tag = lastSegment.slice(colon + 1);
    return FLOATING_TAGS.includes(tag.toLowerCase()) ? `"${ref}" uses the floating tag :${tag}` : undefined;
}

/** Where an image is chosen: every service image is built by its component, FROM dpg-cluster:baseImage. */
function imageHome(ctx: RuleContext): string {
    const key = ctx.type === T.etcd ? "etcd" : ctx.type === T.patroni ? "patroni" : ownerComponent(ctx.urn);
    return key ? `components/${key}` : "infra/index.ts";
}

export const pinnedImages: ResourceRule = {
    kind: "resource",
    name: "pinned-images",
    description: "Every image is pinned to a version tag or digest, never :latest.",
    severity: "advisory",
    types: [T.container, T.service, T.remoteImage, T.etcd, T.patroni],
    absent: `no image is declared`,
    check: (p, ctx) => {
        const image = ctx.type === T.remoteImage ? p.name : ctx.type === T.service ? p.taskSpec?.containerSpec?.image : p.image;
        const why = unpinnedReason(image);
        return why ? [`${ctx.name}: ${why}; ${noSetting(`${imageHome(ctx)} (a versioned tag or @sha256 digest)`)}`] : [];
    },
};

export const imageRules = [pinnedImages];
