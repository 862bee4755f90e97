//! Conditions as data: `"when"` on a rule, and the predicates on attribute,
//! client-metadata and lookup values.
//!
//! Contract: every field of one `when` must hold; each list, when given, must
//! match one of its entries (`groups` and patterns: exact, or a prefix ending
//! in `*`). `attributes` and `clientMetadata` map names to PREDICATEs, all of
//! whose parts must hold; an absent value fails every part except
//! `"present": false`. `all`, `any` and `not` combine whole conditions.
//! Loading is `crate::load::condition`, deciding `crate::eval::condition`.

use super::refs::FieldPath;
use super::transform::Regex;

/// When a rule applies. An empty condition always holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Condition {
    /// App client IDs (`callerContext.clientId`).
    pub client_ids: Vec<String>,
    /// Trigger sources (`triggerSource`).
    pub trigger_sources: Vec<String>,
    /// Groups the user must be in (one of them): names or `prefix*`.
    pub groups: Vec<String>,
    /// User pool IDs (`userPoolId`).
    pub user_pool_ids: Vec<String>,
    /// Predicates on user attributes.
    pub attributes: Vec<(String, Predicate)>,
    /// Predicates on client-metadata entries.
    pub client_metadata: Vec<(String, Predicate)>,
    /// Predicates on lookup results: the lookup's index, its name, the field
    /// (empty: the item itself).
    pub lookups: Vec<(usize, String, FieldPath, Predicate)>,
    /// Conditions that must all hold.
    pub all: Vec<Condition>,
    /// Conditions of which one must hold.
    pub any: Vec<Condition>,
    /// A condition that must not hold.
    pub not: Option<Box<Condition>>,
}

/// A value `equals` and `in` compare with. Attribute and client-metadata
/// values are text, so their predicates take text only; a lookup value is
/// compared by type: a number numerically, a boolean only with a boolean, a
/// string only with a string. A mismatch cannot be decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// A string (stored lowered with `ignoreCase`).
    Text(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
}

/// Tests on one value; all given tests must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Predicate {
    /// `present`: whether the value must exist.
    pub present: Option<bool>,
    /// `equals`.
    pub equals: Option<Expected>,
    /// `in`.
    pub one_of: Vec<Expected>,
    /// `startsWith`.
    pub starts_with: Option<String>,
    /// `endsWith`.
    pub ends_with: Option<String>,
    /// `matches`: a regular expression (found anywhere unless anchored).
    pub matches: Option<Regex>,
    /// `ignoreCase`: ASCII letters folded in every test (the expected texts
    /// are stored lowered): a non-ASCII look-alike never matches.
    pub ignore_case: bool,
}

/// The fields of a `when`.
pub const WHEN_FIELDS: &[&str] = &[
    "clientIds",
    "triggerSources",
    "groups",
    "userPoolIds",
    "attributes",
    "clientMetadata",
    "lookups",
    "all",
    "any",
    "not",
];

/// The fields of a predicate.
pub const PREDICATE_FIELDS: &[&str] = &[
    "present",
    "equals",
    "in",
    "startsWith",
    "endsWith",
    "matches",
    "ignoreCase",
];

impl Predicate {
    /// Whether the predicate tests nothing but presence: it decides on an
    /// absent value as on any present one.
    pub fn tests_presence_only(&self) -> bool {
        self.equals.is_none()
            && self.one_of.is_empty()
            && self.starts_with.is_none()
            && self.ends_with.is_none()
            && self.matches.is_none()
    }
}

impl Condition {
    /// Whether the condition always holds.
    pub fn is_always(&self) -> bool {
        *self == Self::default()
    }

    /// The lookups the condition reads (indexes, repeats possible).
    pub fn lookups_read(&self, out: &mut Vec<usize>) {
        out.extend(self.lookups.iter().map(|(i, ..)| *i));
        for c in self.all.iter().chain(&self.any).chain(self.not.as_deref()) {
            c.lookups_read(out);
        }
    }

    /// Whether the condition reads client metadata anywhere.
    pub fn reads_client_metadata(&self) -> bool {
        !self.client_metadata.is_empty()
            || self
                .all
                .iter()
                .chain(&self.any)
                .chain(self.not.as_deref())
                .any(Self::reads_client_metadata)
    }
}
