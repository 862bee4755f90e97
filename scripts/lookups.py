#!/usr/bin/env python3
"""Lookups against a real AWS-compatible server, end to end on this machine.

Starts moto in server mode on 127.0.0.1 (DynamoDB and Cognito user pools),
creates tables, items and users through boto3, then runs the release
binaries as a user deploys them:
  - `pretoken invoke` with real lookups (the SDK's environment:
    AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER);
  - the Lambda function (`pretoken-lambda`) under a local Runtime API
    (bench/lambda-local's), for the warm-environment cache.
Faults go through a small local proxy in front of moto that can delay,
throttle (ProvisionedThroughputExceededException), deny or fail. Prints one
line per check and "lookups: N passed, M failed"; writes the fault table to
target/lookups-faults.md.
"""

import http.client
import http.server
import importlib.machinery
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "target" / "release"
lambda_local = importlib.machinery.SourceFileLoader("lambda_local", str(ROOT / "bench" / "lambda-local")).load_module()

EVENT = json.loads((ROOT / "events" / "v2-authentication.json").read_text())
SUB = EVENT["request"]["userAttributes"]["sub"]
CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}
# Values that must never reach a log line or an error: keys and item values.
SECRETS = [SUB, "acme-corp", "Ada", "Lovelace", "tenant-one", "tenant-two", "jane.doe@example.com", "+12065551212"]
SLACK = 0.100  # "no case takes longer than the configured timeouts plus 100 ms"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Moto:
    """moto's server, in a process of its own."""

    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("moto did not start")

    def client(self, service):
        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def close(self):
        self.proc.kill()
        self.proc.wait()


