// What `npm run drill` and `npm run bench` share: the --stack argument, the guard that makes a prod run
// explicit, the target they measure, and where their record goes for the report to read.
import * as fs from "fs";
import * as path from "path";
import { StackConfig } from "../../infra/config";
import { stackConfig, stackOutputs } from "../report/pulumi";
import { RecordKind, recordFile } from "./gather";
import { LiveTarget, settingsFrom, targetFrom } from "./target";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface StackCommand {
    name: "drill" | "bench" | "alert-test";
    usage: string;
    /** Why a prod run must be asked for with --allow-prod. */
    prodRisk: string;
}

const recordKind = (cmd: StackCommand): RecordKind => (cmd.name === "drill" ? "drills" : cmd.name);

/** The stack's target and settings, or an exit code after saying what is wrong. */
export function openStack(cmd: StackCommand, argv: string[]): { t: LiveTarget; config: StackConfig } | number {
    const at = argv.indexOf("--stack");
    const stack = at >= 0 ? argv[at + 1] : undefined;
    if (!stack) {
        process.stderr.write(`usage: ${cmd.name} --stack <name> [--allow-prod]\n  ${cmd.usage}; records reports/<stack>/${recordKind(cmd)}.json\n`);
        return 1;
    }
    const config = settingsFrom(stackConfig(stack, REPO_ROOT), stack);
    if (config.environment === "prod" && !argv.includes("--allow-prod")) {
        process.stderr.write(`${cmd.name}: ${stack} is a prod stack; ${cmd.prodRisk}. Pass --allow-prod to run it anyway.\n`);
        return 1;
    }
    return { t: targetFrom(stack, stackOutputs(stack, REPO_ROOT), config), config };
}

/** Writes the record the report reads; returns its path relative to the working directory. */
export function saveRecord(cmd: StackCommand, stack: string, record: unknown): string {
    const file = recordFile(path.join(REPO_ROOT, "reports"), stack, recordKind(cmd));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
    return path.relative(process.cwd(), file);
}

/** Runs a command's main and maps a thrown error to exit code 1 with its message. */
export function runMain(cmd: StackCommand, main: (argv: string[]) => Promise<number>): void {
    main(process.argv.slice(2)).then(
        (code) => (process.exitCode = code),
        (e) => {
            process.stderr.write(`${cmd.name}: ${(e as Error).message}\n`);
            process.exitCode = 1;
        },
    );
}
