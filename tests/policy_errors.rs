//! A catalogue of bad policies, each with the exact problems it must produce.

mod common;

use common::{read_json, root, schema_errors as common_schema_errors, schema_errors_against};
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
        r#"{"claims": [{"claim": "username", "value": "x", "tokens": ["access"]}]}"#,
        &[
            "claims[0].claim: `username` is reserved in the access token: Cognito sets it and does not let a trigger change it (in the ID token it is a plain claim)",
        ],
    ),
    (
        r#"{"claims": [{"claim": "scope", "template": "{custom:scope}"}], "suppress": [{"claims": ["username"], "tokens": ["access"]}]}"#,
        &[
            "suppress[0].claims[0]: `username` is reserved in the access token: Cognito sets it and does not let a trigger change it (in the ID token it is a plain claim)",
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
        &["claims[0].convert: applies to a string, but the value here is a number"],
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
            "claims[0]: gives no value: use one of \"attribute\", \"value\", \"template\", \"groups\", \"groupNames\", \"context\", \"clientMetadata\", \"firstOf\", \"object\", \"lookup\" or \"generate\"",
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
        &["groups: give at most one of \"keep\" and \"remove\""],
    ),
    (
        r#"{"groups": {"keep": ["a*b"]}}"#,
        &["groups.keep[0]: `*` may only end a pattern"],
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
        r#"{"claims": [{"claim": "x", "context": "username"}]}"#,
        &[
            "claims[0].context: must be one of \"clientId\", \"userPoolId\", \"region\", \"triggerSource\", \"userName\"",
        ],
    ),
];

