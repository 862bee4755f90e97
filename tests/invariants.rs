//! Invariants that hold for every event and every valid policy, checked with
//! `proptest` over generated inputs: every version, trigger source, present,
//! absent and null field, unknown fields, unicode, large attribute maps and
//! group lists. Each invariant runs 10,000 cases (`PROPTEST_CASES` overrides).
//! Failing cases proptest finds are kept in `proptest-regressions/` and
//! replayed first.

mod common;

use std::collections::BTreeSet;

use pretoken::event::Version;
use pretoken::lookup::data::LookupData;
use pretoken::model::lookup::IfUnavailable;
use pretoken::model::{FilterMode, Policy};
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

/// The top-level event field that carries a case's generated lookup
/// results (comes back unchanged, as every unknown field).
const LOOKUP_RESULTS: &str = "x-generated-lookups";

/// The trigger for a case: a policy with lookups answers them from the
/// results generated with the event (a lookup left out is unavailable).
fn trigger(policy: Policy, v: Option<Version>, event: &Value) -> Trigger {
    let t = common::trigger(policy, v);
    match event.get(LOOKUP_RESULTS) {
        Some(Value::Object(m)) => t.with_lookup_data(LookupData(m.clone())),
        _ => t,
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
    "custom:groups",
    "custom:plan",
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
const GROUP_PATTERNS: &[&str] = &["owners", "contributors", "app-*", "grüppe"];
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
        Just("[app-a, g1,,app-b]".to_owned()),
        Just("pro".to_owned()),
        Just("Jo@Example.COM".to_owned()),
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

fn predicate() -> impl Strategy<Value = Value> {
    proptest::sample::select(vec![
        json!({"present": true}),
        json!({"present": false}),
        json!({"equals": "pro"}),
        json!({"in": ["pro", "true", "42"]}),
        json!({"startsWith": "a"}),
        json!({"endsWith": ".com", "ignoreCase": true}),
        json!({"matches": "^[a-z0-9]+$"}),
        json!({"present": true, "startsWith": "j", "ignoreCase": true}),
    ])
}

fn simple_when() -> impl Strategy<Value = Value> {
    let list = |items: &'static [&'static str]| {
        proptest::option::of(
            proptest::sample::subsequence(items, 1..=2.min(items.len())).prop_map(|v| json!(v)),
        )
    };
    prop_oneof![
        (list(CLIENTS), list(&TRIGGERS[..3]), list(GROUP_PATTERNS)).prop_filter_map(
            "a when names something",
            |(c, t, g)| {
                let mut w = Map::new();
                if let Some(c) = c {
                    w.insert("clientIds".into(), c);
                }
                if let Some(t) = t {
                    w.insert("triggerSources".into(), t);
                }
                if let Some(g) = g {
                    w.insert("groups".into(), g);
                }
                (!w.is_empty()).then_some(Value::Object(w))
            }
        ),
        (pick(ATTRS), predicate()).prop_map(|(a, p)| json!({"attributes": {a: p}})),
        predicate().prop_map(|p| json!({"clientMetadata": {"k": p}})),
        proptest::sample::select(vec!["eu-west-1_X", "other"])
            .prop_map(|p| json!({"userPoolIds": [p]})),
    ]
}

fn when_json() -> impl Strategy<Value = Value> {
    simple_when().prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 1..3).prop_map(|v| json!({"all": v})),
            proptest::collection::vec(inner.clone(), 1..3).prop_map(|v| json!({"any": v})),
            inner.prop_map(|w| json!({"not": w})),
        ]
    })
}

fn when() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        3 => Just(None),
        2 => when_json().prop_map(Some),
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
        proptest::sample::select(
            &[
                "clientId",
                "userPoolId",
                "region",
                "triggerSource",
                "userName"
            ][..]
        )
        .prop_map(|c| {
            let mut r = Map::new();
            r.insert("context".into(), c.into());
            r
        }),
        (computed(), missing).prop_map(|(mut r, m)| {
            if let Some(Value::Object(m)) = m {
                r.extend(m);
            }
            r
        }),
    ]
}

