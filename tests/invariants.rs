//! Invariants that hold for every event and every valid policy, checked with
//! `proptest` over generated inputs: every version, trigger source, present,
//! absent and null field, unknown fields, unicode, large attribute maps and
//! group lists. Each invariant runs 10,000 cases (`PROPTEST_CASES` overrides).
//! Failing cases proptest finds are kept in `proptest-regressions/` and
//! replayed first.

mod common;

use std::collections::BTreeSet;

use common::trigger;
use pretoken::event::Version;
use pretoken::policy::{FilterMode, Policy};
use pretoken::reserved;
use pretoken::{Trigger, TriggerError};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(10_000);
    Config {
        cases,
        ..Config::default()
    }
}

// ---------- generators ----------

const CLAIMS: &[&str] = &[
    "email",
    "phone_number",
    "name",
    "tenantId",
    "departmentId",
    "roles",
    "tier",
    "ü-claim",
    "custom:tenantId",
    "given_name",
    "cognito:groups",
    "nickname",
];
const ATTRS: &[&str] = &[
    "email",
    "custom:tenantId",
    "custom:department",
    "custom:n",
    "custom:flags",
    "absent",
];
const GROUPS: &[&str] = &[
    "owners",
    "contributors",
    "readers",
    "app-a",
    "app-b",
    "grüppe",
];
const CLIENTS: &[&str] = &["c1", "c2"];
const TRIGGERS: &[&str] = &[
    "TokenGeneration_HostedAuth",
    "TokenGeneration_Authentication",
    "TokenGeneration_NewPasswordChallenge",
    "TokenGeneration_AuthenticateDevice",
    "TokenGeneration_RefreshTokens",
    "TokenGeneration_ClientCredentials",
    "TokenGeneration_Future",
];

fn pick(items: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(items).prop_map(str::to_owned)
}

fn subset(items: &'static [&'static str], max: usize) -> impl Strategy<Value = Vec<String>> {
    proptest::sample::subsequence(items, 0..=max.min(items.len()))
        .prop_map(|v| v.into_iter().map(str::to_owned).collect())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9@.+-]{0,12}",
        "\\PC{0,8}",
        Just("true".to_owned()),
        Just("42".to_owned()),
        Just("{\"k\": [1, 2]}".to_owned()),
        Just("a, b,,c".to_owned()),
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        text().prop_map(Value::String),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-zé]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Absent, null, or present: the three ways events carry optional fields.
fn maybe(v: impl Strategy<Value = Value>) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![1 => Just(None), 1 => Just(Some(Value::Null)), 4 => v.prop_map(Some)]
}

fn tokens() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        Just(Some(json!(["id"]))),
        Just(Some(json!(["access"]))),
        Just(Some(json!(["id", "access"]))),
    ]
}

fn when() -> impl Strategy<Value = Option<Value>> {
    let list = |items: &'static [&'static str]| {
        proptest::option::of(
            proptest::sample::subsequence(items, 1..=2.min(items.len())).prop_map(|v| json!(v)),
        )
    };
    prop_oneof![
        3 => Just(None),
        1 => (list(CLIENTS), list(&TRIGGERS[..3]), list(GROUPS)).prop_map(|(c, t, g)| {
            let mut w = Map::new();
            if let Some(c) = c { w.insert("clientIds".into(), c); }
            if let Some(t) = t { w.insert("triggerSources".into(), t); }
            if let Some(g) = g { w.insert("groups".into(), g); }
            (!w.is_empty()).then_some(Value::Object(w))
        }),
    ]
}

fn with_common(mut rule: Map<String, Value>, tokens: Option<Value>, when: Option<Value>) -> Value {
    if let Some(t) = tokens {
        rule.insert("tokens".into(), t);
    }
    if let Some(w) = when {
        rule.insert("when".into(), w);
    }
    Value::Object(rule)
}

