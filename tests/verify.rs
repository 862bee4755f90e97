//! `pretoken verify` and the verification core, on tokens signed here with
//! the test keys in `tests/fixtures/keys/`.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use pretoken::tools::verify::{Expected, Jwks, TokenUse, VerifyError, check_policy, verify};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};

const CLIENT: &str = "1example23456789";
const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

/// Signs `claims` with test key `key` (1 or 2) under the header `kid`.
fn sign_with(header: &Value, claims: &Value, key: u8) -> String {
    let der =
        std::fs::read(root().join(format!("tests/fixtures/keys/test-key-{key}.der"))).unwrap();
    let pair = RsaKeyPair::from_der(&der).unwrap();
    let message = format!("{}.{}", b64(header), b64(claims));
    let mut sig = vec![0; pair.public().modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        message.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(sig))
}

fn sign(claims: &Value) -> String {
    sign_with(&json!({"kid": "test-kid-1", "alg": "RS256"}), claims, 1)
}

fn id_claims() -> Value {
    let t = now();
    json!({
        "sub": "a1b2c3d4", "iss": ISS, "aud": CLIENT, "token_use": "id",
        "cognito:username": "jane", "tenantId": "tenant-42",
        "auth_time": t, "iat": t, "exp": t + 3600
    })
}

fn access_claims() -> Value {
    let t = now();
    json!({
        "sub": "a1b2c3d4", "iss": ISS, "client_id": CLIENT, "token_use": "access",
        "scope": "aws.cognito.signin.user.admin", "username": "jane",
        "auth_time": t, "iat": t, "exp": t + 3600
    })
}

fn jwks() -> Jwks {
    Jwks::parse(&std::fs::read_to_string(root().join("tests/fixtures/keys/jwks.json")).unwrap())
        .unwrap()
}

fn expected() -> Expected {
    Expected {
        client_id: Some(CLIENT.into()),
        token_use: None,
        issuer: Some(ISS.into()),
        leeway: 0,
    }
}

