//! Policy tests (`pretoken test`): test files that keep a policy's intent
//! under test, as `cargo test` or `opa test` do.
//!
//! Contract: a test file names a policy and its cases; each case takes an
//! event (a file relative to the test file, or inline), edits it (`with`),
//! runs it through the same [`Trigger`] path as the Lambda function and the
//! tokens through the same emulation as `pretoken preview`, and compares
//! them with `expect`. A failed case gives one readable line per difference
//! (expected against actual claim, never a wall of JSON). Unknown fields in a
//! test file are errors, as in policies: a typo must not make a test pass.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::TriggerError;
use crate::event::{EventView, Version};
use crate::model::Policy;
use crate::tools::preview::{self, Claims};
use crate::trigger::Trigger;
use crate::trigger::config::Config;

/// A test file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// For editors; ignored.
    #[serde(rename = "$schema", default)]
    pub schema: Option<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// The policy file, relative to the test file (`--policy` overrides it).
    #[serde(default)]
    pub policy: Option<PathBuf>,
    /// The pool's `LambdaVersion` (`V1_0`, `V2_0`, `V3_0`), for events whose
    /// `version` is not 1, 2 or 3.
    #[serde(rename = "lambdaVersion", default)]
    pub lambda_version: Option<String>,
    /// Lookup results for every case (as `--lookup-data`: lookup name to
    /// its item, a query's items, or `null`; a lookup left out is
    /// unavailable). A case's `with.lookups` replaces it.
    #[serde(default)]
    pub lookups: Option<Map<String, Value>>,
    /// The cases, in order.
    pub cases: Vec<Case>,
}

/// One test case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case shows.
    pub name: String,
    /// An event file (relative to the test file) or an inline event.
    pub event: Value,
    /// Edits to the event.
    #[serde(rename = "with", default)]
    pub edits: Edits,
    /// What must come out.
    pub expect: Expect,
}

/// Edits to a case's event.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edits {
    /// User attributes set (a string) or removed (`null`).
    #[serde(default)]
    pub attributes: Map<String, Value>,
    /// The user's groups (`groupsToOverride`), replacing the event's.
    #[serde(default)]
    pub groups: Option<Vec<String>>,
    /// The app client ID.
    #[serde(rename = "clientId", default)]
    pub client_id: Option<String>,
    /// The user pool ID.
    #[serde(rename = "userPoolId", default)]
    pub user_pool_id: Option<String>,
    /// The trigger source.
    #[serde(rename = "triggerSource", default)]
    pub trigger_source: Option<String>,
    /// The event's `version` (`"1"`, `"2"`, `"3"`).
    #[serde(default)]
    pub version: Option<String>,
    /// Client-metadata entries set (a string) or removed (`null`).
    #[serde(rename = "clientMetadata", default)]
    pub client_metadata: Map<String, Value>,
    /// Lookup results for this case, in place of the file's `lookups`.
    #[serde(default)]
    pub lookups: Option<Map<String, Value>>,
}

/// What a case expects.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The ID token.
    #[serde(rename = "idToken", default)]
    pub id_token: Option<TokenExpect>,
    /// The access token.
    #[serde(rename = "accessToken", default)]
    pub access_token: Option<TokenExpect>,
    /// The sign-in is refused by a deny rule: `true`, or its exact message.
    #[serde(default)]
    pub denied: Option<Value>,
    /// A rule fails: `true`, or the exact message Cognito would show.
    #[serde(default)]
    pub error: Option<Value>,
}

/// What one token must hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenExpect {
    /// Claims that must be present with these exact values, or, for a value
    /// written `{"matches": "REGEX"}`, whose value (text, or JSON text) the
    /// whole regular expression matches.
    #[serde(default)]
    pub claims: Map<String, Value>,
    /// Claims that must be absent.
    #[serde(default)]
    pub absent: Vec<String>,
    /// Scopes (access token).
    #[serde(default)]
    pub scopes: Option<ScopeExpect>,
    /// The exact `cognito:groups` (an empty list: no groups).
    #[serde(default)]
    pub groups: Option<Vec<String>>,
}

