// Runs the real program or a component under Pulumi's mocks and records every resource.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: any;
  custom: boolean;
  parent?: string;
}

export const recorded: RecordedResource[] = [];

/** Install mocks once per test process; `recorded` is cleared by resetRecorded(). */
export function installMocks(config: Record<string, string> = {}, stack = "unit"): void {
  // A program under mocks must not read a live cluster that happens to run with the same names (a dev
  // stack on this machine), nor register resource hooks, which the mock monitor cannot take.
  process.env.DPG_NO_LIVE_CLUSTER = "1";
  pulumi.runtime.setAllConfig(config);
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "random:index/randomPassword:RandomPassword") state.result = "x".repeat(args.inputs.length ?? 16);
        if (args.type === "random:index/randomId:RandomId") state.hex = "0011223344556677";
        if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.name}`;
        if (args.type === "tls:index/privateKey:PrivateKey") state.privateKeyPem = `-----BEGIN PRIVATE KEY----- ${args.name}`;
        if (args.type === "tls:index/certRequest:CertRequest") state.certRequestPem = `-----BEGIN CERTIFICATE REQUEST----- ${args.name}`;
        if (args.type === "tls:index/selfSignedCert:SelfSignedCert" || args.type === "tls:index/locallySignedCert:LocallySignedCert") {
          state.certPem = `-----BEGIN CERTIFICATE----- ${args.name}`;
          state.validityEndTime = "2027-11-23T00:00:00Z";
        }
        return { id: args.custom === false ? undefined : `${args.name}-id`, state };
      },
      call: () => ({}),
    },
    "dpg-cluster",
    stack,
    true,
  );
}

export function resetRecorded(): void {
  recorded.length = 0;
}

export function ofType(type: string): RecordedResource[] {
  return recorded.filter((r) => r.type === type);
}

/** Resolves a Pulumi Output (or plain value) in tests. */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Lets pending registrations finish. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Mock inputs carry secrets as signature-wrapped objects; this says whether one is. */
export function isSecretValue(v: unknown): boolean {
  return typeof v === "object" && v !== null && SECRET_SIG in v;
}

/** Removes the secret wrapping (deeply) so tests can look at the values. */
export function unsecret(v: any): any {
  if (isSecretValue(v)) return unsecret(v.value);
  if (Array.isArray(v)) return v.map(unsecret);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unsecret(x)]));
  return v;
}

/**
 * Runs the whole program under mocks in a child process (run-program-with-mocks.ts) with the given stack
 * config, as the "dev" stack; what it declared (plain inputs as the mocks saw them).
 */
export function declaredByProgram(config: Record<string, string>): Array<{ type: string; name: string; inputs: any }> {
  const dump = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dpg-program-")), "declared.json");
  try {
    const child = spawnSync(process.execPath, ["--import", "tsx", "test/support/run-program-with-mocks.ts"], {
      env: { ...process.env, DPG_TEST_CONFIG: JSON.stringify(config), DPG_TEST_DUMP: dump },
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (child.status !== 0) throw new Error(`the program under mocks failed:\n${child.stderr.slice(-3000)}`);
    return JSON.parse(fs.readFileSync(dump, "utf8"));
  } finally {
    fs.rmSync(path.dirname(dump), { recursive: true, force: true });
  }
}
