//! The JSON Schema (draft 2020-12) of the policy language, for editors
//! (completion, hover text, checking as you type) and CI.
//!
//! Contract: the schema describes the structure the loader accepts: the same
//! fields at every level (a unit test compares each definition's properties
//! with the loader's field lists), types, required fields, enumerations and
//! exactly one source per claim rule. What only the loader can check stays
//! with the loader: reserved claims, the types of transform steps, rules
//! that contradict each other, regular expressions. Routing documents
//! (`default`, `pools`) are described too. `pretoken schema` prints
//! it; `policy.schema.json` is the committed copy (a test keeps them equal).

use serde_json::{Map, Value, json};

use super::rules::MAX_DENY_MESSAGE;
use crate::model::source::Generate;
use crate::model::{ContextField, SOURCE_KEYS, WORD_STEPS};

/// The schema's `$id`.
pub const SCHEMA_ID: &str = "urn:pretoken:policy.schema.json";

fn strings(min: u64) -> Value {
    json!({"type": "array", "items": {"$ref": "#/$defs/name"}, "minItems": min})
}

fn patterns(what: &str) -> Value {
    json!({
        "type": "array",
        "items": {"type": "string", "pattern": "^[^*]*\\*?$", "minLength": 1},
        "description": format!("{what}: exact names, or a prefix ending in `*`.")
    })
}

/// The members every SOURCE object may have: one source key and its options.
fn source_properties() -> Map<String, Value> {
    let contexts: Vec<&str> = ContextField::ALL.iter().map(|f| f.name()).collect();
    let mut p = Map::new();
    for (k, v) in [
        (
            "attribute",
            json!({"$ref": "#/$defs/name", "description": "A user attribute, as `email` or `custom:tenantId`."}),
        ),
        (
            "value",
            json!({"description": "A constant of any JSON type."}),
        ),
        (
            "template",
            json!({"type": "string", "minLength": 1, "description": "Text with placeholders: `{ATTRIBUTE}`, `{context.clientId}` (userPoolId, region, triggerSource, userName), `{clientMetadata.KEY}`; `{{` and `}}` are braces. No value for a placeholder: no value."}),
        ),
        (
            "groups",
            json!({"type": "object", "minProperties": 1, "description": "Group name to value: merged (objects deep-merged, anything else collected into a list), or the first in policy order with \"pick\": \"first\"."}),
        ),
        (
            "groupNames",
            json!({"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^[^*]*\\*?$", "minLength": 1}, "description": "The names of the user's groups that match (exact, a prefix ending in `*`, or `*`), in event order."}),
        ),
        (
            "context",
            json!({"enum": contexts, "description": "A field of the event."}),
        ),
        (
            "clientMetadata",
            json!({"$ref": "#/$defs/name", "description": "An entry of clientMetadata. The calling app controls it: never let it decide identity or authorization."}),
        ),
        (
            "firstOf",
            json!({"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/source"}, "description": "The first SOURCE that has a value."}),
        ),
        (
            "object",
            json!({"type": "object", "minProperties": 1, "additionalProperties": {"$ref": "#/$defs/source"}, "description": "An object whose members are SOURCEs; members without a value are left out."}),
        ),
        (
            "transform",
            json!({"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/step"}, "description": "Steps applied in order to the value, before \"convert\"."}),
        ),
        (
            "convert",
            json!({"enum": ["string", "number", "boolean", "json", "list"], "description": "The conversion of the (string) value."}),
        ),
        (
            "separator",
            json!({"type": "string", "minLength": 1, "description": "With \"convert\": \"list\": the separator (default `,`)."}),
        ),
        (
            "pick",
            json!({"enum": ["merge", "first"], "description": "With \"groups\": merge every matching group's value (default), or take the first in policy order."}),
        ),
        (
            "lookup",
            json!({"$ref": "#/$defs/lookupName", "description": "A lookup declared in \"lookups\": its item (or, for a query, the list of items)."}),
        ),
        (
            "field",
            json!({"type": "string", "minLength": 1, "pattern": "^[^.]+(\\.[^.]+)*$", "description": "With \"lookup\": a dotted path into the item (`name.first`, `tenants.0.id`); for a query, that field of each item, as a list."}),
        ),
        (
            "generate",
            json!({"enum": Generate::KINDS, "description": "A value made when the function answers: \"uuid\" (a random UUID v4), \"randomHex\" (with \"bytes\"), \"now\" (with \"format\"). One value per invocation: the same in both tokens."}),
        ),
        (
            "bytes",
            json!({"type": "integer", "minimum": 1, "maximum": Generate::MAX_BYTES, "description": "With \"generate\": \"randomHex\": how many random bytes, written as lowercase hex."}),
        ),
        (
            "format",
            json!({"enum": Generate::FORMATS, "description": "With \"generate\": \"now\": whole seconds or milliseconds since the epoch (numbers), or ISO 8601 text in UTC."}),
        ),
    ] {
        p.insert(k.to_owned(), v);
    }
    p
}

