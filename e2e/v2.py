#!/usr/bin/env python3
"""V2 and V3 end to end, through a second Cognito implementation (ministack).

cognito-local (make e2e) sends V1 events only. ministack emulates Cognito
user pools and runs `provided.al2023` functions as local processes speaking
the Lambda Runtime API, and it calls the pool's pre token generation trigger
for V1_0, V2_0 and V3_0 before it signs tokens. This script:

1. builds the release function (both builds) and `pretoken`;
2. starts ministack (its own virtual environment, pinned; make e2e-v2-tools)
   on a free loopback port with MINISTACK_COGNITO_PRETOKEN_STRICT=1, so a
   failing trigger fails the sign-in as in Cognito;
3. creates, with boto3, the functions from zips holding the release binary
   behind a recording Runtime API proxy (e2e/recording-bootstrap.py: the
   event the function received and its answer are kept), a DynamoDB table
   in ministack for the lookup, pools with V2_0, V3_0 and V1_0 triggers,
   app clients (one confidential, for client credentials), groups and users;
4. signs in (USER_PASSWORD_AUTH) with the built-in policy and with
   e2e/policy-v2.json (every form that reaches a V2 token), and checks both
   real tokens three ways: `pretoken verify` against ministack's JWKS with the
   policy, aws-jwt-verify, and `pretoken preview` on the recorded event,
   which must predict every claim of both tokens; the function's recorded
   answer must equal `pretoken invoke` on the same event;
5. refreshes (REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken): the trigger
   source is TokenGeneration_RefreshTokens and the rule on it applies;
6. gets a machine token (client credentials, /oauth2/token) from a V3_0
   pool: machine rules apply, user rules do not, no ID token; on a V2_0
   pool the function is not called for that grant;
7. signs in as a user a deny rule refuses: the policy's message, no token;
8. deletes the lookup's table: ifUnavailable "fail" refuses sign-in;
9. signs in on a V1_0 pool: only the ID token changes;
10. no attribute value in the function's log; every process stopped.

Where ministack differs from Cognito as documented, the difference is named
below (MINISTACK_DIFFERS) and in the README's end-to-end section, and the
check holds the tokens to Cognito's documented behaviour through `preview`.
Prints 'e2e-v2: N passed, 0 failed' on success.
"""

import base64
import io
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from harness import Run, free_port

ROOT = Path(__file__).resolve().parent.parent
E2E = ROOT / "e2e"
MINISTACK = Path(os.environ.get("MINISTACK", ROOT / "target" / "ministack-venv" / "bin" / "ministack"))
PRETOKEN = ROOT / "target" / "release" / "pretoken"
BINARIES = {name: ROOT / "target" / "release" / name for name in ("pretoken-lambda", "pretoken-lambda-lookups")}
POLICY = E2E / "policy-v2.json"
BUILT_IN = ROOT / "policy.json"
REGION = "us-east-1"
PASSWORD = "Correct-Horse-9"

# Claims whose values differ between any two token issues: compared by presence.
VOLATILE = {"auth_time", "iat", "exp", "jti", "origin_jti", "event_id"}
# Where ministack 1.5.33 differs from Cognito as documented. The preview
# predicts Cognito; these are the only places the real tokens may differ.
MINISTACK_DIFFERS = {
    # Cognito puts a unique event_id in both tokens; ministack does not.
    "not_emitted": {"event_id"},
    # V2/V3 groupOverrideDetails sits next to idTokenGeneration and
    # accessTokenGeneration (the documented shape, which the function
    # answers); ministack reads it inside each of them, so it keeps the
    # user's groups, and it never issues cognito:roles or
    # cognito:preferred_role. The function's answer (compared with `pretoken
    # invoke`) carries the override; the tokens do not.
    "group_claims": {"cognito:groups", "cognito:roles", "cognito:preferred_role"},
    # A machine token (client credentials): ministack adds auth_time and origin_jti, and
    # leaves out version; the preview follows Cognito (version 2, no
    # auth_time, as there is no authentication of a user).
    "machine_extra": {"auth_time", "origin_jti"},
    "machine_not_emitted": {"version"},
}

RUN = Run("e2e-v2", "pretoken-e2e-v2-")
TMP = RUN.tmp
ok, fail = RUN.ok, RUN.fail


