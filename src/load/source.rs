//! Loading value sources (every source key, `transform`, `convert`), with
//! each source's static type checked against its steps and conversion.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::reader::{Reader, join};
use crate::json::type_name;
use crate::model::refs::ContextField;
use crate::model::source::{
    Conversion, Generate, Pick, SOURCE_KEYS, SOURCE_OPTIONS, Source, SourceKind, TimeFormat,
};
use crate::model::transform::Ty;

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
                    "gives no value: use one of \"attribute\", \"value\", \"template\", \"groups\", \"groupNames\", \"context\", \"clientMetadata\", \"firstOf\", \"object\", \"lookup\" or \"generate\"",
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
        for option in ["bytes", "format"] {
            if key != "generate" && obj.contains_key(option) {
                self.err(&join(path, option), "applies only to a \"generate\" source");
            }
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
            SourceKind::Generate(Generate::Now(
                TimeFormat::EpochSeconds | TimeFormat::EpochMillis,
            )) => Ty::Num,
            SourceKind::Attribute(_)
            | SourceKind::Template(_)
            | SourceKind::Context(_)
            | SourceKind::ClientMetadata(_)
            | SourceKind::Generate(_) => Ty::Str,
            SourceKind::GroupNames(_) => Ty::Strings,
            SourceKind::Lookup { .. } => Ty::Any,
            SourceKind::Object(_) => Ty::Obj,
            SourceKind::FirstOf(s) => s.iter().map(|s| s.ty).reduce(Ty::union).unwrap_or(Ty::Any),
            SourceKind::Groups { map, pick } => match pick {
                Pick::First => map
                    .iter()
                    .map(|(_, v)| Ty::of(v))
                    .reduce(Ty::union)
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
            "generate" => self.generate(obj, v, p),
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

    /// `"generate": KIND`, with `"bytes"` for `randomHex` and `"format"` for
    /// `now` (each refused with the other kinds).
    fn generate(&mut self, obj: &Map<String, Value>, v: &Value, p: &str) -> Option<SourceKind> {
        let parent = p.rsplit_once('.').map_or("", |(parent, _)| parent);
        let kind = self.non_empty_text(v, p)?;
        let bytes = obj.get("bytes");
        let format = obj.get("format");
        let refuse = |cx: &mut Self, option: &str, kinds: &str| {
            cx.err(
                &join(parent, option),
                format!("applies only to \"generate\": {kinds}"),
            );
        };
        match kind.as_str() {
            "uuid" | "now" if bytes.is_some() => refuse(self, "bytes", "\"randomHex\""),
            "uuid" | "randomHex" if format.is_some() => refuse(self, "format", "\"now\""),
            _ => {}
        }
        match kind.as_str() {
            "uuid" => Some(SourceKind::Generate(Generate::Uuid)),
            "randomHex" => {
                let n = match bytes {
                    Some(Value::Number(n)) => n.as_u64(),
                    Some(_) => None,
                    None => {
                        self.err(
                            p,
                            "\"randomHex\" needs \"bytes\": how many random bytes (1 to 64)",
                        );
                        return None;
                    }
                };
                if let Some(n @ 1..=Generate::MAX_BYTES) = n.and_then(|n| u8::try_from(n).ok()) {
                    Some(SourceKind::Generate(Generate::RandomHex(n)))
                } else {
                    self.err(
                        &join(parent, "bytes"),
                        "must be a whole number from 1 to 64",
                    );
                    None
                }
            }
            "now" => {
                let f = match format.map(|f| f.as_str()) {
                    None => {
                        self.err(p, "\"now\" needs \"format\": \"epochSeconds\", \"epochMillis\" or \"iso8601\"");
                        return None;
                    }
                    Some(Some("epochSeconds")) => TimeFormat::EpochSeconds,
                    Some(Some("epochMillis")) => TimeFormat::EpochMillis,
                    Some(Some("iso8601")) => TimeFormat::Iso8601,
                    Some(_) => {
                        self.err(
                            &join(parent, "format"),
                            "must be \"epochSeconds\", \"epochMillis\" or \"iso8601\"",
                        );
                        return None;
                    }
                };
                Some(SourceKind::Generate(Generate::Now(f)))
            }
            other => {
                let hint = super::reader::closest(other, Generate::KINDS)
                    .map_or_else(String::new, |s| format!("; did you mean `{s}`?"));
                self.err(
                    p,
                    format!(
                        "unknown kind `{other}`: expected \"uuid\", \"randomHex\" or \"now\"{hint}"
                    ),
                );
                None
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
