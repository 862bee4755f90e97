//! Transforms: `"transform": [STEP, ...]` on a claim rule or a SOURCE, applied
//! in order to the source's value before `convert`.
//!
//! Contract: steps are parsed, their regular expressions compiled (linear
//! time: `regex-lite` has no backtracking) and their types checked when the
//! policy loads. Every value has a static [`Ty`]; a step that cannot apply to
//! a known type is a policy problem naming its place. Where the type is only
//! known at run time ([`Ty::Any`]), a step that does not fit gives the rule no
//! value. On a list, string steps apply to each item; items a step cannot
//! produce (no match, no `@`, no map entry) are dropped, and a list left empty
//! is no value. No step ever fails the sign-in by itself.

use serde_json::{Map, Value};

use super::parse::{Reader, join};
use super::template::Template;
use crate::event::{EventView, type_name};

/// The type of a value, as far as the loader knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A string.
    Str,
    /// A number.
    Num,
    /// A boolean.
    Bool,
    /// null.
    Null,
    /// An object.
    Obj,
    /// A list of strings.
    Strings,
    /// A list of anything.
    List,
    /// Known only at run time.
    Any,
}

impl Ty {
    /// The type of a constant.
    pub fn of(v: &Value) -> Self {
        match v {
            Value::Null => Self::Null,
            Value::Bool(_) => Self::Bool,
            Value::Number(_) => Self::Num,
            Value::String(_) => Self::Str,
            Value::Object(_) => Self::Obj,
            Value::Array(a) if a.iter().all(Value::is_string) => Self::Strings,
            Value::Array(_) => Self::List,
        }
    }

    /// The type of a value that is either `self` or `other`.
    #[must_use]
    pub fn join(self, other: Self) -> Self {
        match (self, other) {
            (a, b) if a == b => a,
            (Self::Strings | Self::List, Self::Strings | Self::List) => Self::List,
            _ => Self::Any,
        }
    }

    /// Whether the value may be an object or an array.
    pub fn may_be_complex(self) -> bool {
        matches!(self, Self::Obj | Self::Strings | Self::List | Self::Any)
    }

    /// The type as an English noun phrase.
    pub fn name(self) -> &'static str {
        match self {
            Self::Str => "a string",
            Self::Num => "a number",
            Self::Bool => "a boolean",
            Self::Null => "null",
            Self::Obj => "an object",
            Self::Strings => "a list of strings",
            Self::List => "a list",
            Self::Any => "a value of any type",
        }
    }
}

/// A compiled regular expression, compared by its text.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The expression as written.
    pub source: String,
    /// The compiled form.
    pub regex: regex_lite::Regex,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// The longest regular expression a policy may hold.
const MAX_REGEX_LEN: usize = 1000;

impl Pattern {
    /// Compiles `source`, case-insensitively (ASCII) when asked.
    pub fn compile(source: &str, ignore_case: bool) -> Result<Self, String> {
        if source.len() > MAX_REGEX_LEN {
            return Err(format!(
                "a regular expression may be at most {MAX_REGEX_LEN} characters"
            ));
        }
        regex_lite::RegexBuilder::new(source)
            .case_insensitive(ignore_case)
            .size_limit(1 << 20)
            .nest_limit(50)
            .build()
            .map(|regex| Self {
                source: source.to_owned(),
                regex,
            })
            .map_err(|e| {
                // The engine's message may quote the pattern, which is policy
                // text, not personal data; keep its first line only.
                let msg = e.to_string();
                let first = msg.lines().last().unwrap_or("").trim().to_owned();
                format!("invalid regular expression: {first}")
            })
    }
}

