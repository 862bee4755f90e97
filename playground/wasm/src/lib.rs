//! The playground's engine: a policy and an event in, everything the page
//! shows out, computed by the same core as the Lambda function and
//! `pretoken preview` (the CLI's emulation of Cognito's tokens). The CDK
//! construct (`cdk/`) loads the same build for Node and calls
//! [`check_deployment`] at synth.
//!
//! Contract: [`preview`], [`check`] and [`check_deployment`] never panic and never fail: every outcome, an invalid
//! policy or event included, is a JSON answer the page renders. It reads no
//! clock and sends nothing anywhere.

use pretoken::event::{self, EventView, Version};
use pretoken::tools::{preview, template_check};
use pretoken::{Config, Policy, Trigger};
use serde_json::{Value, json};
use wasm_bindgen::prelude::wasm_bindgen;

/// `pretoken preview` in the browser: runs `policy` (JSON text) on `event`
/// (JSON text) as a pool with `lambda_version` (`V1_0`, `V2_0`, `V3_0`, or
/// empty) would, and returns the answer as JSON text:
/// `{"policy": {"problems": [{"path", "message"}], "warnings": [...]},
///   "result": null | {"kind": "tokens" | "refused" | "invalid-event", ...}}`.
#[wasm_bindgen]
pub fn preview(policy: &str, event: &str, lambda_version: &str) -> String {
    answer(policy, event, lambda_version).to_string()
}

/// `pretoken check` in the browser: the policy's problems and warnings, as
/// JSON text `{"problems": [{"path", "message"}], "warnings": [...]}`.
#[wasm_bindgen]
pub fn check(policy: &str) -> String {
    match Policy::from_json(policy, "policy") {
        Ok(p) => json!({"problems": [], "warnings": problems(&p.warnings)}),
        Err(e) => json!({"problems": problems(&e.problems), "warnings": []}),
    }
    .to_string()
}

/// `pretoken check` plus the version checks of `check --template`, for a
/// deployment described by its settings rather than a template (the CDK
/// construct at synth): the pool's `lambda_version` (`V1_0`, `V2_0`,
/// `V3_0`) and feature plan (`tier`: `LITE`, `ESSENTIALS`, `PLUS`, or empty
/// where it cannot be known). JSON text: `{"problems": [{"path", "message"}],
/// "warnings": [...], "deployment": [{"severity": "error" | "warning",
/// "place", "message"}]}`; places are `lambdaVersion` and `featurePlan`.
#[wasm_bindgen]
pub fn check_deployment(policy: &str, lambda_version: &str, tier: &str) -> String {
    let parsed = match Policy::from_json(policy, "policy") {
        Ok(p) => p,
        Err(e) => {
            return json!({"problems": problems(&e.problems), "warnings": [], "deployment": []})
                .to_string();
        }
    };
    let mut deployment = Vec::new();
    if !matches!(lambda_version, "V1_0" | "V2_0" | "V3_0") {
        deployment.push(json!({"severity": "error", "place": "lambdaVersion",
            "message": format!("{lambda_version:?} is not a LambdaVersion: use V1_0, V2_0 or V3_0")}));
    } else {
        let tier = Some(tier).filter(|t| !t.is_empty());
        for f in template_check::check_versions(
            &parsed,
            lambda_version,
            tier,
            "lambdaVersion",
            "featurePlan",
        ) {
            let severity = match f.severity {
                template_check::Severity::Error => "error",
                template_check::Severity::Warning => "warning",
            };
            deployment
                .push(json!({"severity": severity, "place": f.resource, "message": f.message}));
        }
    }
    json!({"problems": [], "warnings": problems(&parsed.warnings), "deployment": deployment})
        .to_string()
}

/// The built-in policy (`policy.json`) as JSON text: what the function runs
/// without a policy, and the CDK construct's first AppConfig version then.
#[wasm_bindgen]
pub fn default_policy() -> String {
    pretoken::model::DEFAULT_POLICY_JSON.to_owned()
}

fn problems(list: &[pretoken::error::Problem]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| json!({"path": p.path, "message": p.message}))
            .collect(),
    )
}

