//! Shared helpers for the integration tests: fixtures, policies, invariants.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use pretoken::event::Version;
use pretoken::reserved::{self, TokenKind};
use pretoken::{Config, Policy, Trigger};
use serde_json::{Map, Value};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every valid event fixture: `events/*.json` and the upstream copies.
pub fn event_files() -> Vec<PathBuf> {
    let mut files = json_files(&root().join("events"));
    for dir in ["aws-docs", "aws-lambda-events"] {
        files.extend(
            json_files(&root().join("tests/fixtures/upstream").join(dir))
                .into_iter()
                .filter(|p| !p.to_string_lossy().contains("invalid-json")),
        );
    }
    files
}

/// Every policy shipped: `policy.json` and `policies/*.json`.
pub fn policy_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("policy.json")];
    files.extend(json_files(&root().join("policies")));
    files
}

pub fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

pub fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

pub fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn load_policy(p: &Path) -> Policy {
    let text = std::fs::read_to_string(p).unwrap();
    Policy::from_json(&text, &p.display().to_string()).unwrap_or_else(|e| panic!("{e}"))
}

/// The pool version a fixture is run with: events that do not carry 1, 2 or
/// 3 (cognito-local's "0", AWS's empty sample) come from V1 pools.
pub fn configured_version(event_file: &Path) -> Version {
    let name = stem(event_file);
    if name.starts_with("v1-") || name.starts_with("cognito-local") {
        Version::V1
    } else {
        Version::V2
    }
}

/// The seed and time generated values use in tests (`--seed`,
/// `--fixed-time` on the CLI), so that golden responses are reproducible.
pub const SEED: u64 = 1;
/// See [`SEED`].
pub const FIXED_TIME: &str = "2026-12-04T15:04:05Z";

/// The trigger for a policy, its generated values fixed ([`SEED`],
/// [`FIXED_TIME`]); one with lookups answers them from
/// `tests/fixtures/lookup-data.json` (results by lookup name).
pub fn trigger(policy: Policy, version: Option<Version>) -> Trigger {
    let lookups = policy.has_lookups();
    let t = Trigger::new(Ok(Config {
        policy,
        lambda_version: version,
    }))
    .with_generation(pretoken::trigger::Generation {
        seed: Some(SEED),
        now_ms: Some(pretoken::eval::generate::parse_rfc3339(FIXED_TIME).unwrap()),
    });
    if lookups {
        t.with_lookup_data(lookup_data())
    } else {
        t
    }
}

/// The lookup results the example policies run with in tests.
pub fn lookup_data() -> pretoken::lookup::data::LookupData {
    let text = std::fs::read_to_string(lookup_data_file()).unwrap();
    pretoken::lookup::data::LookupData::from_json(&text).unwrap()
}

/// `tests/fixtures/lookup-data.json`.
pub fn lookup_data_file() -> PathBuf {
    root().join("tests/fixtures/lookup-data.json")
}

pub fn policy(json: &str) -> Policy {
    Policy::from_json(json, "test policy").unwrap_or_else(|e| panic!("{e}"))
}

/// The event without its `response`.
pub fn without_response(v: &Value) -> Map<String, Value> {
    let mut m = v.as_object().unwrap().clone();
    m.remove("response");
    m
}

/// Checks what must hold for every response, whatever the policy:
/// the request comes back unchanged; nothing reserved or suppressed is added;
/// group overrides only when the policy has group or role rules; V1 carries
/// strings.
pub fn check_invariants(policy: &Policy, input: &Value, output: &Value) {
    assert_eq!(
        without_response(input),
        without_response(output),
        "everything but `response` must come back unchanged"
    );
    let response = &output["response"];
    let (container, tokens): (&Value, Vec<(TokenKind, &Value)>) =
        if let Some(v1) = response.get("claimsOverrideDetails") {
            (v1, vec![(TokenKind::Id, v1)])
        } else {
            let v2 = &response["claimsAndScopeOverrideDetails"];
            let mut t = vec![(TokenKind::Access, &v2["accessTokenGeneration"])];
            if let Some(id) = v2.get("idTokenGeneration") {
                t.push((TokenKind::Id, id));
            }
            (v2, t)
        };
    assert!(
        container.is_object(),
        "missing response container: {response}"
    );
    for (token, gen_) in tokens {
        let added = gen_["claimsToAddOrOverride"].as_object().unwrap();
        let suppressed: Vec<&str> = gen_["claimsToSuppress"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for name in added.keys() {
            assert!(
                reserved::check_add(name, token).is_ok(),
                "reserved claim {name} added to {token}"
            );
            assert!(
                !suppressed.contains(&name.as_str()),
                "{name} both added and suppressed in {token}"
            );
        }
        for name in &suppressed {
            assert!(
                reserved::check_suppress(name, token).is_ok(),
                "reserved claim {name} suppressed from {token}"
            );
        }
        if response.get("claimsOverrideDetails").is_some() {
            assert!(
                added.values().all(Value::is_string),
                "V1 claims must be strings: {added:?}"
            );
        }
    }
    if policy.groups.is_none() && policy.roles.is_none() {
        assert!(
            container.get("groupOverrideDetails").is_none(),
            "groupOverrideDetails written though the policy has no group or role rules"
        );
    }
}

/// The committed JSON Schema of the policy language.
pub fn committed_schema() -> Value {
    read_json(&root().join("policy.schema.json"))
}

/// Each instance's errors against the committed schema, from the
/// independent Python validator (`jsonschema`, draft 2020-12): empty where
/// the instance is valid.
pub fn schema_errors(instances: &[Value]) -> Vec<Vec<String>> {
    schema_errors_against(&committed_schema(), instances)
}

/// Each instance's errors against `schema` (its `$schema` names the draft).
pub fn schema_errors_against(schema: &Value, instances: &[Value]) -> Vec<Vec<String>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("python3")
        .arg(root().join("tests/fixtures/validate_schema.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the schema validator");
    let doc = serde_json::json!({"schema": schema, "instances": instances});
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "schema validator failed: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}
