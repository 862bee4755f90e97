//! Lookups through the trigger, with results given instead of fetched: what
//! a rule reads, fail-closed and skip semantics, conditions and templates on
//! lookups, which lookups an event plans, `--lookup-data` on the command
//! line. (Real lookups against a DynamoDB- and Cognito-compatible server are
//! in `scripts/lookups.py`, `make lookups`.)

mod common;

use std::process::Command;

use pretoken::lookup::{Fetched, Unavailable};
use pretoken::{Config, Policy, Trigger, TriggerError};
use serde_json::{Value, json};

const POLICY: &str = r#"{
  "lookups": {
    "profile": {"dynamodb": {"table": "Profiles", "key": {"pk": "USER#{sub}"}}},
    "tenants": {"dynamodb": {"table": "Profiles", "query": {"pk": "USER#{sub}", "sk": {"beginsWith": "T#"}}},
                "ifUnavailable": "skip"},
    "mfa": {"cognito": "adminGetUser"}
  },
  "deny": [{"when": {"lookups": {"profile.status": {"equals": "suspended"}}}, "message": "Account suspended"}],
  "claims": [
    {"claim": "org", "lookup": "profile", "field": "orgId", "ifMissing": "default", "default": "none"},
    {"claim": "tenants", "lookup": "tenants", "field": "id", "tokens": ["access"]},
    {"claim": "mfa", "lookup": "mfa", "field": "mfaEnabled", "when": {"groups": ["admins"]}}
  ],
  "scopes": [{"add": ["org/{lookups.profile.orgId}"]}]
}"#;

fn trigger(policy: &str) -> Trigger {
    Trigger::new(Ok(Config {
        policy: Policy::from_json(policy, "test").unwrap(),
        lambda_version: None,
    }))
}

fn event() -> Value {
    common::read_json(&common::root().join("events/v2-authentication.json"))
}

/// Plans the event, gives each planned lookup its result by name, answers.
fn answer(t: &Trigger, event: Value, results: &[(&str, Fetched)]) -> Result<Value, TriggerError> {
    let mut pending = t.plan_value(event).unwrap();
    let planned: Vec<(usize, String)> = pending
        .plan
        .requests
        .iter()
        .map(|r| (r.index, r.name.clone()))
        .collect();
    for (index, name) in planned {
        let f = results
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(Fetched::Unavailable(Unavailable::NotProvided), |(_, f)| {
                f.clone()
            });
        pending.plan.results.set(index, f);
    }
    t.respond_planned(pending, "")
        .map(pretoken::trigger::Output::into_value)
}

fn details(v: &Value) -> &Value {
    &v["response"]["claimsAndScopeOverrideDetails"]
}

#[test]
fn claims_scopes_and_lists_come_from_lookups() {
    let t = trigger(POLICY);
    let out = answer(
        &t,
        event(),
        &[
            (
                "profile",
                Fetched::Item(json!({"orgId": "acme", "status": "active"})),
            ),
            (
                "tenants",
                Fetched::Items(vec![
                    json!({"id": "t1"}),
                    json!({"x": 1}),
                    json!({"id": "t2"}),
                ]),
            ),
        ],
    )
    .unwrap();
    let d = details(&out);
    assert_eq!(
        d["idTokenGeneration"]["claimsToAddOrOverride"],
        json!({"org": "acme"})
    );
    assert_eq!(
        d["accessTokenGeneration"]["claimsToAddOrOverride"],
        json!({"org": "acme", "tenants": ["t1", "t2"]})
    );
    assert_eq!(
        d["accessTokenGeneration"]["scopesToAdd"],
        json!(["org/acme"])
    );
}

#[test]
fn only_lookups_that_an_applicable_rule_reads_are_planned() {
    let t = trigger(POLICY);
    let names = |e: Value| -> Vec<String> {
        t.plan_value(e)
            .unwrap()
            .plan
            .requests
            .into_iter()
            .map(|r| r.name)
            .collect()
    };
    // The mfa rule applies only to admins.
    assert_eq!(names(event()), ["profile", "tenants"]);
    let mut admin = event();
    admin["request"]["groupConfiguration"]["groupsToOverride"] = json!(["admins"]);
    assert_eq!(names(admin), ["profile", "tenants", "mfa"]);
    // V1 has no access token: the access-only tenants claim is not planned.
    let v1 = common::read_json(&common::root().join("events/v1-authentication.json"));
    assert_eq!(names(v1), ["profile"]);
    // No sub: the keys cannot be rendered, nothing is made, nothing fails.
    let mut anonymous = event();
    anonymous["request"]["userAttributes"]
        .as_object_mut()
        .unwrap()
        .remove("sub");
    assert!(names(anonymous.clone()).is_empty());
    let out = answer(&t, anonymous, &[]).unwrap();
    assert_eq!(
        details(&out)["idTokenGeneration"]["claimsToAddOrOverride"],
        json!({"org": "none"})
    );
}

