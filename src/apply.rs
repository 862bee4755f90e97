//! The heart: a pure function from (policy, event) to response.
//!
//! Contract: no I/O, no clock, no randomness; the same policy and event give
//! the same response. What a policy suppresses for a token is always in that
//! token's suppressions and never in its additions. ID-token rules are not
//! applied to client-credentials grants (there is no ID token); access-token
//! rules are not applied to V1 events (Cognito cannot take them), and the
//! count of those skipped is reported so the caller can log it.

use serde_json::{Map, Value};

use crate::error::{RuleError, TriggerError};
use crate::event::{EventView, Version};
use crate::policy::{ClaimRule, Condition, ContextField, Conversion, IfMissing, Policy, Source};
use crate::response::{
    AccessTokenGeneration, Claims, ClaimsAndScopeOverrideDetails, ClaimsOverrideDetails,
    GroupOverride, IdTokenGeneration, Response,
};

/// What the policy did to one event: the response and, for the log, names
/// and counts (never values).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<'p> {
    /// The response to put in the event.
    pub response: Response<'p>,
    /// The version the response is written in.
    pub version: Version,
    /// The version the event declared, if it is one Cognito sends.
    pub event_version: Option<Version>,
    /// Rule parts for the access token that a V1 event could not carry.
    pub skipped_access_rules: usize,
}

/// Applies `policy` to an event: reads it and decides its new `response`
/// (which [`crate::handler::Output`] writes in place of the old one).
/// `configured` is the pool's `LambdaVersion`, used when the event's
/// `version` is not one Cognito sends.
pub fn apply_to_event<'p>(
    policy: &'p Policy,
    event: &Map<String, Value>,
    configured: Option<Version>,
) -> Result<Outcome<'p>, TriggerError> {
    let view = EventView::parse(event)?;
    let event_version = view.version.and_then(Version::from_event_field);
    let version = event_version
        .or(configured)
        .ok_or(TriggerError::UnknownVersion)?;
    let (response, skipped_access_rules) = decide(policy, &view, version)?;
    Ok(Outcome {
        response,
        version,
        event_version,
        skipped_access_rules,
    })
}

/// Claims to add and suppress for one token, in policy order.
#[derive(Default)]
struct TokenChanges<'p> {
    add: Claims<'p>,
    suppress: Vec<&'p str>,
}

impl<'p> TokenChanges<'p> {
    fn suppress(&mut self, claim: &'p str) {
        if !self.suppress.contains(&claim) {
            self.suppress.push(claim);
        }
    }

    /// Suppression wins over addition, as it does in Cognito; the policy
    /// loader already refuses such a policy, this keeps it true regardless.
    fn finish(mut self) -> (Claims<'p>, Vec<&'p str>) {
        for c in &self.suppress {
            self.add.remove(c);
        }
        (self.add, self.suppress)
    }
}

