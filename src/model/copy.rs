//! Copying many attributes, as data: `"copyAttributes": [{"match": "custom:*",
//! "rename": "stripPrefix", "tokens": [...], "when": {...}}]`.
//!
//! Contract: one claim per matching attribute that has a value, named after
//! it (`keep`) or after it without the pattern's prefix (`stripPrefix`).
//! Since the names come from data, the conductor (`crate::eval::apply`) checks each one
//! at run time: a name that would be reserved in a token, or that any
//! suppress rule names for it (whether its condition holds or not, as the
//! loader refuses for claim rules), is skipped and counted, never sent.
//! Copies come before claim rules, so an explicit rule for the same claim
//! wins.

use super::Tokens;
use super::condition::Condition;

/// One `copyAttributes` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyRule {
    /// The attribute names copied: exact, or a prefix ending in `*`.
    pub pattern: String,
    /// How claim names derive from attribute names.
    pub rename: Rename,
    /// The tokens the claims go in.
    pub tokens: Tokens,
    /// When the rule applies.
    pub when: Condition,
}

/// How a copied attribute's claim is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rename {
    /// The attribute's own name (`custom:tenantId`).
    Keep,
    /// Without the pattern's prefix (`custom:*` makes `tenantId`).
    StripPrefix,
}

/// The fields of a `copyAttributes` rule.
pub const COPY_FIELDS: &[&str] = &["match", "rename", "tokens", "when"];
