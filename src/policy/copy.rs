//! Copying many attributes: `"copyAttributes": [{"match": "custom:*",
//! "rename": "stripPrefix", "tokens": [...], "when": {...}}]`.
//!
//! Contract: one claim per matching attribute that has a value, named after
//! it (`keep`) or after it without the pattern's prefix (`stripPrefix`).
//! Since the names come from data, the conductor (`apply.rs`) checks each one
//! at run time: a name that would be reserved in a token, or that any
//! suppress rule names for it (whether its condition holds or not, as the
//! loader refuses for claim rules), is skipped and counted, never sent.
//! Copies come before claim rules, so an explicit rule for the same claim
//! wins.

use serde_json::Value;

use super::Tokens;
use super::condition::Condition;
use super::parse::{Reader, join};
use super::transform::matches_pattern;
use crate::event::EventView;

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

impl CopyRule {
    /// The (claim name, value) pairs this rule copies from the event, in
    /// event order.
    pub fn copies<'e>(&self, view: &EventView<'e>) -> impl Iterator<Item = (&'e str, &'e str)> {
        let prefix_len = match self.rename {
            Rename::Keep => 0,
            Rename::StripPrefix => self.pattern.trim_end_matches('*').len(),
        };
        view.user_attributes
            .iter()
            .filter(move |(name, _)| matches_pattern(&self.pattern, name))
            .map(move |(name, value)| (&name[prefix_len..], *value))
    }
}

impl Reader {
    /// Reads one `copyAttributes` rule.
    pub(super) fn copy_rule(&mut self, v: &Value, path: &str) -> Option<CopyRule> {
        let obj = self.object(v, path)?;
        self.known_fields(obj, path, COPY_FIELDS);
        let Some(pattern) = self.opt_string(obj, path, "match") else {
            if !obj.contains_key("match") {
                self.err(
                    path,
                    "missing field `match`: the attributes to copy, as \"custom:*\"",
                );
            }
            return None;
        };
        let match_path = join(path, "match");
        if pattern.trim().is_empty() {
            self.err(&match_path, "cannot be empty");
            return None;
        }
        if pattern.trim_end_matches('*').contains('*') {
            self.err(&match_path, "`*` may only end a pattern");
        }
        let rename = match self.opt_string(obj, path, "rename").as_deref() {
            None | Some("keep") => Rename::Keep,
            Some("stripPrefix") => Rename::StripPrefix,
            Some(_) => {
                self.err(
                    &join(path, "rename"),
                    "must be \"keep\" (the default) or \"stripPrefix\"",
                );
                Rename::Keep
            }
        };
        if rename == Rename::StripPrefix && !pattern.ends_with('*') {
            self.err(
                &join(path, "rename"),
                "\"stripPrefix\" needs a pattern ending in `*`: stripping a whole name would leave no claim name",
            );
        }
        if pattern == "*" && rename == Rename::Keep {
            self.warn(
                &match_path,
                "copies every attribute: personal attributes the policy does not suppress will reach the tokens",
            );
        }
        let tokens = self.tokens(obj, path);
        let when = self.condition(obj, path);
        Some(CopyRule {
            pattern,
            rename,
            tokens,
            when,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn copies_and_renames() {
        let e = json!({"request": {"userAttributes": {"email": "e", "custom:a": "1", "custom:b": "2"}}});
        let view = EventView::parse(e.as_object().unwrap()).unwrap();
        let rule = CopyRule {
            pattern: "custom:*".into(),
            rename: Rename::StripPrefix,
            tokens: Tokens::BOTH,
            when: Condition::default(),
        };
        assert_eq!(
            rule.copies(&view).collect::<Vec<_>>(),
            [("a", "1"), ("b", "2")]
        );
        let keep = CopyRule {
            rename: Rename::Keep,
            ..rule
        };
        assert_eq!(
            keep.copies(&view).collect::<Vec<_>>(),
            [("custom:a", "1"), ("custom:b", "2")]
        );
    }
}