fn source() -> impl Strategy<Value = Map<String, Value>> {
    let convert = proptest::sample::select(&["string", "number", "boolean", "json", "list"][..]);
    let missing = prop_oneof![
        Just(None),
        Just(Some(json!({"ifMissing": "skip"}))),
        Just(Some(json!({"ifMissing": "fail"}))),
        json_leaf().prop_map(|d| Some(json!({"default": d}))),
    ];
    prop_oneof![
        (pick(ATTRS), proptest::option::of(convert), missing.clone()).prop_map(|(a, c, m)| {
            let mut r = Map::new();
            r.insert("attribute".into(), a.into());
            if let Some(c) = c {
                r.insert("convert".into(), c.into());
            }
            if let Some(Value::Object(m)) = m {
                r.extend(m);
            }
            r
        }),
        any_json().prop_map(|v| {
            let mut r = Map::new();
            r.insert("value".into(), v);
            r
        }),
        (
            subset(GROUPS, 3),
            any::<bool>(),
            json_leaf(),
            missing.clone()
        )
            .prop_filter_map("groups need at least one", |(groups, objects, leaf, m)| {
                if groups.is_empty() {
                    return None;
                }
                // Objects with one distinct key per group never conflict.
                let map: Map<String, Value> = groups
                    .iter()
                    .enumerate()
                    .map(|(i, g)| {
                        let v = if objects {
                            json!({ format!("k{i}"): leaf.clone() })
                        } else {
                            json!(format!("role-{g}"))
                        };
                        (g.clone(), v)
                    })
                    .collect();
                let mut r = Map::new();
                r.insert("groups".into(), Value::Object(map));
                if let Some(Value::Object(m)) = m {
                    r.extend(m);
                }
                Some(r)
            }),
        proptest::sample::select(&["clientId", "userPoolId", "region", "triggerSource"][..])
            .prop_map(|c| {
                let mut r = Map::new();
                r.insert("context".into(), c.into());
                r
            }),
    ]
}

/// A valid policy: suppressed and added claim names are drawn from disjoint
/// halves of the pool (a policy adding what it suppresses is refused).
fn policy_json() -> impl Strategy<Value = Value> {
    let suppress = proptest::collection::vec((any::<u16>(), any::<bool>(), tokens(), when()), 0..3);
    let claims = proptest::collection::vec((any::<u16>(), source(), tokens(), when()), 0..4);
    let scopes = proptest::collection::vec(
        (
            subset(&["documents/read", "orders/write", "x"], 2),
            subset(&["phone", "email", "openid"], 2),
            when(),
        ),
        0..2,
    );
    let groups = proptest::option::of((
        any::<bool>(),
        subset(&["owners", "app-*", "readers", "nobody"], 3),
        when(),
    ));
    (any::<u16>(), suppress, claims, scopes, groups).prop_map(
        |(mask, suppress, claims, scopes, groups)| {
            let suppressible: Vec<&str> = CLAIMS
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, c)| *c)
                .collect();
            let addable: Vec<&str> = CLAIMS
                .iter()
                .enumerate()
                .filter(|(i, c)| mask & (1 << i) == 0 && !c.starts_with("cognito:"))
                .map(|(_, c)| *c)
                .collect();
            let mut p = Map::new();
            let rules: Vec<Value> = suppress
                .into_iter()
                .filter_map(|(pick, preset, t, w)| {
                    let names: Vec<&str> = suppressible
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| pick & (1 << i) != 0)
                        .map(|(_, c)| *c)
                        .collect();
                    // The preset would overlap added claims unless none of its
                    // claims can be added.
                    let preset =
                        preset && addable.iter().all(|c| !reserved::STANDARD_PII.contains(c));
                    if names.is_empty() && !preset {
                        return None;
                    }
                    let mut r = Map::new();
                    if !names.is_empty() {
                        r.insert("claims".into(), json!(names));
                    }
                    if preset {
                        r.insert("preset".into(), "standard-pii".into());
                    }
                    Some(with_common(r, t, w))
                })
                .collect();
            p.insert("suppress".into(), Value::Array(rules));
            let rules: Vec<Value> = claims
                .into_iter()
                .filter(|_| !addable.is_empty())
                .map(|(pick, mut src, t, w)| {
                    let claim = addable[usize::from(pick) % addable.len()];
                    src.insert("claim".into(), claim.into());
                    with_common(src, t, w)
                })
                .collect();
            p.insert("claims".into(), Value::Array(rules));
            let rules: Vec<Value> = scopes
                .into_iter()
                .filter(|(a, s, _)| !a.is_empty() || !s.is_empty())
                .map(|(a, s, w)| {
                    let mut r = Map::new();
                    r.insert("add".into(), json!(a));
                    r.insert("suppress".into(), json!(s));
                    with_common(r, None, w)
                })
                .collect();
            p.insert("scopes".into(), Value::Array(rules));
            if let Some((keep, patterns, w)) = groups {
                let mut r = Map::new();
                r.insert(
                    (if keep { "keep" } else { "remove" }).into(),
                    json!(patterns),
                );
                p.insert("groups".into(), with_common(r, None, w));
            }
            Value::Object(p)
        },
    )
}

