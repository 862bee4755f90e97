//! A catalogue of bad events, each with the exact error it must produce.
//! Every message is what Cognito would show the end user, so none may carry a
//! value from the event: each case plants `SECRET` values and checks.

mod common;

use common::*;
use pretoken::TriggerError;
use pretoken::event::Version;

const V: &str = r#""version": "2""#;

fn cases() -> Vec<(String, String)> {
    let s = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    let ev = |body: &str| format!("{{{V}, {body}}}");
    let req = |body: &str| ev(&format!(r#""request": {{{body}}}"#));
    let gc = |body: &str| req(&format!(r#""groupConfiguration": {{{body}}}"#));
    vec![
        s("", "the event is not valid JSON (EOF while parsing a value at line 1 column 0)"),
        s("SECRET", "the event is not valid JSON (expected value at line 1 column 1)"),
        s(r#"{"email": "SECRET@example.com""#, "the event is not valid JSON (EOF while parsing an object at line 1 column 30)"),
        s(r#"{"a": "SECRET"} trailing"#, "the event is not valid JSON (trailing characters at line 1 column 17)"),
        s(r#"{"a": 'SECRET'}"#, "the event is not valid JSON (expected value at line 1 column 7)"),
        s(r#"{"a": "SECRET\q"}"#, "the event is not valid JSON (invalid escape at line 1 column 15)"),
        s(r#"["SECRET"]"#, "the event must be a JSON object, not an array"),
        s(r#""SECRET""#, "the event must be a JSON object, not a string"),
        s("424242", "the event must be a JSON object, not a number"),
        s("null", "the event must be a JSON object, not null"),
        s("true", "the event must be a JSON object, not a boolean"),
        s(r#"{"version": 2}"#, "version must be a string, not a number"),
        s(r#"{"version": {"v": "SECRET"}}"#, "version must be a string, not an object"),
        (ev(r#""triggerSource": 7"#), "triggerSource must be a string, not a number".into()),
        (ev(r#""userPoolId": ["SECRET"]"#), "userPoolId must be a string, not an array".into()),
        (ev(r#""region": false"#), "region must be a string, not a boolean".into()),
        (ev(r#""callerContext": "SECRET""#), "callerContext must be an object, not a string".into()),
        (ev(r#""callerContext": {"clientId": 123456789}"#), "callerContext.clientId must be a string, not a number".into()),
        (ev(r#""request": ["SECRET"]"#), "request must be an object, not an array".into()),
        (req(r#""userAttributes": "SECRET""#), "request.userAttributes must be an object, not a string".into()),
        (req(r#""userAttributes": {"custom:age": 987654321}"#), r#"request.userAttributes["custom:age"] must be a string, not a number"#.into()),
        (req(r#""userAttributes": {"address": {"street": "SECRET"}}"#), r#"request.userAttributes["address"] must be a string, not an object"#.into()),
        (req(r#""userAttributes": {"email": null}"#), r#"request.userAttributes["email"] must be a string, not null"#.into()),
        (req(r#""userAttributes": {"email_verified": true}"#), r#"request.userAttributes["email_verified"] must be a string, not a boolean"#.into()),
        (req(r#""groupConfiguration": "SECRET""#), "request.groupConfiguration must be an object, not a string".into()),
        (gc(r#""groupsToOverride": "SECRET""#), "request.groupConfiguration.groupsToOverride must be an array of strings, not a string".into()),
        (gc(r#""groupsToOverride": ["a", 31337]"#), "request.groupConfiguration.groupsToOverride[1] must be a string, not a number".into()),
        (gc(r#""iamRolesToOverride": {"SECRET": 1}"#), "request.groupConfiguration.iamRolesToOverride must be an array of strings, not an object".into()),
        (gc(r#""preferredRole": 5"#), "request.groupConfiguration.preferredRole must be null, a string or a one-element array of strings, not a number".into()),
        (gc(r#""preferredRole": ["SECRET1", "SECRET2"]"#), "request.groupConfiguration.preferredRole must be null, a string or a one-element array of strings, not an array of several items".into()),
        (gc(r#""preferredRole": [{"arn": "SECRET"}]"#), "request.groupConfiguration.preferredRole[0] must be a string, not an object".into()),
        (req(r#""scopes": "openid SECRET""#), "request.scopes must be an array of strings, not a string".into()),
        (req(r#""scopes": ["openid", null]"#), "request.scopes[1] must be a string, not null".into()),
        (ev(r#""userName": "SECRET", "userName": "SECRET2""#), r#"the event repeats the key "userName""#.into()),
        (req(r#""userAttributes": {"email": "SECRET@x", "email": "SECRET@y"}"#), r#"the event repeats the key "email""#.into()),
        (
            req(&format!(r#""userAttributes": {{"custom:{}": 1}}"#, "k".repeat(100))),
            format!(r#"request.userAttributes["custom:{}"…] must be a string, not a number"#, "k".repeat(57)),
        ),
        (format!("{}{}", "[".repeat(200), "]".repeat(200)), "the event is not valid JSON (recursion limit exceeded at line 1 column 128)".into()),
    ]
}

#[test]
fn catalogue() {
    let t = trigger(load_policy(&root().join("policy.json")), Some(Version::V2));
    let cases = cases();
    for (input, expected) in &cases {
        let err = t.handle_bytes(input.as_bytes()).unwrap_err();
        let TriggerError::Event(e) = &err else {
            panic!("{input}: {err:?}")
        };
        assert_eq!(&e.to_string(), expected, "{input}");
        assert_eq!(err.error_type(), "InvalidEvent");
        let shown = err.to_string();
        for secret in ["SECRET", "987654321", "31337", "123456789", "424242"] {
            assert!(!shown.contains(secret), "{input} -> {shown}");
        }
    }
    assert!(cases.len() >= 30, "{}", cases.len());
}

#[test]
fn invalid_utf8_is_refused() {
    let t = trigger(load_policy(&root().join("policy.json")), Some(Version::V2));
    let mut bytes = br#"{"version": "2", "userName": "SECRET"#.to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(br#""}"#);
    assert_eq!(
        t.handle_bytes(&bytes).unwrap_err().to_string(),
        "invalid event: the event is not valid JSON (invalid unicode code point at line 1 column 37)"
    );
}

#[test]
fn events_over_6_mb_are_refused_and_under_it_work() {
    let t = trigger(load_policy(&root().join("policy.json")), Some(Version::V2));
    let big = |n: usize| {
        format!(
            r#"{{"version": "2", "request": {{"userAttributes": {{"custom:blob": "{}", "email": "a@b.c"}}}}}}"#,
            "x".repeat(n)
        )
    };
    let over = big(6 * 1024 * 1024);
    assert_eq!(
        t.handle_bytes(over.as_bytes()).unwrap_err().to_string(),
        format!(
            "invalid event: the event is {} bytes, over Lambda's 6 MB limit",
            over.len()
        )
    );
    let under = big(6 * 1024 * 1024 - 200);
    let out = t.handle_bytes(under.as_bytes()).unwrap();
    assert_eq!(
        out["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToSuppress"]
            [0],
        "email"
    );
}
