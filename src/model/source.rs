//! Value sources as data: where a claim's value comes from.
//!
//! Contract: a claim rule, and every SOURCE inside `firstOf` and `object`, has
//! exactly one source key (`attribute`, `value`, `template`, `groups`,
//! `groupNames`, `context`, `clientMetadata`, `firstOf`, `object`), then its
//! `transform` steps, then its `convert`. The loader knows each source's
//! [`Ty`] and refuses a step or conversion that cannot apply. Evaluation gives
//! `Ok(None)` for "no value" (the rule's `ifMissing` decides) and an error only
//! for a conversion that fails, which names the claim and the source, never a
//! value. A constant `value` is always a value, `[]` and `{}` included.

use serde_json::Value;

use super::refs::ContextField;
use super::template::Template;
use super::transform::{Step, Ty};

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
    "generate",
];

/// The options a source may carry besides its key.
pub const SOURCE_OPTIONS: &[&str] = &[
    "transform",
    "convert",
    "separator",
    "pick",
    "field",
    "bytes",
    "format",
];

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
        field: super::refs::FieldPath,
    },
    /// A value no attribute holds, made when the function answers.
    Generate(Generate),
}

/// What a `generate` source makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generate {
    /// `"uuid"`: a random UUID (version 4).
    Uuid,
    /// `"randomHex"` with `"bytes": N` (1 to 64): N random bytes as
    /// lowercase hex.
    RandomHex(u8),
    /// `"now"` with `"format"`: the time the function answers.
    Now(TimeFormat),
}

/// How `"now"` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// Whole seconds since the Unix epoch (a number).
    EpochSeconds,
    /// Milliseconds since the Unix epoch (a number).
    EpochMillis,
    /// `2026-12-04T15:04:05Z` (UTC, whole seconds).
    Iso8601,
}

impl Generate {
    /// The kinds, as written in a policy.
    pub const KINDS: &[&str] = &["uuid", "randomHex", "now"];
    /// The formats of `"now"`, as written.
    pub const FORMATS: &[&str] = &["epochSeconds", "epochMillis", "iso8601"];
    /// The most random bytes `randomHex` makes.
    pub const MAX_BYTES: u8 = 64;
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
    pub fn ty(&self) -> Ty {
        match self {
            Self::String => Ty::Str,
            Self::Number => Ty::Num,
            Self::Boolean => Ty::Bool,
            Self::Json => Ty::Any,
            Self::List(_) => Ty::Strings,
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
}

impl SourceKind {
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
