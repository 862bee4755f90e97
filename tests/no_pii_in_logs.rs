//! No attribute or claim value ever reaches the log: every fixture with every
//! policy, and failing invocations, through the Lambda handler with logging
//! at its most verbose (text and JSON), captured and searched.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use pretoken::event::Version;
use pretoken::{ConfigError, Trigger};
use serde_json::Value;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Runs `f` with every log event at TRACE captured, as text or JSON.
fn captured(json: bool, f: impl FnOnce()) -> String {
    let cap = Capture::default();
    let builder = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(cap.clone())
        .with_ansi(false);
    if json {
        tracing::subscriber::with_default(builder.json().finish(), f);
    } else {
        tracing::subscriber::with_default(builder.finish(), f);
    }
    String::from_utf8(cap.0.lock().unwrap().clone()).unwrap()
}

/// Every string value under `v`.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// The values that must never be logged: attributes, user name, groups,
/// roles, client metadata, and every claim value a response adds. The client
/// ID, trigger source and requested scopes may be: they name an app, a flow
/// and OAuth permissions, not a person (scope names are logged when added or
/// suppressed).
fn secrets(event: &Value, response: Option<&Value>, names: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut request = event["request"].clone();
    if let Some(r) = request.as_object_mut() {
        r.remove("scopes");
    }
    strings(&request, &mut out);
    strings(&event["userName"], &mut out);
    if let Some(r) = response {
        strings(r, &mut out);
    }
    out.retain(|s| {
        s.len() >= 4
            && !["true", "false"].contains(&s.as_str())
            && !names.contains(s)
            && Some(s.as_str()) != event["callerContext"]["clientId"].as_str()
            && Some(s.as_str()) != event["triggerSource"].as_str()
    });
    out
}

/// Object keys, and the names listed in a response.
fn keys_and_lists(v: &Value, out: &mut Vec<String>) {
    if let Value::Object(m) = v {
        for (k, v) in m {
            out.push(k.clone());
            match (k.as_str(), v) {
                ("claimsToSuppress" | "scopesToAdd" | "scopesToSuppress", Value::Array(a)) => {
                    out.extend(a.iter().filter_map(Value::as_str).map(str::to_owned));
                }
                ("claimsToAddOrOverride", Value::Object(claims)) => {
                    out.extend(claims.keys().cloned());
                }
                _ => keys_and_lists(v, out),
            }
        }
    }
}

/// Claim, attribute and scope names may be logged; they are not personal.
fn names(event: &Value, response: &Value) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(m) = event["request"]["userAttributes"].as_object() {
        names.extend(m.keys().cloned());
    }
    keys_and_lists(response, &mut names);
    names
}

