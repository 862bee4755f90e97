//! Loading lookup declarations and the references rules make to them:
//! unknown lookups and fields (with a did-you-mean), unused lookups, key
//! shapes, bounds on timeouts, limits and cache lifetimes.

use std::time::Duration;

use serde_json::{Map, Value};

use super::reader::{Declared, Reader, join};
use crate::json::type_name;
use crate::model::lookup::{
    ADMIN_GET_USER_FIELDS, DEFAULT_QUERY_LIMIT, DEFAULT_TIMEOUT_MS, DYNAMODB_FIELDS, EnvText,
    IfUnavailable, LOOKUP_FIELDS, Lookup, LookupKind, MAX_CACHE_SECONDS, MAX_QUERY_LIMIT,
    MAX_TIMEOUT_MS, MAX_TOTAL_TIMEOUT_MS, SORT_KEY_FIELDS,
};
use crate::model::refs::FieldPath;
use crate::model::template::{Part, Template};

impl FieldPath {
    /// Reads a path; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("cannot be empty".into());
        }
        let segments: Vec<String> = text.split('.').map(str::to_owned).collect();
        if segments.iter().any(String::is_empty) {
            return Err(format!(
                "`{text}` has an empty segment: write names separated by single dots, as `name.first` or `tenants.0.id`"
            ));
        }
        Ok(Self(segments))
    }
}

