//! Golden tests: every event fixture with every shipped policy, against the
//! expected `response` in `tests/golden/<policy>/<event>.json`, reviewed by
//! hand. A refusal (a deny rule, a rule that cannot be satisfied) is golden
//! too: `{"error": {"errorType", "errorMessage"}}`, as Lambda returns it. `BLESS=1 cargo test --test golden` rewrites them after a deliberate
//! change; review the diff before committing.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn every_fixture_with_every_policy_matches_its_golden_response() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut mismatches = Vec::new();
    let mut count = 0;
    for policy_file in policy_files() {
        let policy = load_policy(&policy_file);
        let dir = root().join("tests/golden").join(stem(&policy_file));
        let trigger = trigger(policy.clone(), None);
        for event_file in event_files() {
            let input = read_json(&event_file);
            let t = common::trigger(policy.clone(), Some(configured_version(&event_file)));
            let result = t.handle(input.clone());
            let answer = match &result {
                Ok(output) => {
                    check_invariants(&policy, &input, output);
                    output["response"].clone()
                }
                Err(e) => serde_json::json!({
                    "error": {"errorType": e.error_type(), "errorMessage": e.to_string()}
                }),
            };
            let golden = dir.join(format!("{}.json", stem(&event_file)));
            let actual = serde_json::to_string_pretty(&answer).unwrap() + "\n";
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&golden, &actual).unwrap();
            } else {
                let expected = std::fs::read_to_string(&golden)
                    .unwrap_or_else(|e| panic!("{}: {e} (run with BLESS=1)", golden.display()));
                if expected != actual {
                    mismatches.push(format!(
                        "{}\n--- expected\n{expected}--- actual\n{actual}",
                        golden.display()
                    ));
                }
            }
            // Events that carry a real version answer in it, whatever is configured.
            if input["version"]
                .as_str()
                .is_some_and(|v| ["1", "2", "3"].contains(&v))
            {
                assert_eq!(trigger.handle(input), result, "{}", event_file.display());
            }
            count += 1;
        }
    }
    assert!(count >= 11 * 18, "only {count} cases ran");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn the_response_container_follows_the_event_version() {
    let policy = load_policy(&root().join("policy.json"));
    for event_file in event_files() {
        let input = read_json(&event_file);
        let output = trigger(policy.clone(), Some(configured_version(&event_file)))
            .handle(input.clone())
            .unwrap();
        let response = output["response"].as_object().unwrap();
        let expected = match input["version"].as_str() {
            Some("2" | "3") => "claimsAndScopeOverrideDetails",
            Some("1") => "claimsOverrideDetails",
            _ => match configured_version(&event_file) {
                pretoken::event::Version::V1 => "claimsOverrideDetails",
                _ => "claimsAndScopeOverrideDetails",
            },
        };
        assert_eq!(
            response.keys().collect::<Vec<_>>(),
            [expected],
            "{}",
            event_file.display()
        );
    }
}

#[test]
fn aws_sample_that_is_not_json_gets_a_clear_error() {
    let bytes = std::fs::read(
        root().join("tests/fixtures/upstream/aws-docs/v2-complex-claims.event.invalid-json.json"),
    )
    .unwrap();
    let err = pretoken::event::parse_bytes(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the event is not valid JSON (expected `,` or `}` at line 15 column 13)"
    );
}

#[test]
fn default_policy_strips_pii_and_adds_tenant_claims_on_v2() {
    let input = read_json(&root().join("events/v2-authentication.json"));
    let output = trigger(load_policy(&root().join("policy.json")), None)
        .handle(input)
        .unwrap();
    let d = &output["response"]["claimsAndScopeOverrideDetails"];
    for token in ["idTokenGeneration", "accessTokenGeneration"] {
        assert_eq!(
            d[token]["claimsToSuppress"],
            serde_json::json!(["email", "phone_number", "name"])
        );
        assert_eq!(
            d[token]["claimsToAddOrOverride"],
            serde_json::json!({"tenantId": "tenant-42", "departmentId": "engineering"})
        );
    }
    assert_eq!(d.get("groupOverrideDetails"), None::<&Value>);
}
