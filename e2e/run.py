#!/usr/bin/env python3
"""End to end, with software nobody here wrote.

1. builds the function and serves it with `cargo lambda watch` (Invoke API);
2. starts cognito-local (npm) on loopback, configured to call the function
   through a small recording proxy (so the script sees the exact event the
   function received);
3. creates a pool, an app client and a user with name, email, phone number,
   custom:tenantId and custom:department through boto3;
4. signs in (USER_PASSWORD_AUTH) and checks the ID token with
   `pretoken verify` against cognito-local's JWKS, with the test's policy
   (`e2e/policy.json`: the default policy's rules plus a deny rule, a
   template with a transform, an email transform and an object claim), and
   the computed claims' values;
5. checks the same token with aws-jwt-verify, AWS's own verifier;
6. checks that `pretoken preview` on the recorded event predicts the ID
   token's claims;
7. signs in as a user the deny rule refuses: Cognito's error carries the
   policy's message, and no token is issued.

The policy also has a DynamoDB lookup (the tenant's item, keyed by
custom:tenantId) against moto in server mode: its claims are checked in the
issued ID token, and `pretoken preview` makes the same lookup.

cognito-local sends V1 events with "version": "0" and applies only V1
responses, so the function runs with PRETOKEN_LAMBDA_VERSION=V1_0.
Every process started here is stopped at the end; a taken port fails fast.
Prints 'e2e: N passed, 0 failed' on success.
"""

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

from harness import Run, free_port, port_taken

ROOT = Path(__file__).resolve().parent.parent
E2E = ROOT / "e2e"
LAMBDA_PORT = int(os.environ.get("E2E_LAMBDA_PORT", "9000"))
PROXY_PORT = int(os.environ.get("E2E_PROXY_PORT", "9001"))
COGNITO_PORT = int(os.environ.get("E2E_COGNITO_PORT", "9229"))
FUNCTION = "pretoken-lambda-lookups"  # the policy has a lookup
PRETOKEN = ROOT / "target" / "release" / "pretoken"
# The policy the function runs with: the default policy's rules and forms of
# the second language version (deny, template, transforms, an object).
POLICY = E2E / "policy.json"

# Claims whose values differ between any two sign-ins (or between the
# emulator and the preview's placeholders): compared by presence only.
VOLATILE = {"auth_time", "iat", "exp", "jti", "event_id", "origin_jti", "iss"}
# Claims Cognito puts in this user's ID token that cognito-local does not
# emit: the preview predicts them, the emulator leaves them out. (It copies
# only email, email_verified and custom:* attributes, which with the default
# policy's suppressions is every attribute this user has.)
NOT_EMITTED_BY_COGNITO_LOCAL = {
    "origin_jti",  # cognito-local keeps no refresh-token lineage
}

RUN = Run("e2e", "pretoken-e2e-")
TMP = RUN.tmp
ok, fail, start, wait_port = RUN.ok, RUN.fail, RUN.start, RUN.wait_port


class Recorder(http.server.BaseHTTPRequestHandler):
    """Forwards Lambda Invoke calls to cargo lambda watch, keeping each event.

    A function error comes back from cargo lambda watch as HTTP 500; the real
    Invoke API answers 200 with `X-Amz-Function-Error: Unhandled` and the
    error document as the payload, which is what cognito-local (like Cognito)
    reads. The proxy answers as the real API does."""

    events = []
    errors = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        Recorder.events.append(body)
        req = urllib.request.Request(
            f"http://127.0.0.1:{LAMBDA_PORT}{self.path}", data=body, method="POST",
            headers={"content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, headers, payload = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            status, headers, payload = e.code, dict(e.headers), e.read()
            try:
                error = json.loads(payload)
            except ValueError:
                error = None
            if status == 500 and isinstance(error, dict) and "errorType" in error:
                Recorder.errors.append(error)
                status = 200
                headers = {"X-Amz-Function-Error": "Unhandled", "Content-Type": "application/json"}
        self.send_response(status)
        for k in ("X-Amz-Function-Error", "Content-Type"):
            if k in headers:
                self.send_header(k, headers[k])
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


# The lookups' environment (moto's DynamoDB), for the function and the CLI.
LOOKUP_ENV = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": "us-east-1",
              "PROFILE_TABLE": "E2ETenants"}


def pretoken(*args):
    return subprocess.run([str(PRETOKEN), *args], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, **LOOKUP_ENV))


def start_moto(tmp):
    """moto in server mode (DynamoDB) on a free port, with the tenants table."""
    import boto3
    port = free_port()
    moto = start([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], tmp / "moto.log")
    wait_port(port, moto, 60, tmp / "moto.log")
    url = f"http://127.0.0.1:{port}"
    ddb = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local")
    ddb.create_table(TableName="E2ETenants", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName="E2ETenants", Item={"pk": {"S": "TENANT#tenant-42"}, "plan": {"S": "enterprise"},
                                               "seats": {"N": "50"}})
    LOOKUP_ENV["AWS_ENDPOINT_URL_DYNAMODB"] = url


