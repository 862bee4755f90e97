//! The AWS AppConfig `LAMBDA` validator (`pretoken-validate`): checks a new
//! policy version exactly as the trigger loads it, before AppConfig rolls it
//! out.
//!
//! Contract: the event is AppConfig's (`applicationId`,
//! `configurationProfileId`, `configurationVersion`, `content` as base64,
//! `uri`). A valid policy (or routing document) returns its summary; anything
//! else is an error whose message lists every problem with its path, so that
//! AppConfig refuses the deployment and the console shows why. Messages carry
//! paths and field names, never content.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::model::Policy;

/// Why a version is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The event is not AppConfig's validator event.
    Event(String),
    /// The content is not a valid policy: every problem, with its path.
    Policy(Vec<String>),
}

impl Refusal {
    /// The Lambda `errorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Event(_) => "InvalidValidatorEvent",
            Self::Policy(_) => "InvalidPolicy",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Event(m) => write!(f, "not an AppConfig validator event: {m}"),
            Self::Policy(problems) => {
                let n = problems.len();
                write!(
                    f,
                    "the policy is invalid ({n} problem{}): {}",
                    if n == 1 { "" } else { "s" },
                    problems.join("; ")
                )
            }
        }
    }
}

/// The largest content accepted: exactly what the function fetches
/// ([`crate::appconfig::MAX_BODY`]), so a version the validator lets through
/// is never one the function cannot read.
const MAX_CONTENT: usize = crate::appconfig::MAX_BODY;

/// Which function a validator guards: `pretoken-lambda` (built without
/// lookups, the default) or `pretoken-lambda-lookups`. The template sets it
/// from the same condition that chooses the function it deploys.
pub const ENV_GUARDED_FUNCTION: &str = "PRETOKEN_GUARDED_FUNCTION";

/// Whether the function named by [`ENV_GUARDED_FUNCTION`] (read through
/// `var`) can make lookups; unset means the default function, which cannot.
pub fn guards_lookups(var: impl Fn(&str) -> Option<String>) -> Result<bool, Refusal> {
    match var(ENV_GUARDED_FUNCTION).as_deref().map(str::trim) {
        None | Some("" | "pretoken-lambda") => Ok(false),
        Some("pretoken-lambda-lookups") => Ok(true),
        Some(_) => Err(Refusal::Event(format!(
            "{ENV_GUARDED_FUNCTION} must be pretoken-lambda or pretoken-lambda-lookups"
        ))),
    }
}

/// Validates an AppConfig validator event for a function built with
/// lookups; on success, a summary of the policy (for the log and the caller).
pub fn validate(event: &Value) -> Result<Value, Refusal> {
    validate_for(event, true)
}

