//! Deciding a condition for one event: two-valued once its lookups are in
//! ([`Condition::holds`]), three-valued before ([`Condition::decide`], which
//! the lookup plan and `pretoken verify` use).
//!
//! Contract: evaluation is pure and reads only the facts (the event and the
//! lookup results beside it).

use serde_json::Value;

use super::facts::Facts;
use crate::event::EventView;
use crate::model::refs::FieldPath;
use crate::model::refs::glob_matches;
use crate::model::{Condition, Predicate};

/// What is known of a sign-in when a condition is decided: each answer is
/// `None` when it is not known (`Some(None)`: known to have no value).
pub trait Known {
    /// The app client ID.
    fn client_id(&self) -> Option<Option<&str>>;
    /// The trigger source.
    fn trigger_source(&self) -> Option<Option<&str>>;
    /// The user pool ID.
    fn user_pool_id(&self) -> Option<Option<&str>>;
    /// The user's groups.
    fn groups(&self) -> Option<&[&str]>;
    /// A user attribute.
    fn attribute(&self, name: &str) -> Option<Option<&str>>;
    /// A client-metadata entry.
    fn client_metadata(&self, key: &str) -> Option<Option<&str>>;
    /// A field of a lookup's result.
    fn lookup_field(&self, index: usize, field: &FieldPath) -> Option<Option<Value>>;
}

/// The event alone, before any lookup is made: lookups are unknown.
impl Known for EventView<'_> {
    fn client_id(&self) -> Option<Option<&str>> {
        Some(self.client_id)
    }
    fn trigger_source(&self) -> Option<Option<&str>> {
        Some(self.trigger_source)
    }
    fn user_pool_id(&self) -> Option<Option<&str>> {
        Some(self.user_pool_id)
    }
    fn groups(&self) -> Option<&[&str]> {
        Some(&self.groups.groups)
    }
    fn attribute(&self, name: &str) -> Option<Option<&str>> {
        Some(EventView::attribute(self, name))
    }
    fn client_metadata(&self, key: &str) -> Option<Option<&str>> {
        Some(EventView::client_metadata(self, key))
    }
    fn lookup_field(&self, _: usize, _: &FieldPath) -> Option<Option<Value>> {
        None
    }
}

/// The event and its lookup results: everything is known.
impl Known for Facts<'_, '_> {
    fn client_id(&self) -> Option<Option<&str>> {
        Some(self.event.client_id)
    }
    fn trigger_source(&self) -> Option<Option<&str>> {
        Some(self.event.trigger_source)
    }
    fn user_pool_id(&self) -> Option<Option<&str>> {
        Some(self.event.user_pool_id)
    }
    fn groups(&self) -> Option<&[&str]> {
        Some(&self.event.groups.groups)
    }
    fn attribute(&self, name: &str) -> Option<Option<&str>> {
        Some(self.event.attribute(name))
    }
    fn client_metadata(&self, key: &str) -> Option<Option<&str>> {
        Some(self.event.client_metadata(key))
    }
    fn lookup_field(&self, index: usize, field: &FieldPath) -> Option<Option<Value>> {
        Some(Facts::lookup_field(self, index, field))
    }
}

/// Three-valued conjunction, stopping at the first part known to fail.
struct And(bool);

impl And {
    /// Adds a part; `false` once the whole is known to fail.
    fn part(&mut self, v: Option<bool>) -> bool {
        match v {
            Some(false) => false,
            None => {
                self.0 = true;
                true
            }
            Some(true) => true,
        }
    }
}

impl Condition {
    /// Whether the condition holds for this event and its lookup results.
    pub fn holds(&self, facts: &Facts<'_, '_>) -> bool {
        self.decide(facts) == Some(true)
    }

    /// Whether the condition holds before any lookup is made: `Some` when
    /// the event alone decides it, `None` when it depends on a lookup.
    pub fn decide_without_lookups(&self, view: &EventView<'_>) -> Option<bool> {
        self.decide(view)
    }

    /// The one decider: `Some` when what is known decides the condition,
    /// `None` when it depends on something unknown. Parts are read in a
    /// fixed order (the event's fields, lookups, `all`, `any`, `not`) and
    /// reading stops at the first part known to fail, so a lookup is read
    /// only where the event alone does not already refuse the rule.
    pub fn decide(&self, known: &impl Known) -> Option<bool> {
        let listed = |list: &[String], v: Option<Option<&str>>| {
            if list.is_empty() {
                return Some(true);
            }
            v.map(|v| v.is_some_and(|v| list.iter().any(|x| x == v)))
        };
        let mut unknown = And(false);
        if !unknown.part(listed(&self.client_ids, known.client_id()))
            || !unknown.part(listed(&self.trigger_sources, known.trigger_source()))
            || !unknown.part(listed(&self.user_pool_ids, known.user_pool_id()))
        {
            return Some(false);
        }
        if !self.groups.is_empty() {
            let held = known.groups().map(|held| {
                self.groups
                    .iter()
                    .any(|p| held.iter().any(|g| glob_matches(p, g)))
            });
            if !unknown.part(held) {
                return Some(false);
            }
        }
        for (name, p) in &self.attributes {
            if !unknown.part(known.attribute(name).map(|v| p.holds(v))) {
                return Some(false);
            }
        }
        for (key, p) in &self.client_metadata {
            if !unknown.part(known.client_metadata(key).map(|v| p.holds(v))) {
                return Some(false);
            }
        }
        for (i, _, field, p) in &self.lookups {
            let v = known.lookup_field(*i, field);
            if !unknown.part(v.map(|v| p.holds_json(v.as_ref()))) {
                return Some(false);
            }
        }
        for c in &self.all {
            if !unknown.part(c.decide(known)) {
                return Some(false);
            }
        }
        if !self.any.is_empty() {
            let mut any = Some(false);
            for c in &self.any {
                match c.decide(known) {
                    Some(true) => {
                        any = Some(true);
                        break;
                    }
                    None => any = None,
                    Some(false) => {}
                }
            }
            if !unknown.part(any) {
                return Some(false);
            }
        }
        if let Some(n) = &self.not {
            if !unknown.part(n.decide(known).map(|b| !b)) {
                return Some(false);
            }
        }
        if unknown.0 { None } else { Some(true) }
    }
}

