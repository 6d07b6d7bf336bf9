// Cluster certificates: 000 "Valid SSL certificates with ≥30 days until expiry" and "Automated certificate renewal".
import { ResourceRule } from "./types";
import { T, fix, setting } from "./settings";

const absent = `no ${T.tls} component is declared, so there are no cluster certificates; ${fix("dpg-cluster:tls.enabled", "true")}`;
const MIN_DAYS = 30;

export const tlsCertValidity: ResourceRule = {
    kind: "resource",
    name: "tls-cert-validity",
    description: "Certificates are issued for more than 30 days and re-issued before fewer than 30 days remain.",
    severity: "blocker",
    types: [T.tls],
    absent,
    check: (p) => {
        const out: string[] = [];
        if (!(Number(p.certValidityDays) > MIN_DAYS))
            out.push(`certificates are valid ${p.certValidityDays} days, not more than ${MIN_DAYS}; ${fix(setting("tls", "certValidityDays"), "365")}`);
        // minDaysLeft is the re-issue threshold: below 30 a certificate can be live with <30 days to expiry.
        if (!(Number(p.minDaysLeft) >= MIN_DAYS))
            out.push(`certificates are re-issued only when ${p.minDaysLeft} days remain; ${fix(setting("tls", "minDaysLeft"), String(MIN_DAYS))}`);
        return out;
    },
};

export const tlsCertRotation: ResourceRule = {
    kind: "resource",
    name: "tls-cert-rotation",
    description: "Certificates renew automatically (a re-issue threshold below their validity).",
    severity: "advisory",
    types: [T.tls],
    absent,
    check: (p) =>
        Number(p.minDaysLeft) > 0 && Number(p.minDaysLeft) < Number(p.certValidityDays)
            ? []
            : [`renewal threshold ${p.minDaysLeft} days never triggers for ${p.certValidityDays}-day certificates; ${fix(setting("tls", "minDaysLeft"), "30")}`],
};

export const tlsRules = [tlsCertValidity, tlsCertRotation];