/// Validates an AppConfig validator event for the function it guards: one
/// built without lookups (`lookups_built` false) refuses a policy that
/// declares lookups, as that function would.
pub fn validate_for(event: &Value, lookups_built: bool) -> Result<Value, Refusal> {
    let field = |name: &str| match event.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(Refusal::Event(format!("{name} must be a string"))),
    };
    if !event.is_object() {
        return Err(Refusal::Event("the event must be a JSON object".into()));
    }
    let content = field("content")?.ok_or_else(|| Refusal::Event("content is missing".into()))?;
    let version = field("configurationVersion")?;
    let bytes = STANDARD
        .decode(content.trim())
        .map_err(|_| Refusal::Event("content is not base64".into()))?;
    if bytes.len() > MAX_CONTENT {
        return Err(Refusal::Policy(vec![format!(
            "the policy is {} bytes; the function fetches at most {MAX_CONTENT} bytes (1 MiB) from AppConfig, so it could never load it",
            bytes.len()
        )]));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Refusal::Policy(vec!["the policy is not UTF-8 text".into()]))?;
    let policy = Policy::from_json(&text, "content")
        .map_err(|e| Refusal::Policy(e.problems.iter().map(ToString::to_string).collect()))?;
    if !lookups_built && policy.has_lookups() {
        return Err(Refusal::Policy(vec![
            crate::error::WITHOUT_LOOKUPS.to_owned(),
        ]));
    }
    let routes = policy.routes.as_ref().map_or(0, |r| {
        r.pools
            .iter()
            .map(|(_, p)| usize::from(p.default.is_some()) + p.clients.len())
            .sum()
    });
    Ok(json!({
        "valid": true,
        "configurationVersion": version,
        "routes": routes,
        "warnings": policy.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(content: &str) -> Value {
        json!({
            "applicationId": "abc1234",
            "configurationProfileId": "ur8hx2f",
            "configurationVersion": "1",
            "content": STANDARD.encode(content),
            "uri": "hosted"
        })
    }

    #[test]
    fn validator_and_function_agree_on_size() {
        // Just over the function's fetch limit: refused, naming both numbers.
        let padding = " ".repeat(crate::appconfig::MAX_BODY);
        let big = format!(r#"{{"suppress": [{{"claims": ["email"]}}]}}{padding}"#);
        let e = validate(&event(&big)).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "the policy is invalid (1 problem): the policy is {} bytes; the function fetches at most 1048576 bytes (1 MiB) from AppConfig, so it could never load it",
                big.len()
            )
        );
        // At the limit it is read.
        let fits = format!(
            r#"{{"suppress": [{{"claims": ["email"]}}]}}{}"#,
            " ".repeat(crate::appconfig::MAX_BODY - 40)
        );
        assert!(fits.len() <= crate::appconfig::MAX_BODY);
        assert!(validate(&event(&fits)).is_ok());
    }

    #[test]
    fn a_valid_policy_passes_with_its_warnings() {
        let ok = validate(&event(crate::model::DEFAULT_POLICY_JSON)).unwrap();
        assert_eq!(ok["valid"], true);
        assert_eq!(ok["configurationVersion"], "1");
        let warned = validate(&event("{}")).unwrap();
        assert_eq!(
            warned["warnings"][0],
            "the policy has no rules: tokens are issued unchanged"
        );
    }

    #[test]
    fn every_problem_is_named() {
        let e = validate(&event(
            r#"{"claims": [{"claim": "sub", "value": 1}], "suppres": []}"#,
        ))
        .unwrap_err();
        assert_eq!(e.error_type(), "InvalidPolicy");
        assert_eq!(
            e.to_string(),
            "the policy is invalid (2 problems): suppres: unknown field `suppres`; did you mean `suppress`?; claims[0].claim: `sub` is reserved: Cognito sets it and does not let a trigger change it"
        );
    }

    #[test]
    fn malformed_events() {
        let mut e = event("{}");
        e["content"] = json!("%%% not base64");
        assert_eq!(
            validate(&e).unwrap_err().to_string(),
            "not an AppConfig validator event: content is not base64"
        );
        assert_eq!(
            validate(&json!({"uri": "hosted"}))
                .unwrap_err()
                .error_type(),
            "InvalidValidatorEvent"
        );
        assert_eq!(
            validate(&json!([])).unwrap_err().error_type(),
            "InvalidValidatorEvent"
        );
        let not_json = validate(&event("policy: yes")).unwrap_err();
        assert_eq!(not_json.error_type(), "InvalidPolicy");
        assert!(
            not_json
                .to_string()
                .starts_with("the policy is invalid (1 problem): not valid JSON"),
            "{not_json}"
        );
    }

    #[test]
    fn a_policy_with_lookups_is_refused_for_the_function_built_without_them() {
        let policy = r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "{sub}"}}}},
            "claims": [{"claim": "plan", "lookup": "p", "field": "plan"}]}"#;
        let event = json!({"content": STANDARD.encode(policy), "configurationVersion": "3"});
        assert!(validate_for(&event, true).is_ok());
        assert_eq!(
            validate_for(&event, false),
            Err(Refusal::Policy(vec![
                crate::error::WITHOUT_LOOKUPS.to_owned()
            ]))
        );
        let var = |v: Option<&'static str>| move |_: &str| v.map(str::to_owned);
        assert_eq!(guards_lookups(var(None)), Ok(false));
        assert_eq!(guards_lookups(var(Some("pretoken-lambda"))), Ok(false));
        assert_eq!(
            guards_lookups(var(Some("pretoken-lambda-lookups"))),
            Ok(true)
        );
        assert!(guards_lookups(var(Some("other"))).is_err());
    }
}