/// Computes the response for one event. Returns it with the number of
/// access-token rule parts skipped on a V1 event.
pub fn decide<'p>(
    policy: &'p Policy,
    view: &EventView<'_>,
    version: Version,
) -> Result<(Response<'p>, usize), RuleError> {
    let id_on = !view.is_client_credentials();
    let access_on = version.has_access_token_rules();
    let mut skipped = 0usize;
    let mut id = TokenChanges::default();
    let mut access = TokenChanges::default();
    let mut count_skipped = |on_access: bool| {
        if on_access && !access_on {
            skipped += 1;
        }
    };

    for rule in &policy.suppress {
        if !applies(&rule.when, view) {
            continue;
        }
        count_skipped(rule.tokens.access);
        for claim in &rule.claims {
            if rule.tokens.id && id_on {
                id.suppress(claim);
            }
            if rule.tokens.access && access_on {
                access.suppress(claim);
            }
        }
    }

    for rule in &policy.claims {
        let wants_id = rule.tokens.id && id_on;
        let wants_access = rule.tokens.access && access_on;
        if !applies(&rule.when, view) {
            continue;
        }
        count_skipped(rule.tokens.access);
        if !wants_id && !wants_access {
            continue;
        }
        let Some(mut value) = resolve(rule, view)? else {
            continue;
        };
        if version == Version::V1 {
            value = as_v1_string(value);
        }
        let claim = rule.claim.as_str();
        if wants_id && wants_access {
            id.add.insert(claim, value.clone());
            access.add.insert(claim, value);
        } else if wants_id {
            id.add.insert(claim, value);
        } else {
            access.add.insert(claim, value);
        }
    }

    let mut scopes_add: Vec<&str> = Vec::new();
    let mut scopes_suppress: Vec<&str> = Vec::new();
    for rule in &policy.scopes {
        if !applies(&rule.when, view) {
            continue;
        }
        count_skipped(true);
        if !access_on {
            continue;
        }
        push_unique(&mut scopes_add, &rule.add);
        push_unique(&mut scopes_suppress, &rule.suppress);
    }
    scopes_add.retain(|s| !scopes_suppress.contains(s));

    let group_override = group_override(policy, view);

    let (id_add, id_suppress) = id.finish();
    let response = if version == Version::V1 {
        Response::V1(ClaimsOverrideDetails {
            claims_to_add_or_override: id_add,
            claims_to_suppress: id_suppress,
            group_override_details: group_override,
        })
    } else {
        let (access_add, access_suppress) = access.finish();
        Response::V2(ClaimsAndScopeOverrideDetails {
            id_token_generation: id_on.then_some(IdTokenGeneration {
                claims_to_add_or_override: id_add,
                claims_to_suppress: id_suppress,
            }),
            access_token_generation: AccessTokenGeneration {
                claims_to_add_or_override: access_add,
                claims_to_suppress: access_suppress,
                scopes_to_add: scopes_add,
                scopes_to_suppress: scopes_suppress,
            },
            group_override_details: group_override,
        })
    };
    Ok((response, skipped))
}

/// The group override a policy's filter asks for, if it changes anything:
/// always built from the request's groups, roles and preferred role, since an
/// override replaces the user's whole group configuration.
fn group_override(policy: &Policy, view: &EventView<'_>) -> Option<GroupOverride> {
    let filter = policy.groups.as_ref().filter(|f| applies(&f.when, view))?;
    let kept: Vec<String> = view
        .groups
        .groups
        .iter()
        .filter(|g| filter.keeps(g))
        .map(|g| (*g).to_owned())
        .collect();
    (kept.len() != view.groups.groups.len()).then(|| GroupOverride {
        groups_to_override: kept,
        iam_roles_to_override: view.groups.roles.iter().map(|r| (*r).to_owned()).collect(),
        preferred_role: view.groups.preferred_role.map(str::to_owned),
    })
}

fn push_unique<'p>(into: &mut Vec<&'p str>, items: &'p [String]) {
    for s in items {
        if !into.contains(&s.as_str()) {
            into.push(s);
        }
    }
}

/// Whether a rule's condition holds for this event.
pub fn applies(c: &Condition, view: &EventView<'_>) -> bool {
    let any = |list: &[String], v: Option<&str>| {
        list.is_empty() || v.is_some_and(|v| list.iter().any(|x| x == v))
    };
    any(&c.client_ids, view.client_id)
        && any(&c.trigger_sources, view.trigger_source)
        && (c.groups.is_empty() || c.groups.iter().any(|g| view.in_group(g)))
}

