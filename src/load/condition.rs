//! Loading `"when"` and its predicates (regular expressions compiled here).

use serde_json::{Map, Value};

use super::reader::{Reader, join};
use crate::json::type_name;
use crate::model::refs::FieldPath;
use crate::model::{Condition, Expected, PREDICATE_FIELDS, Predicate, WHEN_FIELDS};

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
        let client_metadata = self.predicates(w, path, "clientMetadata", false);
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
            attributes: self.predicates(w, path, "attributes", false),
            client_metadata,
            all,
            any,
            not,
        }
    }

    /// The predicates of `key`; `typed`: they test lookup values, which
    /// may be numbers and booleans (attributes and client metadata are text).
    fn predicates(
        &mut self,
        w: &Map<String, Value>,
        path: &str,
        key: &str,
        typed: bool,
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
            if let Some(pred) = self.predicate(pv, &p, typed) {
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
        self.predicates(w, path, "lookups", true)
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

    /// One value `equals` or `in` compares with.
    fn expected(
        &mut self,
        v: &Value,
        path: &str,
        typed: bool,
        ignore_case: bool,
    ) -> Option<Expected> {
        match v {
            Value::String(s) if ignore_case => Some(Expected::Text(s.to_ascii_lowercase())),
            Value::String(s) => Some(Expected::Text(s.clone())),
            Value::Number(n) if typed => n.as_f64().map(Expected::Number),
            Value::Bool(b) if typed => Some(Expected::Bool(*b)),
            Value::Number(_) | Value::Bool(_) => {
                self.err(
                    path,
                    format!(
                        "must be a string, not {}: attribute and client-metadata values are text (write {})",
                        type_name(v),
                        Value::String(v.to_string())
                    ),
                );
                None
            }
            other => {
                self.err(
                    path,
                    format!(
                        "must be a string{}, not {}",
                        if typed { ", a number or a boolean" } else { "" },
                        type_name(other)
                    ),
                );
                None
            }
        }
    }

    fn predicate(&mut self, v: &Value, path: &str, typed: bool) -> Option<Predicate> {
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
        let fold = |s: String| {
            if ignore_case {
                s.to_ascii_lowercase()
            } else {
                s
            }
        };
        let equals = match m.get("equals") {
            Some(v) => self.expected(v, &join(path, "equals"), typed, ignore_case),
            None => None,
        };
        let starts_with = self.opt_string(m, path, "startsWith").map(fold);
        let ends_with = self.opt_string(m, path, "endsWith").map(fold);
        let one_of: Vec<Expected> = match m.get("in") {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    self.expected(v, &format!("{}[{i}]", join(path, "in")), typed, ignore_case)
                })
                .collect(),
            Some(other) => {
                self.err(
                    &join(path, "in"),
                    format!("must be a list, not {}", type_name(other)),
                );
                Vec::new()
            }
            None => Vec::new(),
        };
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
