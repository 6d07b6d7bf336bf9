// The stack policy: decides every catalog item, computes the score, reports it when the stack is not ready,
// and writes the full evaluation to `reportFile` (the report CLI reads it; policy events carry only text).
import * as fs from "fs";
import * as path from "path";
import { StackValidationPolicy } from "@pulumi/policy";
import { catalog } from "../catalog";
import { attestationsFromEnv, parseAttestations, today } from "../score/attestations";
import { evaluateCatalog, ItemResult } from "../score/evaluate";
import { computeScore, Score } from "../score/score";
import { buildModel } from "./inputs-cache";
import { formatSummary } from "./summary";

export const READINESS_POLICY = "readiness-score";

export interface ReadinessConfig {
    environment?: string;
    attestations?: Record<string, unknown> | string;
    reportFile?: string;
    asOf?: string;
}

export interface Evaluation {
    environment: string;
    asOf: string;
    score: Score;
    items: ItemResult[];
    /** Set by the report when the live collector ran (or why it did not). */
    live?: { measuredItems: number; skipped?: string };
}

export function evaluateStack(resources: Parameters<typeof buildModel>[0], cfg: ReadinessConfig): Evaluation {
    const asOf = cfg.asOf ?? today();
    // Policy config wins over the stack config the engine passes in PULUMI_CONFIG.
    const attestations = { ...attestationsFromEnv(), ...parseAttestations(cfg.attestations) };
    const items = evaluateCatalog(catalog(), buildModel(resources), { attestations, asOf });
    return { environment: cfg.environment ?? "dev", asOf, score: computeScore(items), items };
}

export function readinessScorePolicy(): StackValidationPolicy {
    return {
        name: READINESS_POLICY,
        description: "Production readiness score over the seeds' checklist (blockers, ≥90% ready, 75–89% warnings).",
        // Advisory in both environments: live items are unmeasurable before deploy, and a failing stack policy on
        // `up` fires after resources changed anyway; the mandatory gates are the blocker resource policies.
        enforcementLevel: "advisory",
        severity: "high",
        configSchema: {
            properties: {
                environment: { type: "string", enum: ["dev", "prod"], default: "dev" },
                attestations: { type: "object" },
                reportFile: { type: "string" },
                asOf: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
            },
        },
        validateStack: (args, reportViolation) => {
            const cfg = args.getConfig<ReadinessConfig>();
            const evaluation = evaluateStack(args.resources, cfg);
            if (cfg.reportFile) {
                fs.mkdirSync(path.dirname(cfg.reportFile), { recursive: true });
                fs.writeFileSync(cfg.reportFile, JSON.stringify(evaluation, null, 2));
            }
            if (evaluation.score.status !== "ready") reportViolation(formatSummary(evaluation.score, evaluation.environment));
        },
    };
}
