//! String templates as data: `"tenant_{custom:tenantId}#{context.clientId}"`.
//!
//! Contract: a template is parsed once when the policy loads; `{NAME}` is a
//! user attribute, `{context.FIELD}` an event field, `{clientMetadata.KEY}` a
//! client-metadata entry, `{lookups.NAME.FIELD}` a field of a lookup's result
//! (`lookup.rs`), `{env.NAME}` an environment variable (only in a lookup's
//! table name and region), `{{` and `}}` literal braces. Rendering gives
//! `None` when any placeholder has no value: a missing value is never
//! interpolated as empty or "undefined" text. An empty attribute value is a
//! value (the empty string).

use super::refs::ContextField;
use super::refs::FieldPath;

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The template as written (policy text, safe to log).
    pub text: String,
    /// Literal text and placeholders, in order.
    pub parts: Vec<Part>,
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text (braces already unescaped).
    Text(String),
    /// `{NAME}`: a user attribute.
    Attribute(String),
    /// `{context.FIELD}`: a field of the event.
    Context(ContextField),
    /// `{clientMetadata.KEY}`: an entry the calling app sent.
    ClientMetadata(String),
    /// `{lookups.NAME.FIELD}`: a field of a lookup's result (strings,
    /// numbers and booleans render as text; anything else has no value).
    Lookup {
        /// The lookup's index in its policy (set when the policy loads).
        lookup: usize,
        /// Its name.
        name: String,
        /// The field (empty: the whole result).
        field: FieldPath,
    },
    /// `{env.NAME}`: an environment variable, read when the function starts
    /// (lookup tables and regions only).
    Env(String),
}

impl Template {
    /// The text, when the template has no placeholder.
    pub fn as_constant(&self) -> Option<String> {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Whether a placeholder reads client metadata.
    pub fn reads_client_metadata(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::ClientMetadata(_)))
    }
}
