//! Values for one event: sources, templates and transform steps evaluated.
//!
//! Contract: evaluation gives `Ok(None)` for "no value" (the rule's
//! `ifMissing` decides) and an error only for a conversion that fails, which
//! names the claim and the source, never a value. A missing placeholder makes
//! a template render to no value, never to empty or "undefined" text. No
//! transform step fails the sign-in by itself: a step that does not fit
//! gives no value.

use serde_json::{Map, Value};

use super::facts::Facts;
use crate::error::RuleError;
use crate::event::EventView;
use crate::model::refs::{ContextField, glob_matches};
use crate::model::source::{Conversion, Pick, Source, SourceKind};
use crate::model::template::{Part, Template};
use crate::model::transform::Step;

impl ContextField {
    /// The field's value in an event.
    pub fn read<'a>(self, view: &EventView<'a>) -> Option<&'a str> {
        match self {
            Self::ClientId => view.client_id,
            Self::UserPoolId => view.user_pool_id,
            Self::Region => view.region,
            Self::TriggerSource => view.trigger_source,
            Self::UserName => view.user_name,
        }
    }
}

impl Source {
    /// The value for this event, or `None`. `claim` names the rule in errors.
    pub fn eval(&self, view: &Facts<'_, '_>, claim: &str) -> Result<Option<Value>, RuleError> {
        let Some(raw) = self.kind.raw(view, claim)? else {
            return Ok(None);
        };
        let Some(v) = apply_all(&self.transform, raw, view) else {
            return Ok(None);
        };
        match (&self.convert, v) {
            (Conversion::String, v) => Ok(Some(v)),
            (c, Value::String(s)) => {
                convert_text(&s, c)
                    .map(Some)
                    .ok_or_else(|| RuleError::Conversion {
                        claim: claim.to_owned(),
                        what: self.kind.describe(),
                        to: c.name(),
                    })
            }
            // A conversion of something that is not a string at run time
            // (a transform's type was unknown when the policy loaded).
            _ => Ok(None),
        }
    }
}

impl SourceKind {
    fn raw(&self, view: &Facts<'_, '_>, claim: &str) -> Result<Option<Value>, RuleError> {
        let text = |s: Option<&str>| s.map(|s| Value::String(s.to_owned()));
        Ok(match self {
            Self::Value(v) => Some(v.clone()),
            Self::Attribute(name) => text(view.attribute(name)),
            Self::Template(t) => t.render(view).map(Value::String),
            Self::Context(field) => text(field.read(view)),
            Self::ClientMetadata(key) => text(view.client_metadata(key)),
            Self::Groups { map, pick } => match pick {
                Pick::Merge => merge_groups(map, view),
                Pick::First => map
                    .iter()
                    .find(|(g, _)| view.in_group(g))
                    .map(|(_, v)| v.clone()),
            },
            Self::GroupNames(patterns) => {
                let names: Vec<Value> = view
                    .groups
                    .groups
                    .iter()
                    .filter(|g| patterns.iter().any(|p| glob_matches(p, g)))
                    .map(|g| Value::String((*g).to_owned()))
                    .collect();
                (!names.is_empty()).then_some(Value::Array(names))
            }
            Self::FirstOf(sources) => {
                for s in sources {
                    if let Some(v) = s.eval(view, claim)? {
                        return Ok(Some(v));
                    }
                }
                None
            }
            Self::Lookup { lookup, field, .. } => view.lookup_field(*lookup, field),
            Self::Generate(kind) => view.generator.and_then(|g| g.value(*kind)),
            Self::Object(members) => {
                let mut out = Map::new();
                for (key, s) in members {
                    if let Some(v) = s.eval(view, claim)? {
                        out.insert(key.clone(), v);
                    }
                }
                (!out.is_empty()).then_some(Value::Object(out))
            }
        })
    }
}

