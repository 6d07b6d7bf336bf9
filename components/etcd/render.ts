// Pure renderer of one etcd member's configuration file (etcd --config-file).
import { parse, stringify } from "yaml";
import { TLS_UPLOAD_FILES } from "../tls/paths";

export interface EtcdMemberRenderInput {
  /** This member's name, also its hostname on the cluster network. */
  name: string;
  /**
   * The members that found the cluster on a first up (etcdFounders). A founder starts with them as its
   * initial cluster, state "new"; any other member joins the running cluster (the image's dpg-etcd-start
   * adds it and takes the membership of the moment). So a member's config names only the founders and
   * itself: scaling etcd leaves the configs of the members that stay, and so those members, untouched.
   */
  founders: string[];
  /** Shared by all members so two clusters never merge by accident. */
  clusterToken: string;
  /** Mutual TLS for peers and clients: only holders of a certificate from the cluster CA get in. */
  tls: boolean;
}

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
export const ETCD_DATA_DIR = "/var/lib/etcd/data";
export const ETCD_CONFIG_PATH = "/etc/etcd/etcd.yml";
/** The image's etcd user (ARG ETCD_UID of image/Dockerfile): Swarm secrets are owned by id. */
export const ETCD_UID = 998;
/** Plain-HTTP port that serves only /metrics and /health, for Prometheus and health checks. */
export const ETCD_METRICS_PORT = 2381;
export const ETCD_TLS_FILES = TLS_UPLOAD_FILES;

/** How many members found a cluster at most; the others join it one by one (etcd's runtime reconfiguration). */
export const ETCD_FOUNDERS = 3;

/** The founders among the member names: the first three (all of them when fewer). */
export function etcdFounders(memberNames: string[]): string[] {
  return memberNames.slice(0, ETCD_FOUNDERS);
}

export function renderEtcdConfig(input: EtcdMemberRenderInput): string {
  if (input.founders.length === 0) throw new Error("etcd: no founders to start a cluster with");
  const founder = input.founders.includes(input.name);
  const initialCluster = founder ? input.founders : [...input.founders, input.name];
  const scheme = input.tls ? "https" : "http";
  // Client certificates are required on both sides: this is etcd's authentication here.
  const security = { "cert-file": ETCD_TLS_FILES.cert, "key-file": ETCD_TLS_FILES.key, "trusted-ca-file": ETCD_TLS_FILES.ca, "client-cert-auth": true };
  const config = {
    name: input.name,
    "data-dir": ETCD_DATA_DIR,
    "listen-client-urls": `${scheme}://0.0.0.0:${ETCD_CLIENT_PORT}`,
    "advertise-client-urls": `${scheme}://${input.name}:${ETCD_CLIENT_PORT}`,
    "listen-peer-urls": `${scheme}://0.0.0.0:${ETCD_PEER_PORT}`,
    "initial-advertise-peer-urls": `${scheme}://${input.name}:${ETCD_PEER_PORT}`,
    "initial-cluster": initialCluster.map((m) => `${m}=${scheme}://${m}:${ETCD_PEER_PORT}`).join(","),
    "listen-metrics-urls": `http://0.0.0.0:${ETCD_METRICS_PORT}`,
    ...(input.tls ? { "client-transport-security": security, "peer-transport-security": security } : {}),
    "initial-cluster-token": input.clusterToken,
    "initial-cluster-state": founder ? "new" : "existing",
    // autobase's values: tolerate a busy 2-core host without spurious elections.
    "heartbeat-interval": 250,
    "election-timeout": 2500,
    // Patroni rewrites a few keys every loop; keep one hour of history (autobase, Patroni demo).
    "auto-compaction-mode": "periodic",
    "auto-compaction-retention": "1",
    "quota-backend-bytes": 2147483648,
    metrics: "basic",
    "log-level": "warn",
    "logger": "zap",
  };
  return stringify(config, { lineWidth: 0 });
}

/** What a rendered member config enforces: TLS per listener and certificate authentication of clients/peers. */
export interface EtcdSecurity {
  peerTls: boolean;
  clientTls: boolean;
  /** client-cert-auth on both listeners: only holders of a cluster-CA certificate get in (etcd's authentication here). */
  clientCertAuth: boolean;
}

/** Reads the security posture back from a config renderEtcdConfig produced (the readiness pack judges this). */
export function etcdSecurity(configYaml: string): EtcdSecurity {
  const c = parse(configYaml) ?? {};
  const tlsOn = (urlsKey: string, securityKey: string) =>
    String(c[urlsKey] ?? "").split(",").every((u) => u.startsWith("https://")) && Boolean(c[securityKey]?.["cert-file"] && c[securityKey]?.["key-file"]);
  return {
    peerTls: tlsOn("listen-peer-urls", "peer-transport-security"),
    clientTls: tlsOn("listen-client-urls", "client-transport-security"),
    clientCertAuth: c["client-transport-security"]?.["client-cert-auth"] === true && c["peer-transport-security"]?.["client-cert-auth"] === true,
  };
}
