//! Conditions: `"when"` on a rule, and the predicates on attribute and
//! client-metadata values.
//!
//! Contract: every field of one `when` must hold; each list, when given, must
//! match one of its entries (`groups` and patterns: exact, or a prefix ending
//! in `*`). `attributes` and `clientMetadata` map names to PREDICATEs, all of
//! whose parts must hold; an absent value fails every part except
//! `"present": false`. `all`, `any` and `not` combine whole conditions.
//! Regular expressions are compiled at load. Evaluation is pure and reads
//! only the event.

use serde_json::{Map, Value};

use super::lookup::FieldPath;
use super::parse::{Reader, join};
use super::transform::{Pattern, matches_pattern};
use crate::event::{EventView, type_name};

/// When a rule applies. An empty condition always holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Condition {
    /// App client IDs (`callerContext.clientId`).
    pub client_ids: Vec<String>,
    /// Trigger sources (`triggerSource`).
    pub trigger_sources: Vec<String>,
    /// Groups the user must be in (one of them): names or `prefix*`.
    pub groups: Vec<String>,
    /// User pool IDs (`userPoolId`).
    pub user_pool_ids: Vec<String>,
    /// Predicates on user attributes.
    pub attributes: Vec<(String, Predicate)>,
    /// Predicates on client-metadata entries.
    pub client_metadata: Vec<(String, Predicate)>,
    /// Predicates on lookup results: the lookup's index, its name, the field
    /// (empty: the item itself).
    pub lookups: Vec<(usize, String, FieldPath, Predicate)>,
    /// Conditions that must all hold.
    pub all: Vec<Condition>,
    /// Conditions of which one must hold.
    pub any: Vec<Condition>,
    /// A condition that must not hold.
    pub not: Option<Box<Condition>>,
}

/// Tests on one string value; all given tests must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Predicate {
    /// `present`: whether the value must exist.
    pub present: Option<bool>,
    /// `equals`.
    pub equals: Option<String>,
    /// `in`.
    pub one_of: Vec<String>,
    /// `startsWith`.
    pub starts_with: Option<String>,
    /// `endsWith`.
    pub ends_with: Option<String>,
    /// `matches`: a regular expression (found anywhere unless anchored).
    pub matches: Option<Pattern>,
    /// `ignoreCase`: texts compared in lower case (the expected texts are
    /// stored lowered); regular expressions fold ASCII case.
    pub ignore_case: bool,
}

/// The fields of a `when`.
pub const WHEN_FIELDS: &[&str] = &[
    "clientIds",
    "triggerSources",
    "groups",
    "userPoolIds",
    "attributes",
    "clientMetadata",
    "lookups",
    "all",
    "any",
    "not",
];
/// The fields of a predicate.
pub const PREDICATE_FIELDS: &[&str] = &[
    "present",
    "equals",
    "in",
    "startsWith",
    "endsWith",
    "matches",
    "ignoreCase",
];

impl Condition {
    /// Whether the condition always holds.
    pub fn is_always(&self) -> bool {
        *self == Self::default()
    }

    /// Whether the condition holds for this event.
    pub fn holds(&self, view: &EventView<'_>) -> bool {
        self.holds_here(view)
            && self
                .lookups
                .iter()
                .all(|(i, _, field, p)| p.holds_json(view.lookup_field(*i, field).as_ref()))
            && self.all.iter().all(|c| c.holds(view))
            && (self.any.is_empty() || self.any.iter().any(|c| c.holds(view)))
            && self.not.as_ref().is_none_or(|c| !c.holds(view))
    }