fn attributes() -> impl Strategy<Value = Value> {
    let known = proptest::collection::btree_map(pick(ATTRS), text(), 0..6);
    let many = proptest::collection::btree_map("(custom:)?[a-z_]{1,10}", text(), 0..60);
    (known, many).prop_map(|(k, m)| {
        let mut out = Map::new();
        out.insert("sub".into(), "0b1f-SUB".into());
        out.extend(m.into_iter().map(|(k, v)| (k, Value::String(v))));
        out.extend(k.into_iter().map(|(k, v)| (k, Value::String(v))));
        Value::Object(out)
    })
}

fn group_configuration() -> impl Strategy<Value = Value> {
    let groups = prop_oneof![
        subset(GROUPS, 6),
        proptest::collection::vec("[a-z-]{1,8}", 0..30),
    ];
    (
        maybe(groups.prop_map(|g| json!(g))),
        maybe(proptest::collection::vec("arn:[a-z/]{1,8}", 0..4).prop_map(|r| json!(r))),
        prop_oneof![
            Just(None),
            Just(Some(Value::Null)),
            Just(Some(json!("arn:preferred"))),
            Just(Some(json!(["arn:preferred"]))),
        ],
    )
        .prop_map(|(g, r, p)| {
            let mut out = Map::new();
            for (k, v) in [
                ("groupsToOverride", g),
                ("iamRolesToOverride", r),
                ("preferredRole", p),
            ] {
                if let Some(v) = v {
                    out.insert(k.into(), v);
                }
            }
            Value::Object(out)
        })
}

