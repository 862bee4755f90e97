//! Loading `"when"` and its predicates (regular expressions compiled here).

use serde_json::{Map, Value};

use super::reader::{Reader, join};
use crate::json::type_name;
use crate::model::refs::FieldPath;
use crate::model::{Condition, PREDICATE_FIELDS, Predicate, WHEN_FIELDS};

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
        let fold = |s: String| {
            if ignore_case {
                s.to_ascii_lowercase()
            } else {
                s
            }
        };
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
