//! `pretoken preview`: the tokens Cognito would issue, emulated.

mod common;

use std::process::{Command, Output};

use common::*;
use serde_json::{Value, json};

fn preview(args: &[&str]) -> (Output, Value) {
    let mut all = vec!["preview", "--json"];
    all.extend_from_slice(args);
    let o = Command::new(env!("CARGO_BIN_EXE_pretoken"))
        .args(&all)
        .current_dir(root())
        .env_remove("PRETOKEN_LAMBDA_VERSION")
        .output()
        .unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o, v)
}

fn write_policy(name: &str, json: &str) -> String {
    let dir = std::env::temp_dir().join(format!("pretoken-preview-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, json).unwrap();
    p.to_string_lossy().into_owned()
}

fn change<'a>(out: &'a Value, token: &str, claim: &str) -> Option<&'a str> {
    out["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["token"] == token && c["claim"] == claim)
        .and_then(|c| c["change"].as_str())
}

#[test]
fn default_policy_on_a_v2_sign_in() {
    let (o, out) = preview(&["events/v2-authentication.json"]);
    assert!(o.status.success());
    let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["idToken", "accessToken", "changes", "sizes"]);
    let id = &out["idToken"];
    for pii in ["email", "phone_number", "name"] {
        assert!(id.get(pii).is_none(), "{pii}");
        assert_eq!(change(&out, "id", pii), Some("suppressed"));
    }
    assert_eq!(id["tenantId"], "tenant-42");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["aud"], "1example23456789");
    assert_eq!(id["cognito:groups"], json!(["owners", "contributors"]));
    assert_eq!(out["accessToken"]["departmentId"], "engineering");
    assert_eq!(change(&out, "access", "tenantId"), Some("added"));
    assert_eq!(change(&out, "id", "sub"), Some("untouched"));
    let iat = out["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["claim"] == "iat")
        .unwrap();
    assert_eq!(iat["placeholder"], true);
    let id_size = out["sizes"]["idToken"].as_u64().unwrap();
    assert!((900..2000).contains(&id_size), "{id_size}");
}

#[test]
fn client_credentials_have_no_id_token() {
    let (o, out) = preview(&["events/v3-client-credentials.json"]);
    assert!(o.status.success());
    assert_eq!(out["idToken"], Value::Null);
    assert_eq!(out["sizes"]["idToken"], Value::Null);
    assert_eq!(out["accessToken"]["client_id"], "3m2mclient456789");
    assert_eq!(out["accessToken"]["scope"], "orders/read orders/write");
    assert!(out["accessToken"].get("username").is_none());
}

#[test]
fn a_machine_token_names_no_user_even_when_the_event_has_a_user_name() {
    // ministack sends "userName": "ClientCredentials" with a machine event.
    let mut event: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("events/v3-client-credentials.json")).unwrap(),
    )
    .unwrap();
    event["userName"] = json!("ClientCredentials");
    let path = write_policy("machine-event.json", &event.to_string());
    let (o, out) = preview(&[&path]);
    assert!(o.status.success());
    assert!(
        out["accessToken"].get("username").is_none(),
        "{}",
        out["accessToken"]
    );
}

#[test]
fn scopes_and_group_claims() {
    let (_, out) = preview(&[
        "--policy",
        "policies/rbac.json",
        "events/v2-authentication.json",
    ]);
    assert_eq!(
        out["accessToken"]["scope"],
        "aws.cognito.signin.user.admin documents/read"
    );
    assert_eq!(
        out["accessToken"]["roles"]["owner"]["document_permission"],
        "full_control"
    );
    assert_eq!(change(&out, "access", "scope"), Some("changed"));

    let filter = write_policy("filter.json", r#"{"groups": {"keep": ["owners"]}}"#);
    let (_, out) = preview(&["--policy", &filter, "events/v1-authentication.json"]);
    // V1: the override changes both tokens' groups, and the ID token's roles:
    // a group was removed and the policy has no roles section, so no role
    // is left (the event does not say which group gave which role).
    assert_eq!(out["idToken"]["cognito:groups"], json!(["owners"]));
    assert_eq!(out["accessToken"]["cognito:groups"], json!(["owners"]));
    assert_eq!(out["idToken"].get("cognito:roles"), None);

    let drop = write_policy(
        "drop.json",
        r#"{"suppress": [{"claims": ["cognito:groups"], "tokens": ["id"]}]}"#,
    );
    let (_, out) = preview(&["--policy", &drop, "events/v2-authentication.json"]);
    for c in ["cognito:groups", "cognito:roles", "cognito:preferred_role"] {
        assert!(out["idToken"].get(c).is_none(), "{c}");
    }
    assert!(out["accessToken"].get("cognito:groups").is_some());
}

#[test]
fn v1_leaves_the_access_token_alone_and_stringifies() {
    let p = write_policy(
        "v1.json",
        r#"{"claims": [{"claim": "n", "value": {"a": 1}}], "suppress": [{"claims": ["email"]}]}"#,
    );
    let (_, out) = preview(&["--policy", &p, "events/v1-authentication.json"]);
    assert_eq!(out["idToken"]["n"], "{\"a\":1}");
    assert!(out["accessToken"].get("n").is_none());
}

#[test]
fn oversized_tokens_are_warned_about() {
    let big = "x".repeat(9000);
    let p = write_policy(
        "big.json",
        &format!(r#"{{"claims": [{{"claim": "blob", "value": "{big}", "tokens": ["id"]}}]}}"#),
    );
    let (o, out) = preview(&["--policy", &p, "events/v2-authentication.json"]);
    assert!(o.status.success());
    assert!(out["sizes"]["idToken"].as_u64().unwrap() > 12000);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("warning: the ID token would be"), "{err}");
    assert!(!err.contains("access token would be"), "{err}");
}

#[test]
fn text_output_marks_changes() {
    let o = Command::new(env!("CARGO_BIN_EXE_pretoken"))
        .args(["preview", "events/v2-authentication.json"])
        .current_dir(root())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("\n  - email "), "{text}");
    assert!(text.contains("\n  + tenantId "), "{text}");
    assert!(text.contains("\n  * iat "), "{text}");
    assert!(text.contains("ID token ("), "{text}");
    // The prompt must not land on the last claim's line.
    assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{text:?}");
}

#[test]
fn a_deny_rule_is_shown_as_cognito_shows_it() {
    let o = Command::new(env!("CARGO_BIN_EXE_pretoken"))
        .args([
            "preview",
            "--policy",
            "policies/email-domain-gate.json",
            "events/v2-federated-saml.json",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: SignInDenied: Sign-in is limited to example.com accounts.\ndetail: Cognito would fail the sign-in and show \"PreTokenGeneration failed with error Sign-in is limited to example.com accounts..\"\n"
    );
}