def claims_of(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class Stack:
    """ministack on a free loopback port, and boto3 clients for it."""

    def __init__(self):
        import boto3  # installed by make tools (PIP_PINS)
        from botocore.config import Config

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log = TMP / "ministack.log"
        env = dict(os.environ, GATEWAY_PORT=str(self.port), BIND_HOST="127.0.0.1",
                   MINISTACK_COGNITO_PRETOKEN_STRICT="1")
        proc = RUN.start([str(MINISTACK)], log, env=env, cwd=TMP)
        RUN.wait_port(self.port, proc, 60, log)
        kw = dict(endpoint_url=self.url, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test",
                  config=Config(retries={"total_max_attempts": 1}))  # a refused sign-in is not retried
        self.lam = boto3.client("lambda", **kw)
        self.idp = boto3.client("cognito-idp", **kw)
        self.ddb = boto3.client("dynamodb", **kw)
        # The environment `pretoken preview` and `invoke` need for the lookup.
        self.lookup_env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": REGION,
                           "AWS_ENDPOINT_URL_DYNAMODB": self.url, "PROFILE_TABLE": "E2EV2Tenants"}

    def function(self, name, binary, lambda_version, policy=None, lookups=False):
        """A provided.al2023 function: the release binary behind the recorder."""
        record = TMP / name
        record.mkdir()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for arc, data in (("bootstrap", (E2E / "recording-bootstrap.py").read_bytes()),
                              ("function", BINARIES[binary].read_bytes())):
                info = zipfile.ZipInfo(arc)
                info.external_attr = 0o755 << 16
                z.writestr(info, data)
        env = {"PRETOKEN_LAMBDA_VERSION": lambda_version, "E2E_RECORD_DIR": str(record),
               "AWS_LAMBDA_LOG_LEVEL": "debug"}
        if policy is not None:
            env["PRETOKEN_POLICY"] = json.dumps(json.loads(policy.read_text()), separators=(",", ":"))
        if lookups:
            env.update(AWS_ENDPOINT_URL_DYNAMODB=self.url, PROFILE_TABLE=self.lookup_env["PROFILE_TABLE"])
        arn = self.lam.create_function(
            FunctionName=name, Runtime="provided.al2023", Handler="bootstrap", Architectures=["x86_64"],
            Role="arn:aws:iam::000000000000:role/pretoken", Code={"ZipFile": buf.getvalue()},
            Timeout=5, MemorySize=128, Environment={"Variables": env},
        )["FunctionArn"]
        return Function(name, arn, record, lambda_version, policy)

    def pool(self, name, lambda_config):
        schema = [{"Name": n, "AttributeDataType": "String", "Mutable": True}
                  for n in ("tenantId", "department", "plan", "groups")]
        return self.idp.create_user_pool(PoolName=name, Schema=schema, LambdaConfig=lambda_config,
                                         UserPoolTier="ESSENTIALS")["UserPool"]["Id"]

    def client(self, pool):
        return self.idp.create_user_pool_client(
            UserPoolId=pool, ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]

    def user(self, pool, username, attributes, groups=(), permanent=True):
        """A user; without a permanent password, the first sign-in must set one."""
        self.idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS",
                                   UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
                                   TemporaryPassword="Temporary-Horse-1")
        if permanent:
            self.idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True)
        for g in groups:
            try:
                self.idp.create_group(UserPoolId=pool, GroupName=g)
            except self.idp.exceptions.GroupExistsException:
                pass
            self.idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=g)

    def sign_in(self, client, username):
        return self.idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})["AuthenticationResult"]

    def first_sign_in(self, client, username, metadata):
        """USER_PASSWORD_AUTH with the temporary password, then the new
        password through RespondToAuthChallenge with client metadata (Cognito
        passes ClientMetadata to this trigger from there, not from InitiateAuth)."""
        challenge = self.idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                           AuthParameters={"USERNAME": username, "PASSWORD": "Temporary-Horse-1"})
        if challenge.get("ChallengeName") != "NEW_PASSWORD_REQUIRED":
            fail(f"expected NEW_PASSWORD_REQUIRED, got {challenge.get('ChallengeName')}")
        return self.idp.respond_to_auth_challenge(
            ClientId=client, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": PASSWORD}, ClientMetadata=metadata,
        )["AuthenticationResult"]

    def jwks(self, pool):
        return f"{self.url}/{pool}/.well-known/jwks.json"


