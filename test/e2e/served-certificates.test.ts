// 000-INF-07 / 001-SEC-03 are judged from the certificate a server really presents: a real PostgreSQL
// (the Patroni node image) serving a 20-day certificate fails "≥ 30 days", one checked against a CA that did
// not sign it fails "valid", and the right CA with a long certificate passes. Own prefix, port and labels.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { docker, eventually, run } from "../support/cli";
import { postgresCertificate } from "../../policies/live/certificates";
import { certificateJudges } from "../../policies/live/judges";

const NAME = "dpg-hl-certs";
const PORT = 65510;

function openssl(dir: string, args: string[]): void {
  run("openssl", args, { cwd: dir });
}

describe("served certificates are read by a TLS handshake", { timeout: 5 * 60_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dpg-hl-certs-"));
  let image = "";

  before(() => {
    image = docker(["images", "dpg/patroni", "--format", "{{.Repository}}:{{.Tag}}"]).stdout.split("\n").filter(Boolean)[0] ?? "";
    assert.ok(image, "the Patroni node image (dpg/patroni) is built by pulumi up of any stack first");
    openssl(dir, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "100", "-subj", "/CN=dpg-hl test CA"]);
    openssl(dir, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "other.key", "-out", "other.crt", "-days", "100", "-subj", "/CN=dpg-hl other CA"]);
    openssl(dir, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=dpg-hl-certs"]);
    openssl(dir, ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "20"]);
    // The server reads them as the postgres user of the image, then keeps a 0600 copy of the key.
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, "server.key"), 0o644);
    const boot = "export PATH=/usr/lib/postgresql/17/bin:$PATH; cp /certs/server.* /tmp/ && chmod 600 /tmp/server.key && initdb -D /tmp/d -U postgres >/dev/null && exec postgres -D /tmp/d -k /tmp -c listen_addresses='*' -c ssl=on -c ssl_cert_file=/tmp/server.crt -c ssl_key_file=/tmp/server.key";
    docker(["rm", "-f", NAME], { allowFail: true });
    docker(["run", "-d", "--name", NAME, "--label", `dpg.stack=${NAME}`, "-u", "postgres", "-p", `127.0.0.1:${PORT}:5432`, "-v", `${dir}:/certs:ro`, "--entrypoint", "sh", image, "-c", boot]);
  });

  after(() => {
    docker(["rm", "-f", NAME], { allowFail: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("fails ≥ 30 days on a 20-day certificate and 'valid' against a CA that did not sign it", async () => {
    const ca = fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
    const served = await eventually("PostgreSQL to answer TLS", async () => {
      const c = await postgresCertificate("PostgreSQL", { host: "127.0.0.1", port: PORT }, ca);
      return c.notAfter ? c : undefined;
    }, 60_000);
    assert.equal(served.verified, true, served.error);
    const now = new Date().toISOString();
    const expiry = certificateJudges["000-INF-07"]({ now, certificates: [served] });
    assert.equal(expiry.status, "fail", expiry.evidence);
    assert.match(expiry.evidence, /PostgreSQL 127\.0\.0\.1:65510 (19|20) d/);
    assert.equal(certificateJudges["001-SEC-03"]({ now, certificates: [served] }).status, "pass", "issued by the CA, within its validity");
    const wrongCa = await postgresCertificate("PostgreSQL", { host: "127.0.0.1", port: PORT }, fs.readFileSync(path.join(dir, "other.crt"), "utf8"));
    const valid = certificateJudges["001-SEC-03"]({ now, certificates: [wrongCa] });
    assert.equal(valid.status, "fail", valid.evidence);
    assert.match(valid.evidence, /not verified against the cluster CA/);
  });
});
