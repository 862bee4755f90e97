//! The trigger's behaviour, rule by rule: event in, response out.

mod common;

use common::*;
use pretoken::event::Version;
use pretoken::{ConfigError, Trigger, TriggerError};
use serde_json::{Value, json};

fn event(version: &str) -> Value {
    let mut e = read_json(&root().join("events/v2-authentication.json"));
    e["version"] = json!(version);
    e
}

fn run(policy_json: &str, event: Value) -> Result<Value, TriggerError> {
    trigger(policy(policy_json), None).handle(event)
}

fn v2(out: &Value) -> &Value {
    &out["response"]["claimsAndScopeOverrideDetails"]
}

#[test]
fn conditions_select_clients_trigger_sources_and_groups() {
    let p = r#"{"claims": [
        {"claim": "a", "value": "client", "when": {"clientIds": ["1example23456789"]}},
        {"claim": "b", "value": "other client", "when": {"clientIds": ["nope"]}},
        {"claim": "c", "value": "refresh", "when": {"triggerSources": ["TokenGeneration_RefreshTokens"]}},
        {"claim": "d", "value": "owner", "when": {"groups": ["admins", "owners"]}},
        {"claim": "e", "value": "both", "when": {"groups": ["owners"], "clientIds": ["nope"]}},
        {"claim": "f", "value": "admin", "when": {"groups": ["admins"]}},
        {"claim": "g", "value": "hosted", "when": {"triggerSources": ["TokenGeneration_HostedAuth"]}}
    ]}"#;
    let out = run(p, event("2")).unwrap();
    let added = &v2(&out)["idTokenGeneration"]["claimsToAddOrOverride"];
    assert_eq!(added, &json!({"a": "client", "d": "owner"}));
}

#[test]
fn v1_events_skip_access_token_rules_and_send_json_text() {
    let p = r#"{
        "claims": [
            {"claim": "n", "value": 7},
            {"claim": "o", "value": {"k": [1, true]}},
            {"claim": "s", "value": "plain"},
            {"claim": "only_access", "value": "x", "tokens": ["access"]}
        ],
        "scopes": [{"add": ["a/b"]}]
    }"#;
    let out = run(p, event("1")).unwrap();
    assert_eq!(
        out["response"],
        json!({"claimsOverrideDetails": {
            "claimsToAddOrOverride": {"n": "7", "o": "{\"k\":[1,true]}", "s": "plain"},
            "claimsToSuppress": []
        }})
    );
}

#[test]
fn client_credentials_get_access_token_changes_only() {
    let p = r#"{
        "claims": [
            {"claim": "tenantId", "attribute": "custom:tenantId"},
            {"claim": "svc", "value": true, "tokens": ["access"]},
            {"claim": "idonly", "attribute": "custom:x", "ifMissing": "fail", "tokens": ["id"]}
        ],
        "scopes": [{"suppress": ["orders/write"]}]
    }"#;
    let e = read_json(&root().join("events/v3-client-credentials.json"));
    let out = run(p, e).unwrap();
    assert_eq!(
        v2(&out),
        &json!({"accessTokenGeneration": {
            "claimsToAddOrOverride": {"svc": true},
            "claimsToSuppress": [],
            "scopesToAdd": [],
            "scopesToSuppress": ["orders/write"]
        }})
    );
}

#[test]
fn missing_attribute_skips_defaults_or_fails_without_naming_a_value() {
    let skip = r#"{"claims": [{"claim": "x", "attribute": "custom:absent"}]}"#;
    let out = run(skip, event("2")).unwrap();
    assert_eq!(
        v2(&out)["idTokenGeneration"]["claimsToAddOrOverride"],
        json!({})
    );

    let default =
        r#"{"claims": [{"claim": "x", "attribute": "custom:absent", "default": ["none"]}]}"#;
    let out = run(default, event("2")).unwrap();
    assert_eq!(
        v2(&out)["accessTokenGeneration"]["claimsToAddOrOverride"],
        json!({"x": ["none"]})
    );

    let fail = r#"{
        "suppress": [{"claims": ["email"]}],
        "claims": [{"claim": "x", "attribute": "custom:absent", "ifMissing": "fail"}]
    }"#;
    let err = run(fail, event("2")).unwrap_err();
    assert_eq!(err.error_type(), "RuleFailed");
    assert_eq!(
        err.to_string(),
        "cannot issue tokens: required attribute custom:absent is missing (claim x)"
    );
}