/// One transform step.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `"lowercase"`.
    Lowercase,
    /// `"uppercase"`.
    Uppercase,
    /// `"trim"`: white space at both ends.
    Trim,
    /// `"nonEmpty"`: an empty string, list or object becomes no value.
    NonEmpty,
    /// `"emailDomain"`: the part after the last `@`.
    EmailDomain,
    /// `"emailLocalPart"`: the part before the last `@`.
    EmailLocalPart,
    /// `{"prefix": TEMPLATE}`.
    Prefix(Template),
    /// `{"suffix": TEMPLATE}`.
    Suffix(Template),
    /// `{"stripPrefix": "S"}`: removed when present.
    StripPrefix(String),
    /// `{"stripSuffix": "S"}`: removed when present.
    StripSuffix(String),
    /// `{"split": ",", "brackets": bool}`: string to list.
    Split {
        /// The separator.
        separator: String,
        /// Strip one `[` and `]` around the whole text first.
        brackets: bool,
    },
    /// `{"join": " "}`: list to string.
    Join(String),
    /// `{"replace": {"regex": R, "with": T}}`: every match replaced.
    Replace {
        /// What to find.
        regex: Pattern,
        /// The replacement; `$1` is a capture group.
        with: String,
    },
    /// `{"extract": R}`: the first capture group (or the whole match).
    Extract(Pattern),
    /// `{"map": {...}, "default": JSON}`: a lookup table.
    Map {
        /// The table.
        table: Map<String, Value>,
        /// The value for strings the table lacks.
        default: Option<Value>,
    },
    /// `{"filter": [PATTERNS]}`: keep the list items that match.
    Filter(Vec<String>),
    /// `"first"`: the first list item.
    First,
}

/// Step names, for messages and the schema.
pub const WORD_STEPS: &[&str] = &[
    "lowercase",
    "uppercase",
    "trim",
    "nonEmpty",
    "emailDomain",
    "emailLocalPart",
    "first",
];
/// Keys of the object steps.
pub const OBJECT_STEPS: &[&str] = &[
    "prefix",
    "suffix",
    "stripPrefix",
    "stripSuffix",
    "split",
    "join",
    "replace",
    "extract",
    "map",
    "filter",
];

