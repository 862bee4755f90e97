//! Errors, one enum per layer.
//!
//! Contract: the `Display` text of [`TriggerError`] is what Cognito shows the
//! end user (`PreTokenGeneration failed with error <text>.`), so it names
//! fields, claims and attributes but never a value from the event, and never
//! internals. Details for the operator go to the log.

use std::fmt;

use thiserror::Error;

/// A problem with the shape of an incoming event.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EventError {
    /// The bytes are not JSON at all (only reachable from the CLI: the Lambda
    /// runtime rejects such events before the handler runs).
    #[error("the event is not valid JSON ({0})")]
    NotJson(String),
    /// An object repeats a key: parsers disagree on which one counts.
    #[error("the event repeats the key {0}")]
    Duplicate(String),
    /// Larger than Lambda accepts for a synchronous invocation.
    #[error("the event is {0} bytes, over Lambda's 6 MB limit")]
    TooLarge(usize),
    /// The JSON is valid but is not an object.
    #[error("the event must be a JSON object, not {0}")]
    NotAnObject(&'static str),
    /// A field Cognito defines has the wrong JSON type.
    #[error("{path} must be {expected}, not {found}")]
    WrongType {
        /// Where the field is, as `request.userAttributes["email"]`.
        path: String,
        /// What the field must be, as "a string".
        expected: &'static str,
        /// The JSON type it has, as "a number".
        found: &'static str,
    },
}

/// A rule of a valid policy that cannot be satisfied for one user.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleError {
    /// Rule evaluation ran past the invocation's budget
    /// (`PRETOKEN_EVAL_BUDGET_MS`): stopped between rules, sign-in refused.
    #[error("the policy took too long")]
    OutOfTime,
    /// `ifMissing: "fail"` and the attribute is absent.
    #[error("required attribute {attribute} is missing (claim {claim})")]
    MissingAttribute {
        /// The claim the rule adds.
        claim: String,
        /// The user attribute it reads.
        attribute: String,
    },
    /// `ifMissing: "fail"` and the user is in none of the mapped groups.
    #[error("the user is in none of the groups that claim {claim} requires")]
    MissingGroups {
        /// The claim the rule adds.
        claim: String,
    },
    /// `ifMissing: "fail"` and the event carries no such context field.
    #[error("the event has no {field} (claim {claim})")]
    MissingContext {
        /// The claim the rule adds.
        claim: String,
        /// The event field it reads, as "clientId".
        field: &'static str,
    },
    /// `ifMissing: "fail"` and a computed value (template, transform,
    /// `firstOf`, `object`, client metadata) has none for this user.
    #[error("claim {claim} has no value for this user")]
    NoValue {
        /// The claim the rule adds.
        claim: String,
    },
    /// A value does not convert to the type the rule asks for.
    #[error("{what} is not a valid {to} (claim {claim})")]
    Conversion {
        /// The claim the rule adds.
        claim: String,
        /// What was converted, as "attribute custom:level": never a value.
        what: String,
        /// The target type, as "number".
        to: &'static str,
    },
    /// Lookup results given offline (`--lookup-data`, a test file) have the
    /// wrong shape for their lookup.
    #[error("{0}")]
    LookupData(String),
}

/// One problem found in a policy, with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the policy, as `claims[1].claim` (empty for the whole file).
    pub path: String,
    /// What is wrong and, where it helps, how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every problem found in a policy: a policy is applied whole or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct PolicyError {
    /// Where the policy came from, as a file name or an environment variable.
    pub source_name: String,
    /// The problems, in file order; never empty.
    pub problems: Vec<Problem>,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "policy {} is invalid ({n} problem{})",
            self.source_name,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  {}: {p}", self.source_name)?;
        }
        Ok(())
    }
}