/// Bad policies in the forms of Policy language 2, each with every problem
/// it must produce.
const NEW_FORMS: &[(&str, &[&str])] = &[
    (
        r#"{"claims": [{"claim": "a", "generate": "guid"}, {"claim": "b", "generate": "randomHex"}, {"claim": "c", "generate": "randomHex", "bytes": 65}, {"claim": "d", "generate": "now"}, {"claim": "e", "generate": "now", "format": "unix"}, {"claim": "f", "generate": "uuid", "bytes": 4}, {"claim": "g", "attribute": "x", "format": "iso8601"}]}"#,
        &[
            "claims[0].generate: unknown kind `guid`: expected \"uuid\", \"randomHex\" or \"now\"; did you mean `uuid`?",
            "claims[1].generate: \"randomHex\" needs \"bytes\": how many random bytes (1 to 64)",
            "claims[2].bytes: must be a whole number from 1 to 64",
            "claims[3].generate: \"now\" needs \"format\": \"epochSeconds\", \"epochMillis\" or \"iso8601\"",
            "claims[4].format: must be \"epochSeconds\", \"epochMillis\" or \"iso8601\"",
            "claims[5].bytes: applies only to \"generate\": \"randomHex\"",
            "claims[6].format: applies only to a \"generate\" source",
        ],
    ),
    (
        r#"{"claims": [{"claim": "t", "template": "tenant_{custom:tenantId"}]}"#,
        &["claims[0].template: a `{` without its `}`: write `{{` for a literal brace"],
    ),
    (
        r#"{"claims": [{"claim": "t", "template": "a}b"}]}"#,
        &["claims[0].template: a lone `}`: write `}}` for a literal brace"],
    ),
    (
        r#"{"claims": [{"claim": "t", "template": "{context.clientID}"}]}"#,
        &[
            "claims[0].template: unknown placeholder `{context.clientID}`; expected one of `{context.clientId}`, `{context.userPoolId}`, `{context.region}`, `{context.triggerSource}`, `{context.userName}`",
        ],
    ),
    (
        r#"{"claims": [{"claim": "t", "template": "{}"}]}"#,
        &["claims[0].template: an empty placeholder `{}` (or one with spaces around its name)"],
    ),
    (
        r#"{"claims": [{"claim": "t", "attribute": "email", "transform": ["lowercas"]}]}"#,
        &["claims[0].transform[0]: unknown step `lowercas`; did you mean `lowercase`?"],
    ),
    (
        r#"{"claims": [{"claim": "t", "attribute": "email", "transform": [{"join": ","}]}]}"#,
        &["claims[0].transform[0]: `join` applies to a list, but the value here is a string"],
    ),
    (
        r#"{"claims": [{"claim": "t", "groupNames": ["*"], "transform": [{"split": ","}]}]}"#,
        &[
            "claims[0].transform[0]: `split` applies to a string, but the value here is a list of strings",
        ],
    ),
    (
        r#"{"claims": [{"claim": "t", "attribute": "a", "transform": [{"map": {"x": 1}}, "lowercase"]}]}"#,
        &[
            "claims[0].transform[1]: `lowercase` applies to a string or a list of strings, but the value here is a number",
        ],
    ),
    (
        r#"{"claims": [{"claim": "t", "attribute": "a", "transform": [{"extract": "(unclosed"}]}]}"#,
        &[
            "claims[0].transform[0].extract: invalid regular expression: found open group without closing ')'",
        ],
    ),
    (
        r#"{"claims": [{"claim": "t", "attribute": "a", "transform": [{"replace": {"regex": "a"}}]}]}"#,
        &["claims[0].transform[0].replace: needs \"regex\" and \"with\""],
    ),
    (
        r#"{"claims": [{"claim": "t", "attribute": "a", "transform": [{"split": ",", "join": " "}]}]}"#,
        &["claims[0].transform[0]: names several steps (split, join): one per item"],
    ),
    (
        r#"{"claims": [{"claim": "t", "attribute": "a", "transform": [{"split": ",", "bracket": true}]}]}"#,
        &["claims[0].transform[0].bracket: unknown field `bracket`; did you mean `brackets`?"],
    ),
    (
        r#"{"claims": [{"claim": "t", "attribute": "a", "transform": "lowercase"}]}"#,
        &["claims[0].transform: must be an array, not a string"],
    ),
    (
        r#"{"claims": [{"claim": "t", "attribute": "a", "transform": [{"filter": []}]}]}"#,
        &["claims[0].transform[0].filter: names no pattern: the filter would keep nothing"],
    ),
    (
        r#"{"claims": [{"claim": "t", "groupNames": []}]}"#,
        &["claims[0].groupNames: names no group: use [\"*\"] for all of them"],
    ),
    (
        r#"{"claims": [{"claim": "t", "firstOf": []}]}"#,
        &["claims[0].firstOf: lists no source"],
    ),
    (
        r#"{"claims": [{"claim": "t", "firstOf": [{"attribute": "a", "ifMissing": "skip"}]}]}"#,
        &[
            "claims[0].firstOf[0].ifMissing: unknown field `ifMissing`; expected one of: attribute, value, template, groups, groupNames, context, clientMetadata, firstOf, object, lookup, generate, transform, convert, separator, pick, field, bytes, format",
        ],
    ),
    (
        r#"{"claims": [{"claim": "t", "firstOf": [{"atribute": "a"}]}]}"#,
        &[
            "claims[0].firstOf[0].atribute: unknown field `atribute`; did you mean `attribute`?",
            "claims[0].firstOf[0]: gives no value: use one of \"attribute\", \"value\", \"template\", \"groups\", \"groupNames\", \"context\", \"clientMetadata\", \"firstOf\", \"object\", \"lookup\" or \"generate\"",
        ],
    ),
    (
        r#"{"claims": [{"claim": "t", "object": {}}]}"#,
        &["claims[0].object: has no member"],
    ),
    (
        r#"{"claims": [{"claim": "t", "object": {"k": "sub"}}]}"#,
        &["claims[0].object[\"k\"]: must be an object, not a string"],
    ),
    (
        r#"{"claims": [{"claim": "t", "groups": {"a": "x"}, "pick": "last"}]}"#,
        &["claims[0].pick: must be \"merge\" (the default) or \"first\""],
    ),
    (
        r#"{"claims": [{"claim": "t", "attribute": "a", "pick": "first"}]}"#,
        &["claims[0].pick: applies only to a \"groups\" source"],
    ),
    (
        r#"{"claims": [{"claim": "t", "attribute": "a", "transform": ["split"]}]}"#,
        &["claims[0].transform[0]: `split` needs its argument: write it as {\"split\": ...}"],
    ),
    (
        r#"{"claims": [{"claim": "email_verified", "groupNames": ["*"], "tokens": ["id"]}]}"#,
        &["claims[0].claim: `email_verified` cannot take an object or array value in the ID token"],
    ),
    (
        r#"{"claims": [{"claim": "t", "value": 1, "when": {"attributes": {"email": {}}}}]}"#,
        &[
            "claims[0].when.attributes[\"email\"]: tests nothing: give \"present\", \"equals\", \"in\", \"startsWith\", \"endsWith\" or \"matches\"",
        ],
    ),
    (
        r#"{"claims": [{"claim": "t", "value": 1, "when": {"attributes": {"email": {"present": false, "equals": "x"}}}}]}"#,
        &[
            "claims[0].when.attributes[\"email\"]: \"present\": false holds only when the value is absent, so the other tests could never hold with it",
        ],
    ),
    (
        r#"{"claims": [{"claim": "t", "value": 1, "when": {"attributes": {"email": {"matches": "[a-"}}}}]}"#,
        &[
            "claims[0].when.attributes[\"email\"].matches: invalid regular expression: non-empty character class has no closing bracket after dash",
        ],
    ),
    (
        r#"{"claims": [{"claim": "t", "value": 1, "when": {"attributes": {"email": {"endswith": "@x"}}}}]}"#,
        &[
            "claims[0].when.attributes[\"email\"].endswith: unknown field `endswith`; did you mean `endsWith`?",
        ],
    ),
    (
        r#"{"claims": [{"claim": "t", "value": 1, "when": {"any": []}}]}"#,
        &[
            "claims[0].when.any: is empty, so the rule could never apply; remove it to match everything",
        ],
    ),
    (
        r#"{"claims": [{"claim": "t", "value": 1, "when": {"not": {"clientIds": "web"}}}]}"#,
        &["claims[0].when.not.clientIds: must be an array, not a string"],
    ),
    (
        r#"{"claims": [{"claim": "t", "value": 1, "when": {"attributes": {"plan": {"in": []}}}}]}"#,
        &["claims[0].when.attributes[\"plan\"].in: is empty, so the test could never hold"],
    ),
    (
        r#"{"deny": [{"when": {"clientIds": ["a"]}}]}"#,
        &["deny[0]: missing field `message`: the text Cognito shows the user who is refused"],
    ),
    (
        r#"{"deny": [{"when": {"clientIds": ["a"]}, "message": "Hello {email}"}]}"#,
        &["deny[0].message: is constant text: it cannot hold placeholders or braces"],
    ),
    (
        r#"{"deny": [{"when": {"clientIds": ["a"]}, "message": ""}]}"#,
        &["deny[0].message: cannot be empty: the user must be told why"],
    ),
    (
        r#"{"deny": [{"when": {"clientIds": ["a"]}, "message": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}]}"#,
        &["deny[0].message: is 212 characters; at most 200 (Cognito shows it on the sign-in page)"],
    ),
    (
        r#"{"scopes": [{"add": ["membership:{custom:membership"]}]}"#,
        &["scopes[0].add[0]: a `{` without its `}`: write `{{` for a literal brace"],
    ),
    (
        r#"{"scopes": [{"add": ["a {custom:x}"]}]}"#,
        &["scopes[0].add[0]: a scope cannot contain spaces"],
    ),
    (
        r#"{"groups": {"add": ["users"], "addFrom": {"attribute": "custom:groups", "convert": "number", "allow": ["app-*"]}}}"#,
        &["groups.addFrom: must give a group name or a list of them, but gives a number"],
    ),
    (
        r#"{"groups": {"addFrom": "custom:groups"}}"#,
        &["groups.addFrom: must be a SOURCE object, not a string"],
    ),
    (
        r#"{"groups": {"addFrom": {"attribute": "custom:groups", "convert": "list"}}}"#,
        &[
            "groups.addFrom: give \"allow\": the groups it may add (names, or prefixes ending in `*`), e.g. \"allow\": [\"app-*\"]; without it a user who can change the source could add themselves to any group",
        ],
    ),
    (
        r#"{"groups": {"addFrom": {"attribute": "custom:groups", "convert": "list", "allow": []}}}"#,
        &[
            "groups.addFrom.allow: lists no group: give the groups addFrom may add (names, or prefixes ending in `*`)",
        ],
    ),
    (
        r#"{"groups": {"addFrom": {"attribute": "custom:groups", "convert": "list", "alow": ["x"]}}}"#,
        &[
            "groups.addFrom: give \"allow\": the groups it may add (names, or prefixes ending in `*`), e.g. \"allow\": [\"app-*\"]; without it a user who can change the source could add themselves to any group",
            "groups.addFrom.alow: unknown field `alow`; did you mean `allow`?",
        ],
    ),
    (
        r#"{"roles": {"fromGroups": {"owners": "arn:aws:iam::123:role/x"}}}"#,
        &[
            "roles.fromGroups.owners: must be an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)",
        ],
    ),
    (
        r#"{"deny": [{"when": {"groups": ["x"]}, "message": "No.", "ifUnknown": "maybe"}]}"#,
        &["deny[0].ifUnknown: must be \"deny\" or \"allow\", not \"maybe\""],
    ),
    (
        r#"{"claims": [{"claim": "n", "attribute": "name", "trust": "admin"}]}"#,
        &["claims[0].trust: must be \"user\" (the value is the user's own say), not \"admin\""],
    ),
    (
        r#"{"claims": [{"claim": "n", "value": 1, "when": {"clientMetadata": {"k": {"in": ["a", 2]}}}}]}"#,
        &[
            "claims[0].when.clientMetadata[\"k\"].in[1]: must be a string, not a number: attribute and client-metadata values are text (write \"2\")",
        ],
    ),
    (
        r#"{"roles": {"fromGroups": {}}}"#,
        &["roles.fromGroups: names no group: give {\"GROUP\": \"ROLE_ARN\", ...}"],
    ),
    (
        r#"{"groups": {}}"#,
        &["groups: changes nothing: give \"keep\" or \"remove\", and/or \"add\" or \"addFrom\""],
    ),
    (
        r#"{"roles": {"add": ["arn:aws:iam::123:role/x"]}}"#,
        &["roles.add[0]: must be an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)"],
    ),
    (
        r#"{"roles": {"keep": ["Admin*"]}}"#,
        &[
            "roles.keep[0]: must be an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME), or a prefix of one ending in `*`",
        ],
    ),
    (
        r#"{"roles": {"preferred": "admin"}}"#,
        &[
            "roles.preferred: must be an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME) or a SOURCE object",
        ],
    ),
    (
        r#"{"roles": {"preferred": {"groupNames": ["*"]}}}"#,
        &["roles.preferred: must give a role ARN, but gives a list of strings"],
    ),
    (
        r#"{"copyAttributes": [{"match": "custom:*", "rename": "strip"}]}"#,
        &["copyAttributes[0].rename: must be \"keep\" (the default) or \"stripPrefix\""],
    ),
    (
        r#"{"copyAttributes": [{"match": "custom:tenantId", "rename": "stripPrefix"}]}"#,
        &[
            "copyAttributes[0].rename: \"stripPrefix\" needs a pattern ending in `*`: stripping a whole name would leave no claim name",
        ],
    ),
    (
        r#"{"copyAttributes": [{"rename": "keep"}]}"#,
        &["copyAttributes[0]: missing field `match`: the attributes to copy, as \"custom:*\""],
    ),
    (
        r#"{"copyAttributes": [{"match": "cust*om:*"}]}"#,
        &["copyAttributes[0].match: `*` may only end a pattern"],
    ),
    (
        r#"{"claims": [{"claim": "t", "template": "{lookups.profile.orgId}"}]}"#,
        &[
            "claims[0].template: unknown lookup `profile`; declare it under the top-level \"lookups\"",
        ],
    ),
    (
        r#"{"claims": [{"claim": "aud", "context": "clientId", "transform": ["lowercase"], "tokens": ["access"]}]}"#,
        &[
            "claims[0]: `aud` may be added to the access token only with the app client ID: use \"context\": \"clientId\"",
        ],
    ),
    (
        r#"{"claims": [{"claim": "t", "attribute": "a", "transform": [{"map": {"x": "y"}, "default": 1, "other": 2}]}]}"#,
        &["claims[0].transform[0].other: unknown field `other`; expected one of: map, default"],
    ),
];