fn event() -> impl Strategy<Value = Value> {
    let version = maybe(prop_oneof![
        Just(json!("1")),
        Just(json!("2")),
        Just(json!("3")),
        Just(json!("0")),
        "\\PC{0,3}".prop_map(Value::String),
    ]);
    let request = (
        maybe(attributes()),
        maybe(group_configuration()),
        maybe(proptest::collection::btree_map("[a-z]{1,5}", text(), 0..3).prop_map(|m| json!(m))),
        maybe(
            subset(
                &[
                    "aws.cognito.signin.user.admin",
                    "openid",
                    "email",
                    "phone",
                    "orders/write",
                ],
                5,
            )
            .prop_map(|s| json!(s)),
        ),
        proptest::option::of(any_json()),
    )
        .prop_map(|(a, g, m, s, unknown)| {
            let mut r = Map::new();
            for (k, v) in [
                ("userAttributes", a),
                ("groupConfiguration", g),
                ("clientMetadata", m),
                ("scopes", s),
            ] {
                if let Some(v) = v {
                    r.insert(k.into(), v);
                }
            }
            if let Some(u) = unknown {
                r.insert("futureField".into(), u);
            }
            Value::Object(r)
        });
    (
        version,
        maybe(pick(TRIGGERS).prop_map(Value::String)),
        maybe(pick(CLIENTS).prop_map(|c| json!({"clientId": c, "awsSdkVersion": "x"}))),
        maybe("\\PC{1,10}".prop_map(Value::String)),
        maybe(request),
        prop_oneof![
            Just(json!({})),
            Just(Value::Null),
            Just(json!([])),
            any_json()
        ],
        proptest::option::of(any_json()),
    )
        .prop_map(|(v, t, c, u, r, response, unknown)| {
            let mut e = Map::new();
            for (k, val) in [
                ("version", v),
                ("triggerSource", t),
                ("callerContext", c),
                ("userName", u),
                ("request", r),
            ] {
                if let Some(val) = val {
                    e.insert(k.into(), val);
                }
            }
            e.insert("region".into(), "eu-west-1".into());
            e.insert("userPoolId".into(), "eu-west-1_X".into());
            e.insert("response".into(), response);
            if let Some(u) = unknown {
                e.insert("unknownTopLevel".into(), u);
            }
            Value::Object(e)
        })
}

fn configured() -> impl Strategy<Value = Option<Version>> {
    proptest::option::of(proptest::sample::select(
        &[Version::V1, Version::V2, Version::V3][..],
    ))
}

fn case() -> impl Strategy<Value = (Policy, Value, Option<Version>)> {
    (policy_json(), event(), configured()).prop_map(|(p, e, v)| {
        let policy = Policy::from_json(&p.to_string(), "generated")
            .unwrap_or_else(|err| panic!("generator made an invalid policy: {err}\n{p}"));
        (policy, e, v)
    })
}

// ---------- independent oracles ----------

fn str_at<'a>(e: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(e, |v, k| v.get(k))
        .and_then(Value::as_str)
}

