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

/// The largest content accepted: AppConfig's hosted configurations are at
/// most 2 MB; Lambda environment variables could never carry more either.
const MAX_CONTENT: usize = 2 * 1024 * 1024;

/// Validates an AppConfig validator event; on success, a summary of the
/// policy (for the log and the caller).
pub fn validate(event: &Value) -> Result<Value, Refusal> {
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
            "the policy is {} bytes, over {MAX_CONTENT}",
            bytes.len()
        )]));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Refusal::Policy(vec!["the policy is not UTF-8 text".into()]))?;
    let policy = Policy::from_json(&text, "content")
        .map_err(|e| Refusal::Policy(e.problems.iter().map(ToString::to_string).collect()))?;
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
}
