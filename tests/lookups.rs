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
    // No sub: the keys cannot be rendered and nothing is made, so the deny
    // rule on the profile cannot be decided: it refuses (fail closed).
    let mut anonymous = event();
    anonymous["request"]["userAttributes"]
        .as_object_mut()
        .unwrap()
        .remove("sub");
    assert!(names(anonymous.clone()).is_empty());
    assert_eq!(
        answer(&t, anonymous.clone(), &[]).unwrap_err().error_type(),
        "SignInDenied"
    );
    // With "ifUnknown": "allow" the rest of the policy answers.
    let allowing = trigger(&POLICY.replace(
        r#""message": "Account suspended""#,
        r#""message": "Account suspended", "ifUnknown": "allow""#,
    ));
    let out = answer(&allowing, anonymous, &[]).unwrap();
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
    // The deny rule reads profile.status: with no item it cannot be decided,
    // so this policy's rule says what then (here: let sign-in go on).
    let t = trigger(&POLICY.replace(
        r#""message": "Account suspended""#,
        r#""message": "Account suspended", "ifUnknown": "allow""#,
    ));
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
fn deny_that_cannot_be_decided_refuses() {
    let t = trigger(POLICY);
    let denied = TriggerError::Denied {
        rule: 0,
        message: "Account suspended".into(),
    };
    // 1. The lookup found no item.
    let e = answer(&t, event(), &[("profile", Fetched::NoItem)]).unwrap_err();
    assert_eq!(e, denied);
    // 2. A value of another type than the test compares.
    let e = answer(
        &t,
        event(),
        &[(
            "profile",
            Fetched::Item(json!({"status": 3, "orgId": "acme"})),
        )],
    )
    .unwrap_err();
    assert_eq!(e, denied);
    // 3. The lookup is unavailable and says skip.
    let skip = POLICY
        .replace(
            r#""mfa": {"cognito": "adminGetUser"}"#,
            r#""mfa": {"cognito": "adminGetUser", "ifUnavailable": "skip"}"#,
        )
        .replace(
            r#"{"lookups": {"profile.status": {"equals": "suspended"}}}"#,
            r#"{"lookups": {"mfa.mfaEnabled": {"equals": false}}}"#,
        );
    let t = trigger(&skip);
    let e = answer(
        &t,
        event(),
        &[
            ("profile", Fetched::Item(json!({"orgId": "acme"}))),
            ("mfa", Fetched::Unavailable(Unavailable::Timeout)),
        ],
    )
    .unwrap_err();
    assert_eq!(e, denied);
    // Decided: a status of another value, or MFA on, lets sign-in go on.
    let ok = answer(
        &t,
        event(),
        &[
            ("profile", Fetched::Item(json!({"orgId": "acme"}))),
            ("mfa", Fetched::Item(json!({"mfaEnabled": true}))),
        ],
    );
    assert!(ok.is_ok(), "{ok:?}");
    // And the load warns that a skip lookup now refuses when it is down.
    let w = Policy::from_json(&skip, "t").unwrap().warnings;
    assert!(
        w.iter().any(|w| w
            .to_string()
            .starts_with("deny[0]: reads lookup `mfa`, whose \"ifUnavailable\" is \"skip\"")),
        "{w:?}"
    );
    // ifUnknown: allow lets the three cases through; present/absent decide.
    let allow = trigger(&skip.replace(
        r#""message": "Account suspended""#,
        r#""message": "Account suspended", "ifUnknown": "allow""#,
    ));
    assert!(
        answer(
            &allow,
            event(),
            &[
                ("profile", Fetched::Item(json!({"orgId": "acme"}))),
                ("mfa", Fetched::Unavailable(Unavailable::Timeout)),
            ],
        )
        .is_ok()
    );
    let absent = trigger(&POLICY.replace(
        r#"{"profile.status": {"equals": "suspended"}}"#,
        r#"{"profile": {"present": false}}"#,
    ));
    assert_eq!(
        answer(&absent, event(), &[("profile", Fetched::NoItem)]).unwrap_err(),
        denied
    );
    assert!(
        answer(
            &absent,
            event(),
            &[("profile", Fetched::Item(json!({"orgId": "acme"})))]
        )
        .is_ok()
    );
}