/// Scopes that must be in, or not in, the access token's `scope`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeExpect {
    /// Scopes that must be present.
    #[serde(default)]
    pub include: Vec<String>,
    /// Scopes that must be absent.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// A test file read and ready to run.
#[derive(Debug)]
pub struct Suite {
    /// The file, as named on the command line.
    pub file: PathBuf,
    /// The policy's file (for the report), if read from one.
    pub policy_file: Option<PathBuf>,
    /// The trigger with the policy.
    pub trigger: Trigger,
    /// The cases.
    pub cases: Vec<Case>,
}

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// One line per difference; empty when the case passed.
    pub failures: Vec<String>,
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

impl Suite {
    /// Reads a test file and its policy (`policy` overrides the file's).
    /// The error says what is wrong and where.
    pub fn load(file: &Path, policy: Option<&Path>) -> Result<Self, String> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let parsed: TestFile = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a valid test file: {e}", file.display()))?;
        let dir = file.parent().unwrap_or(Path::new("."));
        let policy_file = match policy {
            Some(p) => Some(p.to_path_buf()),
            None => parsed.policy.as_ref().map(|p| dir.join(p)),
        };
        let policy = match &policy_file {
            Some(p) => crate::trigger::config::load_file(&p.display().to_string())
                .map_err(|e| e.to_string())?,
            None => Policy::builtin().map_err(|e| e.to_string())?,
        };
        let lambda_version = match parsed.lambda_version.as_deref() {
            None => None,
            Some(v) => Some(Version::from_lambda_version(v).ok_or_else(|| {
                format!(
                    "{}: lambdaVersion must be V1_0, V2_0 or V3_0",
                    file.display()
                )
            })?),
        };
        let mut cases = parsed.cases;
        for (i, case) in cases.iter_mut().enumerate() {
            if let Value::String(path) = &case.event {
                let p = dir.join(path);
                let text = std::fs::read_to_string(&p).map_err(|e| {
                    format!(
                        "{}: cases[{i}].event: cannot read {}: {e}",
                        file.display(),
                        p.display()
                    )
                })?;
                case.event = serde_json::from_str(&text).map_err(|e| {
                    format!(
                        "{}: cases[{i}].event: {} is not JSON: {e}",
                        file.display(),
                        p.display()
                    )
                })?;
            }
            if !case.event.is_object() {
                return Err(format!(
                    "{}: cases[{i}].event must be a file name or an event object",
                    file.display()
                ));
            }
        }
        if cases.is_empty() {
            return Err(format!("{}: has no cases", file.display()));
        }
        // A case without lookup results of its own uses the file's.
        if let Some(shared) = &parsed.lookups {
            for case in &mut cases {
                case.edits.lookups.get_or_insert_with(|| shared.clone());
            }
        }
        Ok(Self {
            file: file.to_path_buf(),
            policy_file,
            trigger: Trigger::new(Ok(Config {
                policy,
                lambda_version,
            })),
            cases,
        })
    }

    /// Runs every case.
    pub fn run(&self) -> Vec<CaseResult> {
        self.cases
            .iter()
            .map(|case| CaseResult {
                name: case.name.clone(),
                failures: run_case(&self.trigger, case),
            })
            .collect()
    }
}

