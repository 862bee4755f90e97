#!/usr/bin/env python3
"""The policy from AWS AppConfig, end to end on this machine: a scripted fake
AppConfig agent on 127.0.0.1 (ephemeral port) serves policy versions to the
release Lambda binary, which runs against a local Lambda Runtime API
(bench/lambda-local's), with PRETOKEN_POLICY_REFRESH_SECONDS=0 so that every
invocation re-fetches. Prints one line per check and
"appconfig: N passed, M failed".
"""

import http.server
import importlib.machinery
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "pretoken-lambda"
PATH = "/applications/pretoken/environments/test/configurations/policy"
TIMEOUT_MS = 300
lambda_local = importlib.machinery.SourceFileLoader("lambda_local", str(ROOT / "bench" / "lambda-local")).load_module()

EVENT = (ROOT / "events" / "v2-authentication.json").read_bytes()
SECRETS = ["jane.doe@example.com", "+12065551212", "Jane Doe", "tenant-42", "engineering"]


class Agent:
    """The fake agent: answers GET PATH with what `mode` says."""

    def __init__(self, port=0):
        self.mode = ("ok", "1", b"{}")  # ("ok", version, body) | ("status", code) | ("slow", seconds)
        self.requests = 0
        agent = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                agent.requests += 1
                mode = agent.mode
                if self.path != PATH:
                    self.send_response(404)
                    self.end_headers()
                    return
                if mode[0] == "slow":
                    time.sleep(mode[1])
                    mode = ("ok", "slow", b"{}")
                if mode[0] == "status":
                    body = b"error"
                    self.send_response(mode[1])
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                _, version, body = mode
                self.send_response(200)
                self.send_header("Configuration-Version", version)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                # A "slow" answer outlives the function's fetch timeout: the
                # function has hung up, as the check wants. Anything else is shown.
                if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Function:
    """The release binary under a local Runtime API, its log in a file."""

    def __init__(self, port, **extra):
        self.api = lambda_local.RuntimeApi()
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{self.api.port}",
                   AWS_LAMBDA_FUNCTION_NAME="appconfig-check", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
                   AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128", AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/x",
                   AWS_LAMBDA_LOG_STREAM_NAME="x", AWS_REGION="us-east-1", AWS_LAMBDA_LOG_LEVEL="debug",
                   PRETOKEN_POLICY_APPCONFIG=PATH, AWS_APPCONFIG_EXTENSION_HTTP_PORT=str(port),
                   PRETOKEN_POLICY_REFRESH_SECONDS="0", PRETOKEN_POLICY_FETCH_TIMEOUT_MS=str(TIMEOUT_MS),
                   PRETOKEN_LAMBDA_VERSION="V2_0", **extra)
        for k in ("PRETOKEN_POLICY", "PRETOKEN_POLICY_FILE"):
            env.pop(k, None)
        self.proc = subprocess.Popen([str(BINARY)], env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def invoke(self, event=EVENT):
        started = time.perf_counter()
        self.api.pending.put(event)
        kind, _, body, _ = self.api.results.get(timeout=30)
        return kind, json.loads(body), time.perf_counter() - started

    def text(self):
        self.log.flush()
        return Path(self.log.name).read_text()

    def close(self):
        self.api.close()
        self.proc.kill()
        self.proc.wait()


passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    print(f"appconfig: {'ok ' if ok else 'FAILED'} {name}{'' if ok else ': ' + str(detail)[:300]}", flush=True)
    if ok:
        passed += 1
    else:
        failed += 1


def suppressed(answer):
    return answer["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToSuppress"]


def main():
    subprocess.run(["cargo", "build", "--locked", "--release", "-p", "pretoken-lambda"], cwd=ROOT, check=True)
    agent = Agent()
    fn = Function(agent.port)
    try:
        agent.mode = ("ok", "1", b'{"suppress": [{"claims": ["email"]}]}')
        kind, r, _ = fn.invoke()
        check("version 1 served and applied", kind == "ok" and suppressed(r) == ["email"], r)
        agent.mode = ("ok", "2", b'{"suppress": [{"claims": ["name"]}]}')
        kind, r, _ = fn.invoke()
        check("version 2 picked up at the next refresh", kind == "ok" and suppressed(r) == ["name"], r)
        agent.mode = ("ok", "3", b'{"claims": [{"claim": "sub", "value": 1}]}')
        kind, r, _ = fn.invoke()
        check("an invalid version 3 is refused; version 2 stays in force", kind == "ok" and suppressed(r) == ["name"], r)
        log = fn.text()
        check("version 3's problem is logged with its path", "claims[0].claim: `sub` is reserved" in log, log[-500:])
        metric = [json.loads(l) for l in log.splitlines() if l.startswith('{"_aws"')]
        check("a PolicyRejected metric line (embedded metric format, the function as its dimension)",
              len(metric) == 1 and metric[0]["PolicyRejected"] == 1 and metric[0]["FunctionName"] == "appconfig-check"
              and metric[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "pretoken", metric)
        for code in (400, 404, 500, 502, 504):
            agent.mode = ("status", code)
            kind, r, _ = fn.invoke()
            check(f"agent status {code}: the policy in force keeps serving", kind == "ok" and suppressed(r) == ["name"], r)
        check("a failed refresh is logged once per failure streak", fn.text().count("AppConfig refresh failed") == 1, fn.text()[-400:])
        agent.mode = ("slow", 2)
        kind, r, elapsed = fn.invoke()
        check(f"a slow agent is bounded by the fetch timeout ({TIMEOUT_MS} ms): answered in {elapsed * 1000:.0f} ms",
              kind == "ok" and suppressed(r) == ["name"] and elapsed < TIMEOUT_MS / 1000 + 0.4, elapsed)
        routing = {"pools": {"us-east-1_EXAMPLE": {"clients": {"1example23456789": {"suppress": [{"claims": ["phone_number"]}]}}}}}
        agent.mode = ("ok", "4", json.dumps(routing).encode())
        kind, r, _ = fn.invoke()
        check("a routing document chooses the client's policy", kind == "ok" and suppressed(r) == ["phone_number"], r)
        other = json.loads(EVENT)
        other["userPoolId"] = "eu-west-1_OTHER"
        kind, r, _ = fn.invoke(json.dumps(other).encode())
        check("a routing document without a route for the event fails closed",
              kind == "error" and r.get("errorType") == "NoMatchingPolicy", r)
        log = fn.text()
        check("the log names the policy version in force", 'policy_version="4"' in log or '"policy_version":"4"' in log, log[-400:])
        leaked = [s for s in SECRETS if s in log]
        check("no personal value in the log", not leaked, leaked)
    finally:
        fn.close()
        agent.close()

    # The agent is down at cold start: a user-safe failure, then recovery.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    fn = Function(port)
    try:
        kind, r, _ = fn.invoke()
        check("agent down at cold start: the invocation fails with a user-safe message",
              kind == "error" and r == {"errorType": "PolicyUnavailable",
                                        "errorMessage": "the token policy could not be loaded; sign-in is blocked until it can be"}, r)
        agent = Agent(port)
        agent.mode = ("ok", "7", b'{"suppress": [{"claims": ["email"]}]}')
        kind, r, _ = fn.invoke()
        check("the agent comes back: the next invocation recovers", kind == "ok" and suppressed(r) == ["email"], r)
        agent.close()
    finally:
        fn.close()
    # Metrics: denials are answers, not failures; staleness is visible.
    agent = Agent()
    fn = Function(agent.port, PRETOKEN_POLICY_MAX_STALE_SECONDS="1")
    try:
        def metric_lines(name):
            return [json.loads(l) for l in fn.text().splitlines() if l.startswith('{"_aws"') and f'"{name}"' in l]
        agent.mode = ("ok", "20", b'{"deny": [{"message": "Sign-in is closed today."}]}')
        kinds = [fn.invoke()[1].get("errorType") for _ in range(100)]
        check("100 denials in a row: each SignInDenied, no Failures metric",
              kinds == ["SignInDenied"] * 100 and metric_lines("Failures") == [], (kinds[:3], metric_lines("Failures")[:2]))
        kind, r, _ = fn.invoke(b'{"version": "2", "request": []}')
        failures = metric_lines("Failures")
        check("a malformed event: one Failures line, errorType a property, the function its only dimension",
              kind == "error" and len(failures) == 1 and failures[0]["errorType"] == r.get("errorType") == "InvalidEvent"
              and failures[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["FunctionName"]], (r, failures))
        agent.mode = ("ok", "21", b'{"suppress": [{"claims": ["email"]}]}')
        kind, r, _ = fn.invoke()
        check("version 21 in force", kind == "ok" and suppressed(r) == ["email"], r)
        agent.mode = ("status", 500)
        fn.invoke()
        check("a failed refresh within PRETOKEN_POLICY_MAX_STALE_SECONDS: not stale", metric_lines("PolicyStale") == [])
        time.sleep(1.2)
        answers = [fn.invoke() for _ in range(3)]
        check("past it: the last good version keeps serving",
              all(k == "ok" and suppressed(a) == ["email"] for k, a, _ in answers), answers[:1])
        check("a PolicyStale line on every stale invocation", len(metric_lines("PolicyStale")) == 3, metric_lines("PolicyStale"))
        check("one ERROR per stale period", fn.text().count("AppConfig policy is stale") == 1, fn.text()[-400:])
    finally:
        fn.close()
        agent.close()
    print(f"appconfig: {passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
