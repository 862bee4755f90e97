//! Where `aws_lambda_events` 1.2.1, the ecosystem's event model, is faithful
//! and where it is not: why the project reads events with its own types, and
//! proof that the responses it writes still parse with that crate's types.

mod common;

use aws_lambda_events::event::cognito::{
    ClaimsAndScopeOverrideDetailsV2, CognitoEventUserPoolsPreTokenGenResponse,
    CognitoEventUserPoolsPreTokenGenResponseV2, CognitoEventUserPoolsPreTokenGenV2,
};
use common::*;
use serde_json::{Value, json};

#[test]
fn upstream_cannot_parse_client_credentials_events() {
    let event = read_json(&root().join("events/v3-client-credentials.json"));
    let err =
        serde_json::from_value::<CognitoEventUserPoolsPreTokenGenV2>(event.clone()).unwrap_err();
    assert!(
        err.to_string()
            .contains("TokenGeneration_ClientCredentials"),
        "{err}"
    );
    // Ours reads it and answers for the access token only.
    let out = trigger(load_policy(&root().join("policy.json")), None)
        .handle(event)
        .unwrap();
    assert!(
        out["response"]["claimsAndScopeOverrideDetails"]
            .get("idTokenGeneration")
            .is_none()
    );
}

#[test]
fn upstream_requires_scopes_on_v2_events() {
    let mut event = read_json(&root().join("events/v2-authentication.json"));
    event["request"].as_object_mut().unwrap().remove("scopes");
    let err =
        serde_json::from_value::<CognitoEventUserPoolsPreTokenGenV2>(event.clone()).unwrap_err();
    assert!(err.to_string().contains("missing field `scopes`"), "{err}");
    assert!(
        trigger(load_policy(&root().join("policy.json")), None)
            .handle(event)
            .is_ok()
    );
}

#[test]
fn upstream_drops_unknown_fields_without_its_catch_all_feature() {
    let event = read_json(&root().join("events/v3-authentication.json"));
    assert!(event.get("futureTopLevelField").is_some());
    let parsed: CognitoEventUserPoolsPreTokenGenV2 = serde_json::from_value(event.clone()).unwrap();
    let back = serde_json::to_value(parsed).unwrap();
    assert!(back.get("futureTopLevelField").is_none());
    assert!(back["request"].get("futureRequestField").is_none());
    // Ours returns them untouched.
    let out = trigger(load_policy(&root().join("policy.json")), None)
        .handle(event.clone())
        .unwrap();
    assert_eq!(without_response(&out), without_response(&event));
}

#[test]
fn upstream_default_response_wipes_the_users_groups() {
    let written = serde_json::to_value(ClaimsAndScopeOverrideDetailsV2::default()).unwrap();
    // An empty groupOverrideDetails: Cognito removes every group of the user.
    assert_eq!(
        written["groupOverrideDetails"],
        json!({"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": null})
    );
}

/// Parses a response with an upstream type and writes it back.
type Roundtrip = fn(Value) -> Result<Value, serde_json::Error>;

/// Parses our response with the upstream types. Upstream requires
/// `groupOverrideDetails`, which we write only when the policy changes
/// groups (an empty one would wipe them); where it is absent, the error must
/// name exactly that field, and the response must parse once the request's
/// own groups are filled in, with the same claims.
fn parses_upstream(event: &Value, response: &Value) {
    let (key, parse): (&str, Roundtrip) = if response.get("claimsOverrideDetails").is_some() {
        ("claimsOverrideDetails", |v| {
            serde_json::from_value::<CognitoEventUserPoolsPreTokenGenResponse>(v)
                .and_then(serde_json::to_value)
        })
    } else {
        ("claimsAndScopeOverrideDetails", |v| {
            serde_json::from_value::<CognitoEventUserPoolsPreTokenGenResponseV2>(v)
                .and_then(serde_json::to_value)
        })
    };
    let mut filled = response.clone();
    if response[key].get("groupOverrideDetails").is_none() {
        let err = parse(response.clone()).unwrap_err();
        assert!(
            err.to_string()
                .contains("missing field `groupOverrideDetails`"),
            "{err}"
        );
        let g = &event["request"]["groupConfiguration"];
        let list = |k: &str| {
            g.get(k)
                .filter(|v| v.is_array())
                .cloned()
                .unwrap_or(json!([]))
        };
        filled[key]["groupOverrideDetails"] = json!({
            "groupsToOverride": list("groupsToOverride"),
            "iamRolesToOverride": list("iamRolesToOverride"),
        });
    }
    let back = parse(filled.clone()).unwrap_or_else(|e| panic!("{e}: {filled}"));
    let ours = &filled[key];
    let theirs = &back[key];
    if key == "claimsOverrideDetails" {
        assert_eq!(
            ours["claimsToAddOrOverride"],
            theirs["claimsToAddOrOverride"]
        );
        assert_eq!(ours["claimsToSuppress"], theirs["claimsToSuppress"]);
    } else {
        for token in ["idTokenGeneration", "accessTokenGeneration"] {
            if let Some(o) = ours.get(token) {
                for (k, v) in o.as_object().unwrap() {
                    assert_eq!(&theirs[token][k], v, "{token}.{k}");
                }
            }
        }
    }
    assert_eq!(
        ours["groupOverrideDetails"]["groupsToOverride"],
        theirs["groupOverrideDetails"]["groupsToOverride"]
    );
}

#[test]
fn our_v1_and_v2_responses_parse_with_upstream_types() {
    let mut policies: Vec<_> = policy_files().iter().map(|p| load_policy(p)).collect();
    policies.push(policy(
        r#"{"groups": {"remove": ["contributors"]}, "claims": [{"claim": "n", "value": 1}]}"#,
    ));
    let mut seen = (0, 0);
    for p in &policies {
        for event_file in event_files() {
            let event = read_json(&event_file);
            let out = match trigger(p.clone(), Some(configured_version(&event_file)))
                .handle(event.clone())
            {
                Ok(out) => out,
                Err(pretoken::TriggerError::Denied { .. } | pretoken::TriggerError::Rule(_)) => {
                    continue;
                }
                Err(e) => panic!("{e}"),
            };
            if out["response"].get("claimsOverrideDetails").is_some() {
                seen.0 += 1;
            } else {
                seen.1 += 1;
            }
            parses_upstream(&event, &out["response"]);
        }
    }
    assert!(seen.0 > 10 && seen.1 > 10, "{seen:?}");
}