/// The value of a claim rule for this user, or `None` to leave it out.
fn resolve(rule: &ClaimRule, view: &EventView<'_>) -> Result<Option<Value>, RuleError> {
    let found = match &rule.source {
        Source::Value(v) => return Ok(Some(v.clone())),
        Source::Attribute { name, convert } => match view.attribute(name) {
            Some(raw) => {
                Some(
                    convert_attribute(raw, convert).ok_or_else(|| RuleError::Conversion {
                        claim: rule.claim.clone(),
                        attribute: name.clone(),
                        to: convert.name(),
                    })?,
                )
            }
            None => None,
        },
        Source::Groups(map) => merge_groups(map, view),
        Source::Context(field) => match field {
            ContextField::ClientId => view.client_id,
            ContextField::UserPoolId => view.user_pool_id,
            ContextField::Region => view.region,
            ContextField::TriggerSource => view.trigger_source,
        }
        .map(|s| Value::String(s.to_owned())),
    };
    if found.is_some() {
        return Ok(found);
    }
    match &rule.if_missing {
        IfMissing::Skip => Ok(None),
        IfMissing::Default(v) => Ok(Some(v.clone())),
        IfMissing::Fail => Err(match &rule.source {
            Source::Attribute { name, .. } => RuleError::MissingAttribute {
                claim: rule.claim.clone(),
                attribute: name.clone(),
            },
            Source::Context(field) => RuleError::MissingContext {
                claim: rule.claim.clone(),
                field: field.name(),
            },
            Source::Groups(_) | Source::Value(_) => RuleError::MissingGroups {
                claim: rule.claim.clone(),
            },
        }),
    }
}

/// Converts an attribute's string value; `None` when it does not convert.
pub fn convert_attribute(raw: &str, convert: &Conversion) -> Option<Value> {
    match convert {
        Conversion::String => Some(Value::String(raw.to_owned())),
        Conversion::Number => {
            let t = raw.trim();
            if let Ok(i) = t.parse::<i64>() {
                Some(Value::from(i))
            } else {
                t.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
            }
        }
        Conversion::Boolean => match raw.trim() {
            t if t.eq_ignore_ascii_case("true") => Some(Value::Bool(true)),
            t if t.eq_ignore_ascii_case("false") => Some(Value::Bool(false)),
            _ => None,
        },
        Conversion::Json => serde_json::from_str(raw).ok(),
        Conversion::List(sep) => Some(Value::Array(
            raw.split(sep.as_str())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        )),
    }
}

/// The merged value of the user's mapped groups, in policy order; `None`
/// when the user is in none of them.
fn merge_groups(map: &[(String, Value)], view: &EventView<'_>) -> Option<Value> {
    let mut hits = map.iter().filter(|(g, _)| view.in_group(g)).map(|(_, v)| v);
    let first = hits.next()?;
    if first.is_object() {
        let mut merged = first.clone();
        for v in hits {
            deep_merge(&mut merged, v);
        }
        Some(merged)
    } else {
        let mut list: Vec<Value> = Vec::new();
        for v in std::iter::once(first).chain(hits) {
            let items = match v {
                Value::Array(a) => a.as_slice(),
                other => std::slice::from_ref(other),
            };
            for item in items {
                if !list.contains(item) {
                    list.push(item.clone());
                }
            }
        }
        Some(Value::Array(list))
    }
}

fn deep_merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(existing) => deep_merge(existing, v),
                    None => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// V1 claims are strings: anything else is sent as its JSON text.
fn as_v1_string(v: Value) -> Value {
    match v {
        Value::String(_) => v,
        other => Value::String(other.to_string()),
    }
}

/// Names of the claims and scopes a response changes, for the log: borrowed
/// from the response and written comma-separated only when formatted.
#[derive(Debug, Clone, Copy)]
pub struct Changes<'a> {
    /// ID-token claims added or overridden.
    pub id_added: Names<'a>,
    /// ID-token claims suppressed.
    pub id_suppressed: Names<'a>,
    /// Access-token claims added or overridden.
    pub access_added: Names<'a>,
    /// Access-token claims suppressed.
    pub access_suppressed: Names<'a>,
    /// Scopes added.
    pub scopes_added: Names<'a>,
    /// Scopes suppressed.
    pub scopes_suppressed: Names<'a>,
    /// Number of groups kept by a group override, if one is written.
    pub groups_kept: Option<usize>,
}

/// A list of names that displays as `a,b,c`.
#[derive(Debug, Clone, Copy)]
pub enum Names<'a> {
    /// The names of added claims.
    Claims(&'a [(&'a str, Value)]),
    /// A list of names.
    List(&'a [&'a str]),
}