fn check(token: &str) -> Result<TokenUse, VerifyError> {
    verify(token, &jwks(), &expected(), now()).map(|v| v.token_use)
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

#[test]
fn valid_id_and_access_tokens() {
    assert_eq!(check(&sign(&id_claims())), Ok(TokenUse::Id));
    assert_eq!(check(&sign(&access_claims())), Ok(TokenUse::Access));
    let second_key = sign_with(
        &json!({"kid": "test-kid-2", "alg": "RS256"}),
        &id_claims(),
        2,
    );
    assert_eq!(check(&second_key), Ok(TokenUse::Id));
}

#[test]
fn tampered_signature_is_refused() {
    let token = sign(&id_claims());
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = b64(&with(id_claims(), "tenantId", json!("tenant-666")));
    let err = check(&parts.join(".")).unwrap_err();
    assert_eq!(
        err,
        VerifyError::Signature("the signature does not verify".into())
    );
    // Signed by key 2 but claiming key 1.
    let wrong = sign_with(
        &json!({"kid": "test-kid-1", "alg": "RS256"}),
        &id_claims(),
        2,
    );
    assert_eq!(check(&wrong).unwrap_err().exit_code(), 4);
}

#[test]
fn the_algorithm_comes_from_the_key() {
    let none = format!(
        "{}.{}.",
        b64(&json!({"kid": "test-kid-1", "alg": "none"})),
        b64(&id_claims())
    );
    assert_eq!(
        check(&none).unwrap_err(),
        VerifyError::Signature(
            "the token says alg \"none\" but its key is for RS256: refused".into()
        )
    );
    // HS256 "signed" with the public modulus as the secret: the classic confusion.
    let hs = sign_with(
        &json!({"kid": "test-kid-1", "alg": "HS256"}),
        &id_claims(),
        1,
    );
    assert_eq!(check(&hs).unwrap_err().exit_code(), 4);
    let unknown = sign_with(
        &json!({"kid": "rotated-away", "alg": "RS256"}),
        &id_claims(),
        1,
    );
    assert_eq!(
        check(&unknown).unwrap_err(),
        VerifyError::Signature("no key with kid \"rotated-away\" in the JWKS".into())
    );
}

#[test]
fn times_are_checked_with_leeway() {
    let t = now();
    let expired = sign(&with(id_claims(), "exp", json!(t - 10)));
    assert!(matches!(check(&expired), Err(VerifyError::Time(m)) if m.starts_with("expired")));
    let mut lenient = expected();
    lenient.leeway = 60;
    assert!(verify(&expired, &jwks(), &lenient, t).is_ok());
    let early = sign(&with(id_claims(), "nbf", json!(t + 120)));
    assert!(
        matches!(check(&early), Err(VerifyError::Time(m)) if m.starts_with("not valid for another"))
    );
    let no_exp = {
        let mut c = id_claims();
        c.as_object_mut().unwrap().remove("exp");
        sign(&c)
    };
    assert_eq!(
        check(&no_exp).unwrap_err(),
        VerifyError::Claim("the token has no exp".into())
    );
}

#[test]
fn client_issuer_and_token_use_must_match() {
    let other = sign(&with(id_claims(), "aud", json!("another-client")));
    assert_eq!(
        check(&other).unwrap_err(),
        VerifyError::Claim("aud is not the client \"1example23456789\"".into())
    );
    let other = sign(&with(access_claims(), "client_id", json!("another-client")));
    assert_eq!(check(&other).unwrap_err().exit_code(), 6);
    let iss = sign(&with(id_claims(), "iss", json!("https://evil.example")));
    assert_eq!(check(&iss).unwrap_err().exit_code(), 6);
    let mut want_access = expected();
    want_access.token_use = Some(TokenUse::Access);
    assert_eq!(
        verify(&sign(&id_claims()), &jwks(), &want_access, now()).unwrap_err(),
        VerifyError::Claim("token_use is \"id\", expected \"access\"".into())
    );
}

#[test]
fn malformed_tokens() {
    for (token, msg) in [
        ("abc", "a JWT has 3 parts separated by dots, this has 1"),
        ("a.b", "a JWT has 3 parts separated by dots, this has 2"),
        ("!!.e30.", "the header is not base64url"),
        ("W10.e30.", "the header is not a JSON object"),
        ("e30.e30.", "the header has no alg"),
    ] {
        assert_eq!(
            check(token).unwrap_err(),
            VerifyError::Malformed(msg.into()),
            "{token}"
        );
    }
}

#[test]
fn policy_checks() {
    let policy = load_policy(&root().join("policy.json"));
    let leaky = verify(
        &sign(&with(id_claims(), "email", json!("x@example.com"))),
        &jwks(),
        &expected(),
        now(),
    )
    .unwrap();
    assert_eq!(
        check_policy(&policy, &leaky).violations,
        ["claim email is present, but the policy suppresses it from ID tokens (suppress[0])"]
    );
    let clean = verify(&sign(&id_claims()), &jwks(), &expected(), now()).unwrap();
    let check = check_policy(&policy, &clean);
    assert!(check.violations.is_empty(), "{check:?}");
    // Attribute claims with "ifMissing": "skip" may rightly be absent.
    assert_eq!(check.unchecked, ["claims[0]", "claims[1]"]);
    let constants = load_policy(&root().join("policies/access-token-claims.json"));
    let access = verify(&sign(&access_claims()), &jwks(), &expected(), now()).unwrap();
    assert_eq!(
        check_policy(&constants, &access).violations,
        [
            "claim country_id is missing, but the policy adds it to every access token (claims[0]); a V1 pool cannot add access-token claims",
            "claim external_partner_id is missing, but the policy adds it to every access token (claims[1]); a V1 pool cannot add access-token claims",
        ]
    );
    // Rules that apply to other clients or groups are not held against the token.
    let scoped = policy_json(
        r#"{"suppress": [{"claims": ["tenantId"], "when": {"clientIds": ["other"]}}]}"#,
    );
    assert_eq!(
        check_policy(&scoped, &clean),
        pretoken::tools::verify::PolicyCheck::default()
    );
}

#[test]
fn policy_checks_of_the_new_forms() {
    let clean = verify(&sign(&id_claims()), &jwks(), &expected(), now()).unwrap();
    // A deny rule the token's client matches: the token should not exist.
    let deny = policy_json(&format!(
        r#"{{"deny": [{{"when": {{"clientIds": ["{}"]}}, "message": "No."}}]}}"#,
        id_claims()["aud"].as_str().unwrap()
    ));
    assert_eq!(
        check_policy(&deny, &clean).violations,
        ["the policy refuses sign-in for this token's client and groups (deny[0])"]
    );
    // Conditions the token cannot decide are reported, never guessed.
    let undecidable = policy_json(
        r#"{"deny": [{"when": {"attributes": {"email": {"endsWith": "@x.test"}}}, "message": "No."}],
            "suppress": [{"claims": ["nickname"], "when": {"not": {"triggerSources": ["TokenGeneration_RefreshTokens"]}}}]}"#,
    );
    let check = check_policy(&undecidable, &clean);
    assert!(check.violations.is_empty(), "{check:?}");
    assert_eq!(check.unchecked, ["deny[0]", "suppress[0]"]);
    // A constant group the policy adds must be there.
    let groups = policy_json(r#"{"groups": {"add": ["users"]}}"#);
    assert_eq!(
        check_policy(&groups, &clean).violations,
        ["group users is missing from cognito:groups, but the policy adds it (groups.add)"]
    );
}

fn policy_json(s: &str) -> pretoken::Policy {
    common::policy(s)
}

fn pretoken(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pretoken"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn code_and_line(o: &Output) -> (i32, String) {
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).trim().to_owned(),
    )
}