/// Lookups (`lookups`, the `lookup` source, `{lookups.…}`, conditions).
const LOOKUP_FORMS: &[(&str, &[&str])] = &[
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "U#{sub}"}}}}, "claims": [{"claim": "x", "lookup": "q"}]}"#,
        &["claims[0].lookup: unknown lookup `q`; did you mean `p`?"],
    ),
    (
        r#"{"lookups": {"profile": {"dynamodb": {"table": "Profiles", "key": {"pk": "U#{sub}"}}}}, "claims": [{"claim": "x", "lookup": "profil"}]}"#,
        &["claims[0].lookup: unknown lookup `profil`; did you mean `profile`?"],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "U#{sub}"}}}}, "claims": [{"claim": "x", "template": "{lookups.q.y}"}]}"#,
        &["claims[0].template: unknown lookup `q`; did you mean `p`?"],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "U#{sub}"}}}}, "claims": [{"claim": "x", "lookup": "p", "field": "a..b"}]}"#,
        &[
            "claims[0].lookup: field `a..b` has an empty segment: write names separated by single dots, as `name.first` or `tenants.0.id`",
        ],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "U#{sub}"}}}}, "claims": [{"claim": "x", "attribute": "a", "field": "b"}]}"#,
        &["claims[0].field: applies only to a \"lookup\" source"],
    ),
    (
        r#"{"lookups": {"m": {"cognito": "adminGetUser"}}, "claims": [{"claim": "x", "lookup": "m", "field": "orgId"}]}"#,
        &[
            "claims[0].lookup: `orgId` is not a field of an adminGetUser lookup; it yields mfaEnabled, preferredMfa, mfaMethods, userStatus, enabled",
        ],
    ),
    (
        r#"{"lookups": {"m": {"cognito": "getUser"}}, "claims": [{"claim": "x", "lookup": "m"}]}"#,
        &[
            "lookups.m.cognito: must be \"adminGetUser\" (the one user-pool lookup), not \"getUser\"",
        ],
    ),
    (
        r#"{"lookups": {"p": {}}}"#,
        &[
            "lookups.p: says nothing to read: give \"dynamodb\" (a table with a key or a query) or \"cognito\": \"adminGetUser\"",
        ],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"key": {"pk": "U#{sub}"}}}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &[
            "lookups.p.dynamodb: names no \"table\": give its name or \"{env.NAME}\" (the variable the template sets)",
        ],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles"}}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &[
            "lookups.p.dynamodb: says neither \"key\" (GetItem: one item) nor \"query\" (Query: the items of a partition key)",
        ],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "U#{sub}"}, "query": {"pk": "x"}}}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &[
            "lookups.p.dynamodb: has both \"key\" (one item) and \"query\" (items of a partition): use one",
        ],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "U#{sub}"}, "limit": 5}}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &["lookups.p.dynamodb.limit: applies only to a \"query\" (a \"key\" reads one item)"],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "query": {"pk": "U#{sub}"}, "limit": 500}}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &["lookups.p.dynamodb.limit: must be a whole number from 1 to 100, not 500"],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "U#{sub}"}}, "timeoutMs": 5000}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &["lookups.p.timeoutMs: must be a whole number from 1 to 2000, not 5000"],
    ),
    (
        r#"{"lookups": {"a": {"dynamodb": {"table": "Profiles", "key": {"pk": "{sub}"}}, "timeoutMs": 2000}, "b": {"dynamodb": {"table": "Profiles", "key": {"pk": "{sub}"}}, "timeoutMs": 1500}}, "claims": [{"claim": "x", "lookup": "a"}, {"claim": "y", "lookup": "b"}]}"#,
        &[
            "lookups: the lookups' timeoutMs add up to 3500 ms, more than 3000: Cognito waits 5 seconds for the whole trigger, cold start included",
        ],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "U#{sub}"}}, "ifUnavailable": "ignore"}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &["lookups.p.ifUnavailable: must be \"fail\" or \"skip\", not \"ignore\""],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "U#{sub}"}}, "cacheSecs": 60}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &["lookups.p.cacheSecs: unknown field `cacheSecs`; did you mean `cacheSeconds`?"],
    ),
    (
        r#"{"lookups": {"a": {"dynamodb": {"table": "Profiles", "key": {"pk": "{sub}"}}}, "b": {"dynamodb": {"table": "Profiles", "key": {"pk": "{lookups.a.id}"}}}}, "claims": [{"claim": "x", "lookup": "a"}, {"claim": "y", "lookup": "b"}]}"#,
        &["lookups.b.dynamodb.key[\"pk\"]: a key cannot read another lookup: lookups do not chain"],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": 5}}}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &["lookups.p.dynamodb.key[\"pk\"]: a key value is a string template, not a number"],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "P", "key": {"pk": "{sub}"}}}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &["lookups.p.dynamodb.table: a table name is 3 to 255 letters, digits, `_`, `-` and `.`"],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "{sub}", "key": {"pk": "{sub}"}}}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &[
            "lookups.p.dynamodb.table: may hold only text and {env.NAME} placeholders: it is fixed when the function starts, not per user",
        ],
    ),
    (
        r#"{"lookups": {"p.q": {"dynamodb": {"table": "Profiles", "key": {"pk": "{sub}"}}}}}"#,
        &[
            "lookups.p.q: a lookup name is letters, digits, `_` and `-` (no dots: it is written `{lookups.NAME.FIELD}`)",
        ],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "query": {"sk": {"beginsWith": "T#"}}}}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &["lookups.p.dynamodb.query: names no partition key: give {\"ATTRIBUTE\": \"VALUE\"}"],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "query": {"pk": "a", "pk2": "b"}}}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &[
            "lookups.p.dynamodb.query[\"pk2\"]: a query has one partition key: the other attribute must be a sort-key condition, {\"beginsWith\": \"PREFIX\"}",
        ],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "{sub}"}}}}, "claims": [{"claim": "x", "template": "{env.STAGE}"}]}"#,
        &[
            "claims[0].template: `{env.NAME}` placeholders are read only in a lookup's table name and region",
        ],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "{sub}"}}}}, "claims": [{"claim": "x", "attribute": "a", "when": {"lookups": {"q": {"present": true}}}}]}"#,
        &["claims[0].when.lookups[\"q\"]: unknown lookup `q`; did you mean `p`?"],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "{sub}"}}, "region": "EU West"}}, "claims": [{"claim": "x", "lookup": "p"}]}"#,
        &["lookups.p.region: a region is written as `eu-west-1`"],
    ),
    (
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "{sub}"}}}}, "claims": [{"claim": "sub", "lookup": "p", "field": "id"}]}"#,
        &[
            "claims[0].claim: `sub` is reserved: Cognito sets it and does not let a trigger change it",
        ],
    ),
    (
        r#"{"lookups": [], "claims": [{"claim": "x", "attribute": "a"}]}"#,
        &["lookups: must be an object, not an array"],
    ),
];

