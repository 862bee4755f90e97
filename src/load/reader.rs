//! The `Reader`: what every form's loader shares. It collects every problem
//! with its path (`claims[1].tokens[0]`), refuses unknown fields with a
//! did-you-mean, and reads the common shapes (objects, strings, lists,
//! `tokens`, glob patterns).
//!
//! Contract: the whole document is read even after a problem, so `pretoken
//! check` can list them all; a policy with any problem is never built.

use serde_json::{Map, Value};

use crate::error::Problem;
use crate::json::type_name;
use crate::model::Tokens;

impl Reader {
    /// The warning every place that reads client metadata gets.
    pub(super) fn client_metadata_warning(&mut self, path: &str) {
        self.warn(
            path,
            "reads clientMetadata, which the calling app controls: never let it decide identity or authorization",
        );
    }
}

impl Reader {
    /// Name patterns: exact, or a prefix ending in `*`.
    pub(super) fn check_patterns(&mut self, patterns: &[String], path: &str) {
        for (i, p) in patterns.iter().enumerate() {
            if p.trim_end_matches('*').contains('*') {
                self.err(&format!("{path}[{i}]"), "`*` may only end a pattern");
            }
        }
    }
}

pub(super) fn problem(path: &str, message: impl Into<String>) -> Problem {
    Problem {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// The path of `key` inside `parent`.
pub(super) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// What the reader knows of one declared lookup while reading the rules that
/// use it.
#[derive(Debug, Clone)]
pub(super) struct Declared {
    pub name: String,
    pub admin_get_user: bool,
    pub used: bool,
}

/// A routing document's `"common"` rules, read once with their own paths
/// (`common.claims[0]`), applied to every route before the route's own.
#[derive(Default, Clone)]
pub(super) struct Common {
    pub(super) deny: Vec<(String, crate::model::DenyRule)>,
    pub(super) suppress: Vec<(String, crate::model::SuppressRule)>,
    pub(super) claims: Vec<(String, crate::model::ClaimRule)>,
    pub(super) copy_attributes: Vec<(String, crate::model::CopyRule)>,
    pub(super) scopes: Vec<(String, crate::model::ScopeRule)>,
    pub(super) groups: Option<crate::model::GroupFilter>,
    pub(super) roles: Option<crate::model::RoleFilter>,
}

/// Collects problems and warnings while reading.
#[derive(Default)]
pub(super) struct Reader {
    pub(super) problems: Vec<Problem>,
    pub(super) warnings: Vec<Problem>,
    /// The lookups of the policy being read (`lookup.rs`).
    pub(super) declared: Vec<Declared>,
    /// The regular expressions read so far (the whole document).
    pub(super) regexes: usize,
    /// A routing document's `common` rules, applied to each route.
    pub(super) routing_common: Option<Common>,
}

impl Reader {
    pub(super) fn err(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(problem(path, message));
    }

    pub(super) fn warn(&mut self, path: &str, message: impl Into<String>) {
        self.warnings.push(problem(path, message));
    }

    pub(super) fn known_fields(&mut self, obj: &Map<String, Value>, path: &str, known: &[&str]) {
        for key in obj.keys() {
            if !known.contains(&key.as_str()) {
                let hint = match closest(key, known) {
                    Some(s) => format!("; did you mean `{s}`?"),
                    None => format!("; expected one of: {}", known.join(", ")),
                };
                self.err(&join(path, key), format!("unknown field `{key}`{hint}"));
            }
        }
    }

    pub(super) fn object<'v>(
        &mut self,
        v: &'v Value,
        path: &str,
    ) -> Option<&'v Map<String, Value>> {
        match v {
            Value::Object(m) => Some(m),
            other => {
                self.err(path, format!("must be an object, not {}", type_name(other)));
                None
            }
        }
    }

    pub(super) fn opt_string(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<String> {
        match obj.get(key)? {
            Value::String(s) => Some(s.clone()),
            other => {
                self.err(
                    &join(path, key),
                    format!("must be a string, not {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A list field read item by item; each item returned with its path.
    pub(super) fn list<T>(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        item: fn(&mut Self, &Value, &str) -> Option<T>,
    ) -> Vec<(String, T)> {
        let path = join(path, key);
        match obj.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let p = format!("{path}[{i}]");
                    item(self, v, &p).map(|t| (p, t))
                })
                .collect(),
            Some(other) => {
                self.err(&path, format!("must be an array, not {}", type_name(other)));
                Vec::new()
            }
        }
    }

    /// A list of non-empty strings, in order, without repeats.
    pub(super) fn strings(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Vec<String> {
        let items = self.list(obj, path, key, |cx, v, p| match v {
            Value::String(s) if s.trim().is_empty() => {
                cx.err(p, "cannot be empty");
                None
            }
            Value::String(s) => Some(s.clone()),
            other => {
                cx.err(p, format!("must be a string, not {}", type_name(other)));
                None
            }
        });
        let mut out: Vec<String> = Vec::with_capacity(items.len());
        for (p, s) in items {
            if out.contains(&s) {
                self.warn(&p, format!("`{s}` is listed twice"));
            } else {
                out.push(s);
            }
        }
        out
    }

    pub(super) fn tokens(&mut self, obj: &Map<String, Value>, path: &str) -> Tokens {
        if !obj.contains_key("tokens") {
            return Tokens::BOTH;
        }
        let names = self.strings(obj, path, "tokens");
        let mut t = Tokens {
            id: false,
            access: false,
        };
        for (i, n) in names.iter().enumerate() {
            match n.as_str() {
                "id" => t.id = true,
                "access" => t.access = true,
                other => self.err(
                    &format!("{}[{i}]", join(path, "tokens")),
                    format!("unknown token `{other}`; expected \"id\" or \"access\""),
                ),
            }
        }
        if names.is_empty() {
            self.err(
                &join(path, "tokens"),
                "names no token; use [\"id\"], [\"access\"] or [\"id\", \"access\"]",
            );
        }
        t
    }
}

/// The known name nearest to `word`, if near enough to be a typo.
pub(super) fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(&word.to_lowercase(), &k.to_lowercase()), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::rules::{CLAIM_FIELDS, parse};

    #[test]
    fn typo_suggestions() {
        assert_eq!(closest("tokenz", &CLAIM_FIELDS), Some("tokens"));
        assert_eq!(closest("ifmissing", &CLAIM_FIELDS), Some("ifMissing"));
        assert_eq!(closest("zzzzzzzz", &CLAIM_FIELDS), None);
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = parse(r#"{"claims": [], "claims": []}"#).unwrap_err();
        assert!(e[0].message.contains("duplicate field `claims`"), "{e:?}");
    }
}
