//! The `pretoken` binary, driven as a user drives it.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::*;
use serde_json::Value;

fn pretoken(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pretoken"))
        .args(args)
        .current_dir(root())
        .env_remove("PRETOKEN_LAMBDA_VERSION")
        .env_remove("RUST_LOG")
        .env_remove("AWS_LAMBDA_LOG_LEVEL")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn invoke_runs_the_default_policy_on_a_bundled_event() {
    let o = pretoken(&["invoke", "events/v2-authentication.json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let input = read_json(&root().join("events/v2-authentication.json"));
    assert_eq!(without_response(&out), without_response(&input));
    let id = &out["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"];
    assert_eq!(
        id["claimsToSuppress"],
        serde_json::json!(["email", "phone_number", "name"])
    );
}

#[test]
fn invoke_with_each_example_policy_on_every_event_matches_the_library() {
    for policy_file in policy_files() {
        let policy = load_policy(&policy_file);
        for event_file in event_files() {
            let version = configured_version(&event_file);
            let data = lookup_data_file();
            let seed = SEED.to_string();
            let mut args = vec![
                "invoke",
                "--compact",
                "--seed",
                &seed,
                "--fixed-time",
                FIXED_TIME,
                "--policy",
                policy_file.to_str().unwrap(),
                "--lambda-version",
                version.lambda_version(),
                event_file.to_str().unwrap(),
            ];
            if policy.has_lookups() {
                args.extend(["--lookup-data", data.to_str().unwrap()]);
            }
            let o = pretoken(&args);
            match trigger(policy.clone(), Some(version)).handle(read_json(&event_file)) {
                Ok(expected) => {
                    assert!(
                        o.status.success(),
                        "{}: {}",
                        event_file.display(),
                        stderr(&o)
                    );
                    assert_eq!(stdout(&o), serde_json::to_string(&expected).unwrap() + "\n");
                }
                Err(e) => {
                    assert_eq!(o.status.code(), Some(1));
                    // After the log's own line, when the refusal logs at WARN
                    // or above (the CLI's default level).
                    assert!(
                        stderr(&o)
                            .lines()
                            .any(|l| l == format!("error: {}: {e}", e.error_type())),
                        "{}",
                        stderr(&o)
                    );
                }
            }
        }
    }
}

#[test]
fn invoke_reads_standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pretoken"))
        .args(["invoke", "--compact", "-"])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(root().join("events/v1-authentication.json")).unwrap())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    assert!(stdout(&o).contains("\"claimsOverrideDetails\""));
}

#[test]
fn invoke_on_aws_invalid_sample_fails_with_the_lambda_message() {
    let o = pretoken(&[
        "invoke",
        "tests/fixtures/upstream/aws-docs/v2-complex-claims.event.invalid-json.json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains(
            "error: InvalidEvent: invalid event: the event is not valid JSON (expected `,` or `}` at line 15 column 13)"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn invoke_on_an_unknown_version_asks_for_the_pool_version() {
    let o = pretoken(&["invoke", "events/cognito-local-v0.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error: UnknownEventVersion: unsupported event version"));
    assert!(stderr(&o).contains("pass --lambda-version"));
    let o = pretoken(&[
        "invoke",
        "--lambda-version",
        "V1_0",
        "events/cognito-local-v0.json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn invoke_with_an_invalid_policy_refuses_and_explains() {
    let dir = std::env::temp_dir().join(format!("pretoken-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"claims": [{"claim": "sub", "value": "x"}]}"#).unwrap();
    let o = pretoken(&[
        "invoke",
        "--policy",
        bad.to_str().unwrap(),
        "events/v2-authentication.json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert!(
        err.contains("error: InvalidConfiguration: token customization is misconfigured"),
        "{err}"
    );
    assert!(err.contains("claims[0].claim: `sub` is reserved"), "{err}");
}

#[test]
fn check_accepts_every_shipped_policy() {
    let o = pretoken(&["check"]);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        "built-in policy.json: valid (1 suppress, 2 claim, 0 scope rule(s))\n"
    );
    for p in policy_files() {
        let o = pretoken(&["check", "--policy", p.to_str().unwrap()]);
        assert!(o.status.success(), "{}: {}", p.display(), stderr(&o));
    }
}

#[test]
fn check_rejects_a_policy_that_adds_sub_naming_sub() {
    let dir = std::env::temp_dir().join(format!("pretoken-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("adds-sub.json");
    std::fs::write(
        &bad,
        r#"{"claims": [{"claim": "sub", "value": "x"}, {"claim": "t", "value": 1, "tokenz": ["id"]}]}"#,
    )
    .unwrap();
    let o = pretoken(&["check", "--policy", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let name = bad.display().to_string();
    assert_eq!(
        stderr(&o),
        format!(
            "{name}: error: claims[0].claim: `sub` is reserved: Cognito sets it and does not let a trigger change it\n\
             {name}: error: claims[1].tokenz: unknown field `tokenz`; did you mean `tokens`?\n\
             {name}: invalid (2 problem(s))\n"
        )
    );
    let o = pretoken(&["check", "--policy", "does-not-exist.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .starts_with("does-not-exist.json: error: cannot read policy file does-not-exist.json")
    );
}

#[test]
fn check_notes_an_id_token_scope_claim_without_warning() {
    let dir = std::env::temp_dir().join(format!("pretoken-note-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("id-scope.json");
    std::fs::write(
        &p,
        r#"{"claims": [{"claim": "scope", "value": "documents/read", "tokens": ["id"]}, {"claim": "username", "context": "userName", "tokens": ["id"]}]}"#,
    )
    .unwrap();
    let o = pretoken(&["check", "--policy", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let name = p.display().to_string();
    assert_eq!(
        stderr(&o),
        format!(
            "{name}: note: claims[0].claim: `scope` in the ID token is a plain claim, not the access token's scopes: aws-jwt-verify's scope checks (and API Gateway's scopes) read access tokens\n"
        )
    );
    assert_eq!(
        stdout(&o),
        format!("{name}: valid (0 suppress, 2 claim, 0 scope rule(s))\n")
    );
}

#[test]
fn check_warns_when_a_lookup_table_variable_is_not_set() {
    let run = |table: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pretoken"));
        c.current_dir(root());
        c.args(["check", "--policy", "policies/dynamodb-profile.json"]);
        c.env_remove("PROFILE_TABLE");
        if let Some(t) = table {
            c.env("PROFILE_TABLE", t);
        }
        let out = c.output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    let unset = run(None);
    assert!(
        unset.contains("warning: lookups.profile.dynamodb.table: the environment variable PROFILE_TABLE is not set (or empty): set it in the function's environment (not set where this check runs: the function refuses to start without it)"),
        "{unset}"
    );
    assert!(!run(Some("Profiles")).contains("PROFILE_TABLE"));
}