#[test]
fn fixtures_with_every_policy_log_no_values() {
    let mut checked = 0;
    let mut files = policy_files();
    files.push(root().join("tests/fixtures/policies/every-form.json"));
    for json in [false, true] {
        for policy_file in &files {
            let policy = load_policy(policy_file);
            for event_file in event_files() {
                let bytes = std::fs::read(&event_file).unwrap();
                let event: Value = serde_json::from_slice(&bytes).unwrap();
                let mut out = None;
                let log = captured(json, || {
                    let t = trigger(policy.clone(), Some(configured_version(&event_file)));
                    out = Some(t.handle_bytes(&bytes));
                });
                let response = match out.unwrap() {
                    Ok(out) => {
                        assert!(log.contains("token claims customized"), "{log}");
                        out["response"].clone()
                    }
                    Err(e) if e.error_type() == "SignInDenied" => {
                        assert!(log.contains("sign-in refused by a deny rule"), "{log}");
                        Value::Null
                    }
                    Err(e) => {
                        // A rule needing what the event lacks (ifMissing fail).
                        assert_eq!(e.error_type(), "RuleFailed", "{log}");
                        assert!(log.contains("refused to issue tokens"), "{log}");
                        Value::Null
                    }
                };
                let response = &response;
                for s in secrets(&event, Some(response), &names(&event, response)) {
                    assert!(
                        !log.contains(&s),
                        "{}: {s:?} logged:\n{log}",
                        event_file.display()
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn failures_log_no_values() {
    let event = read_json(&root().join("events/v2-authentication.json"));
    let bytes = serde_json::to_vec(&event).unwrap();
    let secrets = secrets(&event, None, &[]);
    let failing = [
        (
            r#"{"claims": [{"claim": "x", "attribute": "custom:absent", "ifMissing": "fail"}]}"#,
            "RuleFailed",
        ),
        (
            r#"{"claims": [{"claim": "x", "attribute": "email", "convert": "number"}]}"#,
            "RuleFailed",
        ),
        (
            r#"{"claims": [{"claim": "x", "template": "{email}-{custom:tenantId}", "convert": "number"}]}"#,
            "RuleFailed",
        ),
        (
            r#"{"claims": [{"claim": "x", "attribute": "email", "transform": [{"extract": "^nomatch(.*)"}], "ifMissing": "fail"}]}"#,
            "RuleFailed",
        ),
        (
            r#"{"groups": {"addFrom": {"attribute": "email", "convert": "json", "allow": ["*"]}}}"#,
            "RuleFailed",
        ),
        (
            r#"{"deny": [{"when": {"attributes": {"email": {"endsWith": "@example.com"}}}, "message": "No."}]}"#,
            "SignInDenied",
        ),
    ];
    for (p, kind) in failing {
        let log = captured(false, || {
            let err = trigger(policy(p), None).handle_bytes(&bytes).unwrap_err();
            assert_eq!(err.error_type(), kind);
        });
        assert!(log.contains(kind), "{log}");
        for s in &secrets {
            assert!(!log.contains(s.as_str()), "{s:?} logged:\n{log}");
        }
    }
    // An invalid configuration, an unknown version, a malformed event.
    let bad = pretoken::Policy::from_json(r#"{"claims": [{"claim": "sub", "value": 1}]}"#, "P")
        .unwrap_err();
    let mut unknown = event.clone();
    unknown["version"] = "0".into();
    let mut malformed = event.clone();
    malformed["request"]["userAttributes"]["custom:n"] = 5.into();
    let log = captured(true, || {
        let t = Trigger::new(Err(ConfigError::Policy(bad)));
        assert!(t.handle_bytes(&bytes).is_err());
        let t = trigger(load_policy(&root().join("policy.json")), None);
        assert!(t.handle(unknown).is_err());
        assert!(t.handle(malformed).is_err());
        let t = trigger(load_policy(&root().join("policy.json")), Some(Version::V2));
        assert!(
            t.handle_bytes(b"{\"userName\": \"jane\", \"userName\": \"jane2\"}")
                .is_err()
        );
    });
    for kind in [
        "InvalidConfiguration",
        "UnknownEventVersion",
        "InvalidEvent",
    ] {
        assert!(log.contains(kind), "{log}");
    }
    for s in secrets.iter().chain([&"jane2".to_owned()]) {
        assert!(!log.contains(s.as_str()), "{s:?} logged:\n{log}");
    }
}

#[test]
fn lookups_log_names_never_keys_or_values() {
    use pretoken::lookup::{Fetched, Unavailable};
    let event = read_json(&root().join("events/v2-authentication.json"));
    let mut secrets = secrets(&event, None, &[]);
    let item = serde_json::json!({"orgId": "org-secret-1", "role": "role-secret-2",
        "name": {"first": "first-secret-3"}, "n": 424_242});
    strings(&item, &mut secrets);
    secrets.push("424242".into());
    let p = policy(
        r#"{"lookups": {
              "profile": {"dynamodb": {"table": "Profiles", "key": {"pk": "USER#{email}"}}},
              "other": {"dynamodb": {"table": "Profiles", "key": {"pk": "X#{sub}"}}}},
            "deny": [{"when": {"lookups": {"profile.role": {"equals": "banned"}}}, "message": "No."}],
            "claims": [
              {"claim": "org", "lookup": "profile", "field": "orgId"},
              {"claim": "n", "lookup": "profile", "field": "n", "convert": "string"},
              {"claim": "who", "template": "{lookups.profile.name.first}/{email}"},
              {"claim": "other", "lookup": "other", "field": "x"}],
            "scopes": [{"add": ["org/{lookups.profile.orgId}"]}]}"#,
    );
    let log = captured(true, || {
        let t = trigger(p, None);
        for other in [
            Fetched::NoItem,
            Fetched::Unavailable(Unavailable::Throttled),
        ] {
            let mut pending = t.plan_value(event.clone()).unwrap();
            // The planned requests hold the rendered keys (an email here):
            // they are for the fetcher, never for the log.
            assert_eq!(pending.plan.requests.len(), 2);
            pending.plan.results.set(0, Fetched::Item(item.clone()));
            pending.plan.results.set(1, other);
            let _ = t.respond_planned(pending, "req-1");
        }
    });
    assert!(
        log.contains("LookupUnavailable") && log.contains("\"lookup\":\"other\""),
        "{log}"
    );
    for s in &secrets {
        assert!(!log.contains(s.as_str()), "{s:?} logged:\n{log}");
    }
}

#[test]
fn refused_groups_and_cleared_roles_are_counted_not_named() {
    let mut event = read_json(&root().join("events/v2-authentication.json"));
    event["request"]["userAttributes"]["custom:groups"] = "admins,app-x,superusers".into();
    let bytes = serde_json::to_vec(&event).unwrap();
    let p = policy(
        r#"{"groups": {"remove": ["contributors"], "addFrom": {"attribute": "custom:groups", "convert": "list", "allow": ["app-*"]}}}"#,
    );
    let log = captured(false, || {
        trigger(p, None).handle_bytes(&bytes).unwrap();
    });
    assert!(log.contains("groups_refused=2"), "{log}");
    assert!(log.contains("roles_cleared=true"), "{log}");
    for s in ["admins", "superusers", "app-x", "contributors-role"] {
        assert!(!log.contains(s), "{s:?} logged:\n{log}");
    }
}
