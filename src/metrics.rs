//! CloudWatch embedded-metric-format (EMF) lines: one JSON object per line
//! on standard output, which Lambda's log pipeline turns into metrics in the
//! `pretoken` namespace, with the function's name as the only dimension.
//!
//! Contract: a line names a metric, the function and, for a failure, its
//! `errorType` as a property (searchable in the log, never a dimension: a
//! dimension per error type would multiply the alarms to keep). Lines carry
//! no attribute or claim value. [`is_failure`] says which answers count as
//! failures: every error except `SignInDenied`, which is a policy's expected
//! answer (a deny rule refusing someone is not a fault, and must never roll
//! a policy deployment back).

/// A refused AppConfig policy version.
pub const POLICY_REJECTED: &str = "PolicyRejected";
/// An invocation that ended in an unexpected failure.
pub const FAILURES: &str = "Failures";
/// An invocation served while the AppConfig policy is stale.
pub const POLICY_STALE: &str = "PolicyStale";

/// Whether an answer with this `errorType` counts as a failure.
pub fn is_failure(error_type: &str) -> bool {
    error_type != "SignInDenied"
}

/// One EMF line: `metric` counted once for `function_name` at `timestamp_ms`,
/// with `error_type` as a property when given.
pub fn line(
    metric: &str,
    timestamp_ms: u128,
    function_name: &str,
    error_type: Option<&str>,
) -> String {
    let mut v = serde_json::json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": "pretoken",
                "Dimensions": [["FunctionName"]],
                "Metrics": [{"Name": metric, "Unit": "Count"}],
            }],
        },
        "FunctionName": function_name,
        metric: 1,
    });
    if let Some(t) = error_type {
        v["errorType"] = t.into();
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_failures() {
        let v: serde_json::Value =
            serde_json::from_str(&line(FAILURES, 5, "fn", Some("RuleFailed"))).unwrap();
        assert_eq!(v["Failures"], 1);
        assert_eq!(v["errorType"], "RuleFailed");
        assert_eq!(v["FunctionName"], "fn");
        assert_eq!(
            v["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([["FunctionName"]])
        );
        assert!(!is_failure("SignInDenied"));
        for t in [
            "RuleFailed",
            "InvalidEvent",
            "InvalidConfiguration",
            "LookupUnavailable",
            "PolicyUnavailable",
        ] {
            assert!(is_failure(t), "{t}");
        }
    }
}