/// Type-correct transform chains for a string value.
fn string_steps() -> impl Strategy<Value = Option<Value>> {
    proptest::option::of(proptest::sample::select(vec![
        json!(["lowercase"]),
        json!(["trim", "nonEmpty", "uppercase"]),
        json!(["emailDomain"]),
        json!(["emailLocalPart", {"prefix": "u_"}]),
        json!([{"suffix": "-{context.clientId}"}]),
        json!([{"stripPrefix": "app-"}, {"stripSuffix": ".com"}]),
        json!([{"split": ","}, {"join": " "}]),
        json!([{"split": ",", "brackets": true}, {"filter": ["app-*"]}]),
        json!([{"split": ","}, "first"]),
        json!([{"replace": {"regex": "[0-9]", "with": "#"}}]),
        json!([{"extract": "^([a-z]+)"}]),
        json!([{"map": {"pro": 3, "free": 1}, "default": 0}]),
        json!([{"map": {"pro": ["a", "b"], "x": "y"}}, {"join": "+"}]),
    ]))
}

/// A SOURCE without options, for `firstOf` and `object` members.
fn leaf_source() -> impl Strategy<Value = Value> {
    prop_oneof![
        pick(ATTRS).prop_map(|a| json!({"attribute": a})),
        json_leaf().prop_map(|v| json!({"value": v})),
        Just(json!({"value": []})),
        Just(json!({"template": "t_{custom:tenantId}#{context.clientId}"})),
        subset(GROUP_PATTERNS, 2)
            .prop_filter("a pattern", |g| !g.is_empty())
            .prop_map(|g| json!({"groupNames": g})),
        Just(json!({"clientMetadata": "k"})),
    ]
}

/// The computed sources of Policy language 2.
fn computed() -> impl Strategy<Value = Map<String, Value>> {
    let obj = |v: Value| v.as_object().unwrap().clone();
    prop_oneof![
        (
            proptest::sample::select(vec![
                json!({"template": "tenant_{custom:tenantId}"}),
                json!({"template": "{email}|{context.userName}|{{x}}"}),
                json!({"clientMetadata": "k"}),
                json!({"attribute": "custom:groups"}),
                json!({"attribute": "email"}),
                json!({"attribute": "custom:plan"}),
            ]),
            string_steps()
        )
            .prop_map(move |(src, steps)| {
                let mut r = obj(src);
                if let Some(s) = steps {
                    r.insert("transform".into(), s);
                }
                r
            }),
        (
            subset(GROUP_PATTERNS, 3),
            proptest::option::of(proptest::sample::select(vec![
                json!(["first"]),
                json!([{"join": ","}]),
                json!([{"stripPrefix": "app-"}, "uppercase"]),
            ]))
        )
            .prop_filter("a pattern", |(g, _)| !g.is_empty())
            .prop_map(|(g, steps)| {
                let mut r = Map::new();
                r.insert("groupNames".into(), json!(g));
                if let Some(s) = steps {
                    r.insert("transform".into(), s);
                }
                r
            }),
        proptest::collection::vec(leaf_source(), 1..4).prop_map(|v| {
            let mut r = Map::new();
            r.insert("firstOf".into(), json!(v));
            r
        }),
        proptest::collection::btree_map("[a-c]", leaf_source(), 1..4).prop_map(|m| {
            let mut r = Map::new();
            r.insert(
                "object".into(),
                json!({"nested": {"object": m}, "leaf": {"attribute": "sub"}}),
            );
            r
        }),
        (subset(GROUPS, 3), json_leaf()).prop_filter_map("groups", |(g, leaf)| {
            if g.is_empty() {
                return None;
            }
            let map: Map<String, Value> = g.iter().map(|g| (g.clone(), leaf.clone())).collect();
            let mut r = Map::new();
            r.insert("groups".into(), Value::Object(map));
            r.insert("pick".into(), "first".into());
            Some(r)
        }),
    ]
}

/// A valid policy: suppressed and added claim names are drawn from disjoint
/// halves of the pool (a policy adding what it suppresses is refused).
/// Scope rules: constants and templates to add, scopes to remove.
fn scope_rules() -> impl Strategy<Value = Vec<(Vec<String>, Vec<String>, Option<Value>)>> {
    proptest::collection::vec(
        (
            subset(
                &[
                    "documents/read",
                    "orders/write",
                    "x",
                    "plan:{custom:plan}",
                    "u/{sub}",
                ],
                2,
            ),
            subset(&["phone", "email", "openid"], 2),
            when(),
        ),
        0..2,
    )
}