#[test]
fn catalogue_of_lookups() {
    for (json, expected) in LOOKUP_FORMS {
        assert_eq!(&problems(json), expected, "{json}");
    }
    assert!(LOOKUP_FORMS.len() >= 25);
}

#[test]
fn a_lookup_nobody_uses_is_a_warning() {
    let p = pretoken::Policy::from_json(
        r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "{sub}"}}}}, "claims": [{"claim": "x", "attribute": "a"}]}"#,
        "t",
    )
    .unwrap();
    let w: Vec<String> = p.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(w, ["lookups.p: no rule uses this lookup: it is never made"]);
}

#[test]
fn at_most_64_regular_expressions() {
    let claims: Vec<String> = (0..65)
        .map(|i| format!(r#"{{"claim": "c{i}", "attribute": "email", "when": {{"attributes": {{"email": {{"matches": "^a{i}"}}}}}}}}"#))
        .collect();
    let json = format!(r#"{{"claims": [{}]}}"#, claims.join(","));
    assert_eq!(
        problems(&json),
        [
            "the policy has 65 regular expressions; at most 64 (each runs at every sign-in it applies to): merge alternatives into one (`a|b`) or use equals/in/startsWith"
        ]
    );
    let claims = &claims[..64];
    let json = format!(r#"{{"claims": [{}]}}"#, claims.join(","));
    assert!(Policy::from_json(&json, "p.json").is_ok());
}

#[test]
fn catalogue() {
    for (json, expected) in CASES {
        assert_eq!(&problems(json), expected, "{json}");
    }
    assert!(CASES.len() >= 20);
}

#[test]
fn catalogue_of_the_new_forms() {
    for (json, expected) in NEW_FORMS {
        assert_eq!(&problems(json), expected, "{json}");
    }
    assert!(NEW_FORMS.len() >= 25);
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

/// The kinds of problem a JSON Schema can see (shape, types, required and
/// unknown fields, enumerations, lengths); the others (reserved claims, the
/// types of transform steps, contradictions, regular expressions) only the
/// loader can.
const STRUCTURAL: &[&str] = &[
    "unknown field",
    "must be an array",
    "must be a string",
    "must be an object",
    "must be true or false",
    "missing field",
    "is empty",
    "cannot be empty",
    "names no",
    "unknown token",
    "unknown conversion",
    "unknown preset",
    "unknown step",
    "needs its argument",
    "must be one of",
    "must be \"",
    "lists no source",
    "has no member",
    "maps no group",
    "tests nothing",
    "changes nothing",
    "needs \"regex\"",
    "names several steps",
    "gives no value",
    "gives several values",
    "at most 200",
    "a scope cannot contain spaces",
    "give at most one",
    "must be a SOURCE object",
    "may only end a pattern",
    "must be an IAM role ARN",
];

#[test]
fn structurally_invalid_policies_fail_the_schema() {
    let structural: Vec<&str> = CASES
        .iter()
        .chain(NEW_FORMS)
        .chain(LOOKUP_FORMS)
        .filter(|(json, problems)| {
            serde_json::from_str::<serde_json::Value>(json).is_ok()
                && !json.contains("\"claims\": [], \"claims\"")
                && problems
                    .iter()
                    .any(|p| STRUCTURAL.iter().any(|k| p.contains(k)))
        })
        .map(|(json, _)| *json)
        .collect();
    let instances: Vec<serde_json::Value> = structural
        .iter()
        .map(|j| serde_json::from_str(j).unwrap())
        .collect();
    // The schema, and its draft-04 form for AWS AppConfig, refuse them all.
    let draft04 = read_json(&root().join("policy.schema.draft-04.json"));
    for (name, errors) in [
        ("schema", common_schema_errors(&instances)),
        (
            "draft-04 schema",
            schema_errors_against(&draft04, &instances),
        ),
    ] {
        let accepted: Vec<&&str> = structural
            .iter()
            .zip(&errors)
            .filter(|(_, e)| e.is_empty())
            .map(|(j, _)| j)
            .collect();
        assert!(accepted.is_empty(), "the {name} accepts {accepted:#?}");
    }
    assert!(structural.len() >= 40, "{}", structural.len());
}
