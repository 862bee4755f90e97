//! The policy language, form by form: each test is named after the form it
//! specifies and runs it through the handler on `events/v2-authentication.json`
//! (user `jane`, `jane.doe@example.com`, `custom:tenantId` `tenant-42`,
//! groups `owners` and `contributors`, client `1example23456789`), edited
//! where a case needs it.

mod common;

use common::*;
use pretoken::TriggerError;
use pretoken::event::Version;
use serde_json::{Value, json};

fn event() -> Value {
    read_json(&root().join("events/v2-authentication.json"))
}

/// The response for `policy` on the base event after `edit`.
fn respond(policy_json: &Value, edit: impl FnOnce(&mut Value)) -> Result<Value, TriggerError> {
    let mut e = event();
    edit(&mut e);
    let p = policy(&policy_json.to_string());
    let out = trigger(p.clone(), Some(Version::V2)).handle(e.clone())?;
    check_invariants(&p, &e, &out);
    Ok(out["response"].clone())
}

/// The claims one rule adds to the ID token (`claimsToAddOrOverride`).
fn id_added(policy_json: &Value, edit: impl FnOnce(&mut Value)) -> Value {
    respond(policy_json, edit).unwrap()["claimsAndScopeOverrideDetails"]["idTokenGeneration"]
        ["claimsToAddOrOverride"]
        .clone()
}

fn claim(rule: &Value) -> Value {
    json!({"claims": [rule]})
}

fn none(_: &mut Value) {}

fn attr(name: &str, value: Value) -> impl FnOnce(&mut Value) {
    let name = name.to_owned();
    move |e| e["request"]["userAttributes"][name] = value
}

fn remove_attr(name: &str) -> impl FnOnce(&mut Value) {
    let name = name.to_owned();
    move |e| {
        e["request"]["userAttributes"]
            .as_object_mut()
            .unwrap()
            .shift_remove(&name);
    }
}

fn groups(list: &[&str]) -> impl FnOnce(&mut Value) {
    let list = json!(list);
    move |e| e["request"]["groupConfiguration"]["groupsToOverride"] = list
}

// ---------- value sources ----------

#[test]
fn template_interpolates_attributes_context_and_metadata() {
    let rule = claim(&json!({
        "claim": "k",
        "template": "USER#{sub}|{context.clientId}|{context.userPoolId}|{context.region}|{context.userName}|{clientMetadata.app}|{{x}}"
    }));
    assert_eq!(
        id_added(&rule, |e| e["request"]["clientMetadata"] =
            json!({"app": "web"})),
        json!({"k": "USER#a1b2c3d4-5678-90ab-cdef-EXAMPLE11111|1example23456789|us-east-1_EXAMPLE|us-east-1|jane|web|{x}"})
    );
}

#[test]
fn template_with_a_missing_placeholder_has_no_value() {
    let rule = json!({"claim": "k", "template": "tenant_{custom:absent}"});
    assert_eq!(id_added(&claim(&rule.clone()), none), json!({}));
    let mut with_default = rule.clone();
    with_default["default"] = json!("tenant_none");
    assert_eq!(
        id_added(&claim(&with_default), none),
        json!({"k": "tenant_none"})
    );
    let mut failing = rule;
    failing["ifMissing"] = json!("fail");
    let err = respond(&claim(&failing), none).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot issue tokens: claim k has no value for this user"
    );
}

#[test]
fn client_metadata_source() {
    let rule = claim(&json!({"claim": "flow", "clientMetadata": "flow"}));
    assert_eq!(
        id_added(&rule, |e| e["request"]["clientMetadata"] =
            json!({"flow": "mobile"})),
        json!({"flow": "mobile"})
    );
    assert_eq!(id_added(&rule, none), json!({}));
    let warnings = policy(&rule.to_string()).warnings;
    assert_eq!(
        warnings[0].to_string(),
        "claims[0].clientMetadata: reads clientMetadata, which the calling app controls: never let it decide identity or authorization"
    );
}