#[test]
fn an_unavailable_lookup_fails_closed_or_is_skipped() {
    let t = trigger(POLICY);
    let down = Fetched::Unavailable(Unavailable::Timeout);
    let e = answer(&t, event(), &[("profile", down.clone())]).unwrap_err();
    assert_eq!(
        e,
        TriggerError::LookupUnavailable {
            lookup: "profile".into()
        }
    );
    assert_eq!(e.error_type(), "LookupUnavailable");
    assert_eq!(
        e.to_string(),
        "the data for sign-in could not be read (lookup profile); please try again"
    );
    // tenants says skip: its claim is left out, the rest is answered.
    let out = answer(
        &t,
        event(),
        &[
            ("profile", Fetched::Item(json!({"orgId": "acme"}))),
            ("tenants", down),
        ],
    )
    .unwrap();
    assert_eq!(
        details(&out)["accessTokenGeneration"]["claimsToAddOrOverride"],
        json!({"org": "acme"})
    );
}

#[test]
fn an_absent_item_is_not_a_failure() {
    let t = trigger(POLICY);
    let out = answer(
        &t,
        event(),
        &[
            ("profile", Fetched::NoItem),
            ("tenants", Fetched::Items(vec![])),
        ],
    )
    .unwrap();
    assert_eq!(
        details(&out)["idTokenGeneration"]["claimsToAddOrOverride"],
        json!({"org": "none"})
    );
    // A scope whose placeholder has no value is not added.
    assert_eq!(
        details(&out)["accessTokenGeneration"]["scopesToAdd"],
        json!([])
    );
}

#[test]
fn a_deny_rule_reads_a_lookup() {
    let t = trigger(POLICY);
    let e = answer(
        &t,
        event(),
        &[("profile", Fetched::Item(json!({"status": "suspended"})))],
    )
    .unwrap_err();
    assert_eq!(
        e,
        TriggerError::Denied {
            rule: 0,
            message: "Account suspended".into()
        }
    );
}

#[test]
fn an_unavailable_lookup_no_rule_reads_refuses_nothing() {
    // The only reader of `mfa` (index 2) applies to admins: for others its
    // result, even a failure, is never read.
    let t = trigger(POLICY);
    let mut pending = t.plan_value(event()).unwrap();
    pending
        .plan
        .results
        .set(0, Fetched::Item(json!({"orgId": "acme"})));
    pending.plan.results.set(1, Fetched::Items(vec![]));
    pending
        .plan
        .results
        .set(2, Fetched::Unavailable(Unavailable::AccessDenied));
    assert!(t.respond_planned(pending, "").is_ok());
    let mut admin = event();
    admin["request"]["groupConfiguration"]["groupsToOverride"] = json!(["admins"]);
    let mut pending = t.plan_value(admin).unwrap();
    pending
        .plan
        .results
        .set(0, Fetched::Item(json!({"orgId": "acme"})));
    pending
        .plan
        .results
        .set(2, Fetched::Unavailable(Unavailable::AccessDenied));
    assert_eq!(
        t.respond_planned(pending, "").unwrap_err(),
        TriggerError::LookupUnavailable {
            lookup: "mfa".into()
        }
    );
}

#[test]
fn without_results_a_policy_with_lookups_fails_closed() {
    // The playground and plain `handle` have no lookup source: every lookup
    // is unavailable, and a fail-closed one refuses.
    let t = trigger(POLICY);
    assert_eq!(
        t.handle(event()).unwrap_err(),
        TriggerError::LookupUnavailable {
            lookup: "profile".into()
        }
    );
}

fn pretoken(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pretoken"))
        .args(args)
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_REGION")
        .output()
        .unwrap()
}

#[test]
fn the_cli_runs_lookups_offline_from_lookup_data() {
    let dir = tempfile_dir();
    let data = dir.join("data.json");
    std::fs::write(
        &data,
        r#"{"profile": {"orgId": "acme", "role": "ADMIN", "name": {"first": "Ada", "last": "L"}, "seats": 3, "status": "active"},
            "memberships": [{"tenantId": "t1"}]}"#,
    )
    .unwrap();
    let out = pretoken(&[
        "invoke",
        "--policy",
        "policies/dynamodb-profile.json",
        "--lookup-data",
        data.to_str().unwrap(),
        "events/v2-authentication.json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        details(&v)["accessTokenGeneration"]["claimsToAddOrOverride"],
        json!({"org_id": "acme", "org_role": "admin", "tenants": ["t1"]})
    );

    // A lookup the file leaves out is unavailable: the profile fails closed.
    std::fs::write(&data, r#"{"memberships": []}"#).unwrap();
    let out = pretoken(&[
        "invoke",
        "--policy",
        "policies/dynamodb-profile.json",
        "--lookup-data",
        data.to_str().unwrap(),
        "events/v2-authentication.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "error: LookupUnavailable: the data for sign-in could not be read (lookup profile)"
        ),
        "{err}"
    );

    // The wrong shape for a lookup is the user's mistake: exit 2, named.
    std::fs::write(&data, r#"{"profile": [], "memberships": {}}"#).unwrap();
    let out = pretoken(&[
        "preview",
        "--policy",
        "policies/dynamodb-profile.json",
        "--lookup-data",
        data.to_str().unwrap(),
        "events/v2-authentication.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: --lookup-data: lookup data for `profile` must be one item (an object) or null"
    );
}

#[test]
fn a_table_from_an_unset_variable_is_a_configuration_error() {
    let out = pretoken(&[
        "invoke",
        "--policy",
        "policies/dynamodb-profile.json",
        "events/v2-authentication.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "lookups.profile.dynamodb.table: the environment variable PROFILE_TABLE is not set"
        ),
        "{err}"
    );
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pretoken-lookups-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
