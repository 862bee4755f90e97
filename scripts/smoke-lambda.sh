#!/usr/bin/env bash
# Smoke test of the real Lambda path: the release `pretoken-lambda` binary
# (the function built without lookups, its own package) under `cargo lambda
# watch` (which serves the Lambda Runtime API to the
# function and the Invoke API on loopback), invoked with fixtures through
# `cargo lambda invoke` and plain HTTP. The same path as `sam local invoke`,
# without Docker. Also checks that the function's own log, at its most
# verbose, carries no attribute value.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${SMOKE_PORT:-9000}"
VPORT=$((PORT + 1))
FUNCTION=pretoken-lambda
URL="http://127.0.0.1:${PORT}/2015-03-31/functions/${FUNCTION}/invocations"

for p in "${PORT}" "${VPORT}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/${p}") 2>/dev/null; then
    echo "smoke: port ${p} is already taken; stop what uses it or set SMOKE_PORT" >&2
    exit 1
  fi
done
command -v cargo-lambda >/dev/null || { echo "smoke: cargo-lambda is not installed (pip install cargo-lambda)" >&2; exit 1; }

log="$(mktemp)"
# The pool version is pinned as the SAM template does, for cognito-local's "0" events.
setsid env PRETOKEN_LAMBDA_VERSION=V1_0 AWS_LAMBDA_LOG_LEVEL=trace \
  cargo lambda watch --release --ignore-changes -p "${FUNCTION}" --invoke-address 127.0.0.1 --invoke-port "${PORT}" \
  >"${log}" 2>&1 &
watch_pid=$!
# The validator is a binary of the core package: a watcher of its own.
vlog="$(mktemp)"
setsid cargo lambda watch --release --ignore-changes --invoke-address 127.0.0.1 --invoke-port "${VPORT}" \
  >"${vlog}" 2>&1 &
vwatch_pid=$!
cleanup() {
  kill -- "-${watch_pid}" "-${vwatch_pid}" 2>/dev/null || true
  wait "${watch_pid}" "${vwatch_pid}" 2>/dev/null || true
}
trap cleanup EXIT

invoke() { curl -sS --max-time 60 -X POST "${URL}" --data-binary "@$1"; }

# The first invocation waits for the build; give it time on a cold cache.
for _ in $(seq 1 300); do
  if (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null; then break; fi
  kill -0 "${watch_pid}" 2>/dev/null || { cat "${log}" >&2; echo "smoke: cargo lambda watch exited" >&2; exit 1; }
  sleep 1
done
out="$(cargo lambda invoke "${FUNCTION}" --invoke-address 127.0.0.1 --invoke-port "${PORT}" --data-file events/v2-authentication.json)"

passed=0
check() { # check NAME PYTHON_EXPRESSION_ON_r (the response JSON)
  python3 -c "import json,sys; r=json.loads(sys.stdin.read()); sys.exit(0 if ($2) else 1)" <<<"$3" \
    || { echo "smoke: FAILED $1: $3" >&2; exit 1; }
  echo "smoke: ok  $1"
  passed=$((passed + 1))
}

check "v2 event through cargo lambda invoke" \
  'r["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToSuppress"]==["email","phone_number","name"] and r["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]["claimsToAddOrOverride"]["tenantId"]=="tenant-42"' \
  "${out}"
check "request comes back unchanged" \
  'r["request"]==json.load(open("events/v2-authentication.json"))["request"]' "${out}"
check "v1 event" '"claimsOverrideDetails" in r["response"] and "groupOverrideDetails" not in r["response"]["claimsOverrideDetails"]' \
  "$(invoke events/v1-authentication.json)"
check "cognito-local v0 event answers in the pinned V1_0" '"claimsOverrideDetails" in r["response"]' \
  "$(invoke events/cognito-local-v0.json)"
check "client credentials" '"idTokenGeneration" not in r["response"]["claimsAndScopeOverrideDetails"]' \
  "$(invoke events/v3-client-credentials.json)"
bad="$(mktemp)"
echo '{"version":"2","request":{"userAttributes":{"email":42}}}' >"${bad}"
check "malformed event gets a precise, typed error" \
  'r=={"errorType":"InvalidEvent","errorMessage":"invalid event: request.userAttributes[\"email\"] must be a string, not a number"}' \
  "$(invoke "${bad}")"
echo '{"version":"2","request":{"userAttributes":{"custom:tenantId":"a","custom:tenantId":"b"}}}' >"${bad}"
check "duplicate keys get the handler's own error, not the runtime's" \
  'r=={"errorType":"InvalidEvent","errorMessage":"invalid event: the event repeats the key \"custom:tenantId\""}' \
  "$(invoke "${bad}")"

# The AppConfig validator (pretoken-validate), with AppConfig's own event shape.
for _ in $(seq 1 300); do
  if (exec 3<>"/dev/tcp/127.0.0.1/${VPORT}") 2>/dev/null; then break; fi
  kill -0 "${vwatch_pid}" 2>/dev/null || { cat "${vlog}" >&2; echo "smoke: the validator's cargo lambda watch exited" >&2; exit 1; }
  sleep 1
done
VALIDATE_URL="http://127.0.0.1:${VPORT}/2015-03-31/functions/pretoken-validate/invocations"
validator_event() { # validator_event BASE64_CONTENT
  printf '{"applicationId":"abc1234","configurationProfileId":"ur8hx2f","configurationVersion":"7","content":"%s","uri":"hosted"}' "$1" >"${bad}"
  # The first call waits for the watcher's build on a cold cache.
  curl -sS --max-time 900 -X POST "${VALIDATE_URL}" --data-binary "@${bad}"
}
check "validator: a valid policy passes" 'r["valid"] is True and r["configurationVersion"]=="7"' \
  "$(validator_event "$(base64 -w0 policy.json)")"
check "validator: an invalid policy is refused with every problem" \
  'r["errorType"]=="InvalidPolicy" and r["errorMessage"].startswith("the policy is invalid (2 problems): claims[0].claim: `sub` is reserved")' \
  "$(validator_event "$(printf '{"claims":[{"claim":"sub","value":1},{"claim":"x","value":1,"tokenz":[]}]}' | base64 -w0)")"
check "validator: content that is not base64" \
  'r=={"errorType":"InvalidValidatorEvent","errorMessage":"not an AppConfig validator event: content is not base64"}' \
  "$(validator_event '%%%')"
check "validator: content that is not JSON" \
  'r["errorType"]=="InvalidPolicy" and "not valid JSON" in r["errorMessage"]' \
  "$(validator_event "$(printf 'claims: []' | base64 -w0)")"
echo

sleep 1
for secret in jane.doe@example.com +12065551212 "Jane Doe" tenant-42 engineering; do
  if grep -v -e "^ *Compiling" -e "^ *Finished" -e "^ *Running" "${log}" | grep -qF -- "${secret}"; then
    grep -nF -- "${secret}" "${log}" >&2; echo "smoke: FAILED the function log contains an attribute value" >&2
    exit 1
  fi
done
grep -q "token claims customized" "${log}" || { cat "${log}" >&2; echo "smoke: FAILED no invocation log line" >&2; exit 1; }
echo "smoke: ok  function log (trace level) names claims, never values"
passed=$((passed + 1))
echo "smoke: ${passed} passed, 0 failed"