/// `oneOf` that requires exactly one source key.
fn one_source() -> Value {
    Value::Array(
        SOURCE_KEYS
            .iter()
            .map(|k| json!({"required": [k]}))
            .collect(),
    )
}

fn steps() -> Value {
    let obj = |key: &str, value: Value, extra: &[(&str, Value)]| {
        let mut props = Map::new();
        props.insert(key.to_owned(), value);
        for (k, v) in extra {
            props.insert((*k).to_owned(), v.clone());
        }
        json!({"type": "object", "properties": props, "required": [key], "additionalProperties": false})
    };
    let text = json!({"type": "string", "minLength": 1});
    json!({
        "description": "A transform step: a name, or an object with one step and its options.",
        "oneOf": [
            {"enum": WORD_STEPS},
            obj("prefix", json!({"type": "string", "minLength": 1, "description": "Text put before; may be a template."}), &[]),
            obj("suffix", json!({"type": "string", "minLength": 1, "description": "Text put after; may be a template."}), &[]),
            obj("stripPrefix", text.clone(), &[]),
            obj("stripSuffix", text.clone(), &[]),
            obj("split", json!({"type": "string", "minLength": 1, "description": "String to list: items trimmed, empty items dropped."}), &[("brackets", json!({"type": "boolean", "description": "Strip `[` and `]` around the text first."}))]),
            obj("join", json!({"type": "string", "description": "List to string."}), &[]),
            obj("replace", json!({
                "type": "object",
                "properties": {"regex": {"type": "string", "minLength": 1}, "with": {"type": "string"}},
                "required": ["regex", "with"],
                "additionalProperties": false,
                "description": "Every match of the regular expression replaced; `$1` is a capture group."
            }), &[]),
            obj("extract", json!({"type": "string", "minLength": 1, "description": "The first capture group of a regular expression (no match: no value)."}), &[]),
            obj("map", json!({"type": "object", "minProperties": 1, "description": "A lookup table on the value."}), &[("default", json!({"description": "The value for texts the table lacks."}))]),
            obj("filter", json!({"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^[^*]*\\*?$", "minLength": 1}, "description": "Keep the list items that match."}), &[])
        ]
    })
}

/// The definitions of `lookups` (`lookup.rs`).
fn lookup_defs() -> Value {
    json!({
            "lookupName": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
            "lookup": {
                "type": "object",
                "additionalProperties": false,
                "oneOf": [{"required": ["dynamodb"]}, {"required": ["cognito"]}],
                "description": "One lookup: a DynamoDB item or query, or the user pool's AdminGetUser.",
                "properties": {
                    "dynamodb": {"$ref": "#/$defs/dynamodb"},
                    "cognito": {"enum": ["adminGetUser"], "description": "AdminGetUser for the event's pool and user: mfaEnabled, preferredMfa, mfaMethods, userStatus, enabled."},
                    "region": {"type": "string", "minLength": 1, "description": "The region, when not the function's own (AWS_REGION); may be {env.NAME}."},
                    "timeoutMs": {"type": "integer", "minimum": 1, "maximum": 2000, "description": "The bound on the read, retries included (default 300; at most 3,000 over a policy's lookups)."},
                    "cacheSeconds": {"type": "integer", "minimum": 0, "maximum": 86400, "description": "How long a warm environment reuses a result (default 0: never)."},
                    "ifUnavailable": {"enum": ["fail", "skip"], "description": "A failed read (timeout, throttling, missing table, access denied, error): refuse tokens (default), or no value."}
                }
            },
            "dynamodb": {
                "type": "object",
                "additionalProperties": false,
                "required": ["table"],
                "oneOf": [{"required": ["key"]}, {"required": ["query"]}],
                "properties": {
                    "table": {"type": "string", "minLength": 1, "description": "The table: its name, or {env.NAME}."},
                    "key": {"type": "object", "minProperties": 1, "maxProperties": 2, "additionalProperties": {"type": "string", "minLength": 1}, "description": "GetItem: the whole key, attribute to a template over the event."},
                    "query": {"type": "object", "minProperties": 1, "maxProperties": 2, "not": {"additionalProperties": {"type": "object"}}, "additionalProperties": {"oneOf": [{"type": "string", "minLength": 1}, {"type": "object", "required": ["beginsWith"], "additionalProperties": false, "properties": {"beginsWith": {"type": "string", "minLength": 1}}}]}, "description": "Query: the partition key (a template), and optionally a sort key {\"beginsWith\": TEMPLATE}."},
                    "index": {"type": "string", "minLength": 1, "description": "A global secondary index to query."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "The most items a query reads (default 10)."},
                    "descending": {"type": "boolean", "description": "Sort-key order reversed."},
                    "region": {"type": "string", "minLength": 1}
                }
            }
    })
}