/// Converts a string; `None` when it does not convert.
pub fn convert_text(raw: &str, convert: &Conversion) -> Option<Value> {
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
pub fn merge_groups(map: &[(String, Value)], view: &EventView<'_>) -> Option<Value> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conversions() {
        assert_eq!(
            convert_text(" 42 ", &Conversion::Number),
            Some(Value::from(42))
        );
        assert_eq!(
            convert_text("4.5", &Conversion::Number),
            Some(Value::from(4.5))
        );
        assert_eq!(convert_text("NaN", &Conversion::Number), None);
        assert_eq!(convert_text("abc", &Conversion::Number), None);
        assert_eq!(
            convert_text("TRUE", &Conversion::Boolean),
            Some(Value::Bool(true))
        );
        assert_eq!(convert_text("yes", &Conversion::Boolean), None);
        assert_eq!(
            convert_text("{\"a\":1}", &Conversion::Json).unwrap()["a"],
            1
        );
        assert_eq!(convert_text("{", &Conversion::Json), None);
        assert_eq!(
            convert_text("a, b,,c ", &Conversion::List(",".into())),
            Some(json!(["a", "b", "c"]))
        );
    }

    #[test]
    fn groups_merge_objects_and_collect_scalars() {
        let event = json!({"request": {"groupConfiguration": {"groupsToOverride": ["b", "a"]}}});
        let view = EventView::parse(event.as_object().unwrap()).unwrap();
        let objects = vec![
            ("a".to_owned(), json!({"x": {"p": 1}})),
            ("b".to_owned(), json!({"x": {"q": 2}})),
            ("c".to_owned(), json!({"y": 3})),
        ];
        assert_eq!(
            merge_groups(&objects, &view),
            Some(json!({"x": {"p": 1, "q": 2}}))
        );
        let scalars = vec![
            ("a".to_owned(), json!("reader")),
            ("b".to_owned(), json!(["reader", "writer"])),
        ];
        assert_eq!(
            merge_groups(&scalars, &view),
            Some(json!(["reader", "writer"]))
        );
        assert_eq!(merge_groups(&objects[2..], &view), None);
    }
}

impl Step {
    /// Applies the step; `None` is no value.
    pub fn apply(&self, v: Value, view: &Facts<'_, '_>) -> Option<Value> {
        match (self, v) {
            (Self::NonEmpty, v) => match &v {
                Value::String(s) if s.is_empty() => None,
                Value::Array(a) if a.is_empty() => None,
                Value::Object(o) if o.is_empty() => None,
                Value::String(_) | Value::Array(_) | Value::Object(_) => Some(v),
                _ => None,
            },
            (
                Self::Split {
                    separator,
                    brackets,
                },
                Value::String(s),
            ) => {
                let mut text = s.trim();
                if *brackets {
                    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                        text = inner;
                    }
                }
                let items: Vec<Value> = text
                    .split(separator.as_str())
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_owned()))
                    .collect();
                non_empty_list(items)
            }
            (Self::Join(sep), Value::Array(items)) => {
                let mut out = String::new();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    match item {
                        Value::String(s) => out.push_str(s),
                        Value::Number(_) | Value::Bool(_) => out.push_str(&item.to_string()),
                        _ => return None,
                    }
                }
                Some(Value::String(out))
            }
            (Self::Filter(patterns), Value::Array(items)) => non_empty_list(
                items
                    .into_iter()
                    .filter(|i| {
                        i.as_str()
                            .is_some_and(|s| patterns.iter().any(|p| glob_matches(p, s)))
                    })
                    .collect(),
            ),
            (Self::First, Value::Array(items)) => items.into_iter().next(),
            (step, Value::String(s)) if step.is_string_step() => step.on_string(&s, view),
            (step, Value::Array(items)) if step.is_string_step() => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) => out.extend(step.on_string(&s, view)),
                        _ => return None,
                    }
                }
                non_empty_list(out)
            }
            _ => None,
        }
    }

    fn on_string(&self, s: &str, view: &Facts<'_, '_>) -> Option<Value> {
        let text = |t: String| Some(Value::String(t));
        match self {
            Self::Lowercase => text(s.to_lowercase()),
            Self::Uppercase => text(s.to_uppercase()),
            Self::Trim => text(s.trim().to_owned()),
            Self::EmailDomain => s
                .rsplit_once('@')
                .filter(|(l, d)| !l.is_empty() && !d.is_empty())
                .and_then(|(_, d)| text(d.to_owned())),
            Self::EmailLocalPart => s
                .rsplit_once('@')
                .filter(|(l, d)| !l.is_empty() && !d.is_empty())
                .and_then(|(l, _)| text(l.to_owned())),
            Self::Prefix(t) => text(t.render(view)? + s),
            Self::Suffix(t) => text(format!("{s}{}", t.render(view)?)),
            Self::StripPrefix(p) => text(s.strip_prefix(p.as_str()).unwrap_or(s).to_owned()),
            Self::StripSuffix(p) => text(s.strip_suffix(p.as_str()).unwrap_or(s).to_owned()),
            Self::Replace { regex, with } => {
                text(regex.regex.replace_all(s, with.as_str()).into_owned())
            }
            Self::Extract(p) => {
                let caps = p.regex.captures(s)?;
                let m = caps.get(1).or_else(|| caps.get(0))?;
                text(m.as_str().to_owned())
            }
            Self::Map { table, default } => table.get(s).or(default.as_ref()).cloned(),
            _ => None,
        }
    }
}