    /// The parts of this condition (not of `all`, `any`, `not`) that read
    /// only the event.
    fn holds_here(&self, view: &EventView<'_>) -> bool {
        let listed = |list: &[String], v: Option<&str>| {
            list.is_empty() || v.is_some_and(|v| list.iter().any(|x| x == v))
        };
        listed(&self.client_ids, view.client_id)
            && listed(&self.trigger_sources, view.trigger_source)
            && listed(&self.user_pool_ids, view.user_pool_id)
            && (self.groups.is_empty()
                || self
                    .groups
                    .iter()
                    .any(|p| view.groups.groups.iter().any(|g| matches_pattern(p, g))))
            && self
                .attributes
                .iter()
                .all(|(name, p)| p.holds(view.attribute(name)))
            && self
                .client_metadata
                .iter()
                .all(|(key, p)| p.holds(view.client_metadata(key)))
    }

    /// Whether the condition holds before any lookup is made: `Some` when
    /// the event alone decides it, `None` when it depends on a lookup.
    pub fn decide_without_lookups(&self, view: &EventView<'_>) -> Option<bool> {
        if !self.holds_here(view) {
            return Some(false);
        }
        let mut unknown = !self.lookups.is_empty();
        for c in &self.all {
            match c.decide_without_lookups(view) {
                Some(false) => return Some(false),
                None => unknown = true,
                Some(true) => {}
            }
        }
        if !self.any.is_empty() {
            let decided: Vec<Option<bool>> = self
                .any
                .iter()
                .map(|c| c.decide_without_lookups(view))
                .collect();
            if !decided.contains(&Some(true)) {
                if decided.contains(&None) {
                    unknown = true;
                } else {
                    return Some(false);
                }
            }
        }
        if let Some(n) = &self.not {
            match n.decide_without_lookups(view) {
                Some(true) => return Some(false),
                None => unknown = true,
                Some(false) => {}
            }
        }
        if unknown { None } else { Some(true) }
    }

    /// The lookups the condition reads (indexes, repeats possible).
    pub fn lookups_read(&self, out: &mut Vec<usize>) {
        out.extend(self.lookups.iter().map(|(i, ..)| *i));
        for c in self.all.iter().chain(&self.any).chain(self.not.as_deref()) {
            c.lookups_read(out);
        }
    }