impl std::fmt::Display for Names<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut write = |i: usize, s: &str| {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(s)
        };
        match self {
            Self::Claims(c) => c.iter().enumerate().try_for_each(|(i, (k, _))| write(i, k)),
            Self::List(l) => l.iter().enumerate().try_for_each(|(i, k)| write(i, k)),
        }
    }
}

impl<'a> Changes<'a> {
    /// Lists the names a response changes.
    pub fn of(response: &'a Response<'_>) -> Self {
        const NONE: Names<'static> = Names::List(&[]);
        let groups_kept = response
            .group_override()
            .map(|g| g.groups_to_override.len());
        match response {
            Response::V1(d) => Self {
                id_added: Names::Claims(&d.claims_to_add_or_override.0),
                id_suppressed: Names::List(&d.claims_to_suppress),
                access_added: NONE,
                access_suppressed: NONE,
                scopes_added: NONE,
                scopes_suppressed: NONE,
                groups_kept,
            },
            Response::V2(d) => {
                let (id_added, id_suppressed) =
                    d.id_token_generation.as_ref().map_or((NONE, NONE), |g| {
                        (
                            Names::Claims(&g.claims_to_add_or_override.0),
                            Names::List(&g.claims_to_suppress),
                        )
                    });
                let a = &d.access_token_generation;
                Self {
                    id_added,
                    id_suppressed,
                    access_added: Names::Claims(&a.claims_to_add_or_override.0),
                    access_suppressed: Names::List(&a.claims_to_suppress),
                    scopes_added: Names::List(&a.scopes_to_add),
                    scopes_suppressed: Names::List(&a.scopes_to_suppress),
                    groups_kept,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(
            convert_attribute(" 42 ", &Conversion::Number),
            Some(Value::from(42))
        );
        assert_eq!(
            convert_attribute("4.5", &Conversion::Number),
            Some(Value::from(4.5))
        );
        assert_eq!(convert_attribute("NaN", &Conversion::Number), None);
        assert_eq!(convert_attribute("abc", &Conversion::Number), None);
        assert_eq!(
            convert_attribute("TRUE", &Conversion::Boolean),
            Some(Value::Bool(true))
        );
        assert_eq!(convert_attribute("yes", &Conversion::Boolean), None);
        assert_eq!(
            convert_attribute("{\"a\":1}", &Conversion::Json).unwrap()["a"],
            1
        );
        assert_eq!(convert_attribute("{", &Conversion::Json), None);
        assert_eq!(
            convert_attribute("a, b,,c ", &Conversion::List(",".into())),
            Some(serde_json::json!(["a", "b", "c"]))
        );
    }

    #[test]
    fn v1_values_become_json_text() {
        assert_eq!(as_v1_string(Value::from(3)), Value::from("3"));
        assert_eq!(
            as_v1_string(serde_json::json!({"a": [1]})),
            Value::from("{\"a\":[1]}")
        );
        assert_eq!(as_v1_string(Value::from("x")), Value::from("x"));
    }

    #[test]
    fn groups_merge_objects_and_collect_scalars() {
        let mut event = Map::new();
        event.insert(
            "request".into(),
            serde_json::json!({"groupConfiguration": {"groupsToOverride": ["b", "a"]}}),
        );
        let view = EventView::parse(&event).unwrap();
        let objects = vec![
            ("a".to_owned(), serde_json::json!({"x": {"p": 1}})),
            ("b".to_owned(), serde_json::json!({"x": {"q": 2}})),
            ("c".to_owned(), serde_json::json!({"y": 3})),
        ];
        assert_eq!(
            merge_groups(&objects, &view),
            Some(serde_json::json!({"x": {"p": 1, "q": 2}}))
        );
        let scalars = vec![
            ("a".to_owned(), serde_json::json!("reader")),
            ("b".to_owned(), serde_json::json!(["reader", "writer"])),
        ];
        assert_eq!(
            merge_groups(&scalars, &view),
            Some(serde_json::json!(["reader", "writer"]))
        );
        assert_eq!(merge_groups(&objects[2..], &view), None);
    }
}
