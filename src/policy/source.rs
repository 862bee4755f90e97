//! Value sources: where a claim's value comes from.
//!
//! Contract: a claim rule, and every SOURCE inside `firstOf` and `object`, has
//! exactly one source key (`attribute`, `value`, `template`, `groups`,
//! `groupNames`, `context`, `clientMetadata`, `firstOf`, `object`), then its
//! `transform` steps, then its `convert`. The loader knows each source's
//! [`Ty`] and refuses a step or conversion that cannot apply. Evaluation gives
//! `Ok(None)` for "no value" (the rule's `ifMissing` decides) and an error only
//! for a conversion that fails, which names the claim and the source, never a
//! value. A constant `value` is always a value, `[]` and `{}` included.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::parse::{Reader, join};
use super::template::Template;
use super::transform::{Step, Ty, apply_all, matches_pattern};
use crate::error::RuleError;
use crate::event::{EventView, type_name};

/// The keys that name a source.
pub const SOURCE_KEYS: &[&str] = &[
    "attribute",
    "value",
    "template",
    "groups",
    "groupNames",
    "context",
    "clientMetadata",
    "firstOf",
    "object",
    "lookup",
];
/// The options a source may carry besides its key.
pub const SOURCE_OPTIONS: &[&str] = &["transform", "convert", "separator", "pick", "field"];

/// A source of a value, with its steps and conversion.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Where the value comes from.
    pub kind: SourceKind,
    /// Transform steps, in order.
    pub transform: Vec<Step>,
    /// The conversion of the (string) result.
    pub convert: Conversion,
    /// The type of the result, as far as the loader knows it.
    pub ty: Ty,
}

/// Where a value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceKind {
    /// A user attribute, as `custom:tenantId`.
    Attribute(String),
    /// A constant of any JSON type.
    Value(Value),
    /// A string template.
    Template(Template),
    /// Values of the user's groups, merged or the first that matches.
    Groups {
        /// Group name to value, in policy order.
        map: Vec<(String, Value)>,
        /// How several matching groups combine.
        pick: Pick,
    },
    /// The names of the user's groups that match (event order).
    GroupNames(Vec<String>),
    /// A field of the event itself.
    Context(ContextField),
    /// An entry of `clientMetadata` (the calling app controls it).
    ClientMetadata(String),
    /// The first source that has a value.
    FirstOf(Vec<Source>),
    /// An object built from sources; members without a value are left out.
    Object(Vec<(String, Source)>),
    /// A field of a lookup's result (`lookup.rs`); of a query's, that field
    /// of each item, as a list.
    Lookup {
        /// The lookup's index in its policy.
        lookup: usize,
        /// Its name.
        name: String,
        /// The field (empty: the whole item, or the list of items).
        field: super::lookup::FieldPath,
    },
}

/// How a `groups` map combines the values of several groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Objects deep-merged, anything else collected into a list.
    Merge,
    /// The value of the first group, in the policy's order, the user is in.
    First,
}

/// The conversion of a string value (V2/V3; V1 sends JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conversion {
    /// Kept as it is.
    String,
    /// A JSON number.
    Number,
    /// `true` or `false` (case-insensitive).
    Boolean,
    /// Parsed as JSON.
    Json,
    /// Split on a separator, items trimmed, empty items dropped.
    List(String),
}

impl Conversion {
    /// The word a policy uses for it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Json => "json",
            Self::List(_) => "list",
        }
    }

    /// The type a conversion gives.
    fn ty(&self) -> Ty {
        match self {
            Self::String => Ty::Str,
            Self::Number => Ty::Num,
            Self::Boolean => Ty::Bool,
            Self::Json => Ty::Any,
            Self::List(_) => Ty::Strings,
        }
    }
}

/// A field of the event usable as a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextField {
    /// `callerContext.clientId`: the only value Cognito accepts for `aud`.
    ClientId,
    /// `userPoolId`.
    UserPoolId,
    /// `region`.
    Region,
    /// `triggerSource`.
    TriggerSource,
    /// `userName` (absent on client-credentials grants).
    UserName,
}

impl ContextField {
    /// Every field.
    pub const ALL: &[Self] = &[
        Self::ClientId,
        Self::UserPoolId,
        Self::Region,
        Self::TriggerSource,
        Self::UserName,
    ];

