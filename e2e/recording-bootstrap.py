#!/usr/bin/env python3
"""The `bootstrap` of the end-to-end zip: runs the real function behind a
recording Lambda Runtime API proxy.

The emulator starts `bootstrap` with AWS_LAMBDA_RUNTIME_API pointing at its
Runtime API. This script serves the same API on a loopback port of its own,
forwards every call to the emulator unchanged, and keeps a copy of each event
the function received and each answer it gave (in E2E_RECORD_DIR, numbered),
so the test can run `pretoken preview` and `pretoken invoke` on exactly the
event the function saw. The function itself (`function`, next to this
file in the zip) is the release build, untouched; its output goes to
E2E_RECORD_DIR/function.log. It dies with this process (PR_SET_PDEATHSIG).
"""

import ctypes
import http.server
import itertools
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

UPSTREAM = os.environ["AWS_LAMBDA_RUNTIME_API"]
RECORD = Path(os.environ["E2E_RECORD_DIR"])
HERE = Path(__file__).resolve().parent
FUNCTION = HERE / os.environ.get("E2E_FUNCTION_BINARY", "function")
COUNTER = itertools.count(1)
LOCK = threading.Lock()
CURRENT = {}  # request id -> sequence number


def record(name, body):
    tmp = RECORD / (name + ".tmp")
    tmp.write_bytes(body)
    tmp.rename(RECORD / name)


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def forward(self, method):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower().startswith("lambda-runtime") or k.lower() == "content-type"}
        req = urllib.request.Request(f"http://{UPSTREAM}{self.path}", data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req) as r:
                status, reply_headers, payload = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, reply_headers, payload = e.code, e.headers, e.read()
        path = self.path.split("?")[0]
        if method == "GET" and path.endswith("/runtime/invocation/next") and status == 200:
            request_id = reply_headers.get("Lambda-Runtime-Aws-Request-Id", "")
            with LOCK:
                n = next(COUNTER)
                CURRENT[request_id] = n
            record(f"{n:04d}-event.json", payload)
        elif method == "POST" and "/runtime/invocation/" in path and body is not None:
            request_id = path.split("/runtime/invocation/")[1].split("/")[0]
            with LOCK:
                n = CURRENT.pop(request_id, 0)
            kind = "response" if path.endswith("/response") else "error"
            record(f"{n:04d}-{kind}.json", body)
        self.send_response(status)
        for k, v in reply_headers.items():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                self.send_header(k, v)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self.forward("GET")

    def do_POST(self):
        self.forward("POST")

    def log_message(self, *args):
        pass


def die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def main():
    RECORD.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}")
    with open(RECORD / "function.log", "ab") as log:
        child = subprocess.Popen([str(FUNCTION)], env=env, stdout=log, stderr=log, preexec_fn=die_with_parent)
    signal.signal(signal.SIGTERM, lambda *_: (child.kill(), sys.exit(0)))
    sys.exit(child.wait())


if __name__ == "__main__":
    main()
