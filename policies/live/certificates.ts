// The certificates the running cluster serves (000-INF-07, 001-SEC-03), read by a TLS handshake with each
// endpoint, not from the configured day counts: PostgreSQL behind the write port and PgBouncer from this
// machine (as a client connects), Patroni REST and etcd from inside a node on the internal network.
import * as net from "net";
import * as tls from "tls";
import { ETCD_CLIENT_PORT } from "../../components/etcd/render";
import { PATRONI_REST_PORT, TLS_FILES } from "../../components/patroni/render";
import { CertificateFacts, ServedCertificate } from "./judges";
import { docker, memberExec } from "./sources";
import { Endpoint, LiveTarget } from "./target";

/** PostgreSQL's SSLRequest: length 8, code 80877103; the server answers "S" and the TLS handshake follows. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]);
const HANDSHAKE_MS = 10_000;

const isoOf = (openssl: string) => new Date(openssl).toISOString();

/** TLS handshake with a PostgreSQL-protocol endpoint (PostgreSQL, PgBouncer); the chain is checked against `ca`. */
export function postgresCertificate(what: string, at: Endpoint, ca: string): Promise<ServedCertificate> {
    const endpoint = `${what} ${at.host}:${at.port}`;
    return new Promise((resolve) => {
        const done = (c: ServedCertificate) => {
            clearTimeout(timer);
            raw.destroy();
            resolve(c);
        };
        const timer = setTimeout(() => done({ endpoint, verified: false, error: `no TLS handshake within ${HANDSHAKE_MS / 1000} s` }), HANDSHAKE_MS);
        const raw = net.connect(at.port, at.host, () => raw.write(SSL_REQUEST));
        raw.on("error", (e) => done({ endpoint, verified: false, error: e.message }));
        raw.once("data", (b) => {
            if (b.toString("latin1", 0, 1) !== "S") return done({ endpoint, verified: false, error: "the server refused TLS (answered N to SSLRequest)" });
            // The chain is what counts here; host names are checked by clients with verify-full.
            const s = tls.connect({ socket: raw, ca, rejectUnauthorized: false, checkServerIdentity: () => undefined });
            s.on("error", (e) => done({ endpoint, verified: false, error: e.message }));
            s.on("secureConnect", () => {
                const c = s.getPeerCertificate();
                s.destroy();
                done({
                    endpoint,
                    subject: c.subject?.CN,
                    issuer: c.issuer?.CN,
                    notBefore: c.valid_from ? isoOf(c.valid_from) : undefined,
                    notAfter: c.valid_to ? isoOf(c.valid_to) : undefined,
                    verified: s.authorized,
                    error: s.authorized ? undefined : String(s.authorizationError),
                });
            });
        });
    });
}

/** Handshakes from inside a node (python3 ssl, verified against the cluster CA, client certificate for etcd). */
const PROBE = `
import datetime, json, socket, ssl, sys
out = []
for host, port, client in json.loads(sys.argv[1]):
    ep = "%s:%s" % (host, port)
    try:
        ctx = ssl.create_default_context(cafile=sys.argv[2])
        ctx.check_hostname = False
        if client:
            ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        with socket.create_connection((host, port), 5) as raw:
            with ctx.wrap_socket(raw) as s:
                c = s.getpeercert()
        iso = lambda v: datetime.datetime.fromtimestamp(ssl.cert_time_to_seconds(v), datetime.timezone.utc).isoformat()
        cn = lambda name: dict(x[0] for x in name).get("commonName")
        out.append({"endpoint": ep, "subject": cn(c["subject"]), "issuer": cn(c["issuer"]), "notBefore": iso(c["notBefore"]), "notAfter": iso(c["notAfter"]), "verified": True})
    except Exception as e:
        out.append({"endpoint": ep, "verified": False, "error": str(e)[:200]})
print(json.dumps(out))
`;

function internalCertificates(t: LiveTarget, node: string): ServedCertificate[] {
    const targets = [
        ...t.patroniNodes.map((n) => [n, PATRONI_REST_PORT, false]),
        ...t.etcdMembers.map((m) => [m, ETCD_CLIENT_PORT, true]),
    ];
    const r = docker(memberExec(t, node, ["-u", "postgres"], ["python3", "-c", PROBE, JSON.stringify(targets), TLS_FILES.ca, TLS_FILES.cert, TLS_FILES.key]), 60_000);
    if (r.status !== 0) throw new Error(`TLS probe in ${node} failed: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
    const patroni = new Set(t.patroniNodes);
    return (JSON.parse(r.stdout) as ServedCertificate[]).map((c) => ({ ...c, endpoint: `${patroni.has(c.endpoint.split(":")[0]) ? "Patroni REST" : "etcd"} ${c.endpoint}` }));
}

export async function gatherCertificates(t: LiveTarget, node: string): Promise<CertificateFacts> {
    if (!t.caCertPem) return { now: new Date().toISOString(), certificates: [] };
    const certificates = [
        await postgresCertificate("PostgreSQL via the write port", t.write, t.caCertPem),
        ...(t.pooler ? [await postgresCertificate("PgBouncer", t.pooler, t.caCertPem)] : []),
        ...internalCertificates(t, node),
    ];
    return { now: new Date().toISOString(), certificates };
}
