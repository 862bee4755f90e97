//! Transforms as data: `"transform": [STEP, ...]` on a claim rule or a SOURCE, applied
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

use super::template::Template;

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
    pub fn union(self, other: Self) -> Self {
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
pub struct Regex {
    /// The expression as written.
    pub source: String,
    /// The compiled form.
    pub regex: regex_lite::Regex,
}

impl PartialEq for Regex {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
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
        regex: Regex,
        /// The replacement; `$1` is a capture group.
        with: String,
    },
    /// `{"extract": R}`: the first capture group (or the whole match).
    Extract(Regex),
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

    /// Whether the step works on strings (each item of a list).
    pub fn is_string_step(&self) -> bool {
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
                    .reduce(Ty::union)
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
}