def main():
    for port in (LAMBDA_PORT, PROXY_PORT, COGNITO_PORT):
        if port_taken(port):
            fail(f"port {port} is already taken; stop what uses it (or set E2E_*_PORT)")
    if not (E2E / "node_modules" / "cognito-local").exists():
        fail("e2e/node_modules is missing: run `make e2e-tools`")
    import boto3  # noqa: E402  (installed by .ci/run / make e2e-tools)

    tmp = TMP
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "pretoken"], cwd=ROOT, check=True)

    start_moto(tmp)
    ok("moto (DynamoDB) listens, with the tenants table")
    env = dict(os.environ, PRETOKEN_LAMBDA_VERSION="V1_0", AWS_LAMBDA_LOG_LEVEL="debug",
               PRETOKEN_POLICY_FILE=str(POLICY), **LOOKUP_ENV)
    watch = start(
        ["cargo", "lambda", "watch", "--release", "--ignore-changes", "-p", FUNCTION,
         "--invoke-address", "127.0.0.1", "--invoke-port", str(LAMBDA_PORT)],
        tmp / "lambda.log", cwd=ROOT, env=env,
    )
    wait_port(LAMBDA_PORT, watch, 600, tmp / "lambda.log")
    # The first invocation waits for the build.
    warm = urllib.request.Request(
        f"http://127.0.0.1:{LAMBDA_PORT}/2015-03-31/functions/{FUNCTION}/invocations",
        data=(ROOT / "events" / "cognito-local-v0.json").read_bytes(), method="POST",
    )
    with urllib.request.urlopen(warm, timeout=600) as r:
        if "claimsOverrideDetails" not in json.loads(r.read())["response"]:
            fail("the function did not answer a V0 event in V1 format")
    ok("function serves under cargo lambda watch (pinned to V1_0)")

    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", PROXY_PORT), Recorder)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()

    cfg = tmp / ".cognito"
    cfg.mkdir()
    (cfg / "config.json").write_text(json.dumps({
        "LambdaClient": {
            "endpoint": f"http://127.0.0.1:{PROXY_PORT}",
            "region": "local",
            "credentials": {"accessKeyId": "local", "secretAccessKey": "local"},
        },
        "TriggerFunctions": {"PreTokenGeneration": FUNCTION},
    }))
    cognito = start(
        ["node", str(E2E / "node_modules" / "cognito-local" / "lib" / "bin" / "start.js")],
        tmp / "cognito.log", cwd=tmp, env=dict(os.environ, PORT=str(COGNITO_PORT), HOST="127.0.0.1"),
    )
    wait_port(COGNITO_PORT, cognito, 60, tmp / "cognito.log")
    ok("cognito-local listens")

    idp = boto3.client(
        "cognito-idp", endpoint_url=f"http://127.0.0.1:{COGNITO_PORT}", region_name="local",
        aws_access_key_id="local", aws_secret_access_key="local",
    )
    pool = idp.create_user_pool(
        PoolName="e2e",
        Schema=[
            {"Name": "tenantId", "AttributeDataType": "String", "Mutable": True},
            {"Name": "department", "AttributeDataType": "String", "Mutable": True},
        ],
    )["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="app", ExplicitAuthFlows=["USER_PASSWORD_AUTH"],
    )["UserPoolClient"]["ClientId"]
    email = "jane.doe@example.com"
    idp.admin_create_user(
        UserPoolId=pool, Username=email, MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": "Jane Doe"},
            {"Name": "phone_number", "Value": "+12065551212"},
            {"Name": "custom:tenantId", "Value": "tenant-42"},
            {"Name": "custom:department", "Value": "engineering"},
        ],
    )
    idp.admin_set_user_password(UserPoolId=pool, Username=email, Password="Correct-Horse-9", Permanent=True)
    ok("pool, app client and user created through boto3")

    auth = idp.initiate_auth(
        ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": "Correct-Horse-9"},
    )["AuthenticationResult"]
    id_token = auth["IdToken"]
    if len(Recorder.events) != 1:
        fail(f"expected the trigger to be called once by the sign-in, saw {len(Recorder.events)}")
    event_file = tmp / "received-event.json"
    event_file.write_bytes(Recorder.events[-1])
    ok("signed in with USER_PASSWORD_AUTH; the trigger was called")

    jwks = f"http://127.0.0.1:{COGNITO_PORT}/{pool}/.well-known/jwks.json"
    issuer = f"http://127.0.0.1:{COGNITO_PORT}/{pool}"
    r = pretoken("verify", "--jwks", jwks, "--token", id_token, "--client-id", client,
                 "--token-use", "id", "--issuer", issuer, "--policy", str(POLICY), "--print")
    if r.returncode != 0:
        fail(f"pretoken verify: exit {r.returncode}: {r.stderr.strip()}")
    claims = json.loads(r.stdout)
    for pii in ("email", "name", "phone_number"):
        if pii in claims:
            fail(f"the ID token carries {pii}")
    if claims.get("tenantId") != "tenant-42" or claims.get("departmentId") != "engineering":
        fail(f"tenant claims missing: {sorted(claims)}")
    ok("pretoken verify: valid, obeys the policy (no email, tenantId and departmentId present)")
    # Computed values; V1 sends every value as a string, objects as JSON text.
    expected = {
        "tenantKey": "TENANT#TENANT-42",
        "mailDomain": "example.com",
        "org": json.dumps({"tenant": "tenant-42", "dept": "engineering"}, separators=(",", ":")),
        "plan": "enterprise",
        "seats": "50",
    }
    for name, value in expected.items():
        if claims.get(name) != value:
            fail(f"computed claim {name}: expected {value!r}, the token has {claims.get(name)!r}")
    ok("computed claims in the real token: template + transform, email domain, object (as V1 JSON text), "
       "and the tenant's plan and seats from DynamoDB (a lookup)")

    r = subprocess.run(
        ["node", str(E2E / "verify-with-aws-jwt-verify.mjs"), jwks, issuer, client, "id", id_token],
        capture_output=True, text=True, cwd=E2E,
    )
    if r.returncode != 0:
        fail(f"aws-jwt-verify: {r.stderr.strip()}")
    if json.loads(r.stdout) != claims:
        fail("aws-jwt-verify saw other claims than pretoken verify")
    ok("aws-jwt-verify accepts the same token and sees the same claims")

    bad = pretoken("verify", "--jwks", jwks, "--token", id_token, "--client-id", "someone-else")
    if bad.returncode != 6:
        fail(f"a wrong client should exit 6, got {bad.returncode}: {bad.stderr.strip()}")
    ok("pretoken verify refuses the token for another client (exit 6)")

    r = pretoken("preview", "--json", "--lambda-version", "V1_0", "--policy", str(POLICY), str(event_file))
    if r.returncode != 0:
        fail(f"pretoken preview: {r.stderr.strip()}")
    predicted = json.loads(r.stdout)["idToken"]
    for name, value in claims.items():
        if name not in predicted:
            fail(f"preview misses claim {name}")
        if name not in VOLATILE and predicted[name] != value:
            fail(f"preview predicts {name}={predicted[name]!r}, the token has {value!r}")
    extra = set(predicted) - set(claims)
    if not extra <= NOT_EMITTED_BY_COGNITO_LOCAL:
        fail(f"preview predicts claims the token lacks: {sorted(extra - NOT_EMITTED_BY_COGNITO_LOCAL)}")
    ok(f"pretoken preview predicts all {len(claims)} ID-token claims "
       f"(not emitted by cognito-local: {', '.join(sorted(extra)) or 'none'})")

    outsider = "eve@evil.test"
    idp.admin_create_user(
        UserPoolId=pool, Username=outsider, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": outsider}, {"Name": "custom:tenantId", "Value": "tenant-66"}],
    )
    idp.admin_set_user_password(UserPoolId=pool, Username=outsider, Password="Correct-Horse-9", Permanent=True)
    try:
        idp.initiate_auth(
            ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": outsider, "PASSWORD": "Correct-Horse-9"},
        )
        fail("the deny rule did not refuse eve@evil.test")
    except idp.exceptions.UserLambdaValidationException as e:
        if "Sign-in is not allowed for this account." not in str(e):
            fail(f"refused, but with another message: {e}")
    if [e.get("errorType") for e in Recorder.errors] != ["SignInDenied"]:
        fail(f"expected one SignInDenied from the function, saw {Recorder.errors}")
    ok("a deny rule refuses a sign-in with its message (UserLambdaValidationException), no tokens issued")

    log = (tmp / "lambda.log").read_text()
    for secret in (email, "Jane Doe", "+12065551212", "tenant-42", "engineering", "TENANT#TENANT-42", "enterprise",
                   outsider, "tenant-66", "evil.test"):
        body = "\n".join(l for l in log.splitlines() if "Compiling" not in l)
        if secret in body:
            fail("the function's log carries an attribute value")
    ok("the function's log carries no attribute value")
    shutil.rmtree(tmp, ignore_errors=True)
    RUN.done()


if __name__ == "__main__":
    try:
        main()
    finally:
        RUN.stop_all()