#[test]
fn group_names_in_event_order_with_patterns() {
    let rule = claim(&json!({"claim": "g", "groupNames": ["app-*", "owners"]}));
    assert_eq!(
        id_added(&rule, groups(&["x", "app-b", "owners", "app-a"])),
        json!({"g": ["app-b", "owners", "app-a"]})
    );
    assert_eq!(id_added(&rule, groups(&["x"])), json!({}));
    let all = claim(&json!({"claim": "g", "groupNames": ["*"]}));
    assert_eq!(
        id_added(&all, none),
        json!({"g": ["owners", "contributors"]})
    );
}

#[test]
fn groups_pick_first_follows_the_policy_order() {
    let rule = claim(&json!({
        "claim": "role",
        "groups": {"admins": "admin", "contributors": "editor", "owners": "owner"},
        "pick": "first", "default": "viewer"
    }));
    assert_eq!(id_added(&rule, none), json!({"role": "editor"}));
    assert_eq!(
        id_added(&rule, groups(&["nobody"])),
        json!({"role": "viewer"})
    );
    let merge = claim(&json!({"claim": "r", "groups": {"owners": "a", "contributors": "b"}}));
    assert_eq!(id_added(&merge, none), json!({"r": ["a", "b"]}));
}

#[test]
fn first_of_takes_the_first_source_with_a_value() {
    let rule = claim(&json!({"claim": "who", "firstOf": [
        {"attribute": "preferred_username"},
        {"attribute": "email", "transform": ["emailLocalPart"]},
        {"value": "anonymous"}
    ]}));
    assert_eq!(id_added(&rule, none), json!({"who": "jane.doe"}));
    assert_eq!(
        id_added(&rule, attr("preferred_username", json!("jd"))),
        json!({"who": "jd"})
    );
    assert_eq!(
        id_added(&rule, remove_attr("email")),
        json!({"who": "anonymous"})
    );
    // A constant is always a value, an empty list included.
    let empty =
        claim(&json!({"claim": "g", "firstOf": [{"groupNames": ["none-*"]}, {"value": []}]}));
    assert_eq!(id_added(&empty, none), json!({"g": []}));
}

