//! Loading: policy JSON into the model, every problem with its path.
//!
//! Contract: the whole document is read even after a problem, so `pretoken
//! check` can list them all; each problem carries the path of the field, as
//! `claims[1].tokens[0]`. A [`Policy`] is returned only when there is none:
//! a policy with any problem is never applied, not even in part. This layer
//! imports the model and the leaves, never `eval`. `reader.rs` holds what
//! every form shares; `rules.rs` the top level and the rule kinds; one file
//! per form beside them; `routing.rs` routing documents; `env.rs`
//! `{env.NAME}` resolution; `schema.rs` the JSON Schema of the language.

pub mod condition;
pub mod copy;
pub mod env;
pub mod groups;
pub mod lookup;
pub mod reader;
pub mod routing;
pub mod rules;
pub mod schema;
pub mod source;
pub mod template;
pub mod transform;

use crate::error::PolicyError;
use crate::model::{DEFAULT_POLICY_JSON, DEFAULT_POLICY_NAME, Policy};

pub use routing::{POOL_FIELDS, ROUTING_FIELDS};
pub use rules::{CLAIM_FIELDS, DENY_FIELDS, FIELDS, SCOPE_FIELDS, SUPPRESS_FIELDS};

impl Policy {
    /// Parses and validates a policy; `source_name` names it in problems.
    pub fn from_json(text: &str, source_name: &str) -> Result<Self, PolicyError> {
        rules::parse(text).map_err(|problems| PolicyError {
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
}
