// Rendered configs checked by the real tools, in the very images the program deploys.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { renderEtcdConfig } from "../../components/etcd/render";
import { docker, eventually, run } from "../support/cli";
import { rendered } from "../support/fixtures";
import { ensureImage } from "../support/images";

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "dpg-tools-"));

/** A throwaway self-signed certificate laid out like the uploaded TLS files (ca.crt, server.crt/key). */
function selfSignedTlsDir(dir: string): string {
  const tlsDir = path.join(dir, "tls");
  fs.mkdirSync(tlsDir, { recursive: true });
  run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
    "-keyout", path.join(tlsDir, "server.key"), "-out", path.join(tlsDir, "server.crt")]);
  fs.copyFileSync(path.join(tlsDir, "server.crt"), path.join(tlsDir, "ca.crt"));
  fs.chmodSync(tlsDir, 0o755);
  for (const f of fs.readdirSync(tlsDir)) fs.chmodSync(path.join(tlsDir, f), 0o644);
  return tlsDir;
}
function file(name: string, content: string): string {
  const p = path.join(workDir, name);
  fs.writeFileSync(p, content);
  fs.chmodSync(p, 0o644);
  return p;
}

describe("rendered configs pass the real tools", { timeout: 20 * 60_000 }, () => {
  after(() => fs.rmSync(workDir, { recursive: true, force: true }));

  it("haproxy -c accepts haproxy.cfg and rejects a broken one", () => {
    const image = ensureImage("haproxy");
    const good = file("haproxy.cfg", rendered["haproxy/haproxy.cfg"]());
    const ca = `${path.join(selfSignedTlsDir(workDir), "ca.crt")}:/usr/local/etc/haproxy/ca.crt:ro`;
    const ok = docker(["run", "--rm", "--network", "none", "-v", `${good}:/tmp/haproxy.cfg:ro`, "-v", ca, image, "haproxy", "-c", "-f", "/tmp/haproxy.cfg"], { allowFail: true });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const bad = file("broken.cfg", rendered["haproxy/haproxy.cfg"]().replace("balance first", "balance nonsense"));
    const ko = docker(["run", "--rm", "--network", "none", "-v", `${bad}:/tmp/haproxy.cfg:ro`, "-v", ca, image, "haproxy", "-c", "-f", "/tmp/haproxy.cfg"], { allowFail: true });
    assert.notEqual(ko.status, 0, "haproxy -c should refuse an unknown balance algorithm");
  });

  it("patroni --validate-config accepts patroni.yml and rejects a broken one", () => {
    const image = ensureImage("patroni");
    // The validator resolves and connects to every etcd host it is given: point the names at a
    // throwaway listener on 2379 inside the validating container.
    const hosts = ["dpg-golden-pg-1", "dpg-golden-etcd-1", "dpg-golden-etcd-2", "dpg-golden-etcd-3"].flatMap((h) => ["--add-host", `${h}:127.0.0.1`]);
    const validate = "python3 -m http.server 2379 --bind 127.0.0.1 >/dev/null 2>&1 & sleep 1; patroni --validate-config /tmp/patroni.yml";
    const good = file("patroni.yml", rendered["patroni/patroni-pg-1.yml"]());
    const ok = docker(["run", "--rm", ...hosts, "-v", `${good}:/tmp/patroni.yml:ro`, "--entrypoint", "sh", image, "-c", validate], { allowFail: true });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const bad = file("patroni-bad.yml", rendered["patroni/patroni-pg-1.yml"]().replace(/listen: 0\.0\.0\.0:5432/, "listen: nowhere"));
    const ko = docker(["run", "--rm", ...hosts, "-v", `${bad}:/tmp/patroni.yml:ro`, "--entrypoint", "sh", image, "-c", validate], { allowFail: true });
    assert.notEqual(ko.status, 0, "patroni should refuse a listen address without a port");
  });

  it("etcd starts from the rendered config and reports healthy", async () => {
    const image = ensureImage("etcd");
    const name = `dpg-tools-etcd-${process.pid}`;
    const cfg = file("etcd.yml", renderEtcdConfig({ name, founders: [name], clusterToken: "dpg-tools", tls: false }));
    docker(["run", "-d", "--rm", "--name", name, "--hostname", name, "--network", "none", "-v", `${cfg}:/etc/etcd/etcd.yml:ro`, image]);
    try {
      await eventually("etcd to answer", () => {
        const r = docker(["exec", name, "etcdctl", "--endpoints=http://127.0.0.1:2379", "endpoint", "health"], { allowFail: true });
        return r.status === 0 ? true : undefined;
      }, 30_000);
    } finally {
      docker(["rm", "-f", name], { allowFail: true });
    }
  });
});

describe("pgbouncer starts from the rendered config", { timeout: 10 * 60_000 }, () => {
  it("serves with the rendered pgbouncer.ini and refuses a broken one", async () => {
    const image = ensureImage("patroni");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dpg-pgb-"));
    try {
      fs.writeFileSync(path.join(dir, "pgbouncer.ini"), rendered["pgbouncer/pgbouncer.ini"]());
      fs.writeFileSync(path.join(dir, "userlist.txt"), rendered["pgbouncer/userlist.txt"]());
      fs.writeFileSync(path.join(dir, "broken.ini"), rendered["pgbouncer/pgbouncer.ini"]().replace("pool_mode = transaction", "pool_mode = sometimes"));
      // The rendered config turns TLS on: give it a certificate where the entrypoint expects uploads.
      const tlsDir = selfSignedTlsDir(dir);
      fs.chmodSync(dir, 0o755);
      for (const f of fs.readdirSync(dir)) if (fs.statSync(path.join(dir, f)).isFile()) fs.chmodSync(path.join(dir, f), 0o644);
      const name = `dpg-tools-pgb-${process.pid}`;
      docker(["run", "-d", "--rm", "--name", name, "--network", "none", "-v", `${dir}:/etc/pgbouncer:ro`, "-v", `${tlsDir}:/etc/dpg-tls:ro`, image, "pgbouncer", "/etc/pgbouncer/pgbouncer.ini"]);
      try {
        await eventually("pgbouncer to listen on 6432", () => {
          const r = docker(["exec", name, "pg_isready", "-h", "127.0.0.1", "-p", "6432"], { allowFail: true });
          // pg_isready answers 0 (accepting) or 1 (rejecting: no server behind it yet); 2 means nothing listens.
          return r.status === 0 || r.status === 1 ? true : undefined;
        }, 30_000);
      } finally {
        docker(["rm", "-f", name], { allowFail: true });
      }
      const broken = docker(["run", "--rm", "--network", "none", "-v", `${dir}:/etc/pgbouncer:ro`, image, "pgbouncer", "/etc/pgbouncer/broken.ini"], { allowFail: true, timeoutMs: 30_000 });
      assert.notEqual(broken.status, 0, "pgbouncer should refuse an unknown pool_mode");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