#[test]
fn lookup_predicates_compare_by_type() {
    use pretoken::eval::results::LookupRead;
    let pred = |p: Value| {
        let policy = Policy::from_json(
            &json!({"lookups": {"l": {"dynamodb": {"table": "Tab", "key": {"pk": "{sub}"}}}},
                    "claims": [{"claim": "x", "value": 1, "when": {"lookups": {"l.f": p}}}]})
            .to_string(),
            "t",
        )
        .unwrap();
        policy.claims[0].when.lookups[0].3.clone()
    };
    let v = |x: Value| LookupRead::Value(x);
    assert_eq!(
        pred(json!({"equals": true})).decide_read(&v(json!(true))),
        Some(true)
    );
    assert_eq!(
        pred(json!({"equals": true})).decide_read(&v(json!(false))),
        Some(false)
    );
    // A string "true" matches only a string; the boolean cannot be decided.
    assert_eq!(
        pred(json!({"equals": "true"})).decide_read(&v(json!(true))),
        None
    );
    assert_eq!(
        pred(json!({"equals": "true"})).decide_read(&v(json!("true"))),
        Some(true)
    );
    assert_eq!(
        pred(json!({"equals": 1})).decide_read(&v(json!(1.0))),
        Some(true)
    );
    assert_eq!(pred(json!({"equals": 1})).decide_read(&v(json!("1"))), None);
    assert_eq!(
        pred(json!({"in": [1, 2]})).decide_read(&v(json!(2))),
        Some(true)
    );
    assert_eq!(
        pred(json!({"in": [1, 2]})).decide_read(&v(json!(3))),
        Some(false)
    );
    assert_eq!(
        pred(json!({"startsWith": "a"})).decide_read(&v(json!(5))),
        None
    );
    assert_eq!(
        pred(json!({"matches": "^a"})).decide_read(&v(json!(true))),
        None
    );
    // A list holds when one item does.
    assert_eq!(
        pred(json!({"equals": "b"})).decide_read(&v(json!(["a", "b"]))),
        Some(true)
    );
    assert_eq!(
        pred(json!({"equals": "c"})).decide_read(&v(json!(["a", "b"]))),
        Some(false)
    );
    // Presence always decides on an item or no item; nothing on a failure.
    assert_eq!(
        pred(json!({"present": false})).decide_read(&LookupRead::NoItem),
        Some(true)
    );
    assert_eq!(
        pred(json!({"equals": "a"})).decide_read(&LookupRead::NoItem),
        None
    );
    assert_eq!(
        pred(json!({"present": true})).decide_read(&LookupRead::Unavailable),
        None
    );
    assert_eq!(
        pred(json!({"equals": "a"})).decide_read(&LookupRead::Absent),
        Some(false)
    );
    // Attribute values are text: a number there is an invalid policy.
    let err = Policy::from_json(
        r#"{"claims": [{"claim": "x", "value": 1, "when": {"attributes": {"custom:n": {"equals": 5}}}}]}"#,
        "t",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("must be a string, not a number: attribute and client-metadata values are text (write \"5\")"),
        "{err}"
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

#[test]
fn key_values_empty_or_holding_a_separator_are_missing() {
    let policy = r#"{
      "lookups": {
        "member": {"dynamodb": {"table": "Profiles", "key": {"pk": "ORG#{custom:tenantId}#USER#{sub}"}}, "ifUnavailable": "skip"},
        "tenants": {"dynamodb": {"table": "Profiles", "query": {"pk": "USER#{sub}", "sk": {"beginsWith": "{custom:prefix}"}}}, "ifUnavailable": "skip"}
      },
      "claims": [
        {"claim": "role", "lookup": "member", "field": "role"},
        {"claim": "tenants", "lookup": "tenants", "field": "id"}
      ]
    }"#;
    let t = trigger(policy);
    let planned = |edit: &dyn Fn(&mut Value)| -> (Vec<String>, Vec<String>) {
        let mut e = event();
        edit(&mut e);
        let p = t.plan_value(e).unwrap().plan;
        (
            p.requests.into_iter().map(|r| r.name).collect(),
            p.key_refused,
        )
    };
    let set = |name: &'static str, v: &'static str| {
        move |e: &mut Value| e["request"]["userAttributes"][name] = json!(v)
    };
    // Both keys render: both lookups are made.
    let (made, refused) = planned(&|e| set("custom:prefix", "T#")(e));
    assert_eq!(made, ["member", "tenants"]);
    assert!(refused.is_empty());
    // An empty placeholder counts as missing (an empty beginsWith too).
    let (made, refused) = planned(&|e| {
        set("custom:prefix", "")(e);
        set("custom:tenantId", "")(e);
    });
    assert!(made.is_empty(), "{made:?}");
    assert!(refused.is_empty());
    // A value holding the template's separator (`#`) could address another
    // item (ORG#x#USER#admin...): refused, not made, counted by name.
    let (made, refused) = planned(&|e| {
        set("custom:prefix", "T#")(e);
        set("custom:tenantId", "acme#USER#admin")(e);
    });
    assert_eq!(made, ["tenants"]);
    assert_eq!(refused, ["member"]);
}