#[test]
fn attribute_conversions_on_v2() {
    let mut e = event("2");
    let attrs = e["request"]["userAttributes"].as_object_mut().unwrap();
    attrs.insert("custom:level".into(), json!("3"));
    attrs.insert("custom:beta".into(), json!("true"));
    attrs.insert("custom:prefs".into(), json!("{\"theme\":\"dark\"}"));
    attrs.insert("custom:teams".into(), json!("red; blue ;"));
    let p = r#"{"claims": [
        {"claim": "level", "attribute": "custom:level", "convert": "number"},
        {"claim": "beta", "attribute": "custom:beta", "convert": "boolean"},
        {"claim": "prefs", "attribute": "custom:prefs", "convert": "json"},
        {"claim": "teams", "attribute": "custom:teams", "convert": "list", "separator": ";"}
    ]}"#;
    let out = run(p, e.clone()).unwrap();
    assert_eq!(
        v2(&out)["accessTokenGeneration"]["claimsToAddOrOverride"],
        json!({"level": 3, "beta": true, "prefs": {"theme": "dark"}, "teams": ["red", "blue"]})
    );
    // A value that will not convert fails the sign-in and names no value.
    e["request"]["userAttributes"]["custom:level"] = json!("three-secret");
    let err = run(p, e).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot issue tokens: attribute custom:level is not a valid number (claim level)"
    );
}

