#!/usr/bin/python3
# Minimal Alertmanager webhook receiver: records every notification it gets (JSON, one per
# line) in a file and serves what it recorded, so tests and operators can see alerts arrive
# without any outside service.
#   POST /<anything>  -> append the JSON body, answer 200
#   GET  /alerts      -> JSON array of the recorded notifications (newest last)
#   GET  /healthz     -> 200 "ok"
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LISTEN = os.environ.get("WEBHOOK_LISTEN", "0.0.0.0:9099")
STORE = os.environ.get("WEBHOOK_STORE", "/var/lib/dpg-monitoring/webhook/alerts.jsonl")
# Bounds what a chatty Alertmanager can make us keep in memory and on disk.
MAX_KEPT = int(os.environ.get("WEBHOOK_MAX_KEPT", "1000"))
MAX_BODY = 1024 * 1024

lock = threading.Lock()
kept = []
if os.path.exists(STORE):
    with open(STORE, encoding="utf-8") as f:
        kept = [json.loads(line) for line in f if line.strip()][-MAX_KEPT:]


class Handler(BaseHTTPRequestHandler):
    def _send(self, code, body, ctype="application/json"):
        data = body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - http.server naming
        if self.path == "/healthz":
            self._send(200, "ok\n", "text/plain")
        elif self.path.split("?")[0] == "/alerts":
            with lock:
                self._send(200, json.dumps(kept))
        else:
            self._send(404, '{"error":"not found"}')

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            self._send(400, '{"error":"body missing or too large"}')
            return
        try:
            payload = json.loads(self.rfile.read(length))
        except ValueError:
            self._send(400, '{"error":"body is not JSON"}')
            return
        with lock:
            kept.append(payload)
            del kept[:-MAX_KEPT]
            with open(STORE, "a", encoding="utf-8") as f:
                f.write(json.dumps(payload) + "\n")
        names = sorted({a.get("labels", {}).get("alertname", "?") for a in payload.get("alerts", [])})
        print(f"received {payload.get('status')} notification: {', '.join(names)}", flush=True)
        self._send(200, '{"status":"ok"}')

    def log_message(self, fmt, *args):  # quiet access log; notifications are logged above
        pass


if __name__ == "__main__":
    host, port = LISTEN.rsplit(":", 1)
    os.makedirs(os.path.dirname(STORE), exist_ok=True)
    print(f"alert-webhook listening on {LISTEN}, recording to {STORE}", flush=True)
    try:
        ThreadingHTTPServer((host, int(port)), Handler).serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)