class Proxy:
    """An HTTP proxy in front of moto: passes requests on, or delays them,
    or answers as DynamoDB does when it throttles, denies or fails. Counts
    the requests it sees."""

    ERRORS = {
        "throttle": (400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                     "The level of configured provisioned throughput for the table was exceeded."),
        "deny": (400, "com.amazon.coral.service#AccessDeniedException",
                 "User is not authorized to perform: dynamodb:GetItem"),
        "fail": (500, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error"),
    }

    def __init__(self, upstream_port):
        self.mode = ("pass",)
        self.requests = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                proxy.requests += 1
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                mode = proxy.mode
                if mode[0] == "delay":
                    time.sleep(mode[1])
                if mode[0] in Proxy.ERRORS:
                    status, kind, message = Proxy.ERRORS[mode[0]]
                    out = json.dumps({"__type": kind, "message": message}).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/x-amz-json-1.0")
                    self.send_header("x-amzn-RequestId", "proxy")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                    return
                conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request("POST", self.path, body, headers)
                r = conn.getresponse()
                out = r.read()
                try:
                    self.send_response(r.status)
                    for k, v in r.getheaders():
                        if k.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


passed = failed = 0
logs = []  # every log and error text the binaries wrote


def check(name, ok, detail=""):
    global passed, failed
    print(f"lookups: {'ok ' if ok else 'FAILED'} {name}{'' if ok else ': ' + str(detail)[:400]}", flush=True)
    if ok:
        passed += 1
    else:
        failed += 1


def invoke(policy, endpoint, event=EVENT, extra_env=None):
    """`pretoken invoke` with real lookups; returns (exit code, answer or None,
    stderr, seconds)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(policy, f)
    env = dict(os.environ, **CREDS, AWS_ENDPOINT_URL=endpoint, PROFILE_TABLE="Profiles", RUST_LOG="trace")
    env.update(extra_env or {})
    started = time.perf_counter()
    p = subprocess.run([str(RELEASE / "pretoken"), "invoke", "--compact", "--policy", f.name, "-"],
                       input=json.dumps(event).encode(), capture_output=True, env=env)
    took = time.perf_counter() - started
    os.unlink(f.name)
    err = p.stderr.decode()
    logs.append(err)
    answer = json.loads(p.stdout) if p.returncode == 0 else None
    return p.returncode, answer, err, took


def has(log, field, value):
    """Whether a log line (text or JSON) has field=value."""
    return f'{field}="{value}"' in log or f'"{field}":"{value}"' in log


def id_claims(answer):
    return answer["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToAddOrOverride"]


def access_claims(answer):
    return answer["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]["claimsToAddOrOverride"]


def unchanged_but_response(answer, event=EVENT):
    a = {k: v for k, v in answer.items() if k != "response"}
    e = {k: v for k, v in event.items() if k != "response"}
    return a == e


def seed(moto):
    ddb = moto.client("dynamodb")
    ddb.create_table(
        TableName="Profiles",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "tenantId")],
        GlobalSecondaryIndexes=[{
            "IndexName": "byTenant",
            "KeySchema": [{"AttributeName": "tenantId", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName="Profiles", Item={
        "pk": {"S": f"USER#{SUB}"}, "sk": {"S": "PROFILE"},
        "orgId": {"S": "acme-corp"},
        "seats": {"N": "25"},
        "ratio": {"N": "0.75"},
        "active": {"BOOL": True},
        "nothing": {"NULL": True},
        "name": {"M": {"first": {"S": "Ada"}, "last": {"S": "Lovelace"}}},
        "roles": {"L": [{"S": "Admin"}, {"N": "7"}, {"M": {"id": {"S": "r-1"}}}]},
        "tags": {"SS": ["blue", "green"]},
        "scores": {"NS": ["1", "2.5"]},
        "avatar": {"B": b"\x89PNG"},
        "status": {"S": "active"},
        "count": {"S": "not a number"},
    })
    for i, t in enumerate(["tenant-one", "tenant-two", "tenant-three"]):
        ddb.put_item(TableName="Profiles", Item={
            "pk": {"S": f"USER#{SUB}"}, "sk": {"S": f"TENANT#{i}"}, "tenantId": {"S": t}, "rank": {"N": str(i)}})
    return ddb


PROFILE = {"dynamodb": {"table": "{env.PROFILE_TABLE}", "key": {"pk": "USER#{sub}", "sk": "PROFILE"}}}


def profile_policy(**lookup):
    return {
        "lookups": {"profile": dict(PROFILE, **lookup)},
        "claims": [
            {"claim": "org", "lookup": "profile", "field": "orgId"},
            {"claim": "org_or_default", "lookup": "profile", "field": "orgId", "ifMissing": "default", "default": "none"},
        ],
    }


def types_and_queries(proxy):
    policy = {
        "lookups": {
            "profile": PROFILE,
            "tenants": {"dynamodb": {"table": "Profiles", "query": {"pk": "USER#{sub}", "sk": {"beginsWith": "TENANT#"}},
                                     "limit": 2, "descending": True}},
            "byTenant": {"dynamodb": {"table": "Profiles", "index": "byTenant", "query": {"tenantId": "tenant-two"}}},
        },
        "claims": [
            {"claim": "s", "lookup": "profile", "field": "orgId"},
            {"claim": "n", "lookup": "profile", "field": "seats"},
            {"claim": "f", "lookup": "profile", "field": "ratio"},
            {"claim": "b", "lookup": "profile", "field": "active"},
            {"claim": "z", "lookup": "profile", "field": "nothing", "ifMissing": "default", "default": "was-null"},
            {"claim": "m", "lookup": "profile", "field": "name"},
            {"claim": "m_first", "lookup": "profile", "field": "name.first", "transform": ["uppercase"]},
            {"claim": "l", "lookup": "profile", "field": "roles"},
            {"claim": "l_item", "lookup": "profile", "field": "roles.2.id"},
            {"claim": "ss", "lookup": "profile", "field": "tags"},
            {"claim": "ns", "lookup": "profile", "field": "scores"},
            {"claim": "bin", "lookup": "profile", "field": "avatar", "ifMissing": "default", "default": "refused"},
            {"claim": "tpl", "template": "{lookups.profile.name.first}-{lookups.profile.seats}-{lookups.profile.active}"},
            {"claim": "q", "lookup": "tenants", "field": "tenantId", "tokens": ["access"]},
            {"claim": "gsi", "lookup": "byTenant", "field": "sk", "tokens": ["access"]},
        ],
    }
    code, r, err, _ = invoke(policy, proxy.url)
    expected = {
        "s": "acme-corp", "n": 25, "f": 0.75, "b": True, "z": "was-null", "m": {"first": "Ada", "last": "Lovelace"},
        "m_first": "ADA", "l": ["Admin", 7, {"id": "r-1"}], "l_item": "r-1", "ss": ["blue", "green"], "ns": [1, 2.5],
        "bin": "refused", "tpl": "Ada-25-true",
    }
    got = id_claims(r) if r else None
    check("GetItem through pretoken invoke: S, N (integer and decimal), BOOL, NULL (no value), M, L, SS, NS, dotted paths, B refused",
          code == 0 and got == expected, (code, got, err[-400:]))
    check("Query with a sort-key prefix, descending, limit 2; Query on a global secondary index",
          r is not None and access_claims(r).get("q") == ["tenant-three", "tenant-two"] and access_claims(r).get("gsi") == ["TENANT#1"],
          r and access_claims(r))
    check("the answer is the whole event: every request field unchanged", r is not None and unchanged_but_response(r))
    check("the log names each lookup, its outcome and latency", all(
        f'lookup="{n}"' in err for n in ("profile", "tenants", "byTenant")) and "latency_us=" in err and 'outcome="found"' in err, err[-600:])
    return policy


def faults(moto, proxy):
    rows = []

    def row(fault, setting, expected, code, r, err, took, budget):
        outcome = "answered" if code == 0 else ("refused: " + err.split("error: ", 1)[-1].split(":", 1)[0].strip()
                                                 if "error: " in err else f"exit {code}")
        claims = id_claims(r) if r else {}
        kinds = sorted(set(re.findall(r'error_kind="(\w+)"', err))) or ["-"]
        rows.append((fault, setting, expected, outcome, ", ".join(kinds), json.dumps(claims),
                     f"{took * 1000:.0f} ms", f"{budget * 1000:.0f} ms"))
        return outcome

    cases = []
    # Connection refused: nothing listens on this port.
    dead = f"http://127.0.0.1:{free_port()}"
    for fault, endpoint, mode, lookup, expect in [
        ("server stopped (connection refused)", dead, ("pass",), {}, "fail"),
        ("server stopped (connection refused)", dead, ("pass",), {"ifUnavailable": "skip"}, "skip"),
        ("slower than timeoutMs (1 s delay, 200 ms timeout)", proxy.url, ("delay", 1.0), {"timeoutMs": 200}, "fail"),
        ("slower than timeoutMs (1 s delay, 200 ms timeout)", proxy.url, ("delay", 1.0), {"timeoutMs": 200, "ifUnavailable": "skip"}, "skip"),
        ("throttled (ProvisionedThroughputExceededException)", proxy.url, ("throttle",), {"timeoutMs": 500}, "fail"),
        ("throttled (ProvisionedThroughputExceededException)", proxy.url, ("throttle",), {"timeoutMs": 500, "ifUnavailable": "skip"}, "skip"),
        ("access denied (AccessDeniedException)", proxy.url, ("deny",), {}, "fail"),
        ("server error (HTTP 500)", proxy.url, ("fail",), {"timeoutMs": 500}, "fail"),
        ("server error (HTTP 500)", proxy.url, ("fail",), {"timeoutMs": 500, "ifUnavailable": "skip"}, "skip"),
    ]:
        cases.append((fault, endpoint, mode, lookup, expect))
    for fault, endpoint, mode, lookup, expect in cases:
        proxy.mode = mode
        policy = profile_policy(**lookup)
        budget = lookup.get("timeoutMs", 300) / 1000
        code, r, err, took = invoke(policy, endpoint)
        setting = f"ifUnavailable {lookup.get('ifUnavailable', 'fail')}, timeoutMs {lookup.get('timeoutMs', 300)}"
        if expect == "fail":
            ok = code == 1 and r is None and "LookupUnavailable: the data for sign-in could not be read (lookup profile)" in err
            want = "refused (LookupUnavailable)"
        else:
            ok = code == 0 and id_claims(r) == {"org_or_default": "none"} and unchanged_but_response(r)
            want = "answered; claims without the lookup (ifMissing)"
        row(fault, setting, want, code, r, err, took, budget)
        check(f"{fault}, {setting}: {want}", ok, (code, r and id_claims(r), err[-300:]))
        check(f"{fault}, {setting}: within the timeout + 100 ms ({took * 1000:.0f} ms)", took <= budget + SLACK, took)
    proxy.mode = ("pass",)

    # A missing table (the service's ResourceNotFoundException).
    for lookup, expect in [({}, "fail"), ({"ifUnavailable": "skip"}, "skip")]:
        policy = profile_policy(**lookup)
        policy["lookups"]["profile"] = dict(policy["lookups"]["profile"],
                                            dynamodb={"table": "NoSuchTable", "key": {"pk": "USER#{sub}", "sk": "PROFILE"}})
        code, r, err, took = invoke(policy, proxy.url)
        setting = f"ifUnavailable {lookup.get('ifUnavailable', 'fail')}"
        ok = (code == 1 and "(lookup profile)" in err and 'error_kind="not_found"' in err) if expect == "fail" else (
            code == 0 and id_claims(r) == {"org_or_default": "none"})
        row("missing table", setting, "refused" if expect == "fail" else "answered without it", code, r, err, took, 0.3)
        check(f"missing table, {setting}", ok, (code, err[-300:]))

    # An absent item is not a failure: its fields have no value.
    policy = profile_policy()
    policy["lookups"]["profile"]["dynamodb"] = {"table": "Profiles", "key": {"pk": "USER#nobody", "sk": "PROFILE"}}
    code, r, err, took = invoke(policy, proxy.url)
    row("absent item", "ifUnavailable fail", "answered; ifMissing decides", code, r, err, took, 0.3)
    check("absent item: answered, ifMissing decides (even with ifUnavailable fail)",
          code == 0 and id_claims(r) == {"org_or_default": "none"} and 'outcome="absent"' in err, (code, err[-300:]))

    # A field of the wrong type for the rule.
    wrong = {"lookups": {"profile": PROFILE}, "claims": [
        {"claim": "lowered", "lookup": "profile", "field": "name", "transform": ["lowercase"], "ifMissing": "default", "default": "n/a"},
        {"claim": "seats_text", "template": "seats:{lookups.profile.name}", "ifMissing": "skip"},
    ]}
    code, r, err, took = invoke(wrong, proxy.url)
    row("field of the wrong type (a map where text is needed)", "ifMissing default/skip", "answered; no value", code, r, err, took, 0.3)
    check("a field of the wrong type is no value: ifMissing decides", code == 0 and id_claims(r) == {"lowered": "n/a"}, (code, r and id_claims(r)))
    convert = {"lookups": {"profile": PROFILE}, "claims": [{"claim": "count", "lookup": "profile", "field": "count", "convert": "number"}]}
    code, r, err, took = invoke(convert, proxy.url)
    row("field that does not convert (\"convert\": \"number\" on text)", "-", "refused (RuleFailed)", code, r, err, took, 0.3)
    check("a field that does not convert refuses, naming the claim and the lookup field, not the value",
          code == 1 and "RuleFailed" in err and "count" in err and "not a number" not in err, err[-300:])
    return rows


def admin_get_user(moto):
    idp = moto.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="lookups", MfaConfiguration="OPTIONAL")["UserPool"]["Id"]
    for user in ("alice", "bob"):
        idp.admin_create_user(UserPoolId=pool, Username=user,
                              UserAttributes=[{"Name": "phone_number", "Value": "+12065550100"}])
    idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="alice",
                                      SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    policy = {
        "lookups": {"mfa": {"cognito": "adminGetUser", "timeoutMs": 500}},
        "claims": [
            {"claim": "mfa_enabled", "lookup": "mfa", "field": "mfaEnabled"},
            {"claim": "mfa_methods", "lookup": "mfa", "field": "mfaMethods", "tokens": ["id"]},
            {"claim": "mfa_preferred", "lookup": "mfa", "field": "preferredMfa", "ifMissing": "default", "default": "none", "tokens": ["id"]},
            {"claim": "user_status", "lookup": "mfa", "field": "userStatus", "tokens": ["id"]},
        ],
        "groups": {"remove": ["owners"], "when": {"lookups": {"mfa.mfaEnabled": {"equals": False}}}},
    }
    results = {}
    for user in ("alice", "bob"):
        event = json.loads(json.dumps(EVENT))
        event["userPoolId"] = pool
        event["userName"] = user
        code, r, err, _ = invoke(policy, moto.url, event)
        results[user] = (code, r, err)
    code, r, err = results["alice"]
    check("adminGetUser (moto's user pool): a user with MFA set",
          code == 0 and id_claims(r) == {"mfa_enabled": True, "mfa_methods": ["SMS_MFA"], "mfa_preferred": "SMS_MFA",
                                         "user_status": "FORCE_CHANGE_PASSWORD"}
          and "groupOverrideDetails" not in r["response"]["claimsAndScopeOverrideDetails"], (code, r and r["response"], err[-300:]))
    code, r, err = results["bob"]
    groups = r and r["response"]["claimsAndScopeOverrideDetails"].get("groupOverrideDetails", {}).get("groupsToOverride")
    check("adminGetUser: a user without MFA (privileged group dropped until MFA is set up)",
          code == 0 and id_claims(r) == {"mfa_enabled": False, "mfa_methods": [], "mfa_preferred": "none",
                                         "user_status": "FORCE_CHANGE_PASSWORD"} and groups == ["contributors"],
          (code, r and r["response"], err[-300:]))
    cc = json.loads((ROOT / "events" / "v3-client-credentials.json").read_text())
    code, r, err, _ = invoke(policy, moto.url, cc)
    check("adminGetUser on client credentials (no user): not made, no value",
          code == 0 and 'lookup="mfa"' not in err and access_claims(r) == {}, (code, r and r["response"], err[-300:]))


class Function:
    """The release Lambda binary under a local Runtime API, its log in a file."""

    def __init__(self, policy, endpoint, extra_env=None, binary="pretoken-lambda-lookups"):
        self.api = lambda_local.RuntimeApi()
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        env = dict(os.environ, **CREDS, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{self.api.port}",
                   AWS_LAMBDA_FUNCTION_NAME="lookups-check", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
                   AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128", AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/x",
                   AWS_LAMBDA_LOG_STREAM_NAME="x", AWS_LAMBDA_LOG_LEVEL="debug",
                   AWS_ENDPOINT_URL_DYNAMODB=endpoint, PROFILE_TABLE="Profiles",
                   PRETOKEN_POLICY=json.dumps(policy))
        env.update(extra_env or {})
        for k in ("PRETOKEN_POLICY_FILE", "PRETOKEN_POLICY_APPCONFIG", "AWS_ENDPOINT_URL"):
            env.pop(k, None)
        self.proc = subprocess.Popen([str(RELEASE / binary)], env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def invoke(self, event=EVENT):
        self.api.pending.put(json.dumps(event).encode())
        kind, _, body, _ = self.api.results.get(timeout=30)
        return kind, json.loads(body)

    def text(self):
        self.log.flush()
        return Path(self.log.name).read_text()

    def close(self):
        self.api.close()
        self.proc.kill()
        self.proc.wait()
        logs.append(self.text())


def lambda_binary_and_cache(ddb, proxy, types_policy):
    proxy.mode = ("pass",)
    fn = Function(types_policy, proxy.url)
    try:
        kind, r = fn.invoke()
        _, direct, _, _ = invoke(types_policy, proxy.url)
        check("the Lambda binary gives the same answer as pretoken invoke (every type, both queries)",
              kind == "ok" and direct is not None and r["response"] == direct["response"], (kind, r))
        check("the Lambda binary logs each lookup by name", has(fn.text(), "lookup", "profile"), fn.text()[-400:])
    finally:
        fn.close()

    policy = profile_policy(cacheSeconds=1)
    fn = Function(policy, proxy.url, {"PRETOKEN_LOOKUP_CACHE_ENTRIES": "2"})
    try:
        before = proxy.requests
        kind, r = fn.invoke()
        check("cache: the first invocation reads the table", kind == "ok" and id_claims(r)["org"] == "acme-corp" and proxy.requests == before + 1,
              (kind, r, proxy.requests - before))
        ddb.update_item(TableName="Profiles", Key={"pk": {"S": f"USER#{SUB}"}, "sk": {"S": "PROFILE"}},
                        UpdateExpression="SET orgId = :o", ExpressionAttributeValues={":o": {"S": "acme-corp-2"}})
        kind, r = fn.invoke()
        check("cache: within cacheSeconds, a hit (no request; the cached value)",
              kind == "ok" and id_claims(r)["org"] == "acme-corp" and proxy.requests == before + 1 and has(fn.text(), "cache", "hit"),
              (r, proxy.requests - before))
        time.sleep(1.1)
        kind, r = fn.invoke()
        check("cache: after cacheSeconds, read again (the new value)",
              kind == "ok" and id_claims(r)["org"] == "acme-corp-2" and proxy.requests == before + 2, (r, proxy.requests - before))
        # Bounded: two entries; a third user evicts the least recently used.
        users = []
        for i in range(3):
            e = json.loads(json.dumps(EVENT))
            e["request"]["userAttributes"]["sub"] = f"cache-user-{i}"
            users.append(e)
        start = proxy.requests
        for e in users:
            fn.invoke(e)
        fn.invoke(users[2])
        fn.invoke(users[0])
        check("cache: bounded (PRETOKEN_LOOKUP_CACHE_ENTRIES=2): the least recently used entry is evicted",
              proxy.requests - start == 4, proxy.requests - start)
        proxy.mode = ("fail",)
        e = json.loads(json.dumps(EVENT))
        e["request"]["userAttributes"]["sub"] = "cache-user-failing"
        fn.invoke(e)
        proxy.mode = ("pass",)
        start = proxy.requests
        kind, r = fn.invoke(e)
        check("cache: failures are never cached", kind == "ok" and proxy.requests - start == 1, (kind, r))
    finally:
        fn.close()

    # No policy lookups: the SDK is never set up.
    fn = Function({"suppress": [{"preset": "standard-pii"}]}, "http://127.0.0.1:1")
    try:
        kind, r = fn.invoke()
        check("a policy without lookups never builds the SDK client (no lookup line)",
              kind == "ok" and "lookup" not in fn.text(), fn.text()[-300:])
    finally:
        fn.close()

    # The function built without lookups refuses a policy with lookups at
    # load, naming the remedy; it never answers as if the lookup failed.
    fn = Function(types_policy, proxy.url, binary="pretoken-lambda")
    try:
        start = proxy.requests
        kind, r = fn.invoke()
        check("pretoken-lambda (built without lookups) refuses a policy with lookups: InvalidConfiguration, "
              "the remedy in the log, no request made",
              kind == "error" and r.get("errorType") == "InvalidConfiguration"
              and "built without lookups" in fn.text() and "LookupTableName" in fn.text()
              and proxy.requests == start, (kind, r, fn.text()[-400:]))
    finally:
        fn.close()


def cargo_lambda_watch(types_policy, proxy):
    """The function as `cargo lambda watch` serves it (the path of `sam local
    invoke`, without Docker), invoked with `cargo lambda invoke`."""
    port = free_port()
    env = dict(os.environ, **CREDS, AWS_ENDPOINT_URL_DYNAMODB=proxy.url, PROFILE_TABLE="Profiles",
               PRETOKEN_POLICY=json.dumps(types_policy), AWS_LAMBDA_LOG_LEVEL="trace")
    env.pop("AWS_ENDPOINT_URL", None)
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    watch = subprocess.Popen(
        ["cargo", "lambda", "watch", "--release", "--ignore-changes", "-p", "pretoken-lambda-lookups",
         "--invoke-address", "127.0.0.1",
         "--invoke-port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if watch.poll() is not None:
                    break
                time.sleep(0.5)
        p = subprocess.run(["cargo", "lambda", "invoke", "pretoken-lambda-lookups", "--invoke-address", "127.0.0.1",
                            "--invoke-port", str(port), "--data-file", "events/v2-authentication.json"],
                           cwd=ROOT, capture_output=True, timeout=600)
        _, direct, _, _ = invoke(types_policy, proxy.url)
        try:
            r = json.loads(p.stdout)
        except ValueError:
            r = None
        check("GetItem and Query through the Lambda binary under cargo lambda watch: the same answer as pretoken invoke",
              r is not None and direct is not None and r["response"] == direct["response"],
              (p.returncode, p.stdout[-300:], p.stderr[-300:]))
    finally:
        os.killpg(watch.pid, 9)
        watch.wait()
        log.flush()
        logs.append(Path(log.name).read_text())


def main():
    subprocess.run(["cargo", "build", "--locked", "--release", "--bin", "pretoken"], cwd=ROOT, check=True)
    # Each function alone, so that each resolves the core's features by itself.
    for function in ("pretoken-lambda", "pretoken-lambda-lookups"):
        subprocess.run(["cargo", "build", "--locked", "--release", "-p", function], cwd=ROOT, check=True)
    moto = Moto()
    proxy = Proxy(moto.port)
    try:
        ddb = seed(moto)
        types_policy = types_and_queries(proxy)
        rows = faults(moto, proxy)
        admin_get_user(moto)
        lambda_binary_and_cache(ddb, proxy, types_policy)
        cargo_lambda_watch(types_policy, proxy)
    finally:
        proxy.close()
        moto.close()
    # Every stderr of pretoken invoke and every Lambda log (answers, which
    # carry the claims, are on stdout and not here).
    log_text = "\n".join(logs)
    leaked = [s for s in SECRETS if s in log_text]
    check("no key, item or value in any log line or error", not leaked, leaked)
    table = ["| fault | setting | expected | outcome | logged error_kind | ID-token claims | took | timeout |",
             "|---|---|---|---|---|---|---|---|"]
    table += ["| " + " | ".join(r) + " |" for r in rows]
    (ROOT / "target").mkdir(exist_ok=True)
    (ROOT / "target" / "lookups-faults.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))
    print(f"lookups: {passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
