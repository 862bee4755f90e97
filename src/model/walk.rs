//! The one walk over a policy's rules, each with its place: what the
//! attribute reads (`reads.rs`), the lookup plan (`crate::eval::plan`),
//! `check --template` and `verify` all go through.
//!
//! Contract: rules come in one fixed order (lookups, `deny`, `suppress`,
//! `claims`, `copyAttributes`, `scopes`, `groups`, `roles`), each with its
//! place as the loader names it (`claims[2]`); [`walk_document`] visits
//! every policy of a routing document, places prefixed with the route.

use super::condition::Condition;
use super::copy::CopyRule;
use super::groups::{GroupFilter, RoleFilter};
use super::lookup::Lookup;
use super::source::Source;
use super::template::Template;
use super::{ClaimRule, DenyRule, Policy, ScopeRule, SuppressRule, Tokens};

/// One rule of a policy.
#[derive(Debug, Clone, Copy)]
pub enum Rule<'p> {
    /// A lookup declaration (its keys read the event).
    Lookup(&'p Lookup),
    /// A `deny` rule.
    Deny(&'p DenyRule),
    /// A `suppress` rule.
    Suppress(&'p SuppressRule),
    /// A `claims` rule.
    Claim(&'p ClaimRule),
    /// A `copyAttributes` rule.
    Copy(&'p CopyRule),
    /// A `scopes` rule.
    Scope(&'p ScopeRule),
    /// The `groups` section.
    Groups(&'p GroupFilter),
    /// The `roles` section.
    Roles(&'p RoleFilter),
}

/// A rule with its place in the policy.
#[derive(Debug, Clone)]
pub struct Placed<'p> {
    /// The rule's place, as `claims[0]` (prefixed with the route by
    /// [`walk_document`]).
    pub place: String,
    /// The rule.
    pub rule: Rule<'p>,
}

impl<'p> Rule<'p> {
    /// The rule's condition (a lookup declaration has none).
    pub fn when(self) -> Option<&'p Condition> {
        match self {
            Self::Lookup(_) => None,
            Self::Deny(r) => Some(&r.when),
            Self::Suppress(r) => Some(&r.when),
            Self::Claim(r) => Some(&r.when),
            Self::Copy(r) => Some(&r.when),
            Self::Scope(r) => Some(&r.when),
            Self::Groups(r) => Some(&r.when),
            Self::Roles(r) => Some(&r.when),
        }
    }

    /// The tokens whose claims the rule changes: none for rules that change
    /// no claim (lookups, `deny`, `groups`, `roles`), the access token for
    /// scopes.
    pub fn tokens(self) -> Option<Tokens> {
        match self {
            Self::Suppress(r) => Some(r.tokens),
            Self::Claim(r) => Some(r.tokens),
            Self::Copy(r) => Some(r.tokens),
            Self::Scope(_) => Some(Tokens {
                id: false,
                access: true,
            }),
            Self::Lookup(_) | Self::Deny(_) | Self::Groups(_) | Self::Roles(_) => None,
        }
    }

    /// The value sources the rule evaluates, each with its place inside
    /// the rule (`addFrom`, or empty for a claim's own source).
    pub fn sources(self) -> Vec<(&'static str, &'p Source)> {
        match self {
            Self::Claim(r) => vec![("", &r.source)],
            Self::Groups(r) => r.add_from.iter().map(|s| ("addFrom", s)).collect(),
            Self::Roles(r) => r.preferred.iter().map(|s| ("preferred", s)).collect(),
            _ => Vec::new(),
        }
    }

    /// The templates the rule renders outside its sources (scopes added,
    /// lookup keys), each with its place inside the rule (`add[1]`, or
    /// empty for the rule itself).
    pub fn templates(self) -> Vec<(String, &'p Template)> {
        match self {
            Self::Scope(r) => r
                .add
                .iter()
                .enumerate()
                .map(|(j, t)| (format!("add[{j}]"), t))
                .collect(),
            Self::Lookup(l) => l
                .kind
                .key_templates()
                .into_iter()
                .map(|t| (String::new(), t))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Every rule of one policy (not of its routes), in the fixed order.
pub fn walk(policy: &Policy) -> Vec<Placed<'_>> {
    let mut out = Vec::new();
    let mut push = |place: String, rule| out.push(Placed { place, rule });
    for l in &policy.lookups {
        push(format!("lookups.{}", l.name), Rule::Lookup(l));
    }
    for (i, r) in policy.deny.iter().enumerate() {
        push(format!("deny[{i}]"), Rule::Deny(r));
    }
    for (i, r) in policy.suppress.iter().enumerate() {
        push(format!("suppress[{i}]"), Rule::Suppress(r));
    }
    for (i, r) in policy.claims.iter().enumerate() {
        push(format!("claims[{i}]"), Rule::Claim(r));
    }
    for (i, r) in policy.copy_attributes.iter().enumerate() {
        push(format!("copyAttributes[{i}]"), Rule::Copy(r));
    }
    for (i, r) in policy.scopes.iter().enumerate() {
        push(format!("scopes[{i}]"), Rule::Scope(r));
    }
    if let Some(g) = &policy.groups {
        push("groups".to_owned(), Rule::Groups(g));
    }
    if let Some(r) = &policy.roles {
        push("roles".to_owned(), Rule::Roles(r));
    }
    out
}

/// Every rule of every policy of a document, places prefixed with the
/// route (`pools.ID.default.claims[0]`) in a routing document.
pub fn walk_document(document: &Policy) -> Vec<Placed<'_>> {
    document
        .documents()
        .into_iter()
        .flat_map(|p| {
            let prefix = if p.route.is_empty() {
                String::new()
            } else {
                format!("{}.", p.route)
            };
            walk(p).into_iter().map(move |mut r| {
                r.place.insert_str(0, &prefix);
                r
            })
        })
        .collect()
}

/// Joins a place inside a rule to the rule's place.
pub fn sub_place(place: &str, inner: &str) -> String {
    if inner.is_empty() {
        place.to_owned()
    } else {
        format!("{place}.{inner}")
    }
}
