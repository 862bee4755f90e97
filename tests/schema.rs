//! The policy language's JSON Schema: `pretoken schema` prints exactly the
//! committed `policy.schema.json`, and every shipped and example policy is
//! valid against it with an independent validator (Python `jsonschema`). The
//! catalogue's structurally invalid policies fail it (`policy_errors.rs`),
//! and generated valid policies pass it (`invariants.rs`).

mod common;

use std::process::Command;

use common::*;

#[test]
fn pretoken_schema_prints_the_committed_schema() {
    let out = Command::new(env!("CARGO_BIN_EXE_pretoken"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).unwrap();
    let committed = std::fs::read_to_string(root().join("policy.schema.json")).unwrap();
    assert!(
        printed == committed,
        "policy.schema.json differs from `pretoken schema`: run `cargo run -- schema > policy.schema.json`"
    );
}

#[test]
fn shipped_and_example_policies_are_valid_against_the_schema() {
    let mut files = policy_files();
    files.push(root().join("tests/fixtures/policies/every-form.json"));
    files.push(root().join("bench/policies/rich.json"));
    files.push(root().join("tests/fixtures/policies/routing.json"));
    let policies: Vec<_> = files.iter().map(|f| read_json(f)).collect();
    for (f, errors) in files.iter().zip(schema_errors(&policies)) {
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
        // ...and the loader accepts them.
        load_policy(f);
    }
}

#[test]
fn the_loader_ignores_dollar_schema() {
    let p = policy(r#"{"$schema": "../policy.schema.json", "suppress": [{"claims": ["email"]}]}"#);
    assert_eq!(p.suppress.len(), 1);
}

#[test]
fn the_draft04_form_for_appconfig_is_committed_and_accepts_the_same_policies() {
    let out = Command::new(env!("CARGO_BIN_EXE_pretoken"))
        .args(["schema", "--draft-04"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let committed = std::fs::read_to_string(root().join("policy.schema.draft-04.json")).unwrap();
    assert!(
        String::from_utf8(out.stdout).unwrap() == committed,
        "policy.schema.draft-04.json differs from `pretoken schema --draft-04`"
    );
    assert!(committed.trim_end().len() <= pretoken::load::schema::APPCONFIG_SCHEMA_LIMIT);
    let draft04 = read_json(&root().join("policy.schema.draft-04.json"));
    let mut files = policy_files();
    files.push(root().join("tests/fixtures/policies/every-form.json"));
    files.push(root().join("tests/fixtures/policies/routing.json"));
    let policies: Vec<_> = files.iter().map(|f| read_json(f)).collect();
    for (f, errors) in files.iter().zip(schema_errors_against(&draft04, &policies)) {
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
    }
}