    /// The word a policy uses for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClientId => "clientId",
            Self::UserPoolId => "userPoolId",
            Self::Region => "region",
            Self::TriggerSource => "triggerSource",
            Self::UserName => "userName",
        }
    }

    /// The field a policy word names.
    pub fn from_name(word: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.name() == word)
    }

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
    /// A constant.
    pub fn constant(v: Value) -> Self {
        Self {
            ty: Ty::of(&v),
            kind: SourceKind::Value(v),
            transform: Vec::new(),
            convert: Conversion::String,
        }
    }

    /// Whether the source always has the same value.
    pub fn is_constant(&self) -> bool {
        matches!(self.kind, SourceKind::Value(_)) && self.transform.is_empty()
    }

    /// The value for this event, or `None`. `claim` names the rule in errors.
    pub fn eval(&self, view: &EventView<'_>, claim: &str) -> Result<Option<Value>, RuleError> {
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
    fn raw(&self, view: &EventView<'_>, claim: &str) -> Result<Option<Value>, RuleError> {
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
                    .filter(|g| patterns.iter().any(|p| matches_pattern(p, g)))
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

    /// The source as errors name it: never a value.
    pub fn describe(&self) -> String {
        match self {
            Self::Attribute(name) => format!("attribute {name}"),
            Self::ClientMetadata(key) => format!("client metadata entry {key}"),
            Self::Context(field) => format!("event field {}", field.name()),
            Self::Template(_) => "the template's text".to_owned(),
            Self::Lookup { name, field, .. } if field.0.is_empty() => format!("lookup {name}"),
            Self::Lookup { name, field, .. } => format!("lookup {name} field {}", field.text()),
            _ => "the value".to_owned(),
        }
    }

    /// Whether the source reads client metadata anywhere.
    pub fn reads_client_metadata(&self) -> bool {
        match self {
            Self::ClientMetadata(_) => true,
            Self::Template(t) => t.reads_client_metadata(),
            Self::FirstOf(s) => s.iter().any(|s| s.kind.reads_client_metadata()),
            Self::Object(m) => m.iter().any(|(_, s)| s.kind.reads_client_metadata()),
            _ => false,
        }
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

impl Reader {
    /// Reads the source of `obj` (a claim rule or a SOURCE object): its key,
    /// options, steps and conversion.
    pub(super) fn source(&mut self, obj: &Map<String, Value>, path: &str) -> Option<Source> {
        let keys: Vec<&str> = SOURCE_KEYS
            .iter()
            .copied()
            .filter(|k| obj.contains_key(*k))
            .collect();
        let key = match keys.as_slice() {
            [one] => *one,
            [] => {
                self.err(
                    path,
                    "gives no value: use one of \"attribute\", \"value\", \"template\", \"groups\", \"groupNames\", \"context\", \"clientMetadata\", \"firstOf\", \"object\" or \"lookup\"",
                );
                return None;
            }
            several => {
                self.err(
                    path,
                    format!(
                        "gives several values ({}): use exactly one",
                        several.join(", ")
                    ),
                );
                return None;
            }
        };
        let p = join(path, key);
        let kind = self.source_kind(obj, key, &p)?;
        if key != "lookup" && obj.contains_key("field") {
            self.err(&join(path, "field"), "applies only to a \"lookup\" source");
        }
        if key != "groups" && obj.contains_key("pick") {
            self.err(&join(path, "pick"), "applies only to a \"groups\" source");
        }
        let ty = Self::kind_type(&kind);
        let (transform, ty) = self.transform(obj, path, ty);
        let convert = self.conversion(obj, path)?;
        let ty = if convert == Conversion::String {
            ty
        } else if matches!(ty, Ty::Str | Ty::Any) {
            convert.ty()
        } else {
            self.err(
                &join(path, "convert"),
                format!("applies to a string, but the value here is {}", ty.name()),
            );
            Ty::Any
        };
        Some(Source {
            kind,
            transform,
            convert,
            ty,
        })
    }

    /// A SOURCE object inside `firstOf` or `object`.
    fn nested_source(&mut self, v: &Value, path: &str) -> Option<Source> {
        let obj = self.object(v, path)?;
        let known: Vec<&str> = SOURCE_KEYS.iter().chain(SOURCE_OPTIONS).copied().collect();
        self.known_fields(obj, path, &known);
        self.source(obj, path)
    }

    fn kind_type(kind: &SourceKind) -> Ty {
        match kind {
            SourceKind::Value(v) => Ty::of(v),
            SourceKind::Attribute(_)
            | SourceKind::Template(_)
            | SourceKind::Context(_)
            | SourceKind::ClientMetadata(_) => Ty::Str,
            SourceKind::GroupNames(_) => Ty::Strings,
            SourceKind::Lookup { .. } => Ty::Any,
            SourceKind::Object(_) => Ty::Obj,
            SourceKind::FirstOf(s) => s.iter().map(|s| s.ty).reduce(Ty::join).unwrap_or(Ty::Any),
            SourceKind::Groups { map, pick } => match pick {
                Pick::First => map
                    .iter()
                    .map(|(_, v)| Ty::of(v))
                    .reduce(Ty::join)
                    .unwrap_or(Ty::Any),
                Pick::Merge if map.iter().all(|(_, v)| v.is_object()) => Ty::Obj,
                Pick::Merge
                    if map.iter().all(|(_, v)| {
                        v.is_string()
                            || v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
                    }) =>
                {
                    Ty::Strings
                }
                Pick::Merge => Ty::List,
            },
        }
    }

    fn non_empty_text(&mut self, v: &Value, path: &str) -> Option<String> {
        match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::String(_) => {
                self.err(path, "cannot be empty");
                None
            }
            other => {
                self.err(path, format!("must be a string, not {}", type_name(other)));
                None
            }
        }
    }

    fn source_kind(&mut self, obj: &Map<String, Value>, key: &str, p: &str) -> Option<SourceKind> {
        let v = &obj[key];
        match key {
            "value" => Some(SourceKind::Value(v.clone())),
            "attribute" => self.non_empty_text(v, p).map(SourceKind::Attribute),
            "lookup" => self.lookup_source(obj, v, p),
            "template" => {
                let text = self.non_empty_text(v, p)?;
                self.template(&text, p).map(SourceKind::Template)
            }
            "clientMetadata" => {
                let k = self.non_empty_text(v, p)?;
                self.client_metadata_warning(p);
                Some(SourceKind::ClientMetadata(k))
            }
            "context" => {
                let field = v.as_str().and_then(ContextField::from_name);
                if field.is_none() {
                    let names: Vec<String> = ContextField::ALL
                        .iter()
                        .map(|f| format!("\"{}\"", f.name()))
                        .collect();
                    self.err(p, format!("must be one of {}", names.join(", ")));
                }
                field.map(SourceKind::Context)
            }
            "groupNames" => {
                let list_path = p.rsplit_once('.').map_or("", |(parent, _)| parent);
                let patterns = self.strings(obj, list_path, "groupNames");
                self.check_patterns(&patterns, p);
                if patterns.is_empty() {
                    if matches!(v, Value::Array(_)) {
                        self.err(p, "names no group: use [\"*\"] for all of them");
                    }
                    return None;
                }
                Some(SourceKind::GroupNames(patterns))
            }
            "firstOf" => {
                let Value::Array(items) = v else {
                    self.err(p, format!("must be an array, not {}", type_name(v)));
                    return None;
                };
                if items.is_empty() {
                    self.err(p, "lists no source");
                    return None;
                }
                let sources: Vec<Source> = items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| self.nested_source(item, &format!("{p}[{i}]")))
                    .collect();
                (sources.len() == items.len()).then_some(SourceKind::FirstOf(sources))
            }
            "object" => {
                let m = self.object(v, p)?;
                if m.is_empty() {
                    self.err(p, "has no member");
                    return None;
                }
                let mut members = Vec::with_capacity(m.len());
                for (k, item) in m {
                    let mp = format!("{p}[{k:?}]");
                    if k.is_empty() {
                        self.err(&mp, "a member name cannot be empty");
                        continue;
                    }
                    if let Some(s) = self.nested_source(item, &mp) {
                        members.push((k.clone(), s));
                    }
                }
                (members.len() == m.len()).then_some(SourceKind::Object(members))
            }
            _ => {
                let pick = self.pick(obj, p);
                let map = self.group_map(v, p, pick)?;
                Some(SourceKind::Groups { map, pick })
            }
        }
    }

    /// `"lookup": NAME` with its `"field"`.
    fn lookup_source(
        &mut self,
        obj: &Map<String, Value>,
        v: &Value,
        p: &str,
    ) -> Option<SourceKind> {
        let name = self.non_empty_text(v, p)?;
        let field = match obj.get("field") {
            None => None,
            Some(Value::String(f)) => Some(f.as_str()),
            Some(other) => {
                let fp = p
                    .rsplit_once('.')
                    .map_or_else(|| "field".to_owned(), |(parent, _)| join(parent, "field"));
                self.err(
                    &fp,
                    format!("must be a string (a dotted path), not {}", type_name(other)),
                );
                return None;
            }
        };
        let (lookup, field) = self.lookup_ref(&name, field, p)?;
        Some(SourceKind::Lookup {
            lookup,
            name,
            field,
        })
    }

    fn pick(&mut self, obj: &Map<String, Value>, groups_path: &str) -> Pick {
        let path = groups_path
            .rsplit_once('.')
            .map_or(String::from("pick"), |(parent, _)| join(parent, "pick"));
        match obj.get("pick") {
            None => Pick::Merge,
            Some(Value::String(s)) if s == "merge" => Pick::Merge,
            Some(Value::String(s)) if s == "first" => Pick::First,
            Some(_) => {
                self.err(&path, "must be \"merge\" (the default) or \"first\"");
                Pick::Merge
            }
        }
    }

    fn conversion(&mut self, obj: &Map<String, Value>, path: &str) -> Option<Conversion> {
        let p = join(path, "convert");
        let convert = match obj.get("convert") {
            None => Conversion::String,
            Some(Value::String(s)) => match s.as_str() {
                "string" => Conversion::String,
                "number" => Conversion::Number,
                "boolean" => Conversion::Boolean,
                "json" => Conversion::Json,
                "list" => Conversion::List(String::new()),
                other => {
                    self.err(
                        &p,
                        format!(
                            "unknown conversion `{other}`; expected \"string\", \"number\", \"boolean\", \"json\" or \"list\""
                        ),
                    );
                    return None;
                }
            },
            Some(other) => {
                self.err(&p, format!("must be a string, not {}", type_name(other)));
                return None;
            }
        };
        let sep_path = join(path, "separator");
        let separator = self.opt_string(obj, path, "separator");
        match (convert, separator) {
            (Conversion::List(_), None) => Some(Conversion::List(",".into())),
            (Conversion::List(_), Some(s)) if s.is_empty() => {
                self.err(&sep_path, "cannot be empty");
                None
            }
            (Conversion::List(_), Some(s)) => Some(Conversion::List(s)),
            (c, Some(_)) => {
                self.err(&sep_path, "applies only with \"convert\": \"list\"");
                Some(c)
            }
            (c, None) => Some(c),
        }
    }

    /// A group-to-value map. When merging, objects merge and anything else
    /// collects into a list; mixing the two, or two groups setting one leaf,
    /// is refused, so the claim never depends on the order of the user's
    /// groups. With `"pick": "first"` the policy's order decides.
    fn group_map(&mut self, v: &Value, path: &str, pick: Pick) -> Option<Vec<(String, Value)>> {
        let m = self.object(v, path)?;
        if m.is_empty() {
            self.err(path, "maps no group");
            return None;
        }
        if let Some(Value::String(s)) = m.get("pick") {
            if s == "first" || s == "merge" {
                self.warn(
                    &join(path, "pick"),
                    "maps a group named `pick`: to choose how groups combine, put \"pick\" beside \"groups\", not inside it",
                );
            }
        }
        let mut ok = true;
        for group in m.keys() {
            if group.trim().is_empty() {
                self.err(path, "a group name cannot be empty");
                ok = false;
            }
        }
        if pick == Pick::Merge {
            let objects = m.values().filter(|v| v.is_object()).count();
            if objects != 0 && objects != m.len() {
                self.err(
                    path,
                    "mixes objects with other values: either every group maps to an object (merged) or none does (collected into a list)",
                );
                return None;
            }
            let mut leaves: BTreeMap<String, &str> = BTreeMap::new();
            for (group, value) in m {
                if let Value::Object(obj) = value {
                    let mut mine = Vec::new();
                    leaf_paths(obj, "", &mut mine);
                    for leaf in mine {
                        if let Some(other) = leaves.get(&leaf) {
                            self.err(
                                &format!("{path}.{group}"),
                                format!("sets `{leaf}`, which group `{other}` sets too: a user in both would get either"),
                            );
                            ok = false;
                        } else {
                            leaves.insert(leaf, group);
                        }
                    }
                }
            }
        }
        ok.then(|| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    /// The warning every place that reads client metadata gets.
    pub(super) fn client_metadata_warning(&mut self, path: &str) {
        self.warn(
            path,
            "reads clientMetadata, which the calling app controls: never let it decide identity or authorization",
        );
    }
}

/// Every leaf path of an object, as `owner.document_permission`.
fn leaf_paths(obj: &Map<String, Value>, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in obj {
        let p = join(prefix, k);
        match v {
            Value::Object(inner) if !inner.is_empty() => leaf_paths(inner, &p, out),
            _ => out.push(p),
        }
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
