// Runs the real program or a component under Pulumi's mocks and records every resource.
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