class Function:
    def __init__(self, name, arn, record, lambda_version, policy):
        self.name, self.arn, self.record, self.lambda_version, self.policy = name, arn, record, lambda_version, policy
        self.seen = 0

    def new_calls(self):
        """The (event, answer) pairs recorded since the last call."""
        calls = []
        for path in sorted(self.record.glob("*-event.json"))[self.seen:]:
            answer = path.with_name(path.name.replace("-event", "-response"))
            error = path.with_name(path.name.replace("-event", "-error"))
            for _ in range(50):  # the answer is written just after the token request returns
                if answer.exists() or error.exists():
                    break
                time.sleep(0.05)
            calls.append((path, answer if answer.exists() else error))
        self.seen += len(calls)
        return calls

    def log(self):
        path = self.record / "function.log"
        return path.read_text() if path.exists() else ""


def pretoken(stack, *args):
    return subprocess.run([str(PRETOKEN), *args], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, **stack.lookup_env))


def refused(stack, client, username, what):
    """Signs in expecting a refusal; returns the error code and message."""
    from botocore.exceptions import ClientError

    try:
        stack.sign_in(client, username)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    fail(f"{what} was not refused: tokens were issued")


def policy_args(fn):
    return ["--policy", str(fn.policy)] if fn.policy else []


def one_event(fn, expected_calls, what):
    """The single event behind a token request (ministack calls the function
    once per token, with the same event; Cognito calls it once), after
    checking the function's answer equals `pretoken invoke` on it."""
    calls = fn.new_calls()
    if len(calls) != expected_calls:
        fail(f"{what}: expected {expected_calls} call(s) of the function, saw {len(calls)}")
    events = {p.read_bytes() for p, _ in calls}
    if len(events) != 1:
        fail(f"{what}: ministack sent different events for one token request")
    return calls[0]


def check_answer(stack, fn, event, answer, what):
    r = pretoken(stack, "invoke", "--compact", "--lambda-version", fn.lambda_version, *policy_args(fn), str(event))
    if r.returncode != 0:
        fail(f"{what}: pretoken invoke on the recorded event: exit {r.returncode}: {r.stderr.strip()}")
    if json.loads(r.stdout) != json.loads(answer.read_text()):
        fail(f"{what}: the function's answer differs from pretoken invoke on the same event")


def verify(stack, fn, pool, client, token, use):
    """pretoken verify (with the policy) and aws-jwt-verify; returns the claims."""
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{pool}"
    args = ["verify", "--jwks", stack.jwks(pool), "--issuer", issuer, "--client-id", client,
            "--token-use", use, "--token", token, "--print"]
    plain = pretoken(stack, *args)
    if plain.returncode != 0:
        fail(f"pretoken verify ({use} token): exit {plain.returncode}: {plain.stderr.strip()}")
    claims = json.loads(plain.stdout)
    policy = fn.policy or BUILT_IN
    checked = pretoken(stack, *args, "--policy", str(policy))
    if checked.returncode != 0:
        # The only findings allowed are ministack's group difference.
        findings = [line for line in checked.stderr.splitlines() if line.strip()]
        unexplained = [line for line in findings if "cognito:groups" not in line]
        if unexplained or not findings:
            fail(f"pretoken verify --policy ({use} token): exit {checked.returncode}: {checked.stderr.strip()}")
    node = subprocess.run(["node", str(E2E / "verify-with-aws-jwt-verify.mjs"), stack.jwks(pool), issuer, client, use, token],
                          capture_output=True, text=True, cwd=E2E)
    if node.returncode != 0:
        fail(f"aws-jwt-verify ({use} token): {node.stderr.strip()}")
    if json.loads(node.stdout) != claims:
        fail(f"aws-jwt-verify saw other claims in the {use} token than pretoken verify")
    return claims, checked


