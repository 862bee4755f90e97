//! Routing documents: one function for many pools and app clients, through
//! the handler and the CLI as users run them.

mod common;

use std::process::Command;

use common::*;
use pretoken::TriggerError;
use pretoken::event::Version;
use serde_json::{Value, json};

fn routing() -> pretoken::Policy {
    load_policy(&root().join("tests/fixtures/policies/routing.json"))
}

fn event(pool: &str, client: &str) -> Value {
    let mut e = read_json(&root().join("events/v2-authentication.json"));
    e["userPoolId"] = json!(pool);
    e["callerContext"]["clientId"] = json!(client);
    e
}

fn id_added(out: &Value) -> &Value {
    &out["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToAddOrOverride"]
}

#[test]
fn the_client_then_the_pool_then_the_top_default() {
    let t = trigger(routing(), Some(Version::V2));
    let client = t
        .handle(event("us-east-1_EXAMPLE", "1example23456789"))
        .unwrap();
    assert_eq!(
        id_added(&client),
        &json!({"tenantId": "tenant-42", "app": "web"})
    );
    let pool = t.handle(event("us-east-1_EXAMPLE", "other")).unwrap();
    assert_eq!(id_added(&pool), &json!({"tenantId": "tenant-42"}));
    let top = t
        .handle(event("ap-south-1_OTHER", "1example23456789"))
        .unwrap();
    assert_eq!(id_added(&top), &json!({}));
    assert_eq!(
        top["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToSuppress"],
        json!(["email", "phone_number", "name"])
    );
    // A client's policy applies only in its own pool.
    let elsewhere = t
        .handle(event("eu-west-1_EXAMPLE", "1example23456789"))
        .unwrap();
    assert_eq!(id_added(&elsewhere), &json!({}));
    // Each route's deny rules are its own.
    let err = t
        .handle(event("eu-west-1_EXAMPLE", "2example98765432"))
        .unwrap_err();
    assert_eq!(err.to_string(), "Partner access needs a pro plan.");
}

#[test]
fn no_matching_policy_fails_closed() {
    let p = policy(
        r#"{"pools": {"us-east-1_EXAMPLE": {"default": {"suppress": [{"claims": ["email"]}]}}}}"#,
    );
    let err = trigger(p, Some(Version::V2))
        .handle(event("eu-west-1_OTHER", "c"))
        .unwrap_err();
    assert_eq!(err, TriggerError::NoPolicy);
    assert_eq!(err.error_type(), "NoMatchingPolicy");
    assert_eq!(
        err.to_string(),
        "no token policy is configured for this app client"
    );
}