/// The whole schema.
#[allow(clippy::too_many_lines)]
pub fn schema() -> Value {
    let source = source_properties();
    let mut add_from = source.clone();
    add_from.insert(
        "allow".into(),
        json!({"allOf": [patterns("The groups addFrom may add (a value matching none is refused)"), {"minItems": 1}]}),
    );
    let mut claim = source.clone();
    for (k, v) in [
        (
            "claim",
            json!({"$ref": "#/$defs/name", "description": "The claim's name."}),
        ),
        (
            "ifMissing",
            json!({"enum": ["skip", "fail", "default"], "description": "When the source has no value: leave the claim out (default), refuse to issue tokens, or use \"default\"."}),
        ),
        (
            "default",
            json!({"description": "The value when the source has none."}),
        ),
        ("tokens", json!({"$ref": "#/$defs/tokens"})),
        ("when", json!({"$ref": "#/$defs/when"})),
        (
            "trust",
            json!({"enum": ["user"], "description": "The value is the user's own say (a display name): `check --template` does not warn that the user can write what it reads."}),
        ),
    ] {
        claim.insert(k.to_owned(), v);
    }
    let mut whole = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "pretoken policy",
        "description": "A declarative policy for the Amazon Cognito pre token generation trigger, or a routing document (\"default\" and/or \"pools\") that gives each pool and app client its own policy.",
        "if": {"anyOf": [{"required": ["default"]}, {"required": ["pools"]}]},
        "then": {"$ref": "#/$defs/routing"},
        "else": {"$ref": "#/$defs/policy"},
        "$defs": {
            "routing": {
                "type": "object",
                "additionalProperties": false,
                "description": "One document for several pools and app clients: the most specific policy wins (the client's, the pool's default, the top default); none: sign-in is refused.",
                "properties": {
                    "$schema": {"type": "string"},
                    "description": {"type": "string"},
                    "common": {"allOf": [{"$ref": "#/$defs/policy"}, {"not": {"required": ["lookups"]}}], "description": "Rules applied to every route before its own (no lookups: each route declares its own)."},
                    "default": {"$ref": "#/$defs/policy"},
                    "pools": {"type": "object", "minProperties": 1, "additionalProperties": {"$ref": "#/$defs/pool"}, "description": "User pool ID to its policies."}
                }
            },
            "pool": {
                "type": "object",
                "additionalProperties": false,
                "anyOf": [{"required": ["default"]}, {"required": ["clients"]}],
                "properties": {
                    "default": {"$ref": "#/$defs/policy"},
                    "clients": {"type": "object", "additionalProperties": {"$ref": "#/$defs/policy"}, "description": "App client ID to its policy."}
                }
            },
            "policy": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "$schema": {"type": "string", "description": "For editors; ignored by the loader."},
            "description": {"type": "string", "description": "Free text for humans."},
            "lookups": {"type": "object", "additionalProperties": {"$ref": "#/$defs/lookup"}, "description": "Named reads of data outside the event (DynamoDB, the user pool), made only when a rule that reads them applies."},
            "deny": {"type": "array", "items": {"$ref": "#/$defs/deny"}, "description": "Rules that refuse sign-in, decided before anything else."},
            "suppress": {"type": "array", "items": {"$ref": "#/$defs/suppress"}, "description": "Claims to remove from tokens."},
            "claims": {"type": "array", "items": {"$ref": "#/$defs/claim"}, "description": "Claims to add or override; where several set one claim, the last with a value wins."},
            "copyAttributes": {"type": "array", "items": {"$ref": "#/$defs/copy"}, "description": "One claim per matching attribute; reserved and suppressed names are skipped."},
            "scopes": {"type": "array", "items": {"$ref": "#/$defs/scope"}, "description": "Scopes added to and removed from the access token (V2/V3)."},
            "groups": {"$ref": "#/$defs/groups"},
            "roles": {"$ref": "#/$defs/roles"}
        }
            },
            "name": {"type": "string", "minLength": 1, "pattern": "\\S"},
            "tokens": {
                "type": "array",
                "items": {"enum": ["id", "access"]},
                "minItems": 1,
                "uniqueItems": true,
                "description": "The tokens the rule changes (default: both)."
            },
            "when": {
                "type": "object",
                "additionalProperties": false,
                "description": "When the rule applies: every field given must hold.",
                "properties": {
                    "clientIds": strings(1),
                    "triggerSources": strings(1),
                    "groups": {"allOf": [patterns("The user is in one of these groups"), {"minItems": 1}]},
                    "userPoolIds": strings(1),
                    "attributes": {"type": "object", "minProperties": 1, "additionalProperties": {"$ref": "#/$defs/predicate"}, "description": "Attribute name to PREDICATE."},
                    "clientMetadata": {"type": "object", "minProperties": 1, "additionalProperties": {"$ref": "#/$defs/predicate"}, "description": "Client-metadata key to PREDICATE."},
                    "lookups": {"type": "object", "minProperties": 1, "additionalProperties": {"$ref": "#/$defs/lookupPredicate"}, "description": "`NAME` (the item) or `NAME.FIELD` to PREDICATE; values compare by type, a list when one item does; a test that cannot be decided does not hold (a deny rule refuses)."},
                    "all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/when"}},
                    "any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/when"}},
                    "not": {"$ref": "#/$defs/when"}
                }
            },
            "predicate": {
                "type": "object",
                "additionalProperties": false,
                "minProperties": 1,
                "description": "Tests on one value; all must hold. An absent value fails every test but \"present\": false.",
                "properties": {
                    "present": {"type": "boolean"},
                    "equals": {"type": "string", "description": "Equal to this text (attribute and client-metadata values are text)."},
                    "in": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    "startsWith": {"type": "string"},
                    "endsWith": {"type": "string"},
                    "matches": {"type": "string", "description": "A regular expression (linear time; found anywhere unless anchored)."},
                    "ignoreCase": {"type": "boolean"}
                }
            },
            "lookupPredicate": {
                "type": "object",
                "additionalProperties": false,
                "minProperties": 1,
                "description": "Tests on one lookup value, by type; all must hold. An absent value fails every test but \"present\": false.",
                "properties": {
                    "present": {"type": "boolean"},
                    "equals": {"type": ["string", "number", "boolean"], "description": "Equal to this value: text for attributes and client metadata; for a lookup value, compared by type (a number numerically, a boolean only with a boolean, a string only with a string; another type cannot be decided)."},
                    "in": {"type": "array", "items": {"type": ["string", "number", "boolean"]}, "minItems": 1},
                    "startsWith": {"type": "string"},
                    "endsWith": {"type": "string"},
                    "matches": {"type": "string", "description": "A regular expression (linear time; found anywhere unless anchored)."},
                    "ignoreCase": {"type": "boolean"}
                }
            },
            "source": {
                "type": "object",
                "additionalProperties": false,
                "properties": source,
                "oneOf": one_source(),
                "description": "A SOURCE: exactly one source key, with its transform and convert."
            },
            "step": steps(),
            "claim": {
                "type": "object",
                "additionalProperties": false,
                "required": ["claim"],
                "properties": claim,
                "oneOf": one_source()
            },
            "suppress": {
                "type": "object",
                "additionalProperties": false,
                "anyOf": [{"required": ["claims"]}, {"required": ["preset"]}],
                "properties": {
                    "claims": strings(0),
                    "preset": {"enum": ["standard-pii"]},
                    "tokens": {"$ref": "#/$defs/tokens"},
                    "when": {"$ref": "#/$defs/when"}
                }
            },
            "copy": {
                "type": "object",
                "additionalProperties": false,
                "required": ["match"],
                "properties": {
                    "match": {"type": "string", "minLength": 1, "pattern": "^[^*]*\\*?$", "description": "Attribute names: exact, or a prefix ending in `*`."},
                    "rename": {"enum": ["keep", "stripPrefix"], "description": "The claim's name: the attribute's (default), or without the pattern's prefix."},
                    "tokens": {"$ref": "#/$defs/tokens"},
                    "when": {"$ref": "#/$defs/when"}
                }
            },
            "scope": {
                "type": "object",
                "additionalProperties": false,
                "anyOf": [{"required": ["add"]}, {"required": ["suppress"]}],
                "properties": {
                    "add": {"type": "array", "items": {"type": "string", "minLength": 1, "pattern": "^\\S+$"}, "description": "Scopes to add; may be templates."},
                    "suppress": {"type": "array", "items": {"type": "string", "minLength": 1, "pattern": "^\\S+$"}},
                    "when": {"$ref": "#/$defs/when"}
                }
            },
            "deny": {
                "type": "object",
                "additionalProperties": false,
                "required": ["message"],
                "properties": {
                    "when": {"$ref": "#/$defs/when"},
                    "message": {"type": "string", "minLength": 1, "maxLength": MAX_DENY_MESSAGE, "pattern": "^[^{}]*$", "description": "Constant text Cognito shows the refused user."},
                    "ifUnknown": {"enum": ["deny", "allow"], "description": "When the condition cannot be decided (a lookup failed, was skipped, not made or found no item; a value of another type than the test): refuse (default) or allow."}
                }
            },
            "groups": {
                "type": "object",
                "additionalProperties": false,
                "anyOf": [{"required": ["keep"]}, {"required": ["remove"]}, {"required": ["add"]}, {"required": ["addFrom"]}],
                "not": {"required": ["keep", "remove"]},
                "description": "The user's groups (cognito:groups): added to, then filtered; the override is written only when it changes something.",
                "properties": {
                    "keep": patterns("Keep only these groups"),
                    "remove": patterns("Remove these groups"),
                    "add": strings(0),
                    "addFrom": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["allow"],
                        "properties": add_from,
                        "oneOf": one_source(),
                        "description": "A SOURCE giving a group name or a list of them, and the groups it may add (`allow`)."
                    },
                    "when": {"$ref": "#/$defs/when"}
                }
            },
            "roles": {
                "type": "object",
                "additionalProperties": false,
                "anyOf": [{"required": ["keep"]}, {"required": ["remove"]}, {"required": ["add"]}, {"required": ["preferred"]}, {"required": ["fromGroups"]}],
                "not": {"required": ["keep", "remove"]},
                "description": "The user's IAM roles and preferred role.",
                "properties": {
                    "keep": {"type": "array", "items": {"$ref": "#/$defs/roleArnPattern"}, "description": "Keep only these role ARNs (exact, or a prefix ending in `*`)."},
                    "remove": {"type": "array", "items": {"$ref": "#/$defs/roleArnPattern"}, "description": "Remove these role ARNs (exact, or a prefix ending in `*`)."},
                    "add": {"type": "array", "items": {"$ref": "#/$defs/roleArn"}},
                    "preferred": {"oneOf": [{"$ref": "#/$defs/roleArn"}, {"$ref": "#/$defs/source"}]},
                    "fromGroups": {"type": "object", "minProperties": 1, "additionalProperties": {"$ref": "#/$defs/roleArn"}, "description": "Each group's role ARN: the roles and preferred role are recomputed from the groups that remain."},
                    "when": {"$ref": "#/$defs/when"}
                }
            },
            "roleArn": {"type": "string", "pattern": "^arn:[a-z-]+:iam::[0-9]{12}:role/\\S+$"},
            "roleArnPattern": {"type": "string", "pattern": "^arn:[^*]*\\*?$"}
        }
    });
    if let (Some(defs), Value::Object(more)) = (whole["$defs"].as_object_mut(), lookup_defs()) {
        defs.extend(more);
    }
    whole
}

