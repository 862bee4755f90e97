//! Deciding a condition for one event: two-valued once its lookups are in
//! ([`Condition::holds`]), three-valued before ([`Condition::decide`], which
//! the lookup plan and `pretoken verify` use).
//!
//! Contract: evaluation is pure and reads only the facts (the event and the
//! lookup results beside it).

use serde_json::Value;

use super::facts::Facts;
use super::results::LookupRead;
use crate::event::EventView;
use crate::model::refs::FieldPath;
use crate::model::refs::glob_matches;
use crate::model::{Condition, Expected, Predicate};

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
    /// A field of a lookup's result (`None`: not known yet).
    fn lookup_field(&self, index: usize, field: &FieldPath) -> Option<LookupRead>;
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
    fn lookup_field(&self, _: usize, _: &FieldPath) -> Option<LookupRead> {
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
    fn lookup_field(&self, index: usize, field: &FieldPath) -> Option<LookupRead> {
        Some(match self.lookups {
            Some(results) => results.read(index, field),
            None => LookupRead::Unavailable,
        })
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
    /// Whether the condition holds for this event and its lookup results
    /// (a condition that cannot be decided does not hold: see
    /// [`crate::eval::apply::refuse_if_denied`] for deny rules, where it
    /// refuses).
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
            let read = known.lookup_field(*i, field);
            if !unknown.part(read.and_then(|r| p.decide_read(&r))) {
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
    /// Decides the predicate on what a lookup read gave: `None` when it
    /// cannot be decided. A lookup that failed, was skipped or has no item
    /// (or was not made) decides only a presence test (`present` alone),
    /// and an unavailable one nothing; a value decides by type
    /// ([`Predicate::decide_value`]).
    pub fn decide_read(&self, read: &LookupRead) -> Option<bool> {
        match read {
            LookupRead::Value(v) => self.decide_value(v),
            LookupRead::Absent => Some(self.holds(None)),
            LookupRead::NoItem => self.tests_presence_only().then(|| self.holds(None)),
            LookupRead::Unavailable => None,
        }
    }

    /// Decides the predicate on a lookup's JSON value, by type: `equals` and
    /// `in` compare numbers numerically, booleans with booleans and strings
    /// with strings; `startsWith`, `endsWith` and `matches` test strings
    /// only. A test of another type than the value cannot be decided
    /// (`None`), never "does not hold". `null` is no value; a list holds
    /// when one of its items does (and cannot be decided when no item
    /// holds and one cannot be decided); an object decides presence only.
    pub fn decide_value(&self, value: &Value) -> Option<bool> {
        match value {
            Value::Null => Some(self.holds(None)),
            _ if self.present == Some(false) => Some(false),
            _ if self.tests_presence_only() => Some(true),
            Value::String(s) => {
                let text = |e: &Expected| matches!(e, Expected::Text(_));
                let typed = self.equals.as_ref().is_none_or(text)
                    && (self.one_of.is_empty() || self.one_of.iter().any(text));
                typed.then(|| self.holds(Some(s)))
            }
            Value::Number(n) => self.decide_scalar(|e| match e {
                Expected::Number(x) => n.as_f64().map(|n| exactly_equal(n, *x)),
                _ => None,
            }),
            Value::Bool(b) => self.decide_scalar(|e| match e {
                Expected::Bool(x) => Some(b == x),
                _ => None,
            }),
            Value::Array(items) => {
                let mut verdict = Some(false);
                for item in items {
                    let d = if item.is_array() {
                        None
                    } else {
                        self.decide_value(item)
                    };
                    match d {
                        Some(true) => return Some(true),
                        None => verdict = None,
                        Some(false) => {}
                    }
                }
                verdict
            }
            Value::Object(_) => None,
        }
    }

    /// `equals` and `in` on a number or boolean, `same` comparing one
    /// expected value of the same type (`None` for another type).
    fn decide_scalar(&self, same: impl Fn(&Expected) -> Option<bool>) -> Option<bool> {
        if self.starts_with.is_some() || self.ends_with.is_some() || self.matches.is_some() {
            return None;
        }
        if let Some(e) = &self.equals {
            if !same(e)? {
                return Some(false);
            }
        }
        if !self.one_of.is_empty() {
            let typed: Vec<bool> = self.one_of.iter().filter_map(&same).collect();
            if typed.is_empty() {
                return None;
            }
            if !typed.contains(&true) {
                return Some(false);
            }
        }
        Some(true)
    }

    /// Whether the predicate holds for a text value (`None`: absent):
    /// attributes, client metadata, and lookup strings. A number or boolean
    /// `equals`/`in` never equals text.
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
        let text = |e: &Expected| matches!(e, Expected::Text(t) if t == v);
        self.equals.as_ref().is_none_or(text)
            && (self.one_of.is_empty() || self.one_of.iter().any(text))
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

/// Numbers compare exactly, as JSON numbers do (`1` equals `1.0`).
#[allow(clippy::float_cmp)]
fn exactly_equal(a: f64, b: f64) -> bool {
    a == b
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