    /// Whether the condition reads client metadata anywhere.
    pub fn reads_client_metadata(&self) -> bool {
        !self.client_metadata.is_empty()
            || self
                .all
                .iter()
                .chain(&self.any)
                .chain(self.not.as_deref())
                .any(Self::reads_client_metadata)
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
            lowered = v.to_lowercase();
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

impl Reader {
    /// Reads the `"when"` of a rule object (absent: always).
    pub(super) fn condition(&mut self, obj: &Map<String, Value>, path: &str) -> Condition {
        match obj.get("when") {
            None => Condition::default(),
            Some(v) => self.when(v, &join(path, "when")),
        }
    }

    /// Reads one `when` object.
    pub(super) fn when(&mut self, v: &Value, path: &str) -> Condition {
        let Some(w) = self.object(v, path) else {
            return Condition::default();
        };
        self.known_fields(w, path, WHEN_FIELDS);
        for key in [
            "clientIds",
            "triggerSources",
            "groups",
            "userPoolIds",
            "all",
            "any",
        ] {
            if matches!(w.get(key), Some(Value::Array(a)) if a.is_empty()) {
                self.err(
                    &join(path, key),
                    "is empty, so the rule could never apply; remove it to match everything",
                );
            }
        }
        let groups = self.strings(w, path, "groups");
        self.check_patterns(&groups, &join(path, "groups"));
        let all = self
            .list(w, path, "all", |cx, v, p| Some(cx.when(v, p)))
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        let any = self
            .list(w, path, "any", |cx, v, p| Some(cx.when(v, p)))
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        let not = w
            .get("not")
            .map(|v| Box::new(self.when(v, &join(path, "not"))));
        let client_metadata = self.predicates(w, path, "clientMetadata");
        if !client_metadata.is_empty() {
            self.client_metadata_warning(&join(path, "clientMetadata"));
        }
        let lookups = self.lookup_predicates(w, path);
        Condition {
            lookups,
            client_ids: self.strings(w, path, "clientIds"),
            trigger_sources: self.strings(w, path, "triggerSources"),
            groups,
            user_pool_ids: self.strings(w, path, "userPoolIds"),
            attributes: self.predicates(w, path, "attributes"),
            client_metadata,
            all,
            any,
            not,
        }
    }

    fn predicates(
        &mut self,
        w: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Vec<(String, Predicate)> {
        let Some(v) = w.get(key) else {
            return Vec::new();
        };
        let path = join(path, key);
        let Some(m) = self.object(v, &path) else {
            return Vec::new();
        };
        if m.is_empty() {
            self.err(
                &path,
                "names nothing to test: remove it, or name what to test",
            );
        }
        let mut out = Vec::with_capacity(m.len());
        for (name, pv) in m {
            let p = format!("{path}[{name:?}]");
            if name.trim().is_empty() {
                self.err(&p, "a name cannot be empty");
                continue;
            }
            if let Some(pred) = self.predicate(pv, &p) {
                out.push((name.clone(), pred));
            }
        }
        out
    }

    /// `"lookups": {"NAME": PREDICATE, "NAME.FIELD": PREDICATE}`.
    fn lookup_predicates(
        &mut self,
        w: &Map<String, Value>,
        path: &str,
    ) -> Vec<(usize, String, FieldPath, Predicate)> {
        self.predicates(w, path, "lookups")
            .into_iter()
            .filter_map(|(key, pred)| {
                let p = format!("{}[{key:?}]", join(path, "lookups"));
                let (name, field) = match key.split_once('.') {
                    Some((n, f)) => (n, Some(f)),
                    None => (key.as_str(), None),
                };
                let (index, field) = self.lookup_ref(name, field, &p)?;
                Some((index, name.to_owned(), field, pred))
            })
            .collect()
    }

    fn predicate(&mut self, v: &Value, path: &str) -> Option<Predicate> {
        let m = self.object(v, path)?;
        self.known_fields(m, path, PREDICATE_FIELDS);
        let flag = |cx: &mut Self, key: &str| match m.get(key) {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                cx.err(
                    &join(path, key),
                    format!("must be true or false, not {}", type_name(other)),
                );
                None
            }
        };
        let ignore_case = flag(self, "ignoreCase").unwrap_or(false);
        let present = flag(self, "present");
        let fold = |s: String| if ignore_case { s.to_lowercase() } else { s };
        let equals = self.opt_string(m, path, "equals").map(fold);
        let starts_with = self.opt_string(m, path, "startsWith").map(fold);
        let ends_with = self.opt_string(m, path, "endsWith").map(fold);
        let one_of: Vec<String> = self.strings(m, path, "in").into_iter().map(fold).collect();
        if matches!(m.get("in"), Some(Value::Array(a)) if a.is_empty()) {
            self.err(&join(path, "in"), "is empty, so the test could never hold");
        }
        let matches = match self.opt_string(m, path, "matches") {
            Some(src) => Some(self.regex(&src, ignore_case, &join(path, "matches"))?),
            None => None,
        };
        let pred = Predicate {
            present,
            equals,
            one_of,
            starts_with,
            ends_with,
            matches,
            ignore_case,
        };
        let tests = Predicate {
            present: None,
            ignore_case: false,
            ..pred.clone()
        };
        let typo =
            m.keys().any(|k| !PREDICATE_FIELDS.contains(&k.as_str())) || m.contains_key("in");
        if tests == Predicate::default() && present.is_none() && !typo {
            self.err(
                path,
                "tests nothing: give \"present\", \"equals\", \"in\", \"startsWith\", \"endsWith\" or \"matches\"",
            );
            return None;
        }
        if tests == Predicate::default() && present.is_none() {
            return None;
        }
        if present == Some(false) && tests != Predicate::default() {
            self.err(
                path,
                "\"present\": false holds only when the value is absent, so the other tests could never hold with it",
            );
            return None;
        }
        Some(pred)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;
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
        c.holds(&EventView::parse(e.as_object().unwrap()).unwrap())
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