/// Applies a case's edits to its event (an event that is not an object is
/// returned as it is, for the handler to refuse).
pub fn edited_event(case: &Case) -> Value {
    let mut e = case.event.clone();
    if !e.is_object() {
        return e;
    }
    let w = &case.edits;
    let set = |e: &mut Value, key: &str, v: &Option<String>| {
        if let Some(v) = v {
            e[key] = Value::String(v.clone());
        }
    };
    set(&mut e, "triggerSource", &w.trigger_source);
    set(&mut e, "version", &w.version);
    set(&mut e, "userPoolId", &w.user_pool_id);
    if let Some(c) = &w.client_id {
        if !e["callerContext"].is_object() {
            e["callerContext"] = Value::Object(Map::new());
        }
        e["callerContext"]["clientId"] = Value::String(c.clone());
    }
    if !e["request"].is_object() {
        e["request"] = Value::Object(Map::new());
    }
    for (key, edits) in [
        ("userAttributes", &w.attributes),
        ("clientMetadata", &w.client_metadata),
    ] {
        if edits.is_empty() {
            continue;
        }
        if !e["request"][key].is_object() {
            e["request"][key] = Value::Object(Map::new());
        }
        let Some(map) = e["request"][key].as_object_mut() else {
            continue;
        };
        for (k, v) in edits {
            if v.is_null() {
                map.shift_remove(k);
            } else {
                map.insert(k.clone(), v.clone());
            }
        }
    }
    if let Some(groups) = &w.groups {
        if !e["request"]["groupConfiguration"].is_object() {
            e["request"]["groupConfiguration"] = Value::Object(Map::new());
        }
        e["request"]["groupConfiguration"]["groupsToOverride"] =
            Value::Array(groups.iter().cloned().map(Value::String).collect());
    }
    e
}

fn run_case(trigger: &Trigger, case: &Case) -> Vec<String> {
    let event = edited_event(case);
    let mut failures = Vec::new();
    let before = match event.as_object().map(EventView::parse) {
        Some(Ok(view)) => preview::baseline(&view),
        Some(Err(e)) => return vec![format!("the event is invalid: {e}")],
        None => return vec!["the event must be a JSON object".to_owned()],
    };
    let expects_refusal = case.expect.denied.is_some() || case.expect.error.is_some();
    let answered = match &case.edits.lookups {
        Some(data) if trigger.has_lookups() => trigger.plan_value(event).and_then(|mut pending| {
            crate::lookup::data::LookupData(data.clone())
                .fill(&mut pending.plan)
                .map_err(|e| TriggerError::Rule(crate::error::RuleError::LookupData(e)))?;
            trigger.respond_planned(pending, "")
        }),
        _ => trigger.respond(event),
    };
    match answered {
        Err(e) => check_refusal(&case.expect, &e, &mut failures),
        Ok(_) if expects_refusal => {
            let what = if case.expect.denied.is_some() {
                "denied"
            } else {
                "refused with an error"
            };
            failures.push(format!(
                "expected the sign-in to be {what}, but tokens were issued"
            ));
        }
        Ok(output) => {
            let after = preview::apply(&before, &output.outcome.response);
            let tokens = [
                (
                    "idToken",
                    after.id_token.as_ref(),
                    case.expect.id_token.as_ref(),
                ),
                (
                    "accessToken",
                    Some(&after.access_token),
                    case.expect.access_token.as_ref(),
                ),
            ];
            for (name, token, expect) in tokens {
                let Some(expect) = expect else { continue };
                match token {
                    None => failures.push(format!(
                        "{name}: expected a token, but there is none (client credentials)"
                    )),
                    Some(t) => check_token(name, t, expect, &mut failures),
                }
            }
        }
    }
    failures
}

fn check_refusal(expect: &Expect, e: &TriggerError, failures: &mut Vec<String>) {
    let message = e.to_string();
    match (e, &expect.denied, &expect.error) {
        (TriggerError::Denied { .. }, Some(want), _) => match want {
            Value::Bool(true) => {}
            Value::String(m) if *m == message => {}
            Value::String(m) => failures.push(format!(
                "denied: expected the message {m:?}, got {message:?}"
            )),
            other => failures.push(format!("denied: expected true or a message, not {other}")),
        },
        (TriggerError::Denied { .. }, None, _) => {
            failures.push(format!("the sign-in was denied: {message:?}"));
        }
        (_, _, Some(want)) => match want {
            Value::Bool(true) => {}
            Value::String(m) if *m == message => {}
            Value::String(m) => {
                failures.push(format!("error: expected {m:?}, got {message:?}"));
            }
            other => failures.push(format!("error: expected true or a message, not {other}")),
        },
        (_, Some(_), None) => failures.push(format!(
            "expected a denial, but the sign-in failed with {}: {message:?}",
            e.error_type()
        )),
        (_, None, None) => failures.push(format!(
            "the sign-in failed with {}: {message:?}",
            e.error_type()
        )),
    }
}