#[test]
fn object_builds_nested_claims_and_leaves_out_members_without_value() {
    let rule = claim(&json!({"claim": "o", "object": {
        "id": {"attribute": "sub"},
        "dept": {"attribute": "custom:absent"},
        "in": {"object": {"pool": {"context": "userPoolId"}}}
    }}));
    assert_eq!(
        id_added(&rule, none),
        json!({"o": {"id": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", "in": {"pool": "us-east-1_EXAMPLE"}}})
    );
    let empty = claim(&json!({"claim": "o", "object": {"a": {"attribute": "custom:absent"}}}));
    assert_eq!(id_added(&empty, none), json!({}));
}

// ---------- transforms ----------

#[test]
fn transform_steps_in_order_then_convert() {
    let cases = [
        (json!(["lowercase"]), json!("Ab"), json!("ab")),
        (json!(["uppercase"]), json!("Ab"), json!("AB")),
        (json!(["trim"]), json!("  a "), json!("a")),
        (json!(["emailDomain"]), json!("x@Ex.com"), json!("Ex.com")),
        (json!(["emailLocalPart"]), json!("x@Ex.com"), json!("x")),
        (json!([{"prefix": "t_"}]), json!("a"), json!("t_a")),
        (
            json!([{"suffix": "-{context.clientId}"}]),
            json!("a"),
            json!("a-1example23456789"),
        ),
        (json!([{"stripPrefix": "x:"}]), json!("x:a"), json!("a")),
        (json!([{"stripSuffix": ":x"}]), json!("a:x"), json!("a")),
        (
            json!([{"split": ",", "brackets": true}]),
            json!("[a, b,]"),
            json!(["a", "b"]),
        ),
        (
            json!([{"split": ","}, {"join": " "}]),
            json!("a,b"),
            json!("a b"),
        ),
        (
            json!([{"replace": {"regex": "^(\\w+)-(\\w+)$", "with": "$2.$1"}}]),
            json!("a-b"),
            json!("b.a"),
        ),
        (
            json!([{"extract": "^id-(\\d+)"}]),
            json!("id-42x"),
            json!("42"),
        ),
        (
            json!([{"map": {"pro": 3}, "default": 1}]),
            json!("free"),
            json!(1),
        ),
        (
            json!([{"split": ","}, {"filter": ["app-*"]}]),
            json!("app-a,b"),
            json!(["app-a"]),
        ),
        (json!([{"split": ","}, "first"]), json!("a,b"), json!("a")),
        (json!(["nonEmpty"]), json!("x"), json!("x")),
    ];
    for (steps, input, expected) in cases {
        let rule = claim(&json!({"claim": "c", "attribute": "custom:x", "transform": steps}));
        assert_eq!(
            id_added(&rule, attr("custom:x", input.clone())),
            json!({ "c": expected }),
            "{steps} on {input}"
        );
    }
    let converted = claim(
        &json!({"claim": "n", "attribute": "custom:x", "transform": [{"extract": "(\\d+)"}], "convert": "number"}),
    );
    assert_eq!(
        id_added(&converted, attr("custom:x", json!("level 7"))),
        json!({"n": 7})
    );
}

#[test]
fn transform_string_steps_apply_to_each_list_item() {
    let rule = claim(
        &json!({"claim": "g", "groupNames": ["*"], "transform": ["uppercase", {"suffix": "@{context.clientId}"}]}),
    );
    assert_eq!(
        id_added(&rule, none),
        json!({"g": ["OWNERS@1example23456789", "CONTRIBUTORS@1example23456789"]})
    );
}

#[test]
fn transform_without_a_result_means_no_value() {
    for steps in [
        json!(["nonEmpty"]),
        json!(["emailDomain"]),
        json!([{"extract": "^z(.)"}]),
        json!([{"map": {"a": 1}}]),
        json!([{"split": ","}]),
    ] {
        let rule = claim(
            &json!({"claim": "c", "attribute": "custom:x", "transform": steps, "default": "d"}),
        );
        assert_eq!(
            id_added(&rule, attr("custom:x", json!(""))),
            json!({"c": "d"}),
            "{steps}"
        );
    }
}

#[test]
fn transform_type_mismatch_known_only_at_run_time_means_no_value() {
    // A map whose values differ in type: `join` cannot know at load.
    let rule = claim(&json!({"claim": "c", "attribute": "custom:x",
        "transform": [{"map": {"a": ["x", "y"], "b": "z"}}, {"join": "+"}], "default": "none"}));
    assert_eq!(
        id_added(&rule.clone(), attr("custom:x", json!("a"))),
        json!({"c": "x+y"})
    );
    assert_eq!(
        id_added(&rule, attr("custom:x", json!("b"))),
        json!({"c": "none"})
    );
}

// ---------- conditions ----------

#[test]
fn when_attributes_predicates() {
    let rule = |pred: Value| {
        claim(&json!({"claim": "ok", "value": true, "when": {"attributes": {"email": pred}}}))
    };
    let holds = |pred: Value| id_added(&rule(pred), none) == json!({"ok": true});
    assert!(holds(json!({"present": true})));
    assert!(!holds(json!({"present": false})));
    assert!(holds(json!({"equals": "jane.doe@example.com"})));
    assert!(holds(
        json!({"equals": "JANE.doe@example.com", "ignoreCase": true})
    ));
    assert!(holds(json!({"in": ["a", "jane.doe@example.com"]})));
    assert!(holds(json!({"startsWith": "jane."})));
    assert!(holds(
        json!({"endsWith": "@EXAMPLE.com", "ignoreCase": true})
    ));
    assert!(!holds(json!({"endsWith": "@EXAMPLE.com"})));
    assert!(holds(json!({"matches": "^[a-z.]+@example\\.com$"})));
    assert!(!holds(json!({"startsWith": "jane.", "endsWith": ".org"})));
    // An absent attribute fails every predicate but "present": false.
    let absent = |pred: Value| {
        let r = claim(
            &json!({"claim": "ok", "value": true, "when": {"attributes": {"custom:nope": pred}}}),
        );
        id_added(&r, none) == json!({"ok": true})
    };
    assert!(absent(json!({"present": false})));
    assert!(!absent(json!({"equals": ""})));
    assert!(!absent(json!({"matches": ".*"})));
}

#[test]
fn when_client_metadata_pools_groups_all_any_not() {
    let holds = |when: Value, edit: &dyn Fn(&mut Value)| {
        let r = claim(&json!({"claim": "ok", "value": true, "when": when}));
        id_added(&r, |e| edit(e)) == json!({"ok": true})
    };
    let meta = |e: &mut Value| e["request"]["clientMetadata"] = json!({"plan": "pro"});
    assert!(holds(
        json!({"clientMetadata": {"plan": {"equals": "pro"}}}),
        &meta
    ));
    assert!(!holds(
        json!({"clientMetadata": {"plan": {"equals": "pro"}}}),
        &|_| {}
    ));
    assert!(holds(
        json!({"userPoolIds": ["us-east-1_EXAMPLE"]}),
        &|_| {}
    ));
    assert!(!holds(json!({"userPoolIds": ["eu-west-1_OTHER"]}), &|_| {}));
    assert!(holds(json!({"groups": ["own*"]}), &|_| {}));
    assert!(holds(
        json!({"all": [{"groups": ["owners"]}, {"clientIds": ["1example23456789"]}]}),
        &|_| {}
    ));
    assert!(!holds(
        json!({"all": [{"groups": ["owners"]}, {"clientIds": ["other"]}]}),
        &|_| {}
    ));
    assert!(holds(
        json!({"any": [{"groups": ["nope"]}, {"clientIds": ["1example23456789"]}]}),
        &|_| {}
    ));
    assert!(holds(json!({"not": {"groups": ["admins"]}}), &|_| {}));
    assert!(!holds(json!({"not": {"groups": ["owners"]}}), &|_| {}));
}

// ---------- scopes, deny, groups, roles, copies ----------

#[test]
fn scopes_add_templates_and_skip_the_unrenderable() {
    let p = json!({"scopes": [{"add": ["tenant:{custom:tenantId}", "dept:{custom:absent}", "x:{name}", "static"]}]});
    let r = respond(&p, none).unwrap();
    let a = &r["claimsAndScopeOverrideDetails"]["accessTokenGeneration"];
    // `name` is "Jane Doe": a rendered scope with a space is not added.
    assert_eq!(a["scopesToAdd"], json!(["tenant:tenant-42", "static"]));
}

#[test]
fn deny_refuses_with_the_policy_message_before_anything_else() {
    let p = json!({
        "deny": [{"when": {"not": {"attributes": {"email": {"endsWith": "@corp.example"}}}}, "message": "Sign-in is limited to corp.example accounts."}],
        "claims": [{"claim": "x", "attribute": "custom:absent", "ifMissing": "fail"}]
    });
    let err = respond(&p, none).unwrap_err();
    assert_eq!(err.error_type(), "SignInDenied");
    assert_eq!(
        err.to_string(),
        "Sign-in is limited to corp.example accounts."
    );
    // When no deny rule holds, the other rules run (and here fail).
    let err = respond(&p, attr("email", json!("a@corp.example"))).unwrap_err();
    assert_eq!(err.error_type(), "RuleFailed");
}

#[test]
fn groups_add_and_add_from_before_filters_without_duplicates() {
    let p = json!({"groups": {
        "remove": ["contributors"],
        "add": ["users", "owners"],
        "addFrom": {"attribute": "custom:groups", "transform": [{"split": ",", "brackets": true}], "allow": ["g*", "users"]}
    }, "roles": {"fromGroups": {"owners": "arn:aws:iam::123456789012:role/owners-role"}}});
    let r = respond(&p, attr("custom:groups", json!("[g1, users, g2]"))).unwrap();
    let o = &r["claimsAndScopeOverrideDetails"]["groupOverrideDetails"];
    assert_eq!(
        o["groupsToOverride"],
        json!(["owners", "users", "g1", "g2"])
    );
    // Roles come from the groups that remain.
    assert_eq!(
        o["iamRolesToOverride"],
        json!(["arn:aws:iam::123456789012:role/owners-role"])
    );
    assert_eq!(
        o["preferredRole"],
        json!("arn:aws:iam::123456789012:role/owners-role")
    );
    // Adding what the user already has changes nothing: no override.
    let same = json!({"groups": {"add": ["owners"]}});
    let r = respond(&same, none).unwrap();
    assert_eq!(
        r["claimsAndScopeOverrideDetails"].get("groupOverrideDetails"),
        None
    );
}

#[test]
fn add_from_adds_only_what_allow_names() {
    let p = json!({"groups": {
        "addFrom": {"attribute": "custom:groups", "convert": "list", "allow": ["app-*", "viewer"]}
    }});
    let r = respond(
        &p,
        attr(
            "custom:groups",
            json!("admins,app-reports,viewer,viewers,APP-x"),
        ),
    )
    .unwrap();
    assert_eq!(
        r["claimsAndScopeOverrideDetails"]["groupOverrideDetails"]["groupsToOverride"],
        json!(["owners", "contributors", "app-reports", "viewer"])
    );
    // Without allow the policy is invalid.
    let err = pretoken::Policy::from_json(
        r#"{"groups": {"addFrom": {"attribute": "custom:groups", "convert": "list"}}}"#,
        "t",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("groups.addFrom: give \"allow\""),
        "{err}"
    );
}

#[test]
fn filters_apply_after_additions() {
    // A group the policy removes never appears, whatever its source.
    let p = json!({"groups": {
        "remove": ["admins", "owners"],
        "add": ["admins"],
        "addFrom": {"attribute": "custom:groups", "convert": "list", "allow": ["*"]}
    }, "roles": {"fromGroups": {"contributors": "arn:aws:iam::123456789012:role/contributors-role"}}});
    let r = respond(&p, attr("custom:groups", json!("owners,admins,app-x"))).unwrap();
    assert_eq!(
        r["claimsAndScopeOverrideDetails"]["groupOverrideDetails"]["groupsToOverride"],
        json!(["contributors", "app-x"])
    );
    let warned = policy(&p.to_string());
    assert_eq!(
        warned.warnings[0].to_string(),
        "groups.add[0]: `admins` is removed by \"remove\" (filters apply after additions): it will never appear"
    );
}

#[test]
fn removed_group_leaves_no_role() {
    let owners_role = "arn:aws:iam::123456789012:role/owners-role";
    // Without a roles section: the roles are cleared (the event does not say
    // which group gave which role), with a load-time warning.
    let without = json!({"groups": {"remove": ["owners"]}});
    let r = respond(&without, none).unwrap();
    assert!(!r.to_string().contains(owners_role), "{r}");
    let o = &r["claimsAndScopeOverrideDetails"]["groupOverrideDetails"];
    assert_eq!(o["groupsToOverride"], json!(["contributors"]));
    assert_eq!(o["iamRolesToOverride"], json!([]));
    assert_eq!(o.get("preferredRole"), None);
    assert!(
        policy(&without.to_string()).warnings[0]
            .to_string()
            .starts_with("groups: removes groups but the policy has no \"roles\" section"),
    );
    // With fromGroups: the remaining groups' roles, the first one preferred.
    let with = json!({"groups": {"remove": ["owners"]}, "roles": {"fromGroups": {
        "owners": owners_role,
        "contributors": "arn:aws:iam::123456789012:role/contributors-role"
    }}});
    let r = respond(&with, none).unwrap();
    assert!(!r.to_string().contains(owners_role), "{r}");
    let o = &r["claimsAndScopeOverrideDetails"]["groupOverrideDetails"];
    assert_eq!(
        o["iamRolesToOverride"],
        json!(["arn:aws:iam::123456789012:role/contributors-role"])
    );
    assert_eq!(
        o["preferredRole"],
        json!("arn:aws:iam::123456789012:role/contributors-role")
    );
    assert!(policy(&with.to_string()).warnings.is_empty());
    // Nothing removed: nothing cleared, no override.
    let r = respond(&json!({"groups": {"remove": ["absent"]}}), none).unwrap();
    assert_eq!(
        r["claimsAndScopeOverrideDetails"].get("groupOverrideDetails"),
        None
    );
}

#[test]
fn roles_filter_add_and_preferred() {
    let p = json!({"roles": {
        "remove": ["arn:aws:iam::123456789012:role/owners-*"],
        "add": ["arn:aws:iam::123456789012:role/base"],
        "preferred": "arn:aws:iam::123456789012:role/base"
    }});
    let r = respond(&p, none).unwrap();
    let o = &r["claimsAndScopeOverrideDetails"]["groupOverrideDetails"];
    assert_eq!(o["groupsToOverride"], json!(["owners", "contributors"]));
    assert_eq!(
        o["iamRolesToOverride"],
        json!([
            "arn:aws:iam::123456789012:role/contributors-role",
            "arn:aws:iam::123456789012:role/base"
        ])
    );
    assert_eq!(
        o["preferredRole"],
        json!("arn:aws:iam::123456789012:role/base")
    );
    // A preferred role no longer among the roles is dropped.
    let drop = json!({"roles": {"remove": ["arn:aws:iam::123456789012:role/owners-*"]}});
    let r = respond(&drop, none).unwrap();
    let o = &r["claimsAndScopeOverrideDetails"]["groupOverrideDetails"];
    assert_eq!(o.get("preferredRole"), None);
    let warned = policy(&json!({"roles": {"keep": ["arn:aws:iam::123456789012:role/x*"], "preferred": "arn:aws:iam::123456789012:role/owners-role"}}).to_string());
    assert_eq!(
        warned.warnings[0].to_string(),
        "roles.preferred: the preferred role is removed by \"keep\": it will be dropped unless the user's roles include it after filtering"
    );
}

#[test]
fn copy_attributes_skips_reserved_and_suppressed_names() {
    let p = json!({
        "suppress": [{"claims": ["email"]}],
        "copyAttributes": [{"match": "*", "tokens": ["id"]}, {"match": "custom:*", "rename": "stripPrefix", "tokens": ["access"]}],
        "claims": [{"claim": "tenantId", "value": "explicit", "tokens": ["access"]}]
    });
    let r = respond(&p, none).unwrap();
    let d = &r["claimsAndScopeOverrideDetails"];
    let id = d["idTokenGeneration"]["claimsToAddOrOverride"]
        .as_object()
        .unwrap();
    let names: Vec<&str> = id.keys().map(String::as_str).collect();
    // sub and cognito:user_status are reserved, email is suppressed, and
    // the standard attributes are Cognito's own claims: never copied.
    assert_eq!(names, ["custom:tenantId", "custom:department"]);
    // Explicit claim rules win over copies.
    assert_eq!(
        d["accessTokenGeneration"]["claimsToAddOrOverride"],
        json!({"tenantId": "explicit", "department": "engineering"})
    );
}

#[test]
fn copy_attributes_never_mints_cognito_claims() {
    // A user who can write custom:aud or custom:email_verified must not be
    // able to mint aud or email_verified through a copy.
    let p = json!({"copyAttributes": [{"match": "custom:*", "rename": "stripPrefix"}]});
    let r = respond(&p, |e| {
        e["request"]["userAttributes"]["custom:aud"] = json!("other-client");
        e["request"]["userAttributes"]["custom:email_verified"] = json!("true");
        e["request"]["userAttributes"]["custom:cognito:groups"] = json!("admins");
    })
    .unwrap();
    let d = &r["claimsAndScopeOverrideDetails"];
    for token in ["idTokenGeneration", "accessTokenGeneration"] {
        let added = d[token]["claimsToAddOrOverride"].as_object().unwrap();
        assert!(!added.contains_key("aud"), "{token}: {added:?}");
        assert!(!added.contains_key("email_verified"), "{token}: {added:?}");
        assert!(!added.contains_key("cognito:groups"), "{token}: {added:?}");
        assert_eq!(added["tenantId"], json!("tenant-42"));
    }
    // An explicit claim rule may still set email_verified: the team's intent.
    let explicit =
        json!({"claims": [{"claim": "email_verified", "value": "false", "tokens": ["id"]}]});
    assert_eq!(
        id_added(&explicit, none),
        json!({"email_verified": "false"})
    );
}

#[test]
fn v1_gets_strings_for_every_computed_value() {
    let p = policy(
        &json!({"claims": [
            {"claim": "o", "object": {"n": {"value": 1}}},
            {"claim": "g", "groupNames": ["*"]}
        ]})
        .to_string(),
    );
    let mut e = event();
    e["version"] = json!("1");
    let out = trigger(p, Some(Version::V1)).handle(e).unwrap();
    assert_eq!(
        out["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"],
        json!({"o": "{\"n\":1}", "g": "[\"owners\",\"contributors\"]"})
    );
}

#[test]
fn username_and_scope_are_id_token_claims() {
    let policy = json!({"claims": [
        {"claim": "username", "context": "userName", "tokens": ["id"]},
        {"claim": "scope", "value": "documents/read documents/write", "tokens": ["id"]},
    ]});
    let r = respond(&policy, none).unwrap();
    let d = &r["claimsAndScopeOverrideDetails"];
    assert_eq!(
        d["idTokenGeneration"]["claimsToAddOrOverride"],
        json!({"username": "jane", "scope": "documents/read documents/write"})
    );
    assert!(
        d.get("accessTokenGeneration").is_none()
            || d["accessTokenGeneration"]["claimsToAddOrOverride"]
                .get("scope")
                .is_none()
    );
}

#[test]
fn generate_uuid_random_hex_and_now_one_value_per_invocation() {
    let policy = json!({"claims": [
        {"claim": "sid", "generate": "uuid"},
        {"claim": "n", "generate": "randomHex", "bytes": 4, "tokens": ["access"]},
        {"claim": "at", "generate": "now", "format": "iso8601", "tokens": ["id"]},
        {"claim": "s", "generate": "now", "format": "epochSeconds", "tokens": ["id"]},
        {"claim": "ms", "generate": "now", "format": "epochMillis", "tokens": ["id"]},
        {"claim": "obj", "object": {"session": {"generate": "uuid"}}, "tokens": ["id"]},
    ]});
    let r = respond(&policy, none).unwrap();
    let d = &r["claimsAndScopeOverrideDetails"];
    let id = &d["idTokenGeneration"]["claimsToAddOrOverride"];
    let access = &d["accessTokenGeneration"]["claimsToAddOrOverride"];
    // One session, not two: the rule is evaluated once for both tokens.
    assert_eq!(id["sid"], access["sid"]);
    let sid = id["sid"].as_str().unwrap();
    assert_eq!((sid.len(), &sid[14..15]), (36, "4"), "{sid}");
    assert_ne!(id["obj"]["session"], id["sid"]);
    let nonce = access["n"].as_str().unwrap();
    assert!(
        nonce.len() == 8 && nonce.bytes().all(|c| c.is_ascii_hexdigit()),
        "{nonce}"
    );
    // The tests' fixed time (common::FIXED_TIME).
    assert_eq!(id["at"], json!("2026-12-04T15:04:05Z"));
    assert_eq!(id["s"], json!(1_796_396_645));
    assert_eq!(id["ms"], json!(1_796_396_645_000_i64));
    // Reproducible with the same seed: the same answer twice.
    assert_eq!(respond(&policy, none).unwrap(), r);
}

#[test]
fn ignore_case_folds_ascii_only() {
    // The Kelvin sign (U+212A) lowercases to `k` in Unicode: folding it would
    // let `jane@\u{212A}ontoso.com` pass a gate on `@kontoso.com`.
    let gate = |test: Value| json!({"deny": [{"when": {"not": {"attributes": {"email": test}}}, "message": "Not allowed."}]});
    for test in [
        json!({"endsWith": "@kontoso.com", "ignoreCase": true}),
        json!({"equals": "jane@kontoso.com", "ignoreCase": true}),
        json!({"in": ["jane@kontoso.com"], "ignoreCase": true}),
        json!({"matches": "@kontoso\\.com$", "ignoreCase": true}),
    ] {
        let policy = gate(test.clone());
        assert!(
            matches!(
                respond(&policy, attr("email", json!("jane@\u{212A}ontoso.com"))),
                Err(TriggerError::Denied { .. })
            ),
            "{test}"
        );
        assert!(
            respond(&policy, attr("email", json!("JANE@KONTOSO.COM"))).is_ok(),
            "{test}"
        );
    }
}
