// Generated credentials: 000 "Unique, complex passwords (≥16 characters)".
import { ResourceRule } from "./types";
import { PASSWORD_LENGTH, T, fix } from "./settings";

export const passwordLength: ResourceRule = {
    kind: "resource",
    name: "password-length",
    description: "Generated passwords are at least 16 characters long.",
    severity: "blocker",
    types: [T.randomPassword],
    absent: `no ${T.randomPassword} is declared, so credentials are not generated`,
    check: (p, ctx) =>
        Number(p.length) >= 16
            ? []
            : [`RandomPassword ${ctx.name} is ${p.length} characters; 000 requires at least 16; ${fix(PASSWORD_LENGTH, "32")}`],
};

export const passwordRules = [passwordLength];