fn policy_json() -> impl Strategy<Value = Value> {
    let suppress = proptest::collection::vec((any::<u16>(), any::<bool>(), tokens(), when()), 0..3);
    let claims = proptest::collection::vec((any::<u16>(), source(), tokens(), when()), 0..4);
    let scopes = scope_rules();
    let groups = proptest::option::of((
        proptest::option::of(any::<bool>()),
        subset(&["owners", "app-*", "readers", "nobody"], 3),
        subset(&["users", "owners"], 2),
        any::<bool>(),
        when(),
    ));
    let extras = (deny(), copies(), roles(), lookup_rules());
    (any::<u16>(), suppress, claims, scopes, groups, extras).prop_map(
        |(mask, suppress, claims, scopes, groups, (deny, copies, roles, lookups))| {
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
            let mut rules = rules;
            let mut lookup_deny = None;
            if let Some((declared, lookup_claims)) = lookups {
                p.insert("lookups".into(), declared);
                for r in lookup_claims {
                    match r.get(LOOKUP_DENY_MARK) {
                        Some(d) => lookup_deny = Some(d.clone()),
                        None => rules.push(r),
                    }
                }
            }
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
            if let Some(g) = groups {
                p.insert("groups".into(), group_section(g));
            }
            let mut deny = deny;
            deny.extend(lookup_deny);
            p.insert("deny".into(), json!(deny));
            p.insert("copyAttributes".into(), json!(copies));
            if let Some(r) = roles {
                p.insert("roles".into(), r);
            }
            Value::Object(p)
        },
    )
}

/// Claims read from lookups (`lk_…`, never suppressed), and their
/// declarations: `p`, one item (fail or skip when unavailable), `q`, a query.
/// `None`: a policy without lookups.
fn lookup_rules() -> BoxedStrategy<Option<(Value, Vec<Value>)>> {
    let lookup_deny = proptest::option::weighted(
        0.3,
        (0..LOOKUP_DENY.len(), proptest::option::of(any::<bool>())),
    )
    .prop_map(|o| {
        o.map(|(i, allow)| {
            let (field, pred) = LOOKUP_DENY[i];
            let mut r = json!({"when": {"lookups": {field: serde_json::from_str::<Value>(pred).unwrap()}},
                               "message": format!("{LOOKUP_DENY_MESSAGE} {i}.")});
            if let Some(allow) = allow {
                r["ifUnknown"] = (if allow { "allow" } else { "deny" }).into();
            }
            r
        })
    });
    let rule = prop_oneof![
        Just(json!({"claim": "lk_org", "lookup": "p", "field": "org"})),
        Just(json!({"claim": "lk_n", "lookup": "p", "field": "n", "tokens": ["id"]})),
        Just(
            json!({"claim": "lk_first", "lookup": "p", "field": "name.first", "transform": ["lowercase"]})
        ),
        Just(json!({"claim": "lk_all", "lookup": "p"})),
        Just(json!({"claim": "lk_t", "lookup": "q", "field": "t", "tokens": ["access"]})),
        Just(json!({"claim": "lk_tpl", "template": "{lookups.p.org}/{custom:tenantId}"})),
        Just(
            json!({"claim": "lk_admin", "value": true, "when": {"lookups": {"p.role": {"equals": "admin"}}}})
        ),
        Just(
            json!({"claim": "lk_req", "lookup": "p", "field": "org", "ifMissing": "fail",
                    "when": {"groups": ["owners"]}})
        ),
    ];
    proptest::option::of((
        any::<bool>(),
        proptest::collection::vec(rule, 1..4),
        lookup_deny,
    ))
    .prop_map(|o| {
        o.map(|(fail, rules, deny)| {
            let declared = json!({
                "p": {"dynamodb": {"table": "Profiles", "key": {"pk": "U#{sub}"}},
                      "ifUnavailable": if fail { "fail" } else { "skip" }},
                "q": {"dynamodb": {"table": "Profiles", "query": {"pk": "U#{sub}"}}, "ifUnavailable": "skip"}
            });
            // One rule per claim name (the last would win anyway).
            let mut seen = BTreeSet::new();
            let mut rules: Vec<Value> = rules
                .into_iter()
                .filter(|r| seen.insert(r["claim"].as_str().unwrap_or("").to_owned()))
                .collect();
            // The deny rule rides along, marked, and is moved to `deny`.
            rules.extend(deny.map(|d| json!({LOOKUP_DENY_MARK: d})));
            (declared, rules)
        })
    })
    .boxed()
}