impl Reader {
    /// Reads the `lookups` object of a policy; the names become known to the
    /// rules read after it.
    pub(super) fn lookups(&mut self, root: &Map<String, Value>, prefix: &str) -> Vec<Lookup> {
        self.declared.clear();
        let Some(v) = root.get("lookups") else {
            return Vec::new();
        };
        let path = join(prefix, "lookups");
        let Some(m) = self.object(v, &path) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(m.len());
        for (name, lv) in m {
            let p = join(&path, name);
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                self.err(
                    &p,
                    "a lookup name is letters, digits, `_` and `-` (no dots: it is written `{lookups.NAME.FIELD}`)",
                );
                continue;
            }
            if let Some(l) = self.lookup(name, lv, &p) {
                out.push(l);
            }
        }
        let total: u64 = out
            .iter()
            .map(|l| u64::try_from(l.timeout.as_millis()).unwrap_or(u64::MAX))
            .sum();
        if total > MAX_TOTAL_TIMEOUT_MS {
            self.err(
                &path,
                format!(
                    "the lookups' timeoutMs add up to {total} ms, more than {MAX_TOTAL_TIMEOUT_MS}: Cognito waits 5 seconds for the whole trigger, cold start included"
                ),
            );
        }
        self.declared = m
            .keys()
            .map(|name| Declared {
                name: name.clone(),
                admin_get_user: out
                    .iter()
                    .any(|l| &l.name == name && l.kind == LookupKind::AdminGetUser),
                used: false,
            })
            .collect();
        out
    }

    /// Warns of each declared lookup no rule uses.
    pub(super) fn unused_lookups(&mut self, prefix: &str) {
        let unused: Vec<String> = self
            .declared
            .iter()
            .filter(|d| !d.used)
            .map(|d| d.name.clone())
            .collect();
        for name in unused {
            self.warn(
                &join(&join(prefix, "lookups"), &name),
                "no rule uses this lookup: it is never made",
            );
        }
        self.declared.clear();
    }

    /// The index of the lookup `name` (marking it used) and the checked
    /// field path, or a problem at `path`.
    pub(super) fn lookup_ref(
        &mut self,
        name: &str,
        field: Option<&str>,
        path: &str,
    ) -> Option<(usize, FieldPath)> {
        let Some(index) = self.declared.iter().position(|d| d.name == name) else {
            let known: Vec<&str> = self.declared.iter().map(|d| d.name.as_str()).collect();
            let hint = match super::reader::closest(name, &known) {
                Some(s) => format!("; did you mean `{s}`?"),
                None if known.is_empty() => {
                    "; declare it under the top-level \"lookups\"".to_owned()
                }
                None => format!("; declared: {}", known.join(", ")),
            };
            self.err(path, format!("unknown lookup `{name}`{hint}"));
            return None;
        };
        self.declared[index].used = true;
        let field = match field {
            None => FieldPath::default(),
            Some(text) => match FieldPath::parse(text) {
                Ok(f) => f,
                Err(reason) => {
                    self.err(path, format!("field {reason}"));
                    return None;
                }
            },
        };
        if self.declared[index].admin_get_user {
            let first = field.0.first().map(String::as_str);
            let ok = match first {
                None => true,
                Some(f) => ADMIN_GET_USER_FIELDS.contains(&f) && field.0.len() == 1,
            };
            if !ok {
                self.err(
                    path,
                    format!(
                        "`{}` is not a field of an adminGetUser lookup; it yields {}",
                        field.text(),
                        ADMIN_GET_USER_FIELDS.join(", ")
                    ),
                );
                return None;
            }
        }
        Some((index, field))
    }

    fn lookup(&mut self, name: &str, v: &Value, path: &str) -> Option<Lookup> {
        let m = self.object(v, path)?;
        self.known_fields(m, path, LOOKUP_FIELDS);
        let kind = match (m.get("dynamodb"), m.get("cognito")) {
            (Some(d), None) => self.dynamodb(d, &join(path, "dynamodb")),
            (None, Some(Value::String(c))) if c == "adminGetUser" => Some(LookupKind::AdminGetUser),
            (None, Some(other)) => {
                self.err(
                    &join(path, "cognito"),
                    format!(
                        "must be \"adminGetUser\" (the one user-pool lookup), not {}",
                        describe(other)
                    ),
                );
                None
            }
            (Some(_), Some(_)) => {
                self.err(path, "has both \"dynamodb\" and \"cognito\": use one");
                None
            }
            (None, None) => {
                self.err(
                    path,
                    "says nothing to read: give \"dynamodb\" (a table with a key or a query) or \"cognito\": \"adminGetUser\"",
                );
                None
            }
        };
        let timeout_ms = self
            .bounded(m, path, "timeoutMs", 1, MAX_TIMEOUT_MS)
            .unwrap_or(DEFAULT_TIMEOUT_MS);
        let cache = self
            .bounded(m, path, "cacheSeconds", 0, MAX_CACHE_SECONDS)
            .unwrap_or(0);
        let if_unavailable = match m.get("ifUnavailable") {
            None => IfUnavailable::Fail,
            Some(Value::String(s)) if s == "fail" => IfUnavailable::Fail,
            Some(Value::String(s)) if s == "skip" => IfUnavailable::Skip,
            Some(other) => {
                self.err(
                    &join(path, "ifUnavailable"),
                    format!("must be \"fail\" or \"skip\", not {}", describe(other)),
                );
                IfUnavailable::Fail
            }
        };
        let inner_region = m
            .get("dynamodb")
            .and_then(Value::as_object)
            .and_then(|d| d.get("region"));
        let region = match (m.get("region"), inner_region) {
            (Some(_), Some(_)) => {
                self.err(
                    &join(path, "region"),
                    "is also given in \"dynamodb\": give it once",
                );
                None
            }
            (Some(r), None) => self.env_text(r, &join(path, "region"), false),
            (None, Some(r)) => self.env_text(r, &join(path, "dynamodb.region"), false),
            (None, None) => None,
        };
        Some(Lookup {
            name: name.to_owned(),
            kind: kind?,
            timeout: Duration::from_millis(timeout_ms),
            cache: Duration::from_secs(cache),
            if_unavailable,
            region,
        })
    }

    fn dynamodb(&mut self, spec: &Value, path: &str) -> Option<LookupKind> {
        let m = self.object(spec, path)?;
        self.known_fields(m, path, DYNAMODB_FIELDS);
        let table = if let Some(t) = m.get("table") {
            self.env_text(t, &join(path, "table"), true)
        } else {
            self.err(
                path,
                "names no \"table\": give its name or \"{env.NAME}\" (the variable the template sets)",
            );
            None
        };
        match (m.get("key"), m.get("query")) {
            (Some(k), None) => {
                for only_query in ["index", "limit", "descending"] {
                    if m.contains_key(only_query) {
                        self.err(
                            &join(path, only_query),
                            "applies only to a \"query\" (a \"key\" reads one item)",
                        );
                    }
                }
                let kp = join(path, "key");
                let km = self.object(k, &kp)?;
                if km.is_empty() || km.len() > 2 {
                    self.err(
                        &kp,
                        "must name the whole primary key: the partition key, and the sort key if the table has one",
                    );
                    return None;
                }
                let mut key = Vec::with_capacity(km.len());
                for (attr, tv) in km {
                    let tp = format!("{kp}[{attr:?}]");
                    key.push((attr.clone(), self.key_template(tv, &tp)?));
                }
                Some(LookupKind::Get { table: table?, key })
            }
            (None, Some(query)) => self.query(m, query, table, path),
            (Some(_), Some(_)) => {
                self.err(
                    path,
                    "has both \"key\" (one item) and \"query\" (items of a partition): use one",
                );
                None
            }
            (None, None) => {
                self.err(
                    path,
                    "says neither \"key\" (GetItem: one item) nor \"query\" (Query: the items of a partition key)",
                );
                None
            }
        }
    }

    fn query(
        &mut self,
        m: &Map<String, Value>,
        query: &Value,
        table: Option<EnvText>,
        path: &str,
    ) -> Option<LookupKind> {
        let qp = join(path, "query");
        let qm = self.object(query, &qp)?;
        let mut partition = None;
        let mut sort = None;
        for (attr, tv) in qm {
            let tp = format!("{qp}[{attr:?}]");
            match tv {
                Value::Object(sm) => {
                    self.known_fields(sm, &tp, SORT_KEY_FIELDS);
                    if sort.is_some() {
                        self.err(&tp, "a query has at most one sort-key condition");
                        continue;
                    }
                    match sm.get("beginsWith") {
                        Some(prefix) => {
                            let t = self.key_template(prefix, &join(&tp, "beginsWith"));
                            sort = Some(t.map(|t| (attr.clone(), t)));
                        }
                        None => {
                            self.err(&tp, "a sort-key condition is {\"beginsWith\": \"PREFIX\"}");
                        }
                    }
                }
                _ if partition.is_some() => {
                    self.err(&tp, "a query has one partition key: the other attribute must be a sort-key condition, {\"beginsWith\": \"PREFIX\"}");
                }
                _ => partition = Some(self.key_template(tv, &tp).map(|t| (attr.clone(), t))),
            }
        }
        let Some(partition) = partition else {
            self.err(
                &qp,
                "names no partition key: give {\"ATTRIBUTE\": \"VALUE\"}",
            );
            return None;
        };
        let limit = self
            .bounded(m, path, "limit", 1, u64::from(MAX_QUERY_LIMIT))
            .map_or(DEFAULT_QUERY_LIMIT, |l| {
                u32::try_from(l).unwrap_or(MAX_QUERY_LIMIT)
            });
        let index = self.opt_string(m, path, "index");
        if index.as_deref().is_some_and(|i| i.trim().is_empty()) {
            self.err(&join(path, "index"), "cannot be empty");
        }
        let descending = match m.get("descending") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                self.err(
                    &join(path, "descending"),
                    format!("must be true or false, not {}", type_name(other)),
                );
                false
            }
        };
        Some(LookupKind::Query {
            table: table?,
            index,
            partition: partition?,
            sort_begins_with: sort.flatten(),
            limit,
            descending,
        })
    }

    /// A key value: a template over the event, not over lookups.
    fn key_template(&mut self, v: &Value, path: &str) -> Option<Template> {
        let Value::String(text) = v else {
            self.err(
                path,
                format!("a key value is a string template, not {}", type_name(v)),
            );
            return None;
        };
        if text.is_empty() {
            self.err(path, "a key value cannot be empty");
            return None;
        }
        if Template::parse(text)
            .is_ok_and(|t| t.parts.iter().any(|p| matches!(p, Part::Lookup { .. })))
        {
            self.err(
                path,
                "a key cannot read another lookup: lookups do not chain",
            );
            return None;
        }
        self.template(text, path)
    }

    /// A table name or region: literal, or with `{env.NAME}` placeholders.
    fn env_text(&mut self, v: &Value, path: &str, table: bool) -> Option<EnvText> {
        let Value::String(text) = v else {
            self.err(path, format!("must be a string, not {}", type_name(v)));
            return None;
        };
        let t = match Template::parse(text) {
            Ok(t) => t,
            Err(reason) => {
                self.err(path, reason);
                return None;
            }
        };
        if t.parts.is_empty() {
            self.err(path, "cannot be empty");
            return None;
        }
        if !t
            .parts
            .iter()
            .all(|p| matches!(p, Part::Text(_) | Part::Env(_)))
        {
            self.err(
                path,
                "may hold only text and {env.NAME} placeholders: it is fixed when the function starts, not per user",
            );
            return None;
        }
        let resolved = t.as_constant();
        if let Some(name) = &resolved {
            let ok = if table {
                (3..=255).contains(&name.len())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            } else {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            };
            if !ok {
                let what = if table {
                    "a table name is 3 to 255 letters, digits, `_`, `-` and `.`"
                } else {
                    "a region is written as `eu-west-1`"
                };
                self.err(path, what);
                return None;
            }
        }
        Some(EnvText {
            template: t,
            resolved,
        })
    }

    fn bounded(
        &mut self,
        m: &Map<String, Value>,
        path: &str,
        key: &str,
        min: u64,
        max: u64,
    ) -> Option<u64> {
        let v = m.get(key)?;
        match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.err(
                    &join(path, key),
                    format!(
                        "must be a whole number from {min} to {max}, not {}",
                        describe(v)
                    ),
                );
                None
            }
        }
    }
}

/// A policy value as a problem may quote it: the type, or a short constant.
fn describe(v: &Value) -> String {
    match v {
        Value::String(s) if s.len() <= 40 => format!("\"{s}\""),
        Value::Number(n) => n.to_string(),
        other => type_name(other).to_owned(),
    }
}
