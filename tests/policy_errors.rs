//! A catalogue of bad policies, each with the exact problems it must produce.

use pretoken::Policy;

fn problems(json: &str) -> Vec<String> {
    match Policy::from_json(json, "p.json") {
        Ok(p) => panic!("accepted: {json}\n{p:?}"),
        Err(e) => e.problems.iter().map(ToString::to_string).collect(),
    }
}

fn warnings(json: &str) -> Vec<String> {
    Policy::from_json(json, "p.json")
        .unwrap_or_else(|e| panic!("{e}"))
        .warnings
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Each bad policy with every problem it must produce, in order.
const CASES: &[(&str, &[&str])] = &[
    (
        "",
        &["not valid JSON: EOF while parsing a value at line 1 column 0"],
    ),
    ("[]", &["a policy must be a JSON object, not an array"]),
    (
        r#"{"claims": [], "claims": []}"#,
        &["duplicate field `claims` at line 1 column 23"],
    ),
    (
        r#"{"suppres": []}"#,
        &["suppres: unknown field `suppres`; did you mean `suppress`?"],
    ),
    (
        r#"{"claims": [{"claim": "sub", "value": "x"}]}"#,
        &[
            "claims[0].claim: `sub` is reserved: Cognito sets it and does not let a trigger change it",
        ],
    ),
    (
        r#"{"suppress": [{"claims": ["iss"]}]}"#,
        &[
            "suppress[0].claims[0]: `iss` is reserved: Cognito sets it and does not let a trigger change it",
        ],
    ),
    (
        r#"{"claims": [{"claim": "cognito:groups", "value": ["a"]}]}"#,
        &[
            "claims[0].claim: `cognito:groups` changes only through groupOverrideDetails: use the \"groups\" section to filter groups",
        ],
    ),
    (
        r#"{"claims": [{"claim": "cognito:username", "value": "x"}]}"#,
        &[
            "claims[0].claim: `cognito:username` is reserved: Cognito does not let a trigger set `cognito:` claims",
        ],
    ),
    (
        r#"{"claims": [{"claim": "scope", "value": "x", "tokens": ["access"]}]}"#,
        &[
            "claims[0].claim: `scope` changes only through scope rules (the \"scopes\" section), not as a claim",
        ],
    ),
    (
        r#"{"claims": [{"claim": "aud", "value": "x", "tokens": ["id"]}]}"#,
        &["claims[0].claim: `aud` cannot be changed in the ID token"],
    ),
    (
        r#"{"claims": [{"claim": "aud", "value": "x", "tokens": ["access"]}]}"#,
        &[
            "claims[0]: `aud` may be added to the access token only with the app client ID: use \"context\": \"clientId\"",
        ],
    ),
    (
        r#"{"claims": [{"claim": "dev:x", "value": "x"}]}"#,
        &[
            "claims[0].claim: `dev:x` cannot be added: Cognito lets a trigger suppress `dev:` attributes, never add them",
        ],
    ),
    (
        r#"{"claims": [{"claim": "", "value": "x"}]}"#,
        &["claims[0].claim: a claim name cannot be empty"],
    ),
    (
        r#"{"claims": [{"claim": "email", "attribute": "email"}], "suppress": [{"claims": ["email"], "tokens": ["id"]}]}"#,
        &[
            "claims[0].claim: `email` is added to the ID token here but suppressed by suppress[0]: Cognito would suppress it",
        ],
    ),
    (
        r#"{"scopes": [{"add": ["read write"]}]}"#,
        &["scopes[0].add[0]: a scope cannot contain spaces"],
    ),
    (
        r#"{"scopes": [{"add": ["a"]}, {"suppress": ["a"]}]}"#,
        &["scopes[0].add: scope `a` is added here but suppressed by scopes[1].suppress"],
    ),
    (
        r#"{"scopes": [{}]}"#,
        &["scopes[0]: names no scope: give \"add\", \"suppress\" or both"],
    ),
    (
        r#"{"claims": [{"claim": "x", "attribute": "custom:x", "convert": "integer"}]}"#,
        &[
            "claims[0].convert: unknown conversion `integer`; expected \"string\", \"number\", \"boolean\", \"json\" or \"list\"",
        ],
    ),
    (
        r#"{"claims": [{"claim": "x", "value": 1, "convert": "number"}]}"#,
        &["claims[0].convert: applies only to claims from an \"attribute\""],
    ),
    (
        r#"{"claims": [{"claim": "x", "attribute": "a", "separator": ","}]}"#,
        &["claims[0].separator: applies only with \"convert\": \"list\""],
    ),
    (
        r#"{"claims": [{"claim": "email_verified", "attribute": "a", "convert": "json", "tokens": ["id"]}]}"#,
        &["claims[0].claim: `email_verified` cannot take an object or array value in the ID token"],
    ),
    (
        r#"{"claims": [{"claim": "x", "attribute": "a", "value": 1}]}"#,
        &["claims[0]: gives several values (attribute, value): use exactly one"],
    ),
    (
        r#"{"claims": [{"claim": "x"}]}"#,
        &[
            "claims[0]: gives no value: use one of \"attribute\", \"value\", \"groups\" or \"context\"",
        ],
    ),
    (
        r#"{"claims": [{"claim": "x", "value": 1, "ifMissing": "fail"}]}"#,
        &["claims[0]: a constant \"value\" is never missing: remove \"ifMissing\" and \"default\""],
    ),
    (
        r#"{"claims": [{"claim": "x", "attribute": "a", "ifMissing": "default"}]}"#,
        &["claims[0].ifMissing: \"default\" needs a \"default\" value"],
    ),
    (
        r#"{"claims": [{"claim": "x", "attribute": "a", "ifMissing": "fail", "default": 1}]}"#,
        &["claims[0].default: is never used with \"ifMissing\": \"fail\""],
    ),
    (
        r#"{"claims": [{"claim": "x", "value": 1, "tokens": ["id", "refresh"]}]}"#,
        &["claims[0].tokens[1]: unknown token `refresh`; expected \"id\" or \"access\""],
    ),
    (
        r#"{"claims": [{"claim": "x", "value": 1, "tokens": []}]}"#,
        &["claims[0].tokens: names no token; use [\"id\"], [\"access\"] or [\"id\", \"access\"]"],
    ),
    (
        r#"{"claims": [{"claim": "x", "value": 1, "when": {"groups": []}}]}"#,
        &[
            "claims[0].when.groups: is empty, so the rule could never apply; remove it to match everything",
        ],
    ),
    (
        r#"{"claims": [{"claim": "x", "value": 1, "when": {"group": ["a"]}}]}"#,
        &["claims[0].when.group: unknown field `group`; did you mean `groups`?"],
    ),
    (
        r#"{"claims": [{"claim": "r", "groups": {"a": {"p": 1}, "b": "x"}}]}"#,
        &[
            "claims[0].groups: mixes objects with other values: either every group maps to an object (merged) or none does (collected into a list)",
        ],
    ),
    (
        r#"{"claims": [{"claim": "r", "groups": {"a": {"p": {"q": 1}}, "b": {"p": {"q": 2}}}}]}"#,
        &[
            "claims[0].groups.b: sets `p.q`, which group `a` sets too: a user in both would get either",
        ],
    ),
    (
        r#"{"groups": {"keep": ["a"], "remove": ["b"]}}"#,
        &["groups: give exactly one of \"keep\" and \"remove\""],
    ),
    (
        r#"{"groups": {"keep": ["a*b"]}}"#,
        &["groups.keep[0]: `*` may only end a group pattern"],
    ),
    (
        r#"{"suppress": [{"preset": "pii"}]}"#,
        &["suppress[0].preset: unknown preset `pii`; did you mean `standard-pii`?"],
    ),
    (
        r#"{"suppress": [{"claims": ["cognito:roles"]}]}"#,
        &[
            "suppress[0].claims[0]: `cognito:roles` cannot be suppressed on its own: suppress `cognito:groups` (which removes roles and preferred role too) or filter groups",
        ],
    ),
    (
        r#"{"suppress": [{"claims": [1]}]}"#,
        &["suppress[0].claims[0]: must be a string, not a number"],
    ),
    (
        r#"{"claims": {}}"#,
        &["claims: must be an array, not an object"],
    ),
    (
        r#"{"claims": [{"claim": "x", "context": "userName"}]}"#,
        &[
            "claims[0].context: must be one of \"clientId\", \"userPoolId\", \"region\", \"triggerSource\"",
        ],
    ),
];

#[test]
fn catalogue() {
    for (json, expected) in CASES {
        assert_eq!(&problems(json), expected, "{json}");
    }
    assert!(CASES.len() >= 20);
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let got = problems(
        r#"{
            "suppres": [],
            "claims": [
                {"claim": "sub", "value": 1},
                {"claim": "ok", "value": 1, "tokenz": ["id"]}
            ],
            "scopes": [{"add": ["a b"]}]
        }"#,
    );
    assert_eq!(
        got,
        [
            "suppres: unknown field `suppres`; did you mean `suppress`?",
            "claims[0].claim: `sub` is reserved: Cognito sets it and does not let a trigger change it",
            "claims[1].tokenz: unknown field `tokenz`; did you mean `tokens`?",
            "scopes[0].add[0]: a scope cannot contain spaces",
        ]
    );
}

#[test]
fn valid_but_suspicious_policies_warn() {
    assert_eq!(
        warnings("{}"),
        ["the policy has no rules: tokens are issued unchanged"]
    );
    assert_eq!(
        warnings(r#"{"scopes": [{"suppress": ["aws.cognito.signin.user.admin"]}]}"#),
        [
            "scopes[0].suppress[0]: suppressing `aws.cognito.signin.user.admin` stops users from reading or changing their own profile through the user pool API"
        ]
    );
    assert_eq!(
        warnings(r#"{"suppress": [{"claims": ["email", "email"]}]}"#),
        ["suppress[0].claims[1]: `email` is listed twice"]
    );
}

#[test]
fn the_error_names_the_source() {
    let e = Policy::from_json(
        r#"{"claims": [{"claim": "sub", "value": 1}]}"#,
        "PRETOKEN_POLICY",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "policy PRETOKEN_POLICY is invalid (1 problem)\n  PRETOKEN_POLICY: claims[0].claim: `sub` is reserved: Cognito sets it and does not let a trigger change it"
    );
}