/// Generated lookup results: `p` an item, no item or left out
/// (unavailable); `q` items or left out.
fn lookup_results() -> BoxedStrategy<Value> {
    let item = (
        proptest::option::of(text()),
        proptest::option::of(any::<i32>()),
        proptest::option::of(text()),
        proptest::sample::select(&["admin", "user", ""][..]),
    )
        .prop_map(|(org, n, first, role)| {
            let mut m = Map::new();
            if let Some(o) = org {
                m.insert("org".into(), o.into());
            }
            if let Some(n) = n {
                m.insert("n".into(), n.into());
            }
            if let Some(f) = first {
                m.insert("name".into(), json!({"first": f}));
            }
            m.insert("role".into(), role.into());
            Value::Object(m)
        });
    let p = prop_oneof![
        3 => item.prop_map(Some),
        1 => Just(Some(Value::Null)),
        1 => Just(None),
    ];
    let q = prop_oneof![
        2 => proptest::collection::vec(proptest::option::of(text()), 0..3).prop_map(|ts| Some(Value::Array(
            ts.into_iter()
                .map(|t| t.map_or_else(|| json!({}), |t| json!({"t": t})))
                .collect()
        ))),
        1 => Just(None),
    ];
    (p, q)
        .prop_map(|(p, q)| {
            let mut m = Map::new();
            if let Some(p) = p {
                m.insert("p".into(), p);
            }
            if let Some(q) = q {
                m.insert("q".into(), q);
            }
            Value::Object(m)
        })
        .boxed()
}

/// The `groups` section from its generated parts.
fn group_section(
    (keep, patterns, add, add_from, w): (
        Option<bool>,
        Vec<String>,
        Vec<String>,
        bool,
        Option<Value>,
    ),
) -> Value {
    let mut r = Map::new();
    if let Some(keep) = keep {
        r.insert(
            (if keep { "keep" } else { "remove" }).into(),
            json!(patterns),
        );
    }
    if !add.is_empty() {
        r.insert("add".into(), json!(add));
    }
    if add_from || r.is_empty() {
        r.insert(
            "addFrom".into(),
            json!({"attribute": "custom:groups", "transform": [{"split": ","}], "allow": ADD_FROM_ALLOW}),
        );
    }
    with_common(r, None, w)
}