/// The answer, as a JSON value.
pub fn answer(policy: &str, event: &str, lambda_version: &str) -> Value {
    let policy = match Policy::from_json(policy, "policy") {
        Ok(p) => p,
        Err(e) => {
            return json!({"policy": {"problems": problems(&e.problems), "warnings": []}, "result": null});
        }
    };
    let report = json!({"problems": [], "warnings": problems(&policy.warnings)});
    let map = match event::parse_bytes(event.as_bytes()) {
        Ok(m) => m,
        Err(e) => {
            return json!({"policy": report, "result": {"kind": "invalid-event", "message": format!("invalid event: {e}")}});
        }
    };
    let before = match EventView::parse(&map) {
        Ok(view) => preview::baseline(&view),
        Err(e) => {
            return json!({"policy": report, "result": {"kind": "invalid-event", "message": format!("invalid event: {e}")}});
        }
    };
    let trigger = Trigger::new(Ok(Config {
        policy,
        lambda_version: Version::from_lambda_version(lambda_version),
    }));
    let result = match trigger.respond(Value::Object(map)) {
        Err(e) => json!({
            "kind": "refused",
            "errorType": e.error_type(),
            "message": e.to_string(),
            "cognito": format!("PreTokenGeneration failed with error {e}."),
        }),
        Ok(output) => {
            let after = preview::apply(&before, &output.outcome.response);
            let changes = preview::changes(&before, &after);
            let sizes = json!({
                "idToken": after.id_token.as_ref().map(preview::jwt_size),
                "accessToken": preview::jwt_size(&after.access_token),
            });
            let version = output.outcome.version.lambda_version();
            let skipped = output.outcome.skipped_access_rules;
            let route = output.outcome.route.to_owned();
            json!({
                "kind": "tokens",
                "version": version,
                "route": route,
                "skippedAccessRules": skipped,
                "idToken": after.id_token,
                "accessToken": after.access_token,
                "changes": changes,
                "sizes": sizes,
                "placeholders": preview::PLACEHOLDERS,
                "headerLimit": preview::HEADER_LIMIT,
                "response": output.into_value(),
            })
        }
    };
    json!({"policy": report, "result": result})
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = include_str!("../../../events/v2-authentication.json");
    const V1: &str = include_str!("../../../events/v1-authentication.json");

    #[test]
    fn the_default_policy_on_a_v2_event() {
        let a = answer(pretoken::model::DEFAULT_POLICY_JSON, EVENT, "");
        let r = &a["result"];
        assert_eq!(r["kind"], "tokens");
        assert_eq!(r["idToken"]["tenantId"], "tenant-42");
        assert!(r["idToken"].get("email").is_none());
        assert_eq!(
            r["response"]["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToSuppress"]
                [0],
            "email"
        );
    }

    #[test]
    fn check_lists_problems_and_warnings() {
        let c: Value = serde_json::from_str(&check(r#"{"suppres": []}"#)).unwrap();
        assert_eq!(c["problems"][0]["path"], "suppres");
        let c: Value = serde_json::from_str(&check("{}")).unwrap();
        assert_eq!(c["problems"], json!([]));
        assert_eq!(
            c["warnings"][0]["message"],
            "the policy has no rules: tokens are issued unchanged"
        );
    }

    #[test]
    fn check_deployment_applies_the_template_checks_to_settings() {
        let d = |p: &str, v: &str, t: &str| -> Value {
            serde_json::from_str(&check_deployment(p, v, t)).unwrap()
        };
        let access = r#"{"claims": [{"claim": "x", "value": 1, "tokens": ["access"]}]}"#;
        let c = d(access, "V1_0", "");
        assert_eq!(c["deployment"][0]["severity"], "error");
        assert_eq!(c["deployment"][0]["place"], "lambdaVersion");
        assert!(
            c["deployment"][0]["message"]
                .as_str()
                .unwrap()
                .contains("claims[0]")
        );
        assert_eq!(d(access, "V2_0", "ESSENTIALS")["deployment"], json!([]));
        let c = d(access, "V2_0", "LITE");
        assert_eq!(c["deployment"][0]["place"], "featurePlan");
        let m2m = r#"{"claims": [{"claim": "x", "value": 1, "tokens": ["access"], "when": {"triggerSources": ["TokenGeneration_ClientCredentials"]}}]}"#;
        assert_eq!(d(m2m, "V2_0", "")["deployment"][0]["severity"], "warning");
        assert_eq!(d(m2m, "V3_0", "")["deployment"], json!([]));
        assert_eq!(
            d("{}", "V4_0", "")["deployment"][0]["place"],
            "lambdaVersion"
        );
        let c = d(r#"{"claimz": []}"#, "V2_0", "");
        assert_eq!(c["problems"][0]["path"], "claimz");
        assert_eq!(c["deployment"], json!([]));
    }

    #[test]
    fn problems_refusals_bad_events_and_v1() {
        let a = answer(
            r#"{"claims": [{"claim": "x", "value": 1, "tokenz": []}]}"#,
            EVENT,
            "",
        );
        assert_eq!(a["policy"]["problems"][0]["path"], "claims[0].tokenz");
        assert!(a["result"].is_null());
        let a = answer(r#"{"deny": [{"message": "No."}]}"#, EVENT, "");
        assert_eq!(a["result"]["kind"], "refused");
        assert_eq!(
            a["result"]["cognito"],
            "PreTokenGeneration failed with error No.."
        );
        let a = answer("{}", "[", "");
        assert_eq!(a["result"]["kind"], "invalid-event");
        let a = answer(pretoken::model::DEFAULT_POLICY_JSON, V1, "");
        assert_eq!(a["result"]["version"], "V1_0");
        assert_eq!(a["result"]["skippedAccessRules"], 3);
    }
}
