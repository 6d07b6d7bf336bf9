// ClusterTls: an internal CA created at deploy time and the certificates it signs.
// Private keys exist only as Pulumi secrets (encrypted in the state) and as files uploaded into
// the containers that use them; the CA certificate is exported so clients can verify-full.
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadFile } from "../target/workload";
import type { TlsSettings } from "./settings";
import * as tls from "@pulumi/tls";

export interface CertificateRequest {
  /** Subject common name, also the key of the issued certificate in `certificates`. */
  name: string;
  dnsNames: string[];
  ipAddresses?: string[];
  /** Also usable as a TLS client certificate (mutual TLS to etcd, say). Default true. */
  clientAuth?: boolean;
}

export interface IssuedCertificate {
  certPem: pulumi.Output<string>;
  /** PEM private key: a secret. */
  keyPem: pulumi.Output<string>;
}

export interface ClusterTlsArgs {
  /** Organisation in every subject, e.g. the stack's name prefix. */
  organization: string;
  certificates: CertificateRequest[];
  /** dpg-cluster:tls.* (lifetimes and the re-issue window), parsed. */
  settings: Pick<TlsSettings, "certValidityDays" | "caValidityDays" | "minDaysLeft">;
}

/** Where a container expects its TLS files. */
export interface TlsFilePaths {
  ca: string;
  cert: string;
  key: string;
}

/** What a component needs to serve TLS: the CA and the certificates issued by name. */
export interface TlsMaterial {
  caCertPem: pulumi.Input<string>;
  certificates: Record<string, { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> }>;
}

/**
 * The uploads that put the CA, the certificate issued for `name` and its key where a container
 * expects them; empty when TLS is off. The key is secret, so callers keep the uploads in pulumi.secret.
 */
export function tlsUploadsFor(paths: TlsFilePaths, material: TlsMaterial | undefined, name: string): pulumi.Output<{ file: string; content: string }[]> {
  if (!material) return pulumi.output([]);
  const issued = material.certificates[name];
  if (!issued) throw new Error(`no TLS certificate was issued for ${name}`);
  return pulumi.all([material.caCertPem, issued.certPem, issued.keyPem]).apply(([ca, cert, key]) => [
    { file: paths.ca, content: ca },
    { file: paths.cert, content: cert },
    { file: paths.key, content: key },
  ]);
}

/** The CA, certificate and key files of a member, as workload files (the key is a secret); none without TLS. */
export function tlsFilesFor(paths: TlsFilePaths, material: TlsMaterial | undefined): (name: string) => WorkloadFile[] {
  return (name) => {
    if (!material) return [];
    const issued = material.certificates[name];
    if (!issued) throw new Error(`no TLS certificate was issued for ${name}`);
    return [
      { path: paths.ca, content: material.caCertPem },
      { path: paths.cert, content: issued.certPem },
      { path: paths.key, content: issued.keyPem, secret: true },
    ];
  };
}

/** What the readiness pack sees of this component. */
export interface ClusterTlsSpec {
  certValidityDays: number;
  minDaysLeft: number;
  keyAlgorithm: string;
}

const KEY = { algorithm: "ECDSA", ecdsaCurve: "P256" } as const;

export class ClusterTls extends pulumi.ComponentResource {
  static readonly __pulumiType = "dpg:tls:ClusterTls";

  readonly caCertPem: pulumi.Output<string>;
  readonly certificates: Record<string, IssuedCertificate>;
  /** Certificate name (and "ca") → expiry, RFC 3339: monitored by CertificateExpiringSoon. */
  readonly expiries: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: ClusterTlsArgs, opts?: pulumi.ComponentResourceOptions) {
    const { certValidityDays, caValidityDays, minDaysLeft } = args.settings;
    const spec: ClusterTlsSpec = { certValidityDays, minDaysLeft, keyAlgorithm: `${KEY.algorithm}-${KEY.ecdsaCurve}` };
    super(ClusterTls.__pulumiType, name, spec, opts);

    const caKey = new tls.PrivateKey(`${name}-ca-key`, { ...KEY }, { parent: this });
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        subject: { commonName: `${args.organization} internal CA`, organization: args.organization },
        validityPeriodHours: caValidityDays * 24,
        isCaCertificate: true,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      },
      { parent: this },
    );

    this.certificates = {};
    this.expiries = { ca: ca.validityEndTime };
    for (const request of args.certificates) {
      const key = new tls.PrivateKey(`${name}-${request.name}-key`, { ...KEY }, { parent: this });
      const csr = new tls.CertRequest(
        `${name}-${request.name}-csr`,
        {
          privateKeyPem: key.privateKeyPem,
          subject: { commonName: request.name, organization: args.organization },
          dnsNames: request.dnsNames,
          ipAddresses: request.ipAddresses ?? [],
        },
        { parent: this },
      );
      const cert = new tls.LocallySignedCert(
        `${name}-${request.name}-cert`,
        {
          certRequestPem: csr.certRequestPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          caCertPem: ca.certPem,
          validityPeriodHours: certValidityDays * 24,
          // Inside this window `pulumi up` replaces the certificate: none runs with < minDaysLeft.
          earlyRenewalHours: minDaysLeft * 24,
          allowedUses: ["digital_signature", "key_encipherment", "server_auth", ...(request.clientAuth === false ? [] : ["client_auth"])],
        },
        { parent: this },
      );
      this.certificates[request.name] = { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
      this.expiries[request.name] = cert.validityEndTime;
    }
    this.caCertPem = ca.certPem;
    this.registerOutputs({ caCertPem: this.caCertPem });
  }
}