/// Whether `name` matches a pattern: exact, a prefix ending in `*`, or `*`.
pub fn matches_pattern(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

impl Step {
    /// The name of the step, as a policy writes it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Lowercase => "lowercase",
            Self::Uppercase => "uppercase",
            Self::Trim => "trim",
            Self::NonEmpty => "nonEmpty",
            Self::EmailDomain => "emailDomain",
            Self::EmailLocalPart => "emailLocalPart",
            Self::Prefix(_) => "prefix",
            Self::Suffix(_) => "suffix",
            Self::StripPrefix(_) => "stripPrefix",
            Self::StripSuffix(_) => "stripSuffix",
            Self::Split { .. } => "split",
            Self::Join(_) => "join",
            Self::Replace { .. } => "replace",
            Self::Extract(_) => "extract",
            Self::Map { .. } => "map",
            Self::Filter(_) => "filter",
            Self::First => "first",
        }
    }

    fn is_string_step(&self) -> bool {
        matches!(
            self,
            Self::Lowercase
                | Self::Uppercase
                | Self::Trim
                | Self::EmailDomain
                | Self::EmailLocalPart
                | Self::Prefix(_)
                | Self::Suffix(_)
                | Self::StripPrefix(_)
                | Self::StripSuffix(_)
                | Self::Replace { .. }
                | Self::Extract(_)
                | Self::Map { .. }
        )
    }

    /// The type this step gives for input `input`, or why it cannot apply.
    pub fn output(&self, input: Ty) -> Result<Ty, String> {
        let refuse = |what: &str| {
            Err(format!(
                "`{}` applies to {what}, but the value here is {}",
                self.name(),
                input.name()
            ))
        };
        match self {
            Self::NonEmpty => match input {
                Ty::Num | Ty::Bool | Ty::Null => refuse("a string, a list or an object"),
                t => Ok(t),
            },
            Self::Split { .. } => match input {
                Ty::Str | Ty::Any => Ok(Ty::Strings),
                _ => refuse("a string"),
            },
            Self::Join(_) => match input {
                Ty::Strings | Ty::List | Ty::Any => Ok(Ty::Str),
                _ => refuse("a list"),
            },
            Self::Filter(_) => match input {
                Ty::Strings | Ty::List => Ok(Ty::Strings),
                Ty::Any => Ok(Ty::Any),
                _ => refuse("a list"),
            },
            Self::First => match input {
                Ty::Strings => Ok(Ty::Str),
                Ty::List | Ty::Any => Ok(Ty::Any),
                _ => refuse("a list"),
            },
            Self::Map { table, default } => {
                let out = table
                    .values()
                    .chain(default)
                    .map(Ty::of)
                    .reduce(Ty::join)
                    .unwrap_or(Ty::Any);
                match input {
                    Ty::Str => Ok(out),
                    Ty::Strings | Ty::List if out == Ty::Str => Ok(Ty::Strings),
                    Ty::Strings | Ty::List => Ok(Ty::List),
                    Ty::Any => Ok(Ty::Any),
                    _ => refuse("a string or a list of strings"),
                }
            }
            _ => match input {
                Ty::Str | Ty::Strings | Ty::Any => Ok(input),
                Ty::List => Ok(Ty::List),
                _ => refuse("a string or a list of strings"),
            },
        }
    }

    /// Applies the step; `None` is no value.
    pub fn apply(&self, v: Value, view: &EventView<'_>) -> Option<Value> {
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
                            .is_some_and(|s| patterns.iter().any(|p| matches_pattern(p, s)))
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

    fn on_string(&self, s: &str, view: &EventView<'_>) -> Option<Value> {
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

/// The "did you mean" for an unknown step name.
fn hint(word: &str) -> String {
    let all: Vec<&str> = WORD_STEPS.iter().chain(OBJECT_STEPS).copied().collect();
    match super::parse::closest(word, &all) {
        Some(s) => format!("; did you mean `{s}`?"),
        None => format!("; expected one of: {}", all.join(", ")),
    }
}

fn non_empty_list(items: Vec<Value>) -> Option<Value> {
    (!items.is_empty()).then_some(Value::Array(items))
}

/// Applies every step in order; `None` as soon as one gives no value.
pub fn apply_all(steps: &[Step], mut v: Value, view: &EventView<'_>) -> Option<Value> {
    for step in steps {
        v = step.apply(v, view)?;
    }
    Some(v)
}

impl Reader {
    /// Reads `"transform"` of `obj`, checking each step against the type it
    /// receives; returns the steps and the type they give.
    pub(super) fn transform(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        mut ty: Ty,
    ) -> (Vec<Step>, Ty) {
        let Some(v) = obj.get("transform") else {
            return (Vec::new(), ty);
        };
        let path = join(path, "transform");
        let Value::Array(items) = v else {
            self.err(&path, format!("must be an array, not {}", type_name(v)));
            return (Vec::new(), Ty::Any);
        };
        if items.is_empty() {
            self.err(&path, "names no step: remove it, or list the steps");
        }
        let mut steps = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some(step) = self.step(item, &p) else {
                ty = Ty::Any;
                continue;
            };
            match step.output(ty) {
                Ok(t) => ty = t,
                Err(reason) => {
                    self.err(&p, reason);
                    ty = Ty::Any;
                }
            }
            steps.push(step);
        }
        (steps, ty)
    }

    fn step(&mut self, v: &Value, path: &str) -> Option<Step> {
        match v {
            Value::String(word) => match word.as_str() {
                "lowercase" => Some(Step::Lowercase),
                "uppercase" => Some(Step::Uppercase),
                "trim" => Some(Step::Trim),
                "nonEmpty" => Some(Step::NonEmpty),
                "emailDomain" => Some(Step::EmailDomain),
                "emailLocalPart" => Some(Step::EmailLocalPart),
                "first" => Some(Step::First),
                other if OBJECT_STEPS.contains(&other) => {
                    self.err(
                        path,
                        format!("`{other}` needs its argument: write it as {{\"{other}\": ...}}"),
                    );
                    None
                }
                other => {
                    let hint = hint(other);
                    self.err(path, format!("unknown step `{other}`{hint}"));
                    None
                }
            },
            Value::Object(m) => self.object_step(m, path),
            other => {
                self.err(
                    path,
                    format!(
                        "a step is a name (\"lowercase\") or an object ({{\"split\": \",\"}}), not {}",
                        type_name(other)
                    ),
                );
                None
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn object_step(&mut self, m: &Map<String, Value>, path: &str) -> Option<Step> {
        let keys: Vec<&str> = m
            .keys()
            .map(String::as_str)
            .filter(|k| OBJECT_STEPS.contains(k))
            .collect();
        let key = match keys.as_slice() {
            [one] => *one,
            [] => {
                let first = m.keys().next().map_or("", String::as_str);
                let hint = hint(first);
                self.err(path, format!("names no step{hint}"));
                return None;
            }
            several => {
                self.err(
                    path,
                    format!("names several steps ({}): one per item", several.join(", ")),
                );
                return None;
            }
        };
        let extra: &[&str] = match key {
            "split" => &["brackets"],
            "map" => &["default"],
            _ => &[],
        };
        let known: Vec<&str> = std::iter::once(key).chain(extra.iter().copied()).collect();
        self.known_fields(m, path, &known);
        let p = join(path, key);
        let v = &m[key];
        let text = |cx: &mut Self, allow_empty: bool| -> Option<String> {
            match v {
                Value::String(s) if s.is_empty() && !allow_empty => {
                    cx.err(&p, "cannot be empty");
                    None
                }
                Value::String(s) => Some(s.clone()),
                other => {
                    cx.err(&p, format!("must be a string, not {}", type_name(other)));
                    None
                }
            }
        };
        match key {
            "prefix" | "suffix" => {
                let t = text(self, false)?;
                let template = self.template(&t, &p)?;
                Some(if key == "prefix" {
                    Step::Prefix(template)
                } else {
                    Step::Suffix(template)
                })
            }
            "stripPrefix" => text(self, false).map(Step::StripPrefix),
            "stripSuffix" => text(self, false).map(Step::StripSuffix),
            "join" => text(self, true).map(Step::Join),
            "split" => {
                let separator = text(self, false)?;
                let brackets = match m.get("brackets") {
                    None => false,
                    Some(Value::Bool(b)) => *b,
                    Some(other) => {
                        self.err(
                            &join(path, "brackets"),
                            format!("must be true or false, not {}", type_name(other)),
                        );
                        false
                    }
                };
                Some(Step::Split {
                    separator,
                    brackets,
                })
            }
            "extract" => {
                let source = text(self, false)?;
                let regex = self.regex(&source, false, &p)?;
                Some(Step::Extract(regex))
            }
            "replace" => {
                let r = self.object(v, &p)?;
                self.known_fields(r, &p, &["regex", "with"]);
                let source = self.opt_string(r, &p, "regex");
                let with = self.opt_string(r, &p, "with");
                let (Some(source), Some(with)) = (source, with) else {
                    self.err(&p, "needs \"regex\" and \"with\"");
                    return None;
                };
                let regex = self.regex(&source, false, &join(&p, "regex"))?;
                Some(Step::Replace { regex, with })
            }
            "map" => {
                let table = self.object(v, &p)?.clone();
                if table.is_empty() {
                    self.err(&p, "maps nothing");
                    return None;
                }
                Some(Step::Map {
                    table,
                    default: m.get("default").cloned(),
                })
            }
            "filter" => {
                let patterns = self.strings(m, path, "filter");
                self.check_patterns(&patterns, &p);
                if patterns.is_empty() {
                    self.err(&p, "names no pattern: the filter would keep nothing");
                    return None;
                }
                Some(Step::Filter(patterns))
            }
            _ => None,
        }
    }

    /// A template, or a problem at `path`.
    pub(super) fn template(&mut self, text: &str, path: &str) -> Option<Template> {
        match Template::parse(text) {
            Ok(mut t) => {
                if t.reads_client_metadata() {
                    self.client_metadata_warning(path);
                }
                for part in &mut t.parts {
                    match part {
                        super::Part::Env(_) => {
                            self.err(path, "`{env.NAME}` placeholders are read only in a lookup's table name and region");
                            return None;
                        }
                        super::Part::Lookup {
                            lookup,
                            name,
                            field,
                        } => {
                            let field = (!field.0.is_empty()).then(|| field.text());
                            *lookup = self.lookup_ref(name, field.as_deref(), path)?.0;
                        }
                        _ => {}
                    }
                }
                Some(t)
            }
            Err(reason) => {
                self.err(path, reason);
                None
            }
        }
    }

    /// A compiled regular expression, or a problem at `path`.
    pub(super) fn regex(&mut self, source: &str, ignore_case: bool, path: &str) -> Option<Pattern> {
        match Pattern::compile(source, ignore_case) {
            Ok(p) => Some(p),
            Err(reason) => {
                self.err(path, reason);
                None
            }
        }
    }

    /// Name patterns: exact, or a prefix ending in `*`.
    pub(super) fn check_patterns(&mut self, patterns: &[String], path: &str) {
        for (i, p) in patterns.iter().enumerate() {
            if p.trim_end_matches('*').contains('*') {
                self.err(&format!("{path}[{i}]"), "`*` may only end a pattern");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(steps: &[Step], v: Value) -> Option<Value> {
        let e = json!({"callerContext": {"clientId": "web"}});
        let view = EventView::parse(e.as_object().unwrap()).unwrap();
        apply_all(steps, v, &view)
    }

    fn re(s: &str) -> Pattern {
        Pattern::compile(s, false).unwrap()
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
        assert!(Pattern::compile("(", false).is_err());
        assert!(Pattern::compile(&"a".repeat(2000), false).is_err());
    }
}