#[test]
fn group_filter_builds_the_override_from_the_request() {
    let mut e = event("2");
    e["request"]["groupConfiguration"] = json!({
        "groupsToOverride": ["app-read", "staff", "app-write"],
        "iamRolesToOverride": ["arn:r1", "arn:r2"],
        "preferredRole": ["arn:r1"]
    });
    // The event does not say which group gave which role: without a roles
    // section, a run that removes a group clears them (fail closed).
    let out = run(r#"{"groups": {"keep": ["app-*"]}}"#, e.clone()).unwrap();
    assert_eq!(
        v2(&out)["groupOverrideDetails"],
        json!({"groupsToOverride": ["app-read", "app-write"], "iamRolesToOverride": []})
    );
    // With a roles section, its own rules decide (today's behaviour).
    let out = run(
        r#"{"groups": {"keep": ["app-*"]}, "roles": {"remove": ["arn:aws:iam::123456789012:role/x"]}}"#,
        e.clone(),
    )
    .unwrap();
    assert_eq!(
        v2(&out)["groupOverrideDetails"],
        json!({"groupsToOverride": ["app-read", "app-write"], "iamRolesToOverride": ["arn:r1", "arn:r2"], "preferredRole": "arn:r1"})
    );
    let out = run(r#"{"groups": {"remove": ["staff"]}}"#, e.clone()).unwrap();
    assert_eq!(
        v2(&out)["groupOverrideDetails"]["groupsToOverride"],
        json!(["app-read", "app-write"])
    );
    // Nothing filtered out: no override, so nothing can be wiped.
    let out = run(r#"{"groups": {"remove": ["absent"]}}"#, e.clone()).unwrap();
    assert!(v2(&out).get("groupOverrideDetails").is_none());
    // A filter whose condition does not hold writes nothing either.
    let out = run(
        r#"{"groups": {"keep": [], "when": {"clientIds": ["other"]}}}"#,
        e,
    )
    .unwrap();
    assert!(v2(&out).get("groupOverrideDetails").is_none());
}

#[test]
fn no_groups_no_override_and_v1_override_when_filtered() {
    let mut e = event("1");
    e["request"]["groupConfiguration"] =
        json!({"groupsToOverride": ["a", "b"], "iamRolesToOverride": [], "preferredRole": null});
    let out = run(r#"{"groups": {"keep": ["a"]}}"#, e).unwrap();
    assert_eq!(
        out["response"]["claimsOverrideDetails"]["groupOverrideDetails"],
        json!({"groupsToOverride": ["a"], "iamRolesToOverride": []})
    );
    let mut e = event("2");
    e["request"]["groupConfiguration"] = json!({});
    let out = run(r#"{"groups": {"keep": []}}"#, e).unwrap();
    assert!(v2(&out).get("groupOverrideDetails").is_none());
}

#[test]
fn unknown_versions_answer_in_the_configured_version_or_fail_closed() {
    let e = event("0");
    let p = load_policy(&root().join("policy.json"));
    let err = trigger(p.clone(), None).handle(e.clone()).unwrap_err();
    assert_eq!(err, TriggerError::UnknownVersion);
    let out = trigger(p.clone(), Some(Version::V1))
        .handle(e.clone())
        .unwrap();
    assert!(out["response"].get("claimsOverrideDetails").is_some());
    let out = trigger(p.clone(), Some(Version::V3)).handle(e).unwrap();
    assert!(
        out["response"]
            .get("claimsAndScopeOverrideDetails")
            .is_some()
    );
    // A real version wins over the configuration (the warning is logged).
    let out = trigger(p, Some(Version::V2)).handle(event("1")).unwrap();
    assert!(out["response"].get("claimsOverrideDetails").is_some());
}

#[test]
fn incoming_response_is_ignored_and_rebuilt() {
    for incoming in [
        json!({}),
        json!(null),
        json!([]),
        json!({"claimsOverrideDetails": null}),
        json!({"claimsAndScopeOverrideDetails": []}),
        json!({"claimsAndScopeOverrideDetails": {"idTokenGeneration": {"claimsToAddOrOverride": {"evil": "x"}}}}),
    ] {
        let mut e = event("2");
        e["response"] = incoming;
        let out = run(r#"{"suppress": [{"claims": ["email"]}]}"#, e).unwrap();
        assert_eq!(
            v2(&out)["idTokenGeneration"],
            json!({"claimsToAddOrOverride": {}, "claimsToSuppress": ["email"]})
        );
    }
}

#[test]
fn tolerated_shapes() {
    let p = load_policy(&root().join("policy.json"));
    let t = trigger(p, Some(Version::V2));
    let mut e = event("2");
    let r = e["request"].as_object_mut().unwrap();
    r.insert("clientMetadata".into(), Value::Null);
    r.insert("scopes".into(), Value::Null);
    r.insert(
        "groupConfiguration".into(),
        json!({"groupsToOverride": null, "iamRolesToOverride": null, "preferredRole": null}),
    );
    assert!(t.handle(e).is_ok());
    for absent in [
        "userName",
        "triggerSource",
        "version",
        "callerContext",
        "request",
    ] {
        let mut e = event("2");
        e.as_object_mut().unwrap().remove(absent);
        assert!(t.handle(e).is_ok(), "absent {absent}");
    }
    let mut e = event("2");
    e["triggerSource"] = json!("TokenGeneration_SomethingNew");
    assert!(t.handle(e).is_ok());
}

#[test]
fn malformed_events_get_precise_errors() {
    let p = load_policy(&root().join("policy.json"));
    let t = trigger(p, None);
    let cases = [
        (
            json!("hello"),
            "invalid event: the event must be a JSON object, not a string",
        ),
        (
            json!({"version": 2}),
            "invalid event: version must be a string, not a number",
        ),
        (
            json!({"version": "2", "request": "x"}),
            "invalid event: request must be an object, not a string",
        ),
        (
            json!({"version": "2", "request": {"userAttributes": {"custom:age": 42}}}),
            "invalid event: request.userAttributes[\"custom:age\"] must be a string, not a number",
        ),
        (
            json!({"version": "2", "request": {"groupConfiguration": {"groupsToOverride": ["a", 1]}}}),
            "invalid event: request.groupConfiguration.groupsToOverride[1] must be a string, not a number",
        ),
        (
            json!({"version": "2", "request": {"groupConfiguration": {"preferredRole": ["a", "b"]}}}),
            "invalid event: request.groupConfiguration.preferredRole must be null, a string or a one-element array of strings, not an array of several items",
        ),
        (
            json!({"version": "2", "request": {"scopes": "openid"}}),
            "invalid event: request.scopes must be an array of strings, not a string",
        ),
        (
            json!({"version": "2", "callerContext": {"clientId": 5}}),
            "invalid event: callerContext.clientId must be a string, not a number",
        ),
    ];
    for (e, msg) in cases {
        let err = t.handle(e.clone()).unwrap_err();
        assert_eq!(err.to_string(), msg, "{e}");
        assert_eq!(err.error_type(), "InvalidEvent");
    }
}

#[test]
fn an_invalid_configuration_fails_every_invocation_safely() {
    let bad = pretoken::Policy::from_json(
        r#"{"claims": [{"claim": "sub", "value": "x"}]}"#,
        "PRETOKEN_POLICY",
    )
    .unwrap_err();
    let t = Trigger::new(Err(ConfigError::Policy(bad)));
    for f in event_files() {
        let err = t.handle(read_json(&f)).unwrap_err();
        assert_eq!(err, TriggerError::Config);
        assert_eq!(
            err.to_string(),
            "token customization is misconfigured; sign-in is blocked until it is fixed"
        );
    }
}

#[test]
fn later_rules_override_earlier_ones_which_act_as_fallbacks() {
    let p = r#"{"claims": [
        {"claim": "tier", "value": "free"},
        {"claim": "tier", "attribute": "custom:tier"}
    ]}"#;
    let out = run(p, event("2")).unwrap();
    assert_eq!(
        v2(&out)["idTokenGeneration"]["claimsToAddOrOverride"],
        json!({"tier": "free"})
    );
    let mut e = event("2");
    e["request"]["userAttributes"]["custom:tier"] = json!("gold");
    let out = run(p, e).unwrap();
    assert_eq!(
        v2(&out)["idTokenGeneration"]["claimsToAddOrOverride"],
        json!({"tier": "gold"})
    );
}

#[test]
fn aud_context_and_presets() {
    let p = r#"{
        "claims": [
            {"claim": "aud", "context": "clientId", "tokens": ["access"]},
            {"claim": "pool", "context": "userPoolId", "tokens": ["id"]}
        ],
        "suppress": [{"preset": "standard-pii", "tokens": ["id"]}]
    }"#;
    let out = run(p, event("2")).unwrap();
    assert_eq!(
        v2(&out)["accessTokenGeneration"]["claimsToAddOrOverride"],
        json!({"aud": "1example23456789"})
    );
    let id = &v2(&out)["idTokenGeneration"];
    assert_eq!(
        id["claimsToAddOrOverride"],
        json!({"pool": "us-east-1_EXAMPLE"})
    );
    assert_eq!(id["claimsToSuppress"].as_array().unwrap().len(), 14);
}

#[test]
fn running_on_its_own_output_gives_the_same_response() {
    for p in policy_files() {
        let p = load_policy(&p);
        for f in event_files() {
            let t = trigger(p.clone(), Some(configured_version(&f)));
            let once = match t.handle(read_json(&f)) {
                Ok(once) => once,
                // A deny rule, or a rule that needs what the event lacks
                // (ifMissing fail), refuses the same event every time.
                Err(
                    e @ (pretoken::TriggerError::Denied { .. } | pretoken::TriggerError::Rule(_)),
                ) => {
                    assert_eq!(t.handle(read_json(&f)), Err(e));
                    continue;
                }
                Err(e) => panic!("{}: {e}", f.display()),
            };
            let twice = t.handle(once.clone()).unwrap();
            assert_eq!(
                serde_json::to_vec(&once).unwrap(),
                serde_json::to_vec(&twice).unwrap()
            );
        }
    }
}

#[test]
fn the_lambda_output_serialises_exactly_as_the_event_with_its_response() {
    for p in policy_files() {
        let p = load_policy(&p);
        for f in event_files() {
            let t = trigger(p.clone(), Some(configured_version(&f)));
            let mut events = vec![read_json(&f)];
            let mut without = read_json(&f);
            without.as_object_mut().unwrap().shift_remove("response");
            events.push(without);
            for e in events {
                let Ok(direct) = t.respond(e.clone()) else {
                    assert!(matches!(
                        t.handle(e),
                        Err(pretoken::TriggerError::Denied { .. } | pretoken::TriggerError::Rule(_))
                    ));
                    continue;
                };
                let direct = serde_json::to_vec(&direct).unwrap();
                let via_value = serde_json::to_vec(&t.handle(e).unwrap()).unwrap();
                assert_eq!(direct, via_value, "{}", f.display());
            }
        }
    }
}

#[test]
fn eval_budget_stops_evaluation_and_refuses() {
    use pretoken::trigger::config::{DEFAULT_EVAL_BUDGET, eval_budget_from};
    use std::time::Duration;
    let p = policy(
        r#"{"deny": [{"when": {"groups": ["nobody"]}, "message": "No."}], "suppress": [{"claims": ["email"]}]}"#,
    );
    let e = event("2");
    // A budget already spent: evaluation stops at the first check.
    let spent = trigger(p.clone(), None).with_eval_budget(Duration::ZERO);
    let err = spent.handle(e.clone()).unwrap_err();
    assert_eq!(err.error_type(), "RuleFailed");
    assert_eq!(
        err.to_string(),
        "cannot issue tokens: the policy took too long"
    );
    // The default budget answers.
    assert!(trigger(p, None).handle(e).is_ok());
    // PRETOKEN_EVAL_BUDGET_MS takes 10 to 4,500.
    let var = |v: &'static str| move |_: &str| Some(v.to_owned());
    assert_eq!(eval_budget_from(|_| None), Ok(DEFAULT_EVAL_BUDGET));
    assert_eq!(eval_budget_from(var("250")), Ok(Duration::from_millis(250)));
    for bad in ["9", "4501", "x", "-1"] {
        assert_eq!(
            eval_budget_from(var(bad)).unwrap_err().to_string(),
            "PRETOKEN_EVAL_BUDGET_MS must be a whole number of milliseconds from 10 to 4500"
        );
    }
}