fn request_groups(e: &Value) -> Vec<String> {
    e["request"]["groupConfiguration"]["groupsToOverride"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|g| g.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn holds(c: &pretoken::policy::Condition, e: &Value) -> bool {
    let groups = request_groups(e);
    let client = str_at(e, &["callerContext", "clientId"]);
    let source = str_at(e, &["triggerSource"]);
    (c.client_ids.is_empty() || client.is_some_and(|x| c.client_ids.iter().any(|y| y == x)))
        && (c.trigger_sources.is_empty()
            || source.is_some_and(|x| c.trigger_sources.iter().any(|y| y == x)))
        && (c.groups.is_empty() || c.groups.iter().any(|g| groups.contains(g)))
}

fn without_response(v: &Value) -> Vec<u8> {
    let mut m = v.as_object().unwrap().clone();
    m.shift_remove("response");
    serde_json::to_vec(&m).unwrap()
}

/// (token, additions, suppressions) of a response.
fn generations(response: &Value) -> Vec<(reserved::TokenKind, Map<String, Value>, Vec<String>)> {
    let list = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let one = |kind, g: &Value| {
        (
            kind,
            g["claimsToAddOrOverride"]
                .as_object()
                .cloned()
                .unwrap_or_default(),
            list(&g["claimsToSuppress"]),
        )
    };
    if let Some(v1) = response.get("claimsOverrideDetails") {
        vec![one(reserved::TokenKind::Id, v1)]
    } else {
        let v2 = &response["claimsAndScopeOverrideDetails"];
        let mut out = vec![one(
            reserved::TokenKind::Access,
            &v2["accessTokenGeneration"],
        )];
        if let Some(id) = v2.get("idTokenGeneration") {
            out.push(one(reserved::TokenKind::Id, id));
        }
        out
    }
}

/// Runs the handler; `None` when it refused for a legitimate reason.
fn run(policy: &Policy, event: &Value, configured: Option<Version>) -> Option<Value> {
    match trigger(policy.clone(), configured).handle(event.clone()) {
        Ok(out) => Some(out),
        Err(TriggerError::Rule(_) | TriggerError::UnknownVersion) => None,
        Err(e) => panic!("unexpected error {e:?} for {event}"),
    }
}

fn is_client_credentials(e: &Value) -> bool {
    str_at(e, &["triggerSource"]) == Some("TokenGeneration_ClientCredentials")
}

proptest! {
    #![proptest_config(config())]

    /// 1. A claim the policy suppresses for a token is never among that
    /// token's additions, and is among its suppressions when the rule applies
    /// (ID-token rules do not apply to client-credentials grants, which have
    /// no ID token).
    #[test]
    fn suppressed_claims_never_added_and_always_suppressed((policy, event, v) in case()) {
        let Some(out) = run(&policy, &event, v) else { return Ok(()) };
        for (token, added, suppressed) in generations(&out["response"]) {
            for rule in policy.suppress.iter().filter(|r| r.tokens.has(token)) {
                for c in &rule.claims {
                    prop_assert!(!added.contains_key(c), "{c} added to {token}");
                    let no_id_token = token == reserved::TokenKind::Id && is_client_credentials(&event);
                    if holds(&rule.when, &event) && !no_id_token {
                        prop_assert!(suppressed.contains(c), "{c} not suppressed from {token}");
                    }
                }
            }
        }
    }

    /// 2. No reserved claim is ever added, overridden or suppressed.
    #[test]
    fn reserved_claims_untouched((policy, event, v) in case()) {
        let Some(out) = run(&policy, &event, v) else { return Ok(()) };
        for (token, added, suppressed) in generations(&out["response"]) {
            for name in added.keys() {
                prop_assert!(!reserved::RESERVED.contains(&name.as_str()) && !name.starts_with("cognito:") && name != "scope");
                prop_assert!(token == reserved::TokenKind::Access || name != "aud");
            }
            for name in &suppressed {
                prop_assert!(!reserved::RESERVED.contains(&name.as_str()) && name != "scope" && name != "aud");
                prop_assert!(!name.starts_with("cognito:") || name == "cognito:groups");
            }
        }
    }

    /// 3. Everything outside `response` comes back byte for byte.
    #[test]
    fn everything_but_the_response_comes_back((policy, event, v) in case()) {
        let Some(out) = run(&policy, &event, v) else { return Ok(()) };
        prop_assert_eq!(without_response(&event), without_response(&out));
    }

    /// 4. `groupOverrideDetails` appears only when the policy filters groups,
    /// is built from the request's groups, roles and preferred role, and is
    /// empty only when the filter removes every group.
    #[test]
    fn group_overrides_come_from_the_request((policy, event, v) in case()) {
        let Some(out) = run(&policy, &event, v) else { return Ok(()) };
        let container = out["response"].as_object().unwrap().values().next().unwrap();
        let Some(o) = container.get("groupOverrideDetails") else { return Ok(()) };
        let filter = policy.groups.as_ref();
        prop_assert!(filter.is_some(), "override without a group filter");
        let filter = filter.unwrap();
        prop_assert!(holds(&filter.when, &event));
        let request = request_groups(&event);
        let kept: Vec<String> = o["groupsToOverride"].as_array().unwrap().iter().map(|g| g.as_str().unwrap().to_owned()).collect();
        let expected: Vec<String> = request.iter().filter(|g| {
            let m = filter.patterns.iter().any(|p| p.strip_suffix('*').map_or(*g == p, |pre| g.starts_with(pre)));
            m == (filter.mode == FilterMode::Keep)
        }).cloned().collect();
        prop_assert_eq!(&kept, &expected);
        prop_assert!(kept.len() < request.len(), "an override that changes nothing");
        let gc = &event["request"]["groupConfiguration"];
        let roles = gc["iamRolesToOverride"].as_array().cloned().unwrap_or_default();
        prop_assert_eq!(o["iamRolesToOverride"].as_array().unwrap(), &roles);
        let preferred = match &gc["preferredRole"] {
            Value::Array(a) => a.first().cloned(),
            Value::String(s) => Some(Value::String(s.clone())),
            _ => None,
        };
        prop_assert_eq!(o.get("preferredRole").cloned(), preferred);
    }

    /// 5. V1 responses carry strings only and no access-token rule.
    #[test]
    fn v1_is_strings_and_id_token_only((policy, event, v) in case()) {
        let Some(out) = run(&policy, &event, v) else { return Ok(()) };
        let response = out["response"].as_object().unwrap();
        prop_assert_eq!(response.len(), 1);
        let is_v1 = match str_at(&event, &["version"]) {
            Some("1") => true,
            Some("2" | "3") => false,
            _ => v == Some(Version::V1),
        };
        prop_assert_eq!(response.contains_key("claimsOverrideDetails"), is_v1);
        if let Some(d) = response.get("claimsOverrideDetails") {
            let keys: BTreeSet<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
            prop_assert!(keys.is_subset(&["claimsToAddOrOverride", "claimsToSuppress", "groupOverrideDetails"].into()));
            prop_assert!(d["claimsToAddOrOverride"].as_object().unwrap().values().all(Value::is_string));
        } else if is_client_credentials(&event) {
            prop_assert!(response["claimsAndScopeOverrideDetails"].get("idTokenGeneration").is_none());
        }
    }

    /// 6. Deterministic, and idempotent: Cognito may retry, and running the
    /// function on its own output gives the same bytes.
    #[test]
    fn deterministic_and_idempotent((policy, event, v) in case()) {
        let Some(once) = run(&policy, &event, v) else { return Ok(()) };
        let again = Trigger::new(Ok(pretoken::Config { policy: policy.clone(), lambda_version: v }))
            .handle(event.clone())
            .unwrap();
        prop_assert_eq!(serde_json::to_vec(&once).unwrap(), serde_json::to_vec(&again).unwrap());
        let twice = run(&policy, &once, v).unwrap();
        prop_assert_eq!(serde_json::to_vec(&once).unwrap(), serde_json::to_vec(&twice).unwrap());
    }
}

/// The generators are not vacuous: most cases produce a response, and the
/// interesting shapes (V1, V2/V3, group overrides, client credentials,
/// additions, suppressions, refusals) all occur.
#[test]
fn generated_cases_cover_the_interesting_shapes() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut ok, mut v1, mut v2, mut overrides, mut m2m, mut added, mut suppressed, mut refused) =
        (0, 0, 0, 0, 0, 0, 0, 0);
    let n = 2000;
    for _ in 0..n {
        let (policy, event, v) = case().new_tree(&mut runner).unwrap().current();
        let Some(out) = run(&policy, &event, v) else {
            refused += 1;
            continue;
        };
        ok += 1;
        let r = &out["response"];
        if r.get("claimsOverrideDetails").is_some() {
            v1 += 1;
        } else {
            v2 += 1;
        }
        if r.as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .get("groupOverrideDetails")
            .is_some()
        {
            overrides += 1;
        }
        m2m += usize::from(is_client_credentials(&event));
        for (_, a, s) in generations(r) {
            added += usize::from(!a.is_empty());
            suppressed += usize::from(!s.is_empty());
        }
    }
    let counts = [ok, v1, v2, overrides, m2m, added, suppressed, refused];
    eprintln!("ok, v1, v2, overrides, m2m, added, suppressed, refused: {counts:?}");
    assert!(ok * 2 > n, "{counts:?}");
    assert!(
        counts.iter().all(|c| *c * 100 > n),
        "each shape in over 1% of cases: {counts:?}"
    );
}