#[test]
fn the_cli_routes_in_invoke_check_and_test() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pretoken"))
            .args(args)
            .current_dir(root())
            .output()
            .unwrap()
    };
    let o = run(&["check", "--policy", "tests/fixtures/policies/routing.json"]);
    assert!(o.status.success());
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "tests/fixtures/policies/routing.json: valid (routing document: with a default, 2 pool(s), 2 app client policy(ies))\n"
    );
    let o = run(&[
        "invoke",
        "--compact",
        "--policy",
        "tests/fixtures/policies/routing.json",
        "events/v2-federated-saml.json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(id_added(&out), &json!({"partner": true}));
    let file = root().join("target/routing.test.json");
    std::fs::write(
        &file,
        json!({
            "policy": "../tests/fixtures/policies/routing.json",
            "cases": [
                {"name": "the web client of the first pool", "event": "../events/v2-authentication.json",
                 "expect": {"idToken": {"claims": {"app": "web"}}}},
                {"name": "partners need a pro plan", "event": "../events/v2-federated-saml.json",
                 "with": {"attributes": {"custom:plan": "free"}}, "expect": {"denied": "Partner access needs a pro plan."}},
                {"name": "another pool gets the top default", "event": "../events/v2-authentication.json",
                 "with": {"userPoolId": "ap-south-1_X"}, "expect": {"idToken": {"absent": ["app", "email"]}}}
            ]
        })
        .to_string(),
    )
    .unwrap();
    let o = run(&["test", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(String::from_utf8_lossy(&o.stdout).ends_with("3 passed, 0 failed\n"));
}

#[test]
fn the_log_line_names_the_route() {
    // The route is policy text (pool and client IDs), never a user value.
    let t = trigger(routing(), Some(Version::V2));
    let out = t
        .respond(event("us-east-1_EXAMPLE", "1example23456789"))
        .unwrap();
    assert_eq!(
        out.outcome.route,
        "pools.us-east-1_EXAMPLE.clients.1example23456789"
    );
    let out = t.respond(event("x", "y")).unwrap();
    assert_eq!(out.outcome.route, "default");
}

#[test]
fn a_routing_documents_problems_carry_their_route() {
    let cases: &[(&str, &[&str])] = &[
        (
            r#"{"pools": {"p": {}}}"#,
            &["pools.p: names no policy: give \"default\", \"clients\" or both"],
        ),
        (
            r#"{"pools": []}"#,
            &["pools: must be an object of pool IDs, not an array"],
        ),
        (
            r#"{"default": {"default": {}}}"#,
            &[
                "default: routing documents do not nest: a policy here, not \"default\" or \"pools\"",
            ],
        ),
        (
            r#"{"pools": {"p": {"clients": {"c": {"claims": [{"claim": "x", "attribute": "a", "transform": [{"join": ","}]}]}}, "defaults": {}}}}"#,
            &[
                "pools.p.defaults: unknown field `defaults`; did you mean `default`?",
                "pools.p.clients.c.claims[0].transform[0]: `join` applies to a list, but the value here is a string",
            ],
        ),
    ];
    for (json, expected) in cases {
        let e = pretoken::Policy::from_json(json, "p").unwrap_err();
        let got: Vec<String> = e.problems.iter().map(ToString::to_string).collect();
        assert_eq!(&got, expected, "{json}");
    }
}

#[test]
fn common_rules_apply_to_every_route_first() {
    let doc = r#"{
        "common": {
            "deny": [{"when": {"groups": ["banned"]}, "message": "Banned."}],
            "suppress": [{"preset": "standard-pii"}]
        },
        "default": {"claims": [{"claim": "route", "value": "top"}]},
        "pools": {"us-east-1_EXAMPLE": {"clients": {"1example23456789": {
            "claims": [{"claim": "route", "value": "client"}]
        }}}}
    }"#;
    let p = pretoken::Policy::from_json(doc, "doc").unwrap();
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let t = common::trigger(p, None);
    let mut e = common::read_json(&common::root().join("events/v2-authentication.json"));
    let out = t.handle(e.clone()).unwrap();
    let id = &out["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"];
    assert_eq!(id["claimsToAddOrOverride"]["route"], "client");
    assert!(
        id["claimsToSuppress"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "email")
    );
    e["request"]["groupConfiguration"]["groupsToOverride"] = serde_json::json!(["banned"]);
    assert_eq!(t.handle(e).unwrap_err().to_string(), "Banned.");
    // common may not declare lookups; a section in both is an error.
    let err = pretoken::Policy::from_json(
        r#"{"common": {"lookups": {}, "groups": {"add": ["a"]}}, "default": {"groups": {"add": ["b"]}}}"#,
        "doc",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("common.lookups: unknown field"), "{err}");
    assert!(
        err.contains("default.groups: \"groups\" is also in \"common\": give it in one place"),
        "{err}"
    );
}

#[test]
fn a_route_weaker_than_the_default_is_warned() {
    let doc = r#"{
        "default": {"deny": [{"when": {"groups": ["banned"]}, "message": "Banned."}],
                    "suppress": [{"claims": ["email", "phone_number"]}]},
        "pools": {"p1": {"clients": {"c1": {"suppress": [{"claims": ["email"]}]}}}}
    }"#;
    let w: Vec<String> = pretoken::Policy::from_json(doc, "doc")
        .unwrap()
        .warnings
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        w,
        [
            "pools.p1.clients.c1: suppresses fewer claims than the top \"default\" (not: phone_number): this route's users get claims the default hides; suppress them here too, or put the suppressions in \"common\"",
            "pools.p1.clients.c1: has 0 deny rule(s), the top \"default\" 1: a user refused by the default may sign in through this route; put shared deny rules in \"common\"",
        ]
    );
    // With the shared rules in common, no warning.
    let fixed = r#"{
        "common": {"deny": [{"when": {"groups": ["banned"]}, "message": "Banned."}],
                   "suppress": [{"claims": ["email", "phone_number"]}]},
        "default": {"claims": [{"claim": "x", "value": 1}]},
        "pools": {"p1": {"clients": {"c1": {"claims": [{"claim": "x", "value": 2}]}}}}
    }"#;
    assert!(
        pretoken::Policy::from_json(fixed, "doc")
            .unwrap()
            .warnings
            .is_empty()
    );
}