/// The largest schema AWS `AppConfig` takes as a `JSON_SCHEMA` validator.
pub const APPCONFIG_SCHEMA_LIMIT: usize = 32_768;

/// The schema in JSON Schema draft-04, the version AWS `AppConfig`'s
/// `JSON_SCHEMA` validator accepts: `definitions` for `$defs`, `oneOf` for
/// the routing `if`, no descriptions (its content is limited to 32,768
/// characters). Same structure otherwise.
pub fn draft04() -> Value {
    /// `names`: `v` maps property names (the members of `properties`), which
    /// are kept as they are: `$schema` and `description` are policy fields.
    fn convert(v: &Value, names: bool) -> Value {
        match v {
            Value::Object(m) if names => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), convert(v, false)))
                    .collect(),
            ),
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, v) in m {
                    match k.as_str() {
                        "description" | "title" | "if" | "then" | "else" => {}
                        "$schema" => {
                            out.insert(k.clone(), json!("http://json-schema.org/draft-04/schema#"));
                        }
                        "$id" => {
                            out.insert("id".into(), v.clone());
                        }
                        "$defs" => {
                            out.insert("definitions".into(), convert(v, true));
                        }
                        "$ref" => {
                            let r = v
                                .as_str()
                                .unwrap_or_default()
                                .replace("#/$defs/", "#/definitions/");
                            out.insert(k.clone(), Value::String(r));
                        }
                        "properties" => {
                            out.insert(k.clone(), convert(v, true));
                        }
                        _ => {
                            out.insert(k.clone(), convert(v, false));
                        }
                    }
                }
                if m.contains_key("if") {
                    out.insert(
                        "oneOf".into(),
                        json!([{"$ref": "#/definitions/routing"}, {"$ref": "#/definitions/policy"}]),
                    );
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| convert(x, false)).collect()),
            other => other.clone(),
        }
    }
    convert(&schema(), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{
        CLAIM_FIELDS, DENY_FIELDS, FIELDS, POOL_FIELDS, ROUTING_FIELDS, SCOPE_FIELDS,
        SUPPRESS_FIELDS,
    };
    use crate::model::{
        COPY_FIELDS, DYNAMODB_FIELDS, GROUP_FIELDS, LOOKUP_FIELDS, OBJECT_STEPS, PREDICATE_FIELDS,
        ROLE_FIELDS, SOURCE_OPTIONS, WHEN_FIELDS,
    };

    fn keys(v: &Value) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    }

    fn sorted(list: &[&str]) -> Vec<String> {
        let mut k: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
        k.sort();
        k
    }

    #[test]
    fn the_draft04_form_fits_appconfig() {
        let d = draft04();
        let text = d.to_string();
        assert!(
            text.len() <= APPCONFIG_SCHEMA_LIMIT,
            "{} characters",
            text.len()
        );
        assert!(!text.contains("$defs") && !text.contains("\"if\""));
        assert_eq!(d["$schema"], "http://json-schema.org/draft-04/schema#");
    }

    #[test]
    fn the_schema_has_exactly_the_loaders_fields() {
        let s = schema();
        let d = &s["$defs"];
        assert_eq!(keys(&d["policy"]["properties"]), sorted(FIELDS));
        assert_eq!(keys(&d["routing"]["properties"]), sorted(ROUTING_FIELDS));
        assert_eq!(keys(&d["pool"]["properties"]), sorted(POOL_FIELDS));
        for (def, fields) in [
            ("claim", CLAIM_FIELDS.as_slice()),
            ("when", WHEN_FIELDS),
            ("predicate", PREDICATE_FIELDS),
            ("suppress", SUPPRESS_FIELDS),
            ("scope", SCOPE_FIELDS),
            ("deny", DENY_FIELDS),
            ("copy", COPY_FIELDS),
            ("groups", GROUP_FIELDS),
            ("roles", ROLE_FIELDS),
            ("lookup", LOOKUP_FIELDS),
            ("dynamodb", DYNAMODB_FIELDS),
        ] {
            assert_eq!(keys(&d[def]["properties"]), sorted(fields), "{def}");
        }
        let source: Vec<&str> = SOURCE_KEYS.iter().chain(SOURCE_OPTIONS).copied().collect();
        assert_eq!(keys(&d["source"]["properties"]), sorted(&source));
        let object_steps: Vec<String> = d["step"]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .skip(1)
            .map(|s| s["required"][0].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(object_steps, OBJECT_STEPS);
    }
}