#[test]
fn cli_exit_codes_per_class() {
    let jwks = "tests/fixtures/keys/jwks.json";
    let base = [
        "verify",
        "--jwks",
        jwks,
        "--client-id",
        CLIENT,
        "--issuer",
        ISS,
    ];
    let run = |token: &str, extra: &[&str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--token", token]);
        code_and_line(&pretoken(&args))
    };
    assert_eq!(
        run(&sign(&id_claims()), &["--token-use", "id", "--policy", "policy.json"]),
        (0, "valid: id token, signature and times checked, client matches, issuer matches, obeys the policy\nnot checked (the token alone cannot tell): claims[0], claims[1]".into())
    );
    assert_eq!(run("abc", &[]).0, 3);
    let none = format!(
        "{}.{}.",
        b64(&json!({"kid": "test-kid-1", "alg": "none"})),
        b64(&id_claims())
    );
    assert_eq!(
        run(&none, &[]),
        (
            4,
            "invalid: signature: the token says alg \"none\" but its key is for RS256: refused"
                .into()
        )
    );
    assert_eq!(run(&sign(&with(id_claims(), "exp", json!(1))), &[]).0, 5);
    assert_eq!(run(&sign(&id_claims()), &["--token-use", "access"]).0, 6);
    let leaky = sign(&with(id_claims(), "phone_number", json!("+1")));
    assert_eq!(
        run(&leaky, &["--policy", "policy.json"]),
        (7, "invalid: policy violation: claim phone_number is present, but the policy suppresses it from ID tokens (suppress[0])".into())
    );
    let o = pretoken(&[
        "verify",
        "--jwks",
        "nope.json",
        "--any-client",
        "--any-issuer",
        "--token",
        "a.b.c",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn cli_prints_claims_and_reads_token_files() {
    let dir = std::env::temp_dir().join(format!("pretoken-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token.txt");
    std::fs::write(&file, sign(&id_claims()) + "\n").unwrap();
    let o = pretoken(&[
        "verify",
        "--jwks",
        "tests/fixtures/keys/jwks.json",
        "--client-id",
        CLIENT,
        "--issuer",
        ISS,
        "--print",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let claims: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(claims["tenantId"], "tenant-42");
}

#[test]
fn cli_fetches_the_jwks_over_http_once() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let body = std::fs::read_to_string(root().join("tests/fixtures/keys/jwks.json")).unwrap();
    let server = std::thread::spawn(move || {
        let mut served = 0;
        // One connection is expected; the listener stops after it.
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            assert!(
                String::from_utf8_lossy(&buf[..n]).starts_with("GET /pool/.well-known/jwks.json")
            );
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(reply.as_bytes()).unwrap();
            served += 1;
        }
        served
    });
    let url = format!("http://127.0.0.1:{port}/pool/.well-known/jwks.json");
    let o = pretoken(&[
        "verify",
        "--jwks",
        &url,
        "--client-id",
        CLIENT,
        "--issuer",
        ISS,
        "--token",
        &sign(&access_claims()),
    ]);
    assert_eq!(code_and_line(&o).0, 0, "{}", code_and_line(&o).1);
    assert_eq!(server.join().unwrap(), 1);
}

#[test]
fn verify_is_strict_by_default() {
    let jwks = "tests/fixtures/keys/jwks.json";
    let token = sign(&id_claims());
    // No client: refused to call the token valid.
    let (code, line) = code_and_line(&pretoken(&[
        "verify", "--jwks", jwks, "--issuer", ISS, "--token", &token,
    ]));
    assert_eq!(code, 2);
    assert!(line.contains("pass --client-id ID"), "{line}");
    // No issuer, and a file cannot name one.
    let (code, line) = code_and_line(&pretoken(&[
        "verify",
        "--jwks",
        jwks,
        "--client-id",
        CLIENT,
        "--token",
        &token,
    ]));
    assert_eq!(code, 2);
    assert!(
        line.contains("--issuer") && line.contains("--any-issuer"),
        "{line}"
    );
    // Saying so explicitly accepts any.
    let (code, line) = code_and_line(&pretoken(&[
        "verify",
        "--jwks",
        jwks,
        "--any-client",
        "--any-issuer",
        "--token",
        &token,
    ]));
    assert_eq!(code, 0, "{line}");
    // JWKS over plain http only on this machine.
    let (code, line) = code_and_line(&pretoken(&[
        "verify",
        "--jwks",
        "http://example.com/pool/.well-known/jwks.json",
        "--client-id",
        CLIENT,
        "--issuer",
        ISS,
        "--token",
        &token,
    ]));
    assert_eq!(code, 1);
    assert!(
        line.contains("plain http:// is accepted only on this machine"),
        "{line}"
    );
    // Leeway at most 300 s.
    let (code, _) = code_and_line(&pretoken(&[
        "verify",
        "--jwks",
        jwks,
        "--client-id",
        CLIENT,
        "--issuer",
        ISS,
        "--leeway",
        "301",
        "--token",
        &token,
    ]));
    assert_eq!(code, 2);
    // A header with crit is refused.
    let crit = sign_with(
        &json!({"kid": "test-kid-1", "alg": "RS256", "crit": ["exp"]}),
        &id_claims(),
        1,
    );
    let (code, line) = code_and_line(&pretoken(&[
        "verify",
        "--jwks",
        jwks,
        "--client-id",
        CLIENT,
        "--issuer",
        ISS,
        "--token",
        &crit,
    ]));
    assert_eq!(code, 3, "{line}");
    assert!(line.contains("crit"), "{line}");
}

#[test]
fn the_issuer_comes_from_a_cognito_jwks_url_and_http_means_loopback() {
    use pretoken::tools::verify::{is_loopback_url, issuer_of_jwks_url};
    assert_eq!(
        issuer_of_jwks_url(
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/jwks.json"
        )
        .as_deref(),
        Some("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC")
    );
    assert_eq!(
        issuer_of_jwks_url("http://127.0.0.1:9229/local_1/.well-known/jwks.json").as_deref(),
        Some("http://127.0.0.1:9229/local_1")
    );
    assert_eq!(
        issuer_of_jwks_url("https://evil.example/p/.well-known/jwks.json"),
        None
    );
    assert_eq!(issuer_of_jwks_url("tests/fixtures/keys/jwks.json"), None);
    for yes in [
        "http://localhost:9229/x",
        "http://127.0.0.1/x",
        "http://127.8.9.10:1/",
        "http://[::1]:80/x",
    ] {
        assert!(is_loopback_url(yes), "{yes}");
    }
    for no in [
        "http://example.com/x",
        "http://10.0.0.1/",
        "http://localhost.example.com/",
        "http://127.0.0.1.nip.io/",
        "http://user@example.com/",
    ] {
        assert!(!is_loopback_url(no), "{no}");
    }
}
