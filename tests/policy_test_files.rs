//! `pretoken test` driven as a user drives it: every shipped test file
//! passes, every example policy has one, a wrong expectation fails with a
//! readable line per difference, `JUnit` XML, and test files with mistakes.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;

fn pretoken(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pretoken"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn test_files() -> Vec<String> {
    json_files(&root().join("policies/tests"))
        .iter()
        .map(|p| p.strip_prefix(root()).unwrap().display().to_string())
        .collect()
}

fn temp_file(name: &str, text: &str) -> String {
    let dir = root().join("target/policy-test-files");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn every_shipped_test_file_passes() {
    let files = test_files();
    let mut args = vec!["test"];
    args.extend(files.iter().map(String::as_str));
    let o = pretoken(&args);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    let last = out.lines().last().unwrap();
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert_eq!(last, format!("{passed} passed, 0 failed"));
    assert!(passed >= 30, "{out}");
}

#[test]
fn every_example_policy_has_a_test_file() {
    for policy in json_files(&root().join("policies")) {
        let stem = stem(&policy);
        let test = root().join(format!("policies/tests/{stem}.test.json"));
        assert!(
            test.exists(),
            "{} has no {}",
            policy.display(),
            test.display()
        );
        let t = read_json(&test);
        assert_eq!(t["policy"], format!("../{stem}.json"), "{}", test.display());
    }
    assert!(root().join("policies/tests/default.test.json").exists());
}

#[test]
fn a_failing_case_shows_each_difference_on_one_line() {
    let file = temp_file(
        "wrong.test.json",
        &serde_json::json!({
            "policy": "../../policies/saas-tenant.json",
            "cases": [
                {"name": "right", "event": "../../events/v2-authentication.json",
                 "expect": {"idToken": {"claims": {"tenantId": "tenant_tenant-42"}}}},
                {"name": "wrong", "event": "../../events/v2-authentication.json",
                 "with": {"attributes": {"custom:plan": "free"}},
                 "expect": {
                    "idToken": {"claims": {"tenantId": "tenant_acme", "plan": "free"}, "absent": ["given_name"]},
                    "accessToken": {"scopes": {"include": ["reports/export"]}}
                 }},
                {"name": "expects a denial", "event": "../../events/v2-authentication.json",
                 "expect": {"denied": true}}
            ]
        })
        .to_string(),
    );
    let o = pretoken(&["test", &file]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let expected = format!(
        "test {file}: right ... ok
test {file}: wrong ... FAILED
    idToken.tenantId: expected \"tenant_acme\", got \"tenant_tenant-42\"
    idToken.plan: expected \"free\", but it is absent
    idToken.given_name: expected absent, got \"Jane\"
    accessToken.scope: expected to include reports/export; scope is \"aws.cognito.signin.user.admin\"
test {file}: expects a denial ... FAILED
    expected the sign-in to be denied, but tokens were issued
1 passed, 2 failed
"
    );
    assert_eq!(stdout(&o), expected);
}

#[test]
fn policy_overrides_the_test_files_policy_and_refusals_are_compared() {
    let file = temp_file(
        "denied.test.json",
        &serde_json::json!({
            "policy": "../../policies/saas-tenant.json",
            "cases": [
                {"name": "refused", "event": "../../events/v2-authentication.json",
                 "with": {"attributes": {"email": "eve@evil.test"}},
                 "expect": {"denied": "Another message."}},
                {"name": "fails", "event": "../../events/v2-authentication.json",
                 "expect": {"error": "cannot issue tokens: required attribute custom:x is missing (claim x)"}}
            ]
        })
        .to_string(),
    );
    let o = pretoken(&["test", "--policy", "policies/email-domain-gate.json", &file]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("    denied: expected the message \"Another message.\", got \"Sign-in is limited to example.com accounts.\"\n"),
        "{out}"
    );
    assert!(
        out.contains("fails ... FAILED\n    expected the sign-in to be refused with an error, but tokens were issued\n"),
        "{out}"
    );
}

#[test]
fn junit_report() {
    let report = root().join("target/policy-test-files/report.xml");
    let o = pretoken(&[
        "test",
        "--junit",
        report.to_str().unwrap(),
        "policies/tests/hasura.test.json",
        "policies/tests/saas-tenant.test.json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"pretoken test\" tests=\"8\" failures=\"0\">"), "{xml}");
    assert!(
        xml.contains(
            "<testsuite name=\"policies/tests/hasura.test.json\" tests=\"3\" failures=\"0\">"
        ),
        "{xml}"
    );
    assert!(
        xml.contains("name=\"a user in no group gets [&quot;user&quot;]\""),
        "{xml}"
    );
}

#[test]
fn mistakes_in_test_files_are_errors_not_passes() {
    let typo = temp_file(
        "typo.test.json",
        r#"{"policy": "../../policy.json", "cases": [{"name": "n", "event": "../../events/v2-authentication.json", "expect": {"idToken": {"clams": {}}}}]}"#,
    );
    let o = pretoken(&["test", &typo]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown field `clams`"),
        "{}",
        stderr(&o)
    );
    let missing = temp_file(
        "missing.test.json",
        r#"{"cases": [{"name": "n", "event": "nowhere.json", "expect": {}}]}"#,
    );
    let o = pretoken(&["test", &missing]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cases[0].event: cannot read"),
        "{}",
        stderr(&o)
    );
    let empty = temp_file("empty.test.json", r#"{"cases": []}"#);
    let o = pretoken(&["test", &empty]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("has no cases"), "{}", stderr(&o));
    assert!(Path::new(&empty).exists());
}
