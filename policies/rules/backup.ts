// pgBackRest: schedule, retention, encryption, WAL archiving (000 "Backup System" and the recommended PITR/encryption).
import { Model, ResourceRule, StackRule } from "./types";
import { ownerComponent } from "./urn";
import { T, fix, noSetting, pgParam, setting } from "./settings";

const absent = `no ${T.backup} component is declared; enable backups (${setting("backup", "enabled")} = true)`;

function rule(r: Omit<ResourceRule, "kind" | "types" | "absent">): ResourceRule {
    return { kind: "resource", types: [T.backup], absent, ...r };
}

const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$|^[A-Za-z]{3}(-[A-Za-z]{3})?$/;

/** A five-field cron expression (minute hour day month weekday), or @daily/@weekly style. */
export function isCron(expr: unknown): boolean {
    const s = String(expr ?? "").trim();
    if (/^@(hourly|daily|weekly|monthly|yearly|annually|midnight)$/.test(s)) return true;
    const fields = s.split(/\s+/);
    return fields.length === 5 && fields.every((f) => CRON_FIELD.test(f));
}

export const backupSchedule = rule({
    name: "backup-schedule",
    description: "Full backups run on a cron schedule.",
    severity: "blocker",
    check: (p) =>
        isCron(p.fullSchedule)
            ? []
            : [`full backup schedule "${p.fullSchedule ?? ""}" is not a cron expression; ${fix(setting("backup", "fullSchedule"), '"0 1 * * 0" (weekly)')}`],
});

export const backupRetention = rule({
    name: "backup-retention",
    description: "At least 2 full backups are retained.",
    severity: "blocker",
    // With 1 retained full, the old set is expired as soon as a new full starts: one failed backup leaves nothing.
    check: (p) =>
        Number(p.retentionFull) >= 2
            ? []
            : [`retention keeps ${p.retentionFull ?? 0} full backup(s); ${fix(setting("backup", "retentionFull"), "2 or more")}`],
});

export const backupEncryption = rule({
    name: "backup-encryption",
    description: "The backup repository is encrypted (repo-cipher-type aes-256-cbc).",
    severity: "advisory",
    check: (p) =>
        p.cipherType === "aes-256-cbc"
            ? []
            : [`backups are stored unencrypted (cipher "${p.cipherType ?? "none"}"); ${noSetting("components/backup (repo-cipher-type)")}`],
});

export const backupWalArchiving = rule({
    name: "backup-wal-archiving",
    description: "WAL is archived to the backup repository (point-in-time recovery).",
    severity: "advisory",
    check: (p, ctx) => {
        if (!p.walArchiving) return [`WAL archiving is off, so there is no point-in-time recovery; ${fix(setting("backup", "enabled"), "true")}`];
        // Cross-check with the rendered PostgreSQL parameters when the whole stack is known.
        const patroni = ctx.model?.resources.find((r) => r.type === T.patroni)?.props;
        const mode = patroni?.parameters?.archive_mode;
        if (patroni && mode !== undefined && !["on", "always"].includes(String(mode)))
            return [`pgBackRest expects WAL but PostgreSQL has archive_mode "${mode}"; ${fix(pgParam("archive_mode"), "on")}`];
        return [];
    },
});

/** Volume drivers / local-driver mount types that put the data on another machine. */
const REMOTE_VOLUME = /^(nfs|nfs4|cifs|smb|ceph|cephfs|glusterfs)$/i;

/** Whether any repository volume the backup component declares lives off the cluster's host. */
function repoRule(name: string, description: string, what: string): StackRule {
    return {
        kind: "stack",
        name,
        description,
        severity: "advisory",
        evaluate: (m: Model) => {
            const spec = m.resources.find((r) => r.type === T.backup)?.props;
            if (!spec) return [absent];
            if (spec.repository === "server") return repositoryServerProblems(m, what);
            const vols = m.resources.filter((r) => r.type === T.volume && ownerComponent(r.urn) === "backup");
            const remote = vols.filter((v) => (v.props?.driver && v.props.driver !== "local") || REMOTE_VOLUME.test(String(v.props?.driverOpts?.type ?? "")));
            return remote.length > 0
                ? []
                : [`the pgBackRest repository is ${vols.length === 1 ? `one local Docker volume (${vols[0].name})` : `${vols.length} local volume(s)`} on the cluster's own host, so ${what}; ${noSetting("components/backup (a second repository: S3 or an NFS/Ceph volume)")}`];
        },
    };
}

/** The Swarm constraint of each service a component owns. */
function constraintsOf(m: Model, component: string): string[] {
    return m.resources
        .filter((r) => r.type === T.service && ownerComponent(r.urn) === component)
        .flatMap((r) => (r.props?.taskSpec?.placement?.constraints ?? []) as string[]);
}

/**
 * backup.repository=server: off the databases' hosts only when the repository service is pinned to a
 * node no Patroni service is pinned to. A container (one Docker host) shares the host with every database.
 */
function repositoryServerProblems(m: Model, what: string): string[] {
    const placement = setting("target", "placement.backup");
    const containers = m.resources.filter((r) => r.type === T.container && ownerComponent(r.urn) === "backup");
    if (containers.length) {
        return [`the pgBackRest repository is its own server (${containers.map((c) => c.props?.name ?? c.name).join(", ")}), but a container on the one Docker host that runs every database too, so ${what}; ${fix(setting("target", "kind"), `swarm, with ${placement} naming a node without a Patroni member`)}`];
    }
    const repo = constraintsOf(m, "backup");
    if (!repo.length) return [`no repository service with a placement constraint is declared; ${fix(placement, "a node without a Patroni member")}`];
    const shared = repo.filter((c) => constraintsOf(m, "patroni").includes(c));
    return shared.length ? [`the repository server is placed (${shared.join(", ")}) on the node of a Patroni member, so ${what}; ${fix(placement, "a node without a Patroni member")}`] : [];
}

export const backupOffsite = repoRule("backup-offsite", "Backups are copied to a remote location (a repository off the cluster's host).", "losing the host loses the backups too");
export const backupSharedStorage = repoRule("backup-shared-storage", "The backup repository is on shared storage (NFS/Ceph) every node can restore from.", "only this host can restore from it");

export const backupRules = [backupSchedule, backupRetention, backupEncryption, backupWalArchiving, backupOffsite, backupSharedStorage];