fn non_empty_list(items: Vec<Value>) -> Option<Value> {
    (!items.is_empty()).then_some(Value::Array(items))
}

/// Applies every step in order; `None` as soon as one gives no value.
pub fn apply_all(steps: &[Step], mut v: Value, view: &Facts<'_, '_>) -> Option<Value> {
    for step in steps {
        v = step.apply(v, view)?;
    }
    Some(v)
}

impl Template {
    /// The rendered text, or `None` when a placeholder has no value.
    pub fn render(&self, view: &Facts<'_, '_>) -> Option<String> {
        if let [Part::Text(t)] = self.parts.as_slice() {
            return Some(t.clone());
        }
        let mut out = String::new();
        for p in &self.parts {
            push_part(p, view, &mut out)?;
        }
        Some(out)
    }

    /// A lookup key's value: like [`Template::render`], but a placeholder
    /// that renders empty counts as missing, and one whose value contains a
    /// separator of the template (a character of its literal text that is
    /// not a letter or digit: `#` in `ORG#{a}#USER#{b}`) is refused, so a
    /// user who writes `x#USER#admin` into an attribute cannot address
    /// another item.
    pub fn render_key(&self, view: &Facts<'_, '_>) -> KeyValue {
        let separators: Vec<char> = self
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Text(t) => Some(t.chars().filter(|c| !c.is_alphanumeric())),
                _ => None,
            })
            .flatten()
            .collect();
        let mut out = String::new();
        for p in &self.parts {
            let start = out.len();
            if push_part(p, view, &mut out).is_none() {
                return KeyValue::Missing;
            }
            if matches!(p, Part::Text(_)) {
                continue;
            }
            let value = &out[start..];
            if value.is_empty() {
                return KeyValue::Missing;
            }
            if value.contains(separators.as_slice()) {
                return KeyValue::Refused;
            }
        }
        if out.is_empty() {
            KeyValue::Missing
        } else {
            KeyValue::Value(out)
        }
    }
}

/// Appends one part's text to `out`; `None` when it has no value.
fn push_part(p: &Part, view: &Facts<'_, '_>, out: &mut String) -> Option<()> {
    match p {
        Part::Text(t) => out.push_str(t),
        Part::Attribute(name) => out.push_str(view.attribute(name)?),
        Part::Context(field) => out.push_str(field.read(view)?),
        Part::ClientMetadata(key) => out.push_str(view.client_metadata(key)?),
        Part::Lookup { lookup, field, .. } => match view.lookup_field(*lookup, field)? {
            serde_json::Value::String(s) => out.push_str(&s),
            v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)) => {
                out.push_str(&v.to_string());
            }
            _ => return None,
        },
        Part::Env(_) => return None,
    }
    Some(())
}

/// A lookup key's rendered value ([`Template::render_key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValue {
    /// The key.
    Value(String),
    /// A placeholder has no value, or renders empty: no lookup.
    Missing,
    /// A placeholder's value contains the template's separator: no lookup,
    /// counted as `key_refused`.
    Refused,
}

#[cfg(test)]
mod transform_tests {
    use super::*;
    use crate::model::transform::{Regex, Ty};
    use serde_json::json;

    fn run(steps: &[Step], v: Value) -> Option<Value> {
        let e = json!({"callerContext": {"clientId": "web"}});
        let view = EventView::parse(e.as_object().unwrap()).unwrap();
        apply_all(steps, v, &Facts::event(&view))
    }

    fn re(s: &str) -> Regex {
        Regex::compile(s, false).unwrap()
    }

    #[test]
    fn string_steps() {
        assert_eq!(run(&[Step::Lowercase], json!("AbC")), Some(json!("abc")));
        assert_eq!(
            run(&[Step::Uppercase], json!(["a", "b"])),
            Some(json!(["A", "B"]))
        );
        assert_eq!(run(&[Step::Trim], json!("  x ")), Some(json!("x")));
        assert_eq!(
            run(&[Step::EmailDomain], json!("a@b@Example.com")),
            Some(json!("Example.com"))
        );
        assert_eq!(
            run(&[Step::EmailLocalPart], json!("jo@x.io")),
            Some(json!("jo"))
        );
        assert_eq!(run(&[Step::EmailDomain], json!("no-at")), None);
        assert_eq!(
            run(&[Step::StripPrefix("x:".into())], json!("x:a")),
            Some(json!("a"))
        );
        assert_eq!(
            run(&[Step::StripSuffix("-b".into())], json!("a")),
            Some(json!("a"))
        );
        let suffix = Step::Suffix(Template::parse("-{context.clientId}").unwrap());
        assert_eq!(
            run(&[suffix], json!(["g1", "g2"])),
            Some(json!(["g1-web", "g2-web"]))
        );
        let missing = Step::Prefix(Template::parse("{context.region}:").unwrap());
        assert_eq!(run(&[missing], json!("x")), None);
    }

