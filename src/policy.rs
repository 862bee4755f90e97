//! The declarative policy: what to suppress, what to add, scopes and groups.
//!
//! Contract: a [`Policy`] exists only once it has been validated whole. Every
//! problem is reported with its place in the file (see `policy/parse.rs`); a policy
//! with any problem is never applied, not even in part. The built-in default
//! is `policy.json` at the repository root, compiled into the binary.

mod parse;

use serde_json::Value;

use crate::error::{PolicyError, Problem};
use crate::reserved::TokenKind;

/// The default policy, `policy.json`, as built into the binary.
pub const DEFAULT_POLICY_JSON: &str = include_str!("../policy.json");

/// The name under which the built-in policy is reported.
pub const DEFAULT_POLICY_NAME: &str = "built-in policy.json";

/// A validated policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Free text for humans.
    pub description: Option<String>,
    /// Suppression rules, in file order.
    pub suppress: Vec<SuppressRule>,
    /// Claim rules, in file order: where several set one claim, the last that
    /// yields a value wins.
    pub claims: Vec<ClaimRule>,
    /// Scope rules, in file order.
    pub scopes: Vec<ScopeRule>,
    /// The filter on the groups in `cognito:groups`, if any.
    pub groups: Option<GroupFilter>,
    /// Things that are valid but probably not meant, with their places.
    pub warnings: Vec<Problem>,
}

/// The tokens a rule changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tokens {
    /// The ID token.
    pub id: bool,
    /// The access token.
    pub access: bool,
}

impl Tokens {
    /// Both tokens: the default when a rule names none.
    pub const BOTH: Self = Self {
        id: true,
        access: true,
    };

    /// Whether the rule changes `token`.
    pub fn has(self, token: TokenKind) -> bool {
        match token {
            TokenKind::Id => self.id,
            TokenKind::Access => self.access,
        }
    }

    /// The tokens, ID first.
    pub fn iter(self) -> impl Iterator<Item = TokenKind> {
        [(self.id, TokenKind::Id), (self.access, TokenKind::Access)]
            .into_iter()
            .filter_map(|(on, t)| on.then_some(t))
    }
}

/// When a rule applies. Each list, when not empty, must match one of its
/// entries; all non-empty lists must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Condition {
    /// App client IDs (`callerContext.clientId`).
    pub client_ids: Vec<String>,
    /// Trigger sources (`triggerSource`).
    pub trigger_sources: Vec<String>,
    /// Groups the user must be in (one of them).
    pub groups: Vec<String>,
}

impl Condition {
    /// Whether the condition is always true.
    pub fn is_always(&self) -> bool {
        self.client_ids.is_empty() && self.trigger_sources.is_empty() && self.groups.is_empty()
    }
}

/// Claims to remove from tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressRule {
    /// Claim names, presets expanded.
    pub claims: Vec<String>,
    /// The tokens they are removed from.
    pub tokens: Tokens,
    /// When the rule applies.
    pub when: Condition,
}

/// A claim to add to or override in tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimRule {
    /// The claim name.
    pub claim: String,
    /// Where its value comes from.
    pub source: Source,
    /// What to do when the source has no value for this user.
    pub if_missing: IfMissing,
    /// The tokens it goes in.
    pub tokens: Tokens,
    /// When the rule applies.
    pub when: Condition,
}

/// Where a claim's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A user attribute, converted.
    Attribute {
        /// The attribute name, as `custom:tenantId`.
        name: String,
        /// The conversion of its string value.
        convert: Conversion,
    },
    /// A constant of any JSON type.
    Value(Value),
    /// Values of the user's groups, merged: objects deep-merged, anything
    /// else collected into a list.
    Groups(Vec<(String, Value)>),
    /// A field of the event itself.
    Context(ContextField),
}

/// The conversion of an attribute's string value (V2/V3; V1 sends JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conversion {
    /// Kept as the string it is.
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
}

/// A field of the event usable as a claim value.
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
}

impl ContextField {
    /// The word a policy uses for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClientId => "clientId",
            Self::UserPoolId => "userPoolId",
            Self::Region => "region",
            Self::TriggerSource => "triggerSource",
        }
    }
}

/// What to do when a claim's source has no value for a user.
#[derive(Debug, Clone, PartialEq)]
pub enum IfMissing {
    /// Leave the claim out (the default).
    Skip,
    /// Refuse to issue tokens.
    Fail,
    /// Use this value instead.
    Default(Value),
}

/// Scopes to add to and remove from the access token (V2/V3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeRule {
    /// Scopes to add.
    pub add: Vec<String>,
    /// Scopes to remove.
    pub suppress: Vec<String>,
    /// When the rule applies.
    pub when: Condition,
}

/// A filter on the groups that reach `cognito:groups`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFilter {
    /// Keep only the matching groups, or remove them.
    pub mode: FilterMode,
    /// Group names; a trailing `*` matches any suffix.
    pub patterns: Vec<String>,
    /// When the filter applies.
    pub when: Condition,
}

/// How a [`GroupFilter`] uses its patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterMode {
    /// Keep only groups that match.
    Keep,
    /// Remove groups that match.
    Remove,
}

impl GroupFilter {
    /// Whether the filter lets `group` through.
    pub fn keeps(&self, group: &str) -> bool {
        let matched = self.patterns.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => group.starts_with(prefix),
            None => group == p,
        });
        matched == (self.mode == FilterMode::Keep)
    }
}

impl Policy {
    /// Parses and validates a policy; `source_name` names it in problems.
    pub fn from_json(text: &str, source_name: &str) -> Result<Self, PolicyError> {
        parse::parse(text).map_err(|problems| PolicyError {
            source_name: source_name.to_owned(),
            problems,
        })
    }

    /// The built-in default policy.
    pub fn builtin() -> Result<Self, PolicyError> {
        Self::from_json(DEFAULT_POLICY_JSON, DEFAULT_POLICY_NAME)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_policy_is_valid() {
        let p = Policy::builtin().unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert!(!p.suppress.is_empty() && !p.claims.is_empty());
    }

    #[test]
    fn group_filter_patterns() {
        let f = GroupFilter {
            mode: FilterMode::Keep,
            patterns: vec!["app-*".into(), "admins".into()],
            when: Condition::default(),
        };
        assert!(f.keeps("app-reader"));
        assert!(f.keeps("admins"));
        assert!(!f.keeps("admins2"));
        let r = GroupFilter {
            mode: FilterMode::Remove,
            ..f
        };
        assert!(!r.keeps("app-reader"));
        assert!(r.keeps("staff"));
    }
}
