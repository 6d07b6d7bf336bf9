// Pure renderer of haproxy.cfg: writes go to the Patroni leader, reads to healthy replicas,
// both decided by Patroni's REST health endpoints rather than by HAProxy guessing.
export const HAPROXY_CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg";
/** The cluster CA, to verify Patroni's REST API when it serves TLS. */
export const HAPROXY_CA_PATH = "/usr/local/etc/haproxy/ca.crt";
/** Ports inside the container; the host ports are published from stack settings. */
export const HAPROXY_PORTS = { write: 5000, read: 5001, stats: 7000 } as const;

export interface HaproxyBackendNode {
  /** Hostname on the cluster network. */
  host: string;
  postgresPort: number;
  restPort: number;
}

export interface HaproxyRenderInput {
  nodes: HaproxyBackendNode[];
  checkInterMs: number;
  fall: number;
  rise: number;
  /** Patroni's REST API serves TLS: health checks use it, verified against HAPROXY_CA_PATH. */
  restTls: boolean;
}

function serverLines(input: HaproxyRenderInput): string[] {
  const tls = input.restTls ? ` check-ssl verify required ca-file ${HAPROXY_CA_PATH}` : "";
  return input.nodes.map((n) => `    server ${n.host} ${n.host}:${n.postgresPort} check port ${n.restPort}${tls}`);
}

function backend(name: string, restPath: string, balance: string, input: HaproxyRenderInput): string[] {
  return [
    `listen ${name}`,
    `    bind *:${name === "primary" ? HAPROXY_PORTS.write : HAPROXY_PORTS.read}`,
    `    balance ${balance}`,
    `    option httpchk GET ${restPath}`,
    "    http-check expect status 200",
    // Servers are re-resolved through Docker's DNS, so a node that is down at start or gets a new
    // address later does not stop HAProxy (baseline gotcha 4); sessions to a node marked down
    // are cut so clients reconnect to the new leader instead of hanging (gotcha 5).
    `    default-server inter ${input.checkInterMs}ms fastinter ${Math.max(200, Math.floor(input.checkInterMs / 2))}ms fall ${input.fall} rise ${input.rise} on-marked-down shutdown-sessions resolvers docker init-addr none`,
    ...serverLines(input),
    "",
  ];
}

export function renderHaproxyConfig(input: HaproxyRenderInput): string {
  if (input.nodes.length === 0) throw new Error("HAProxy needs at least one PostgreSQL node");
  return [
    "global",
    "    maxconn 4096",
    "    log stdout format raw local0 info",
    "",
    "resolvers docker",
    "    nameserver dns 127.0.0.11:53",
    "    resolve_retries 3",
    "    timeout resolve 1s",
    "    timeout retry 1s",
    "    hold valid 5s",
    "    hold nx 5s",
    "    hold obsolete 5s",
    "",
    "defaults",
    "    mode tcp",
    "    log global",
    "    retries 2",
    "    timeout connect 4s",
    "    timeout client 30m",
    "    timeout server 30m",
    "    timeout check 3s",
    "",
    "frontend stats",
    "    mode http",
    `    bind *:${HAPROXY_PORTS.stats}`,
    "    http-request use-service prometheus-exporter if { path /metrics }",
    "    stats enable",
    "    stats uri /",
    "    stats refresh 10s",
    "",
    ...backend("primary", "/primary", "first", input),
    ...backend("replicas", "/replica", "roundrobin", input),
  ].join("\n");
}