impl Predicate {
    /// Whether the predicate holds for a lookup's JSON value: strings as
    /// they are, numbers and booleans as their JSON text, a list when one
    /// of its items does; `null` is no value; an object only satisfies
    /// `"present": true`.
    pub fn holds_json(&self, value: Option<&Value>) -> bool {
        match value {
            None | Some(Value::Null) => self.holds(None),
            Some(Value::String(s)) => self.holds(Some(s)),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => self.holds(Some(&v.to_string())),
            Some(Value::Array(items)) => {
                self.present != Some(false)
                    && items
                        .iter()
                        .any(|i| !i.is_array() && self.holds_json(Some(i)))
            }
            Some(Value::Object(_)) => {
                self.present != Some(false)
                    && self.equals.is_none()
                    && self.one_of.is_empty()
                    && self.starts_with.is_none()
                    && self.ends_with.is_none()
                    && self.matches.is_none()
            }
        }
    }

    /// Whether the predicate holds for a value (`None`: absent).
    pub fn holds(&self, value: Option<&str>) -> bool {
        let Some(v) = value else {
            return self.present == Some(false);
        };
        if self.present == Some(false) {
            return false;
        }
        let lowered;
        let v = if self.ignore_case {
            lowered = v.to_ascii_lowercase();
            lowered.as_str()
        } else {
            v
        };
        self.equals.as_ref().is_none_or(|e| v == e)
            && (self.one_of.is_empty() || self.one_of.iter().any(|e| v == e))
            && self
                .starts_with
                .as_ref()
                .is_none_or(|s| v.starts_with(s.as_str()))
            && self
                .ends_with
                .as_ref()
                .is_none_or(|s| v.ends_with(s.as_str()))
            && self.matches.as_ref().is_none_or(|m| m.regex.is_match(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Policy;
    use serde_json::json;

    fn when(json: &Value) -> Condition {
        let p = Policy::from_json(
            &json!({"claims": [{"claim": "x", "value": 1, "when": json}]}).to_string(),
            "t",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        p.claims[0].when.clone()
    }

    fn event() -> Value {
        json!({
            "userPoolId": "eu-west-1_A",
            "callerContext": {"clientId": "web"},
            "request": {
                "userAttributes": {"email": "Jo@Example.com", "custom:plan": "pro"},
                "groupConfiguration": {"groupsToOverride": ["app-admin"]},
                "clientMetadata": {"flow": "mobile"}
            }
        })
    }

    fn holds(c: &Condition) -> bool {
        let e = event();
        c.holds(&Facts::event(
            &EventView::parse(e.as_object().unwrap()).unwrap(),
        ))
    }

    #[test]
    fn predicates_on_attributes() {
        assert!(holds(&when(
            &json!({"attributes": {"email": {"endsWith": "@example.com", "ignoreCase": true}}})
        )));
        assert!(!holds(&when(
            &json!({"attributes": {"email": {"endsWith": "@example.com"}}})
        )));
        assert!(holds(&when(
            &json!({"attributes": {"custom:plan": {"in": ["pro", "enterprise"]}}})
        )));
        assert!(holds(&when(
            &json!({"attributes": {"custom:x": {"present": false}}})
        )));
        assert!(!holds(&when(
            &json!({"attributes": {"custom:x": {"equals": ""}}})
        )));
        assert!(holds(&when(
            &json!({"attributes": {"email": {"matches": "^jo@", "ignoreCase": true}}})
        )));
        assert!(holds(&when(
            &json!({"attributes": {"email": {"present": true, "startsWith": "Jo"}}})
        )));
    }

    #[test]
    fn combinators_pools_groups_and_metadata() {
        assert!(holds(&when(
            &json!({"groups": ["app-*"], "userPoolIds": ["eu-west-1_A"]})
        )));
        assert!(!holds(&when(&json!({"userPoolIds": ["other"]}))));
        assert!(holds(&when(
            &json!({"any": [{"clientIds": ["x"]}, {"clientIds": ["web"]}]})
        )));
        assert!(!holds(&when(
            &json!({"all": [{"clientIds": ["x"]}, {"clientIds": ["web"]}]})
        )));
        assert!(holds(&when(&json!({"not": {"groups": ["admins"]}}))));
        assert!(holds(&when(
            &json!({"clientMetadata": {"flow": {"equals": "mobile"}}})
        )));
    }
}
