// Every rule of the pack, by name. Resource rules become resource policies; stack rules only feed the score.
import { Rule, ResourceRule } from "./types";
import { etcdRules } from "./etcd";
import { patroniRules } from "./patroni";
import { postgresParamRules } from "./postgres-params";
import { containerRules } from "./containers";
import { imageRules } from "./images";
import { passwordRules } from "./passwords";
import { backupRules } from "./backup";
import { monitoringRules } from "./monitoring";
import { pgbouncerRules } from "./pgbouncer";
import { tlsRules } from "./tls";
import { topologyRules } from "./topology";

export const RULES: Rule[] = [
    ...etcdRules,
    ...patroniRules,
    ...postgresParamRules,
    ...containerRules,
    ...imageRules,
    ...passwordRules,
    ...backupRules,
    ...monitoringRules,
    ...pgbouncerRules,
    ...tlsRules,
    ...topologyRules,
];

export const RESOURCE_RULES: ResourceRule[] = RULES.filter((r): r is ResourceRule => r.kind === "resource");

export function ruleByName(name: string): Rule | undefined {
    return RULES.find((r) => r.name === name);
}

export * from "./types";