def predict(stack, fn, event, real, what, token_uses=("id", "access")):
    """`pretoken preview` on the recorded event predicts every claim of the
    real tokens; returns the claims it predicted that the tokens lack."""
    r = pretoken(stack, "preview", "--json", "--lambda-version", fn.lambda_version, *policy_args(fn), str(event))
    if r.returncode != 0:
        fail(f"{what}: pretoken preview: {r.stderr.strip()}")
    out = json.loads(r.stdout)
    machine = token_uses == ("access",) and "id" not in real and json.loads(event.read_text())["triggerSource"].endswith(
        "ClientCredentials")
    extra_allowed = MINISTACK_DIFFERS["not_emitted"] | MINISTACK_DIFFERS["group_claims"]
    if machine:
        extra_allowed |= MINISTACK_DIFFERS["machine_not_emitted"]
    for use in token_uses:
        predicted = out["idToken" if use == "id" else "accessToken"]
        claims = real[use]
        for name, value in claims.items():
            if name in MINISTACK_DIFFERS["group_claims"] or (machine and name in MINISTACK_DIFFERS["machine_extra"]):
                continue
            if name not in predicted:
                fail(f"{what}: preview misses the {use} token's claim {name}")
            if name not in VOLATILE and predicted[name] != value:
                fail(f"{what}: preview predicts {use}.{name}={predicted[name]!r}, the token has {value!r}")
        extra = set(predicted) - set(claims)
        if not extra <= extra_allowed:
            fail(f"{what}: preview predicts {use}-token claims ministack did not issue: {sorted(extra - extra_allowed)}")
    return out