/// The function's configuration cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// The policy parsed but breaks the rules, or did not parse.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The policy file could not be read.
    #[error("cannot read policy file {path}: {reason}")]
    PolicyFile {
        /// The path that was given.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// Both ways of supplying a policy were set: which one wins would be a guess.
    #[error(
        "more than one of PRETOKEN_POLICY (or PRETOKEN_POLICY_PARAMETER), PRETOKEN_POLICY_FILE and PRETOKEN_POLICY_APPCONFIG is set: set only one"
    )]
    TwoPolicies,
    /// `PRETOKEN_POLICY` is set but empty: a policy lost on the way, never
    /// the built-in one.
    #[error(
        "PRETOKEN_POLICY is set but empty: give the policy as JSON, or unset it to use the built-in policy"
    )]
    EmptyPolicy,
    /// The AppConfig settings (`PRETOKEN_POLICY_APPCONFIG` and its companions)
    /// are invalid.
    #[error("{0}")]
    AppConfig(String),
    /// A lookup setting (`PRETOKEN_LOOKUP_CACHE_ENTRIES`) is invalid.
    #[error("{0}")]
    Lookups(String),
    /// `PRETOKEN_EVAL_BUDGET_MS` is not a whole number from 10 to 4,500.
    #[error("PRETOKEN_EVAL_BUDGET_MS must be a whole number of milliseconds from 10 to 4500")]
    EvalBudget,
    /// `PRETOKEN_LAMBDA_VERSION` is not one of the pool's `LambdaVersion` values.
    #[error(
        "PRETOKEN_LAMBDA_VERSION must be V1_0, V2_0 or V3_0 (as the user pool's LambdaVersion)"
    )]
    LambdaVersion,
    /// The policy declares lookups, but this function was built without
    /// them (`pretoken-lambda`, not `pretoken-lambda-lookups`).
    #[error("{}", crate::error::WITHOUT_LOOKUPS)]
    BuiltWithoutLookups,
}

/// Why a function built without lookups refuses a policy with lookups, and
/// the remedy.
pub const WITHOUT_LOOKUPS: &str = "this function was built without lookups, but the policy declares lookups: deploy with LookupTableName or AllowAdminGetUser set (or Lookups=true), which deploys pretoken-lambda-lookups, the function built with them";

/// Why one invocation failed. `Display` is the user-safe text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TriggerError {
    /// The event is malformed.
    #[error("invalid event: {0}")]
    Event(#[from] EventError),
    /// A rule cannot be satisfied for this user.
    #[error("cannot issue tokens: {0}")]
    Rule(#[from] RuleError),
    /// A deny rule of the policy holds: its constant message, as written.
    #[error("{message}")]
    Denied {
        /// The deny rule's index in the policy, for the log.
        rule: usize,
        /// The policy's message for the user.
        message: String,
    },
    /// The configuration in force is invalid: no token may be issued, since
    /// its suppressions cannot be enforced. The detail is logged, not shown.
    #[error("token customization is misconfigured; sign-in is blocked until it is fixed")]
    Config,
    /// The event's version is not 1, 2 or 3 and no version is configured, so
    /// the response container the pool reads cannot be known.
    #[error("unsupported event version")]
    UnknownVersion,
    /// The policy comes from AppConfig and no valid version could be loaded
    /// yet (agent unreachable, error, timeout, invalid policy): the next
    /// invocation tries again. The detail is logged.
    #[error("the token policy could not be loaded; sign-in is blocked until it can be")]
    PolicyUnavailable,
    /// A routing document has no policy for the event's pool and client:
    /// issuing tokens without the intended suppressions must not happen.
    #[error("no token policy is configured for this app client")]
    NoPolicy,
    /// A lookup the policy needs could not be read (timeout, throttling,
    /// missing table, access denied, service error) and says
    /// `"ifUnavailable": "fail"`: tokens without its claims must not be
    /// issued. Names the lookup only; the kind of failure is logged.
    #[error("the data for sign-in could not be read (lookup {lookup}); please try again")]
    LookupUnavailable {
        /// The lookup's name in the policy.
        lookup: String,
    },
}

impl TriggerError {
    /// A stable name for the class of error, used as the Lambda `errorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Event(_) => "InvalidEvent",
            Self::Rule(_) => "RuleFailed",
            Self::Denied { .. } => "SignInDenied",
            Self::Config => "InvalidConfiguration",
            Self::UnknownVersion => "UnknownEventVersion",
            Self::NoPolicy => "NoMatchingPolicy",
            Self::PolicyUnavailable => "PolicyUnavailable",
            Self::LookupUnavailable { .. } => "LookupUnavailable",
        }
    }
}

#[cfg(feature = "lambda")]
impl From<TriggerError> for lambda_runtime::Diagnostic {
    fn from(e: TriggerError) -> Self {
        Self {
            error_type: e.error_type().to_owned(),
            error_message: e.to_string(),
        }
    }
}