/// `{"matches": "REGEX"}` as an expected claim: the pattern, when `want` is
/// exactly that (a claim whose value is such an object is compared as it is
/// only if it has other members too).
fn matches_pattern(want: &Value) -> Option<&str> {
    match want.as_object() {
        Some(m) if m.len() == 1 => m.get("matches").and_then(Value::as_str),
        _ => None,
    }
}

/// The pattern matched against the whole value (text; other values as
/// their JSON text).
fn anchored(pattern: &str) -> Result<regex_lite::Regex, regex_lite::Error> {
    regex_lite::Regex::new(&format!("^(?:{pattern})$"))
}

fn check_token(name: &str, token: &Claims, expect: &TokenExpect, failures: &mut Vec<String>) {
    for (claim, want) in &expect.claims {
        if let Some(pattern) = matches_pattern(want) {
            match (token.get(claim), anchored(pattern)) {
                (_, Err(e)) => failures.push(format!(
                    "{name}.{claim}: {{\"matches\": {pattern:?}}} is not a valid regular expression: {e}"
                )),
                (Some(got), Ok(re)) => {
                    let text = got.as_str().map_or_else(|| got.to_string(), str::to_owned);
                    if !re.is_match(&text) {
                        failures.push(format!("{name}.{claim}: expected to match {pattern:?}, got {got}"));
                    }
                }
                (None, Ok(_)) => failures.push(format!(
                    "{name}.{claim}: expected to match {pattern:?}, but it is absent"
                )),
            }
            continue;
        }
        match token.get(claim) {
            Some(got) if got == want => {}
            Some(got) => failures.push(format!("{name}.{claim}: expected {want}, got {got}")),
            None => failures.push(format!("{name}.{claim}: expected {want}, but it is absent")),
        }
    }
    for claim in &expect.absent {
        if let Some(got) = token.get(claim) {
            failures.push(format!("{name}.{claim}: expected absent, got {got}"));
        }
    }
    if let Some(want) = &expect.groups {
        let got: Vec<&str> = token
            .get("cognito:groups")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if got != *want {
            failures.push(format!(
                "{name}.cognito:groups: expected {want:?}, got {got:?}"
            ));
        }
    }
    if let Some(scopes) = &expect.scopes {
        let scope = token.get("scope").and_then(Value::as_str).unwrap_or("");
        let have: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
        for s in &scopes.include {
            if !have.contains(&s.as_str()) {
                failures.push(format!(
                    "{name}.scope: expected to include {s}; scope is {scope:?}"
                ));
            }
        }
        for s in &scopes.exclude {
            if have.contains(&s.as_str()) {
                failures.push(format!(
                    "{name}.scope: expected not to include {s}; scope is {scope:?}"
                ));
            }
        }
    }
}