def main():
    if not MINISTACK.exists():
        fail(f"{MINISTACK} is missing: run `make e2e-v2-tools`")
    if not (E2E / "node_modules" / "aws-jwt-verify").exists():
        fail("e2e/node_modules is missing: run `make e2e-v2-tools`")
    started = time.time()
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet", "-p", "pretoken", "-p", "pretoken-lambda",
                    "-p", "pretoken-lambda-lookups"], cwd=ROOT, check=True)

    stack = Stack()
    ok(f"ministack listens on 127.0.0.1:{stack.port} (MINISTACK_COGNITO_PRETOKEN_STRICT=1)")

    table = stack.lookup_env["PROFILE_TABLE"]
    stack.ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                           AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                           BillingMode="PAY_PER_REQUEST")
    stack.ddb.put_item(TableName=table, Item={"pk": {"S": "TENANT#tenant-42"}, "plan": {"S": "enterprise"},
                                              "seats": {"N": "50"}})

    builtin = stack.function("pretoken-builtin", "pretoken-lambda", "V2_0")
    every = stack.function("pretoken-every", "pretoken-lambda-lookups", "V2_0", POLICY, lookups=True)
    machine = stack.function("pretoken-v3", "pretoken-lambda-lookups", "V3_0", POLICY, lookups=True)
    legacy = stack.function("pretoken-v1", "pretoken-lambda", "V1_0")
    ok("four functions from zips of the release builds (built-in and every-form policy; V2_0, V3_0, V1_0)")

    jane = {"email": "jane.doe@example.com", "email_verified": "true", "name": "Jane Doe",
            "phone_number": "+12065551212", "custom:tenantId": "tenant-42", "custom:department": "engineering",
            "custom:plan": "gold-tier", "custom:groups": "app-billing,evil-admins,app-reports"}
    jane_groups = ["admins", "internal-ops"]

    # -- V2 sign-in, built-in policy ------------------------------------
    pool = stack.pool("builtin", {"PreTokenGenerationConfig": {"LambdaArn": builtin.arn, "LambdaVersion": "V2_0"}})
    client = stack.client(pool)
    stack.user(pool, "jane", jane, jane_groups)
    auth = stack.sign_in(client, "jane")
    event, answer = one_event(builtin, 2, "built-in sign-in")
    if json.loads(event.read_text())["version"] != "2":
        fail("the V2_0 pool did not send a version 2 event")
    check_answer(stack, builtin, event, answer, "built-in sign-in")
    real = {"id": verify(stack, builtin, pool, client, auth["IdToken"], "id")[0],
            "access": verify(stack, builtin, pool, client, auth["AccessToken"], "access")[0]}
    for use in ("id", "access"):
        if {"email", "name", "phone_number"} & set(real[use]):
            fail(f"built-in policy: the {use} token carries personal data")
        if real[use].get("tenantId") != "tenant-42" or real[use].get("departmentId") != "engineering":
            fail(f"built-in policy: the {use} token lacks tenantId or departmentId")
    predict(stack, builtin, event, real, "built-in sign-in")
    ok("V2 sign-in, built-in policy: ID and access tokens verified by pretoken verify (with the policy) and "
       "aws-jwt-verify; tenantId and departmentId in both, no email, name or phone number; preview predicts "
       "every claim; the function's answer equals pretoken invoke")

    # -- V2 sign-in, every form -----------------------------------------
    pool = stack.pool("every", {"PreTokenGenerationConfig": {"LambdaArn": every.arn, "LambdaVersion": "V2_0"}})
    client = stack.client(pool)
    stack.user(pool, "jane", jane, jane_groups, permanent=False)
    for how, source in (("first", "TokenGeneration_NewPasswordChallenge"), ("again", "TokenGeneration_Authentication")):
        what = f"every-form sign-in ({how})"
        if how == "first":
            auth = stack.first_sign_in(client, "jane", {"flow": "checkout"})
        else:
            auth = stack.sign_in(client, "jane")
        event, answer = one_event(every, 2, what)
        if json.loads(event.read_text())["triggerSource"] != source:
            fail(f"{what}: the trigger source is not {source}")
        check_answer(stack, every, event, answer, what)
        id_claims, id_check = verify(stack, every, pool, client, auth["IdToken"], "id")
        access_claims, _ = verify(stack, every, pool, client, auth["AccessToken"], "access")
        real = {"id": id_claims, "access": access_claims}
        want_both = {"tenantId": "tenant-42", "org": {"tenant": "tenant-42", "dept": "engineering"}, "role": "admin",
                     "plan": "enterprise", "flow": "CHECKOUT" if how == "first" else None}
        for use in ("id", "access"):
            for name, value in want_both.items():
                if real[use].get(name) != value:
                    fail(f"{what}: {use}.{name} is {real[use].get(name)!r}, expected {value!r}")
            if {"email", "name", "phone_number", "given_name", "family_name"} & set(real[use]):
                fail(f"{what}: the {use} token carries personal data")
        if real["id"].get("tenantKey") != "TENANT#TENANT-42" or real["id"].get("mailDomain") != "example.com":
            fail(f"{what}: the ID token lacks tenantKey or mailDomain")
        if real["access"].get("seats") != 50 or "seats" in real["id"]:
            fail(f"{what}: seats (a number from DynamoDB) belongs to the access token only")
        scopes = real["access"]["scope"].split()
        if not {"tenant/tenant-42", "static/read", "aws.cognito.signin.user.admin"} <= set(scopes):
            fail(f"{what}: scopes added from templates are missing: {scopes}")
        if "refreshed" in real["access"] or "machine" in real["access"]:
            fail(f"{what}: a rule for refreshes or machine clients applied to a sign-in")
        override = json.loads(answer.read_text())["response"]["claimsAndScopeOverrideDetails"]["groupOverrideDetails"]
        if override["groupsToOverride"] != ["admins", "users", "app-billing", "app-reports"]:
            fail(f"{what}: the function's group override is {override['groupsToOverride']}")
        if override["iamRolesToOverride"] != ["arn:aws:iam::123456789012:role/base"]:
            fail(f"{what}: the function's role override is {override['iamRolesToOverride']}")
        out = predict(stack, every, event, real, what)
        if out["idToken"].get("cognito:groups") != override["groupsToOverride"]:
            fail(f"{what}: preview's groups differ from the function's override")
        if id_check.returncode == 0:
            fail("pretoken verify --policy did not notice that ministack kept the groups the policy filters")
    ok("V2 sign-in, every form (USER_PASSWORD_AUTH: a first sign-in through NEW_PASSWORD_REQUIRED with client "
       "metadata, then a plain one): an object claim, template + transform, a number from DynamoDB in the access "
       "token only, client metadata (first only), scopes from templates, a group role; verified both ways; "
       "preview predicts every claim; the group override (internal-* removed, users and allowed app-* added, "
       "evil-admins refused) is in the answer, and pretoken verify --policy flags ministack for not applying it")

    # -- Refresh ----------------------------------------------------------
    for how in ("REFRESH_TOKEN_AUTH", "GetTokensFromRefreshToken"):
        if how == "REFRESH_TOKEN_AUTH":
            fresh = stack.idp.initiate_auth(ClientId=client, AuthFlow="REFRESH_TOKEN_AUTH",
                                            AuthParameters={"REFRESH_TOKEN": auth["RefreshToken"]},
                                            ClientMetadata={"flow": "renew"})["AuthenticationResult"]
        else:
            fresh = stack.idp.get_tokens_from_refresh_token(RefreshToken=auth["RefreshToken"], ClientId=client,
                                                           ClientMetadata={"flow": "renew"})["AuthenticationResult"]
        event, answer = one_event(every, 2, how)
        if json.loads(event.read_text())["triggerSource"] != "TokenGeneration_RefreshTokens":
            fail(f"{how}: the trigger source is not TokenGeneration_RefreshTokens")
        check_answer(stack, every, event, answer, how)
        real = {"id": verify(stack, every, pool, client, fresh["IdToken"], "id")[0],
                "access": verify(stack, every, pool, client, fresh["AccessToken"], "access")[0]}
        if real["access"].get("refreshed") is not True or "refreshed" in real["id"]:
            fail(f"{how}: the rule on TokenGeneration_RefreshTokens did not apply to the access token only")
        if real["access"].get("tenantId") != "tenant-42":
            fail(f"{how}: the refreshed access token lost tenantId")
        metadata = json.loads(event.read_text())["request"].get("clientMetadata")
        if metadata and real["access"].get("flow") != "RENEW":
            fail(f"{how}: the client metadata arrived, but the flow claim is {real['access'].get('flow')!r}")
        predict(stack, every, event, real, how)
        ok(f"refresh with {how}: trigger source TokenGeneration_RefreshTokens, the rule on it applies "
           "(refreshed: true, access token only); preview predicts every claim; client metadata "
           + ("passed and applied" if metadata else "not passed by ministack"))

    # -- V3 client credentials, and V2 not called for that grant ----------
    for version, fn in (("V3_0", machine), ("V2_0", every)):
        pool = stack.pool(f"machine-{version}", {"PreTokenGenerationConfig": {"LambdaArn": fn.arn, "LambdaVersion": version}})
        stack.idp.create_resource_server(UserPoolId=pool, Identifier="orders", Name="orders",
                                         Scopes=[{"ScopeName": "read", "ScopeDescription": "read"},
                                                 {"ScopeName": "write", "ScopeDescription": "write"}])
        app = stack.idp.create_user_pool_client(
            UserPoolId=pool, ClientName="machine", GenerateSecret=True, AllowedOAuthFlows=["client_credentials"],
            AllowedOAuthScopes=["orders/read", "orders/write"], AllowedOAuthFlowsUserPoolClient=True,
        )["UserPoolClient"]
        basic = base64.b64encode(f"{app['ClientId']}:{app['ClientSecret']}".encode()).decode()
        req = urllib.request.Request(
            f"{stack.url}/oauth2/token", method="POST",
            data=urllib.parse.urlencode({"grant_type": "client_credentials", "scope": "orders/read orders/write",
                                         "aws_client_metadata": json.dumps({"flow": "batch"})}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"},
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            grant = json.loads(r.read())
        if "id_token" in grant:
            fail(f"client credentials on a {version} pool issued an ID token")
        if version == "V2_0":
            if fn.new_calls():
                fail("a V2_0 pool called the function for a client-credentials grant")
            claims = verify(stack, fn, pool, app["ClientId"], grant["access_token"], "access")[0]
            if "machine" in claims or set(claims["scope"].split()) != {"orders/read", "orders/write"}:
                fail(f"the V2_0 pool's machine token was changed: {claims}")
            ok("client credentials on a V2_0 pool: the function is not called, the token is as issued (as in Cognito)")
            continue
        event, answer = one_event(fn, 1, "client credentials")
        if json.loads(event.read_text())["triggerSource"] != "TokenGeneration_ClientCredentials":
            fail("client credentials: the trigger source is not TokenGeneration_ClientCredentials")
        check_answer(stack, fn, event, answer, "client credentials")
        claims = verify(stack, fn, pool, app["ClientId"], grant["access_token"], "access")[0]
        if (claims.get("machine") != "yes" or claims.get("caller") != f"client:{app['ClientId']}"
                or claims.get("flow") != "BATCH"):
            fail("client credentials: the machine-client rules did not apply")
        for user_claim in ("tenantId", "tenantKey", "role", "org", "plan"):
            if user_claim in claims:
                fail(f"client credentials: the user claim {user_claim} is in the machine token")
        if claims["scope"].split() != ["orders/read"]:
            fail(f"client credentials: orders/write should be suppressed, scopes are {claims['scope']}")
        predict(stack, fn, event, {"access": claims}, "client credentials", token_uses=("access",))
        ok("V3 client credentials (/oauth2/token with aws_client_metadata): machine rules apply (machine, caller "
           "from the client ID, flow from client metadata, orders/write suppressed), user rules do not, no ID token; preview predicts every claim")

    # -- Deny, and the lookup's table gone ---------------------------------
    def refusal(name, username, attributes, message, error_type):
        """A sign-in refused with `message`, after one call that ended in `error_type`; no token."""
        pool = stack.pool(name, {"PreTokenGenerationConfig": {"LambdaArn": every.arn, "LambdaVersion": "V2_0"}})
        client = stack.client(pool)
        stack.user(pool, username, attributes)
        code, text = refused(stack, client, username, f"the {name} sign-in")
        if message not in text:
            fail(f"{name}: refused, but without the message {message!r}: {code}: {text}")
        calls = every.new_calls()
        if len(calls) != 1 or json.loads(calls[0][1].read_text()).get("errorType") != error_type:
            fail(f"{name}: expected one {error_type} from the function, saw {[a.read_text() for _, a in calls]}")
        return code

    code = refusal("deny", "sam", {"email": "sam@example.com", "custom:tenantId": "tenant-42", "custom:plan": "suspended"},
                   "This account is suspended. Contact your administrator.", "SignInDenied")
    ok(f"a deny rule refuses a suspended account with the policy's message, no token ({code} from ministack; "
       "Cognito answers UserLambdaValidationException)")
    stack.ddb.delete_table(TableName=table)
    refusal("outage", "jane", jane, "the data for sign-in could not be read (lookup tenant); please try again",
            "LookupUnavailable")
    ok("with the lookup's DynamoDB table deleted, ifUnavailable: fail refuses the sign-in (LookupUnavailable), "
       "no token")

    # -- V1 --------------------------------------------------------------
    pool = stack.pool("legacy", {"PreTokenGeneration": legacy.arn})
    client = stack.client(pool)
    stack.user(pool, "jane", jane, jane_groups)
    auth = stack.sign_in(client, "jane")
    event, answer = one_event(legacy, 1, "V1 sign-in")
    check_answer(stack, legacy, event, answer, "V1 sign-in")
    real = {"id": verify(stack, legacy, pool, client, auth["IdToken"], "id")[0],
            "access": claims_of(auth["AccessToken"])}
    if real["id"].get("tenantId") != "tenant-42" or "email" in real["id"]:
        fail("V1: the ID token was not changed")
    if "tenantId" in real["access"]:
        fail("V1: the access token was changed")
    predict(stack, legacy, event, real, "V1 sign-in", token_uses=("id",))
    ok("V1 sign-in (a V1_0 pool): the ID token changes, the access token does not; preview predicts the ID token")

    # -- Logs -------------------------------------------------------------
    values = [v for k, v in jane.items() if k != "email_verified"] + [
        "app-billing", "evil-admins", "TENANT#TENANT-42", "enterprise", "CHECKOUT", "checkout", "renew", "RENEW", "batch", "BATCH", "sam@example.com"]
    for fn in (builtin, every, machine, legacy):
        log = fn.log()
        if "token claims customized" not in log:
            fail(f"{fn.name}: the function's log is missing")
        for v in values:
            if v in log:
                fail(f"{fn.name}: the function's log carries an attribute value")
    ok("no attribute value in the functions' logs")

    RUN.stop_all()
    code = Path(tempfile.gettempdir()) / f"ministack-provided-code-{stack.port}"
    leftovers = subprocess.run(["pgrep", "-f", str(code)], capture_output=True, text=True).stdout.split()
    if leftovers:
        fail(f"processes left running after ministack stopped: {leftovers}")
    shutil.rmtree(code, ignore_errors=True)
    ok(f"every process stopped (ministack and the functions), in {time.time() - started:.0f} s")
    shutil.rmtree(TMP, ignore_errors=True)
    RUN.done()


if __name__ == "__main__":
    try:
        main()
    finally:
        RUN.stop_all()
