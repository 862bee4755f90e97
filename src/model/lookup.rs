//! Lookup declarations: named reads of data that is not in the event (a DynamoDB item
//! or query, the user pool's `AdminGetUser`), declared at the top level and
//! used as a SOURCE (`"lookup"`, `"field"`), in templates
//! (`{lookups.NAME.FIELD}`) and in conditions (`"lookups"`).
//!
//! Contract: this file only holds the declarations (`crate::load::lookup` reads and checks them); nothing here
//! makes a request (`crate::eval::plan` plans them, `crate::lookup` makes
//! them). Key values are templates over the event (never over other lookups:
//! lookups do not chain). Table names and regions are literal or `{env.NAME}`,
//! resolved when the function's configuration loads (`Policy::resolve_env`, in `crate::load::env`).
//! Each lookup is bounded in time (`timeoutMs`, default 300, at most 2,000;
//! at most 3,000 over one policy's lookups), `ifUnavailable` says whether a
//! failed read refuses tokens (`fail`, the default) or reads as no value
//! (`skip`), `cacheSeconds` (default 0) lets a warm environment reuse a
//! result.

use std::time::Duration;

use super::Policy;
use super::template::{Part, Template};

/// The fields of one lookup.
pub const LOOKUP_FIELDS: &[&str] = &[
    "dynamodb",
    "cognito",
    "region",
    "timeoutMs",
    "cacheSeconds",
    "ifUnavailable",
];

/// The fields of a `dynamodb` lookup.
pub const DYNAMODB_FIELDS: &[&str] = &[
    "table",
    "key",
    "query",
    "index",
    "limit",
    "descending",
    "region",
];

/// The fields of a sort-key condition in a query.
pub const SORT_KEY_FIELDS: &[&str] = &["beginsWith"];

/// The values of `"cognito"`.
pub const COGNITO_KINDS: &[&str] = &["adminGetUser"];

/// The fields an `adminGetUser` lookup yields.
pub const ADMIN_GET_USER_FIELDS: &[&str] = &[
    "mfaEnabled",
    "preferredMfa",
    "mfaMethods",
    "userStatus",
    "enabled",
];

/// The timeout when none is given.
pub const DEFAULT_TIMEOUT_MS: u64 = 300;

/// The longest timeout of one lookup.
pub const MAX_TIMEOUT_MS: u64 = 2_000;

/// The longest sum of one policy's lookup timeouts: Cognito gives the whole
/// trigger 5 seconds, cold start included.
pub const MAX_TOTAL_TIMEOUT_MS: u64 = 3_000;

/// The query limit when none is given.
pub const DEFAULT_QUERY_LIMIT: u32 = 10;

/// The largest query limit.
pub const MAX_QUERY_LIMIT: u32 = 100;

/// The longest cache lifetime (one day).
pub const MAX_CACHE_SECONDS: u64 = 86_400;

/// One declared lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    /// Its name in the policy (safe to log).
    pub name: String,
    /// What it reads.
    pub kind: LookupKind,
    /// The bound on the whole read, retries included.
    pub timeout: Duration,
    /// How long a result may be reused (zero: never).
    pub cache: Duration,
    /// What a failed read means.
    pub if_unavailable: IfUnavailable,
    /// The region, when not the function's own (`AWS_REGION`).
    pub region: Option<EnvText>,
}

/// What a lookup reads.
#[derive(Debug, Clone, PartialEq)]
pub enum LookupKind {
    /// DynamoDB `GetItem`: one item by its whole key.
    Get {
        /// The table.
        table: EnvText,
        /// Key attribute names and their values (strings, `S`).
        key: Vec<(String, Template)>,
    },
    /// DynamoDB `Query` on a partition key.
    Query {
        /// The table.
        table: EnvText,
        /// A global secondary index, if any.
        index: Option<String>,
        /// The partition key attribute and its value.
        partition: (String, Template),
        /// A sort key attribute and the prefix its values must begin with.
        sort_begins_with: Option<(String, Template)>,
        /// The most items read.
        limit: u32,
        /// Sort-key order reversed.
        descending: bool,
    },
    /// Cognito `AdminGetUser` for the event's pool and user.
    AdminGetUser,
}

impl LookupKind {
    /// The word logs and errors use for the kind.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Get { .. } => "dynamodb:GetItem",
            Self::Query { .. } => "dynamodb:Query",
            Self::AdminGetUser => "cognito-idp:AdminGetUser",
        }
    }

    /// The key templates (what the event must supply for the read).
    pub fn key_templates(&self) -> Vec<&Template> {
        match self {
            Self::Get { key, .. } => key.iter().map(|(_, t)| t).collect(),
            Self::Query {
                partition,
                sort_begins_with,
                ..
            } => std::iter::once(&partition.1)
                .chain(sort_begins_with.as_ref().map(|(_, t)| t))
                .collect(),
            Self::AdminGetUser => Vec::new(),
        }
    }
}

/// What a failed read means for the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfUnavailable {
    /// Refuse to issue tokens (the default): a claim that cannot be computed
    /// must not silently go missing.
    Fail,
    /// The lookup reads as no value; each rule's `ifMissing` decides.
    Skip,
}

/// A text that is literal or made of `{env.NAME}` placeholders, resolved
/// when the configuration loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvText {
    /// As written.
    pub template: Template,
    /// The text with every variable read (`None` until resolved).
    pub resolved: Option<String>,
}

impl EnvText {
    /// The variables it reads.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.template.parts.iter().filter_map(|p| match p {
            Part::Env(v) => Some(v.as_str()),
            _ => None,
        })
    }
}

impl Policy {
    /// Whether this policy, or any policy of its routes, declares lookups.
    pub fn has_lookups(&self) -> bool {
        self.documents().iter().any(|p| !p.lookups.is_empty())
    }

    /// The lookups of this policy and of every route, with their policies'
    /// routes.
    pub fn all_lookups(&self) -> Vec<(&str, &Lookup)> {
        self.documents()
            .into_iter()
            .flat_map(|p| p.lookups.iter().map(|l| (p.route.as_str(), l)))
            .collect()
    }
}