const BASE_ROLE: &str = "arn:aws:iam::123456789012:role/base";
const ADD_FROM_ALLOW: &[&str] = &["app-*", "readers"];
/// Deny rules on the lookup `p`: a field and a predicate (JSON).
const LOOKUP_DENY: &[(&str, &str)] = &[
    ("p.role", r#"{"equals": "admin"}"#),
    ("p.n", r#"{"equals": 7}"#),
    ("p.role", r#"{"equals": 7}"#),
    ("p", r#"{"present": false}"#),
];
const LOOKUP_DENY_MESSAGE: &str = "Refused by lookup rule";
const LOOKUP_DENY_MARK: &str = "x-lookup-deny";
const FROM_GROUPS: &[(&str, &str)] = &[
    ("owners", "arn:aws:iam::123456789012:role/owners"),
    ("app-a", "arn:aws:iam::123456789012:role/app"),
    ("app-b", "arn:aws:iam::123456789012:role/app"),
    ("readers", "arn:bws:iam::123456789012:role/readers"),
];

fn deny() -> impl Strategy<Value = Vec<Value>> {
    prop_oneof![
        6 => Just(Vec::new()),
        1 => proptest::collection::vec(
            (when_json(), 0..2u8).prop_map(|(w, i)| json!({"when": w, "message": format!("Refused by rule {i}.")})),
            1..3,
        ),
    ]
}

fn copies() -> impl Strategy<Value = Vec<Value>> {
    let rule = (
        proptest::sample::select(vec![
            "custom:*",
            "*",
            "email",
            "custom:tenantId",
            "cognito:*",
        ]),
        any::<bool>(),
        tokens(),
        when(),
    )
        .prop_map(|(m, strip, t, w)| {
            let mut r = Map::new();
            r.insert("match".into(), m.into());
            if strip && m.ends_with('*') {
                r.insert("rename".into(), "stripPrefix".into());
            }
            with_common(r, t, w)
        });
    prop_oneof![2 => Just(Vec::new()), 1 => proptest::collection::vec(rule, 1..3)]
}

fn roles() -> impl Strategy<Value = Option<Value>> {
    proptest::option::of(
        (
            proptest::option::of(any::<bool>()),
            subset(&["arn:a*", "arn:b*", "arn:p*"], 2),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            when(),
        )
            .prop_map(|(keep, patterns, add, preferred, from_groups, w)| {
                let mut r = Map::new();
                if from_groups {
                    let m: Map<String, Value> = FROM_GROUPS
                        .iter()
                        .map(|(g, a)| ((*g).to_owned(), Value::from(*a)))
                        .collect();
                    r.insert("fromGroups".into(), Value::Object(m));
                }
                if let Some(keep) = keep {
                    r.insert(
                        (if keep { "keep" } else { "remove" }).into(),
                        json!(patterns),
                    );
                }
                if add {
                    r.insert("add".into(), json!([BASE_ROLE]));
                }
                if preferred || r.is_empty() {
                    r.insert("preferred".into(), BASE_ROLE.into());
                }
                with_common(r, None, w)
            }),
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
        lookup_results(),
    )
        .prop_map(|(v, t, c, u, r, response, unknown, lookups)| {
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
            e.insert(LOOKUP_RESULTS.into(), lookups);
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

fn glob_matches(p: &str, name: &str) -> bool {
    p.strip_suffix('*')
        .map_or(name == p, |pre| name.starts_with(pre))
}

fn predicate_holds(p: &pretoken::model::Predicate, v: Option<&str>) -> bool {
    use pretoken::model::Expected;
    let Some(v) = v else {
        return p.present == Some(false);
    };
    let v = if p.ignore_case {
        v.to_lowercase()
    } else {
        v.to_owned()
    };
    p.present != Some(false)
        && p.equals
            .as_ref()
            .is_none_or(|e| *e == Expected::Text(v.clone()))
        && (p.one_of.is_empty() || p.one_of.contains(&Expected::Text(v.clone())))
        && p.starts_with
            .as_ref()
            .is_none_or(|x| v.starts_with(x.as_str()))
        && p.ends_with.as_ref().is_none_or(|x| v.ends_with(x.as_str()))
        && p.matches.as_ref().is_none_or(|m| m.regex.is_match(&v))
}

fn holds(c: &pretoken::model::Condition, e: &Value) -> bool {
    let groups = request_groups(e);
    let client = str_at(e, &["callerContext", "clientId"]);
    let source = str_at(e, &["triggerSource"]);
    let pool = str_at(e, &["userPoolId"]);
    let listed = |list: &[String], v: Option<&str>| {
        list.is_empty() || v.is_some_and(|x| list.iter().any(|y| y == x))
    };
    listed(&c.client_ids, client)
        && listed(&c.trigger_sources, source)
        && listed(&c.user_pool_ids, pool)
        && (c.groups.is_empty()
            || c.groups
                .iter()
                .any(|p| groups.iter().any(|g| glob_matches(p, g))))
        && c.attributes
            .iter()
            .all(|(n, p)| predicate_holds(p, str_at(e, &["request", "userAttributes", n])))
        && c.client_metadata
            .iter()
            .all(|(k, p)| predicate_holds(p, str_at(e, &["request", "clientMetadata", k])))
        && c.all.iter().all(|x| holds(x, e))
        && (c.any.is_empty() || c.any.iter().any(|x| holds(x, e)))
        && c.not.as_ref().is_none_or(|x| !holds(x, e))
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
    match trigger(policy.clone(), configured, event).handle(event.clone()) {
        Ok(out) => Some(out),
        Err(
            TriggerError::Rule(_)
            | TriggerError::UnknownVersion
            | TriggerError::Denied { .. }
            | TriggerError::LookupUnavailable { .. },
        ) => None,
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

    /// 4. Groups are never wiped by accident: `groupOverrideDetails` appears
    /// only when a group or role rule applies and changes something, and it
    /// is exactly the request's groups filtered then extended (no
    /// duplicates), the request's roles filtered then extended, and a
    /// preferred role among those roles.
    #[test]
    fn group_overrides_come_from_the_request((policy, event, v) in case()) {
        let Some(out) = run(&policy, &event, v) else { return Ok(()) };
        let container = out["response"].as_object().unwrap().values().next().unwrap();
        let gc = &event["request"]["groupConfiguration"];
        let request = request_groups(&event);
        let strings = |v: &Value| -> Vec<String> {
            v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default()
        };
        let request_roles = strings(&gc["iamRolesToOverride"]);
        let request_preferred = match &gc["preferredRole"] {
            Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_owned),
            Value::String(s) => Some(s.clone()),
            _ => None,
        };
        let push = |list: &mut Vec<String>, s: &str| {
            if !s.trim().is_empty() && !list.iter().any(|x| x == s) {
                list.push(s.to_owned());
            }
        };
        let m2m = is_client_credentials(&event);
        let group_rule = policy.groups.as_ref().filter(|g| !m2m && holds(&g.when, &event));
        let role_rule = policy.roles.as_ref().filter(|r| !m2m && holds(&r.when, &event));
        let mut groups = request.clone();
        let mut roles = request_roles.clone();
        let mut preferred = request_preferred.clone();
        if let Some(g) = group_rule {
            for a in &g.add {
                push(&mut groups, a);
            }
            if g.add_from.is_some() {
                if let Some(raw) = str_at(&event, &["request", "userAttributes", "custom:groups"]) {
                    for item in raw.split(',') {
                        if g.allow.iter().any(|p| glob_matches(p, item.trim())) {
                            push(&mut groups, item.trim());
                        }
                    }
                }
            }
            groups.retain(|x| {
                let m = g.patterns.iter().any(|p| glob_matches(p, x));
                m == (g.mode == FilterMode::Keep)
            });
            if policy.roles.is_none() && request.iter().any(|x| !groups.contains(x)) {
                roles.clear();
                preferred = None;
            }
        }
        if let Some(r) = role_rule {
            if !r.from_groups.is_empty() {
                roles.clear();
                for g in &groups {
                    if let Some((_, a)) = r.from_groups.iter().find(|(n, _)| n == g) {
                        push(&mut roles, a);
                    }
                }
            }
            roles.retain(|x| {
                let m = r.patterns.iter().any(|p| glob_matches(p, x));
                m == (r.mode == FilterMode::Keep)
            });
            if !r.from_groups.is_empty() {
                preferred = roles.first().cloned();
            }
            for a in &r.add {
                push(&mut roles, a);
            }
            if r.preferred.is_some() {
                preferred = Some(BASE_ROLE.to_owned());
            }
            if preferred.as_ref().is_some_and(|p| !roles.contains(p)) {
                preferred = None;
            }
        }
        let changed = groups != request || roles != request_roles || preferred != request_preferred;
        match container.get("groupOverrideDetails") {
            None => prop_assert!(!changed, "a change was not written"),
            Some(o) => {
                prop_assert!(group_rule.is_some() || role_rule.is_some(), "override without a rule in force");
                prop_assert!(changed, "an override that changes nothing");
                prop_assert_eq!(strings(&o["groupsToOverride"]), groups);
                prop_assert_eq!(strings(&o["iamRolesToOverride"]), roles);
                prop_assert_eq!(o.get("preferredRole").and_then(Value::as_str).map(str::to_owned), preferred);
            }
        }
    }

    /// 4b. A group that the policy removes or does not keep never appears,
    /// whatever its source (the request, `add`, `addFrom`), and `addFrom`
    /// adds nothing its `allow` list does not name; a role never outlives
    /// its group: a policy without a `roles` section that removed a group
    /// sends no roles.
    #[test]
    fn removed_groups_never_appear((policy, event, v) in case()) {
        let Some(out) = run(&policy, &event, v) else { return Ok(()) };
        let Some(g) = policy.groups.as_ref() else { return Ok(()) };
        let container = out["response"].as_object().unwrap().values().next().unwrap();
        let Some(o) = container.get("groupOverrideDetails") else { return Ok(()) };
        let groups: Vec<&str> = o["groupsToOverride"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        let request = request_groups(&event);
        for x in &groups {
            let kept = g.patterns.iter().any(|p| glob_matches(p, x)) == (g.mode == FilterMode::Keep);
            // The section's `when` may not hold: then the request's groups pass.
            prop_assert!(kept || !holds(&g.when, &event), "{} appears though the policy removes it", x);
            let known = request.iter().any(|r| r == x) || g.add.iter().any(|a| a == x);
            prop_assert!(known || g.allow.iter().any(|p| glob_matches(p, x)), "{} added though allow does not name it", x);
        }
        if policy.roles.is_none() && request.iter().any(|r| !groups.contains(&r.as_str())) {
            prop_assert_eq!(&o["iamRolesToOverride"], &json!([]));
            prop_assert!(o.get("preferredRole").is_none());
        }
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
        let again = trigger(policy.clone(), v, &event).handle(event.clone()).unwrap();
        prop_assert_eq!(serde_json::to_vec(&once).unwrap(), serde_json::to_vec(&again).unwrap());
        let twice = run(&policy, &once, v).unwrap();
        prop_assert_eq!(serde_json::to_vec(&once).unwrap(), serde_json::to_vec(&twice).unwrap());
    }

    /// 7. A deny rule that holds yields no response, only its message, before
    /// any other rule could fail; when none holds, the sign-in is not denied.
    #[test]
    fn a_deny_yields_no_response((policy, event, v) in case()) {
        let result = trigger(policy.clone(), v, &event).handle(event.clone());
        // Rules on lookups are decided by invariant 9; they come last.
        let first = policy.deny.iter().position(|d| d.when.lookups.is_empty() && holds(&d.when, &event));
        let on_lookups = |i: usize| !policy.deny[i].when.lookups.is_empty();
        match (first, result) {
            (None, Err(TriggerError::Denied { rule, .. })) if on_lookups(rule) => {}
            (Some(i), Err(TriggerError::Denied { rule, message })) => {
                prop_assert_eq!(rule, i);
                prop_assert_eq!(&message, &policy.deny[i].message);
            }
            // The event could not be read: refused before any rule.
            (Some(_), Err(TriggerError::Event(_))) => {}
            (Some(i), other) => prop_assert!(false, "deny[{}] holds but got {:?}", i, other.map(|_| ())),
            (None, Err(TriggerError::Denied { .. })) => prop_assert!(false, "denied though no rule holds"),
            (None, _) => {}
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// 8. Lookups fail closed and carry only what they read: a refusal for an
    /// unavailable lookup names `p` (the only one that may fail closed), only
    /// when its result was not given and it says `fail`; a claim read from a
    /// lookup carries the result's value, and none comes from a lookup whose
    /// result is absent or unavailable.
    #[test]
    fn lookups_fail_closed_and_carry_only_what_they_read((policy, event, v) in case()) {
        let result = trigger(policy.clone(), v, &event).handle(event.clone());
        let given = &event[LOOKUP_RESULTS];
        if let Err(TriggerError::LookupUnavailable { lookup }) = &result {
            prop_assert_eq!(lookup.as_str(), "p");
            prop_assert!(given.get("p").is_none());
            prop_assert!(policy.lookups.iter().any(|l| l.name == "p" && l.if_unavailable == IfUnavailable::Fail));
        }
        let Ok(out) = result else { return Ok(()) };
        let v1 = out["response"].get("claimsOverrideDetails").is_some();
        let as_sent = |x: &Value| if v1 && !x.is_string() { Value::String(x.to_string()) } else { x.clone() };
        for (_, added, _) in generations(&out["response"]) {
            for (claim, field) in [("lk_org", "org"), ("lk_n", "n")] {
                if let Some(value) = added.get(claim) {
                    prop_assert_eq!(Some(value.clone()), given["p"].get(field).map(as_sent), "{}", claim);
                }
            }
            if added.contains_key("lk_all") || added.contains_key("lk_first") || added.contains_key("lk_admin") {
                prop_assert!(given["p"].is_object());
            }
            if let Some(t) = added.get("lk_t") {
                let read: Vec<Value> = given["q"].as_array().map(|items| {
                    items.iter().filter_map(|i| i.get("t").cloned()).collect()
                }).unwrap_or_default();
                prop_assert_eq!(t.clone(), as_sent(&Value::Array(read)));
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// 9. A deny rule whose condition cannot be decided (its lookup is
    /// unavailable, was not made, found no item, or holds a value of another
    /// type than the test) refuses, unless it says `ifUnknown: allow`; a
    /// decided one refuses exactly when it holds.
    #[test]
    fn undecidable_deny_refuses((policy, event, v) in case()) {
        let Some(rule) = policy.deny.iter().find(|d| d.message.starts_with(LOOKUP_DENY_MESSAGE)) else { return Ok(()) };
        let result = trigger(policy.clone(), v, &event).handle(event.clone());
        let i: usize = rule.message[LOOKUP_DENY_MESSAGE.len() + 1..].trim_end_matches('.').parse().unwrap();
        let (field, pred) = LOOKUP_DENY[i];
        let sub = str_at(&event, &["request", "userAttributes", "sub"]);
        let made = sub.is_some_and(|s| !s.is_empty() && !s.contains('#'));
        // None: unavailable; Some(None): no item; Some(Some(item)).
        let read: Option<Option<&Value>> = if made {
            match event[LOOKUP_RESULTS].get("p") {
                None => None,
                Some(Value::Null) => Some(None),
                Some(item) => Some(Some(item)),
            }
        } else {
            Some(None)
        };
        let decided: Option<bool> = match (field, pred, read) {
            ("p", _, Some(item)) => Some(item.is_none()),
            (_, _, None | Some(None)) => None,
            ("p.role", r#"{"equals": "admin"}"#, Some(Some(i))) => match i.get("role") {
                None => Some(false),
                Some(Value::String(r)) => Some(r == "admin"),
                Some(_) => None,
            },
            (_, r#"{"equals": 7}"#, Some(Some(i))) => match i.get(&field[2..]) {
                None => Some(false),
                Some(Value::Number(n)) => Some(n.as_f64() == Some(7.0)),
                Some(_) => None,
            },
            _ => unreachable!(),
        };
        let refuses = decided.unwrap_or(!rule.allows_unknown());
        if refuses {
            prop_assert!(result.is_err(), "{} {} {:?}: not refused", field, pred, read);
        }
        if let Err(TriggerError::Denied { message, .. }) = &result {
            if *message == rule.message {
                prop_assert!(refuses, "{} {} {:?}: refused", field, pred, read);
            }
        }
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
    let (mut denied, mut copied, mut rendered_scopes) = (0, 0, 0);
    let (mut lookup_added, mut lookup_refused) = (0, 0);
    let n = 2000;
    let mut policies = Vec::new();
    for i in 0..n {
        let tree = (policy_json(), event(), configured())
            .new_tree(&mut runner)
            .unwrap();
        let (json, event, v) = tree.current();
        if i % 10 == 0 {
            policies.push(json.clone());
        }
        let policy = Policy::from_json(&json.to_string(), "generated").unwrap();
        copied += usize::from(!policy.copy_attributes.is_empty());
        let result = trigger(policy.clone(), v, &event).handle(event.clone());
        denied += usize::from(matches!(result, Err(TriggerError::Denied { .. })));
        lookup_refused += usize::from(matches!(
            result,
            Err(TriggerError::LookupUnavailable { .. })
        ));
        let Some(out) = run(&policy, &event, v) else {
            refused += 1;
            continue;
        };
        rendered_scopes += usize::from(
            out["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]["scopesToAdd"]
                .as_array()
                .is_some_and(|a| a.iter().any(|s| s.as_str().is_some_and(|s| s.starts_with("plan:") || s.starts_with("u/")))),
        );
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
        lookup_added += usize::from(
            generations(r)
                .iter()
                .any(|(_, a, _)| a.keys().any(|k| k.starts_with("lk_"))),
        );
        for (_, a, s) in generations(r) {
            added += usize::from(!a.is_empty());
            suppressed += usize::from(!s.is_empty());
        }
    }
    let counts = [
        ok,
        v1,
        v2,
        overrides,
        m2m,
        added,
        suppressed,
        refused,
        denied,
        copied,
        rendered_scopes,
        lookup_added,
        lookup_refused,
    ];
    eprintln!(
        "ok, v1, v2, overrides, m2m, added, suppressed, refused, denied, copied, rendered scopes, lookup claims, lookup refusals: {counts:?}"
    );
    // Every generated policy is also valid against the JSON Schema.
    let errors = common::schema_errors(&policies);
    for (p, e) in policies.iter().zip(&errors) {
        assert!(e.is_empty(), "{p}: {e:?}");
    }
    assert!(ok * 2 > n, "{counts:?}");
    assert!(
        counts.iter().all(|c| *c * 100 > n),
        "each shape in over 1% of cases: {counts:?}"
    );
}