/// The `JUnit` XML report of suites' results, for CI systems.
pub fn junit(results: &[(PathBuf, Vec<CaseResult>)]) -> String {
    use std::fmt::Write as _;
    let total: usize = results.iter().map(|(_, r)| r.len()).sum();
    let failed: usize = results
        .iter()
        .map(|(_, r)| r.iter().filter(|c| !c.passed()).count())
        .sum();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"pretoken test\" tests=\"{total}\" failures=\"{failed}\">"
    );
    for (file, cases) in results {
        let file = xml_escape(&file.display().to_string());
        let failures = cases.iter().filter(|c| !c.passed()).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{file}\" tests=\"{}\" failures=\"{failures}\">",
            cases.len()
        );
        for c in cases {
            let name = xml_escape(&c.name);
            if c.passed() {
                let _ = writeln!(out, "    <testcase classname=\"{file}\" name=\"{name}\"/>");
            } else {
                let first = xml_escape(&c.failures[0]);
                let all = xml_escape(&c.failures.join("\n"));
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"{file}\" name=\"{name}\">\n      <failure message=\"{first}\">{all}</failure>\n    </testcase>"
                );
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn edits_set_and_remove() {
        let case: Case = serde_json::from_value(json!({
            "name": "n",
            "event": {"request": {"userAttributes": {"email": "a@b", "x": "1"}}},
            "with": {"attributes": {"x": null, "custom:plan": "pro"}, "groups": ["g"],
                     "clientId": "web", "version": "2", "clientMetadata": {"k": "v"}},
            "expect": {}
        }))
        .unwrap();
        let e = edited_event(&case);
        assert_eq!(
            e["request"]["userAttributes"],
            json!({"email": "a@b", "custom:plan": "pro"})
        );
        assert_eq!(
            e["request"]["groupConfiguration"]["groupsToOverride"],
            json!(["g"])
        );
        assert_eq!(e["callerContext"]["clientId"], "web");
        assert_eq!(e["version"], "2");
        assert_eq!(e["request"]["clientMetadata"], json!({"k": "v"}));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_value::<Case>(json!({
            "name": "n", "event": {}, "expect": {"idToken": {"clams": {}}}
        }))
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `clams`"), "{err}");
    }

    #[test]
    fn junit_escapes() {
        let xml = junit(&[(
            PathBuf::from("t<1>.json"),
            vec![
                CaseResult {
                    name: "a & b".into(),
                    failures: vec![],
                },
                CaseResult {
                    name: "c".into(),
                    failures: vec!["x: expected \"1\"".into()],
                },
            ],
        )]);
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert!(xml.contains("name=\"a &amp; b\""), "{xml}");
        assert!(xml.contains("classname=\"t&lt;1&gt;.json\""), "{xml}");
        assert!(
            xml.contains("message=\"x: expected &quot;1&quot;\""),
            "{xml}"
        );
    }

    #[test]
    fn an_expected_claim_may_be_a_regular_expression() {
        let token: Claims = json!({"sid": "0f8e", "n": 1_796_396_645, "o": {"matches": "x"}})
            .as_object()
            .unwrap()
            .clone();
        let expect = |claims: Value| TokenExpect {
            claims: claims.as_object().unwrap().clone(),
            ..TokenExpect::default()
        };
        let mut failures = Vec::new();
        check_token(
            "idToken",
            &token,
            &expect(json!({"sid": {"matches": "[0-9a-f]{4}"}, "n": {"matches": "\\d{10}"}})),
            &mut failures,
        );
        assert_eq!(failures, Vec::<String>::new());
        check_token(
            "idToken",
            &token,
            &expect(
                json!({"sid": {"matches": "[0-9a-f]{3}"}, "gone": {"matches": "."}, "bad": {"matches": "("}}),
            ),
            &mut failures,
        );
        assert_eq!(failures.len(), 3, "{failures:?}");
        assert_eq!(
            failures[0],
            "idToken.sid: expected to match \"[0-9a-f]{3}\", got \"0f8e\""
        );
        assert_eq!(
            failures[1],
            "idToken.gone: expected to match \".\", but it is absent"
        );
        assert!(
            failures[2]
                .starts_with("idToken.bad: {\"matches\": \"(\"} is not a valid regular expression"),
            "{}",
            failures[2]
        );
        // An object with other members is compared as it is.
        failures.clear();
        check_token(
            "idToken",
            &token,
            &expect(json!({"o": {"matches": "x", "k": 1}})),
            &mut failures,
        );
        assert_eq!(failures.len(), 1, "{failures:?}");
    }
}
