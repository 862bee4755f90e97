//! The policy as data: what to refuse, suppress and add, scopes, groups and
//! roles, lookups and routes.
//!
//! Contract: this layer holds types and pure queries over them, nothing
//! else. It imports only the leaves (`json`, `error`, `reserved`); loading
//! (`crate::load`) builds these types from JSON and evaluation
//! (`crate::eval`) reads them with an event; neither is imported here. A
//! [`Policy`] exists only once `load` has validated it whole.
//!
//! One file per family of forms: `source.rs` (where a value comes from),
//! `template.rs`, `transform.rs` (steps and their types), `condition.rs`
//! (`when` and predicates), `groups.rs` (group and role overrides), `copy.rs`
//! (`copyAttributes`), `lookup.rs` (lookup declarations), `routing.rs` (one
//! document, many pools and clients); `walk.rs` visits every rule with its
//! place, and `reads.rs` lists what a policy reads.

pub mod condition;
pub mod copy;
pub mod groups;
pub mod lookup;
pub mod reads;
pub mod refs;
pub mod routing;
pub mod source;
pub mod template;
pub mod transform;
pub mod walk;

use serde_json::Value;

pub use condition::{Condition, Expected, PREDICATE_FIELDS, Predicate, WHEN_FIELDS};
pub use copy::{COPY_FIELDS, CopyRule, Rename};
pub use groups::{FilterMode, GROUP_FIELDS, GroupFilter, ROLE_FIELDS, RoleFilter, is_role_arn};
pub use lookup::{DYNAMODB_FIELDS, LOOKUP_FIELDS};
pub use refs::{ContextField, FieldPath, glob_matches};
pub use routing::{PoolRoutes, Routes};
pub use source::{Conversion, Pick, SOURCE_KEYS, SOURCE_OPTIONS, Source, SourceKind};
pub use template::{Part, Template};
pub use transform::{OBJECT_STEPS, Regex, Step, Ty, WORD_STEPS};

use crate::error::Problem;
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
    /// Named reads of data outside the event (DynamoDB, the user pool),
    /// made before the rules are applied (`lookup.rs`).
    pub lookups: Vec<lookup::Lookup>,
    /// Rules that refuse sign-in, decided before anything else.
    pub deny: Vec<DenyRule>,
    /// Suppression rules, in file order.
    pub suppress: Vec<SuppressRule>,
    /// Claim rules, in file order: where several set one claim, the last that
    /// yields a value wins.
    pub claims: Vec<ClaimRule>,
    /// Scope rules, in file order.
    pub scopes: Vec<ScopeRule>,
    /// Attributes copied as claims, before the claim rules.
    pub copy_attributes: Vec<CopyRule>,
    /// The filter on and additions to the user's groups, if any.
    pub groups: Option<GroupFilter>,
    /// The filter on and additions to the user's IAM roles, if any.
    pub roles: Option<RoleFilter>,
    /// Where this policy stands in its document: empty for a plain policy,
    /// `default` or `pools.ID.clients.ID` in a routing document.
    pub route: String,
    /// The routes, when the document is a routing document (`routing.rs`).
    pub routes: Option<Box<Routes>>,
    /// Things that are valid but probably not meant, with their places (of
    /// the whole document).
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

/// Claims to remove from tokens.
#[derive(Debug, Clone, PartialEq)]
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
    /// `"trust": "user"`: the team knows the value is the user's own say (a
    /// display name), so `check --template` does not warn that a user can
    /// write what it reads.
    pub trust_user: bool,
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
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeRule {
    /// Scopes to add (templates: one whose placeholder has no value, or
    /// whose text has a space, is not added).
    pub add: Vec<Template>,
    /// Scopes to remove.
    pub suppress: Vec<String>,
    /// When the rule applies.
    pub when: Condition,
}

/// A rule that refuses sign-in.
#[derive(Debug, Clone, PartialEq)]
pub struct DenyRule {
    /// When sign-in is refused.
    pub when: Condition,
    /// The constant text Cognito shows the user.
    pub message: String,
    /// What a condition that cannot be decided (it reads a lookup that
    /// failed, was skipped, was not made or found no item, or a value of
    /// another type than its test) does: refuse (also when not given, `None`)
    /// or allow.
    pub if_unknown: Option<IfUnknown>,
}

impl DenyRule {
    /// Whether a condition that cannot be decided lets sign-in go on.
    pub fn allows_unknown(&self) -> bool {
        self.if_unknown == Some(IfUnknown::Allow)
    }
}

/// A deny rule's `"ifUnknown"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfUnknown {
    /// Refuse sign-in (fail closed).
    Deny,
    /// Let sign-in go on.
    Allow,
}