    #[test]
    fn list_steps() {
        let split = Step::Split {
            separator: ",".into(),
            brackets: true,
        };
        assert_eq!(
            run(std::slice::from_ref(&split), json!(" [g1, g2,,] ")),
            Some(json!(["g1", "g2"]))
        );
        assert_eq!(run(std::slice::from_ref(&split), json!("[]")), None);
        assert_eq!(
            run(&[Step::Join(" ".into())], json!(["a", 1, true])),
            Some(json!("a 1 true"))
        );
        assert_eq!(run(&[Step::Join(",".into())], json!([{"a": 1}])), None);
        assert_eq!(
            run(&[Step::Filter(vec!["app-*".into()])], json!(["app-a", "x"])),
            Some(json!(["app-a"]))
        );
        assert_eq!(
            run(&[Step::Filter(vec!["app-*".into()])], json!(["x"])),
            None
        );
        assert_eq!(run(&[Step::First], json!(["a", "b"])), Some(json!("a")));
        assert_eq!(run(&[Step::First], json!([])), None);
        assert_eq!(run(&[Step::NonEmpty], json!("")), None);
        assert_eq!(run(&[Step::NonEmpty], json!([])), None);
    }

    #[test]
    fn regex_and_map_steps() {
        let replace = Step::Replace {
            regex: re("^x:(.*)$"),
            with: "$1!".into(),
        };
        assert_eq!(run(&[replace], json!("x:abc")), Some(json!("abc!")));
        assert_eq!(
            run(&[Step::Extract(re("@(.+)$"))], json!("a@b.c")),
            Some(json!("b.c"))
        );
        assert_eq!(run(&[Step::Extract(re("@(.+)$"))], json!("abc")), None);
        assert_eq!(
            run(&[Step::Extract(re("^a"))], json!(["ab", "b"])),
            Some(json!(["a"]))
        );
        let table = json!({"pro": 3, "free": 1}).as_object().unwrap().clone();
        let map = Step::Map {
            table: table.clone(),
            default: None,
        };
        assert_eq!(
            run(std::slice::from_ref(&map), json!("pro")),
            Some(json!(3))
        );
        assert_eq!(run(&[map], json!("other")), None);
        let with_default = Step::Map {
            table,
            default: Some(json!(0)),
        };
        assert_eq!(run(&[with_default], json!("other")), Some(json!(0)));
    }

    #[test]
    fn types_are_checked() {
        assert!(Step::Join(",".into()).output(Ty::Str).is_err());
        assert!(
            Step::Split {
                separator: ",".into(),
                brackets: false
            }
            .output(Ty::Strings)
            .is_err()
        );
        assert!(Step::Lowercase.output(Ty::Num).is_err());
        assert_eq!(Step::Lowercase.output(Ty::Strings), Ok(Ty::Strings));
        assert_eq!(Step::First.output(Ty::Strings), Ok(Ty::Str));
        let table = json!({"a": 1}).as_object().unwrap().clone();
        let map = Step::Map {
            table,
            default: None,
        };
        assert_eq!(map.output(Ty::Str), Ok(Ty::Num));
        assert!(
            Step::Lowercase
                .output(map.output(Ty::Str).unwrap())
                .is_err()
        );
        assert_eq!(Step::Join(",".into()).output(Ty::Any), Ok(Ty::Str));
        assert_eq!(
            run(&[Step::Join(",".into())], json!("a string at run time")),
            None
        );
    }

    #[test]
    fn regexes_are_linear_and_bounded() {
        // A pattern that takes exponential time in a backtracking engine
        // answers at once here (regex-lite has no backtracking).
        let p = re("(a+)+$");
        assert!(!p.regex.is_match(&("a".repeat(5000) + "!")));
        assert!(Regex::compile("(", false).is_err());
        assert!(Regex::compile(&"a".repeat(2000), false).is_err());
    }
}
