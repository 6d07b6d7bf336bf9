// Command line of the readiness report.
export interface ReportArgs {
    mode: "catalog" | "stack" | "render" | "help";
    json: boolean;
    stack?: string;
    env?: "dev" | "prod";
    asOf?: string;
    outDir?: string;
    evaluationFile?: string;
    /** With --evaluation: also render the saved report as a self-contained HTML page to this file. */
    htmlFile?: string;
    engine: "preview" | "analyze";
    /** Measure the live items on the deployed stack (default); --no-live keeps them "not measured". */
    live: boolean;
}

export const USAGE = `usage:
  readiness --catalog [--json]                 print the checklist catalog (no stack, no engine)
  readiness --stack <name> [--env dev|prod] [--analyze] [--no-live] [--as-of YYYY-MM-DD] [--out <dir>]
                                               run the pack on the stack, measure the live items on the
                                               deployed cluster, print the table, write reports/<stack>/
  readiness --evaluation <file> [--json] [--html <out.html>]
                                               render a saved evaluation or readiness.json (and as a page)
exit codes: 0 ready, 2 ready with warnings, 1 not ready (or error)`;

export function parseArgs(argv: string[]): ReportArgs {
    const out: ReportArgs = { mode: "help", json: false, engine: "preview", live: true };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
            return v;
        };
        switch (a) {
            case "--catalog": out.mode = "catalog"; break;
            case "--json": out.json = true; break;
            case "--stack": out.mode = "stack"; out.stack = value(); break;
            case "--evaluation": out.mode = "render"; out.evaluationFile = value(); break;
            case "--analyze": out.engine = "analyze"; break;
            case "--no-live": out.live = false; break;
            case "--as-of": out.asOf = value(); break;
            case "--out": out.outDir = value(); break;
            case "--html": out.htmlFile = value(); break;
            case "--env": {
                const v = value();
                if (v !== "dev" && v !== "prod") throw new Error(`--env must be dev or prod, got ${v}`);
                out.env = v;
                break;
            }
            case "--help": case "-h": out.mode = "help"; break;
            default: throw new Error(`unknown argument ${a}`);
        }
    }
    if (out.htmlFile && out.mode !== "render") throw new Error("--html renders a saved report: use it with --evaluation <readiness.json>");
    return out;
}
