//! The policy from AWS AppConfig, through the AppConfig agent's Lambda
//! extension (`PRETOKEN_POLICY_APPCONFIG`).
//!
//! Contract: [`Refresh`] is a pure state machine (clock and fetch results are
//! passed in): the first invocation fetches; later ones re-fetch at most
//! every refresh interval; a body is parsed only when its
//! `Configuration-Version` (else the body itself) changes. Failures never
//! poison the environment: with no valid policy yet, the invocation fails
//! and the next one tries again; with a policy in force, a failed refresh
//! keeps serving it (one warning per failure streak), and an invalid new
//! version is refused with every problem logged, the last good one kept.
//! [`fetch`] is the HTTP GET to the agent on 127.0.0.1, bounded in time.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[cfg(feature = "lambda")]
pub mod validate;

use crate::event::Version;
use crate::model::Policy;
use crate::trigger::Trigger;

pub use crate::trigger::config::{
    AppConfigSettings as Settings, ENV_APPCONFIG, ENV_PORT, ENV_REFRESH, ENV_TIMEOUT,
};

/// The largest policy accepted from the agent.
pub const MAX_BODY: usize = 1024 * 1024;

/// What one fetch gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentAnswer {
    /// 200, with the body and its `Configuration-Version`, if sent.
    Body {
        /// `Configuration-Version`.
        version: Option<String>,
        /// The policy text.
        body: Vec<u8>,
    },
    /// The agent could not be asked or answered with an error: a short
    /// description (a status, "timeout", "connection refused"), no content.
    Failed(String),
}

/// A policy version in force.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The version as logged: `Configuration-Version`, else `body-HASH`.
    pub version: String,
    /// The trigger with this version's policy.
    pub trigger: Arc<Trigger>,
}

/// What a fetch result did, for the log and the metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new version is in force.
    Loaded(String),
    /// The same version as before: nothing parsed.
    Unchanged,
    /// A new version is invalid: every problem; the last good one (if any) stays.
    Rejected {
        /// The refused version.
        version: String,
        /// Every problem, with its path.
        problems: Vec<String>,
    },
    /// The fetch failed; `first` is true for the first failure of a streak.
    Failed {
        /// What went wrong.
        error: String,
        /// The first failure since the last success.
        first: bool,
    },
}

/// The refresh state of one execution environment.
#[derive(Debug)]
pub struct Refresh {
    interval: Duration,
    lambda_version: Option<Version>,
    last_attempt: Option<Instant>,
    current: Option<Loaded>,
    /// The version last refused, so it is logged once, not every refresh.
    rejected: Option<String>,
    failing: bool,
    /// Whether this function can make lookups: a version with lookups is
    /// refused by one built without them.
    lookups_built: bool,
    /// Each version's evaluation budget (`PRETOKEN_EVAL_BUDGET_MS`).
    eval_budget: Duration,
    /// When the agent last answered with a policy (any version).
    last_success: Option<Instant>,
    /// How long refreshes may fail before the policy in force is stale
    /// (`PRETOKEN_POLICY_MAX_STALE_SECONDS`; `None`: never).
    max_stale: Option<Duration>,
    /// Whether the current stale period has been reported (its ERROR is
    /// logged once).
    stale_reported: bool,
}

/// Whether the policy in force is stale, for one invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staleness {
    /// Fresh, or staleness is not watched.
    Fresh,
    /// Refreshes have failed for longer than the limit: `first` is true for
    /// the first invocation of this stale period; `for_seconds` since the
    /// last successful refresh.
    Stale {
        /// The first invocation of the stale period.
        first: bool,
        /// Seconds since the last successful refresh.
        for_seconds: u64,
    },
}

impl Refresh {
    /// A state with no policy yet.
    pub fn new(refresh: Duration, lambda_version: Option<Version>) -> Self {
        Self {
            interval: refresh,
            lambda_version,
            last_attempt: None,
            current: None,
            rejected: None,
            failing: false,
            lookups_built: true,
            eval_budget: crate::trigger::config::DEFAULT_EVAL_BUDGET,
            last_success: None,
            max_stale: Some(crate::trigger::config::DEFAULT_MAX_STALE),
            stale_reported: false,
        }
    }

    /// The same state, a policy going stale once refreshes have failed for
    /// longer than `max_stale` (`None`: never).
    #[must_use]
    pub fn with_max_stale(mut self, max_stale: Option<Duration>) -> Self {
        self.max_stale = max_stale;
        self
    }

    /// Whether the policy in force is stale at `now`: refreshes have failed
    /// for longer than the limit since the last successful one. The policy
    /// keeps serving (never none); the caller logs an ERROR once per stale
    /// period and emits `PolicyStale` on every stale invocation.
    pub fn staleness(&mut self, now: Instant) -> Staleness {
        let (Some(limit), Some(last), true) = (self.max_stale, self.last_success, self.failing)
        else {
            return Staleness::Fresh;
        };
        let age = now.saturating_duration_since(last);
        if self.current.is_none() || age <= limit {
            return Staleness::Fresh;
        }
        let first = !self.stale_reported;
        self.stale_reported = true;
        Staleness::Stale {
            first,
            for_seconds: age.as_secs(),
        }
    }

    /// The same state, each version evaluated within `budget`.
    #[must_use]
    pub fn with_eval_budget(mut self, budget: Duration) -> Self {
        self.eval_budget = budget;
        self
    }

    /// The same state for a function built without lookups: a version that
    /// declares lookups is refused (the last good one stays in force).
    #[must_use]
    pub fn without_lookups(mut self) -> Self {
        self.lookups_built = false;
        self
    }

    /// Whether to fetch now: always while there is no policy, else once the
    /// refresh interval has passed since the last attempt.
    pub fn due(&self, now: Instant) -> bool {
        self.current.is_none()
            || self
                .last_attempt
                .is_none_or(|t| now.saturating_duration_since(t) >= self.interval)
    }

    /// The policy in force, if any.
    pub fn current(&self) -> Option<&Loaded> {
        self.current.as_ref()
    }

    /// Takes a fetch result made at `now`.
    pub fn apply(&mut self, fetched: AgentAnswer, now: Instant) -> Change {
        self.last_attempt = Some(now);
        let (version, body) = match fetched {
            AgentAnswer::Failed(error) => {
                let first = !self.failing;
                self.failing = true;
                return Change::Failed { error, first };
            }
            AgentAnswer::Body { version, body } => (version, body),
        };
        self.failing = false;
        self.last_success = Some(now);
        self.stale_reported = false;
        let version = version.filter(|v| !v.trim().is_empty()).unwrap_or_else(|| {
            let mut h = DefaultHasher::new();
            body.hash(&mut h);
            format!("body-{:016x}", h.finish())
        });
        if self.current.as_ref().is_some_and(|c| c.version == version) {
            return Change::Unchanged;
        }
        if self.current.is_some() && self.rejected.as_deref() == Some(version.as_str()) {
            return Change::Unchanged;
        }
        let name = format!("AppConfig version {version}");
        let problems = |e: crate::error::PolicyError| -> Vec<String> {
            e.problems.iter().map(ToString::to_string).collect()
        };
        // A version whose lookups name a variable this function does not
        // have is refused like an invalid one: the last good one stays.
        let parsed = std::str::from_utf8(&body)
            .map_err(|_| vec!["the policy is not UTF-8 text".to_owned()])
            .and_then(|text| Policy::from_json(text, &name).map_err(problems))
            .and_then(|policy| {
                if !self.lookups_built && policy.has_lookups() {
                    Err(vec![crate::error::WITHOUT_LOOKUPS.to_owned()])
                } else {
                    Ok(policy)
                }
            })
            .and_then(|policy| {
                crate::trigger::config::Config::resolved(policy, &name, self.lambda_version, &|k| {
                    std::env::var(k).ok()
                })
                .map_err(|e| match e {
                    crate::error::ConfigError::Policy(p) => problems(p),
                    other => vec![other.to_string()],
                })
            });
        match parsed {
            Ok(config) => {
                let trigger = Trigger::labelled(Ok(config), version.clone())
                    .with_eval_budget(self.eval_budget);
                self.current = Some(Loaded {
                    version: version.clone(),
                    trigger: Arc::new(trigger),
                });
                self.rejected = None;
                Change::Loaded(version)
            }
            Err(problems) => {
                self.rejected = Some(version.clone());
                Change::Rejected { version, problems }
            }
        }
    }
}

/// Fetches the policy from the agent on 127.0.0.1, within the time limit,
/// with the Lambda runtime's own HTTP client (its code is linked once).
#[cfg(feature = "lambda")]
pub async fn fetch(settings: &Settings) -> AgentAnswer {
    use http_body_util::{BodyExt, Limited};
    use lambda_runtime_api_client::PooledClient;
    use lambda_runtime_api_client::body::Body;

    let work = async {
        let Ok(base) = format!("http://127.0.0.1:{}", settings.port).parse() else {
            return AgentAnswer::Failed("the agent's address is not a valid URI".into());
        };
        let client = PooledClient::builder().with_endpoint(base).build();
        let Ok(request) = lambda_runtime_api_client::build_request()
            .method("GET")
            .uri(settings.path.as_str())
            .body(Body::empty())
        else {
            return AgentAnswer::Failed("the configuration path is not a valid URI".into());
        };
        let Ok(response) = client.call(request).await else {
            return AgentAnswer::Failed("the agent could not be reached".into());
        };
        let status = response.status().as_u16();
        let version = response
            .headers()
            .get("Configuration-Version")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = match Limited::new(response.into_body(), MAX_BODY).collect().await {
            Ok(b) => b.to_bytes().to_vec(),
            Err(_) => {
                return AgentAnswer::Failed(format!(
                    "the agent's answer is larger than {MAX_BODY} bytes or broken"
                ));
            }
        };
        if status == 200 {
            AgentAnswer::Body { version, body }
        } else {
            AgentAnswer::Failed(format!("the agent answered status {status}"))
        }
    };
    match tokio::time::timeout(settings.timeout, work).await {
        Ok(f) => f,
        Err(_) => AgentAnswer::Failed(format!(
            "no answer from the agent within {} ms",
            settings.timeout.as_millis()
        )),
    }
}

/// The `CloudWatch` embedded-metric-format line for a refused version, with
/// the function's name as its dimension (an alarm on `pretoken` /
/// `PolicyRejected` for this function can roll the deployment back).
pub fn policy_rejected_metric(timestamp_ms: u128, function_name: &str) -> String {
    crate::metrics::line(
        crate::metrics::POLICY_REJECTED,
        timestamp_ms,
        function_name,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"suppress": [{"claims": ["email"]}]}"#;
    const OTHER: &str = r#"{"suppress": [{"claims": ["name"]}]}"#;

    fn body(version: &str, text: &str) -> AgentAnswer {
        AgentAnswer::Body {
            version: Some(version.to_owned()),
            body: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn first_fetch_then_at_most_every_interval() {
        let t0 = Instant::now();
        let mut r = Refresh::new(Duration::from_secs(15), None);
        assert!(r.due(t0));
        assert_eq!(r.apply(body("1", GOOD), t0), Change::Loaded("1".into()));
        assert!(!r.due(t0 + Duration::from_secs(14)));
        assert!(r.due(t0 + Duration::from_secs(15)));
        assert_eq!(
            r.apply(body("1", GOOD), t0 + Duration::from_secs(15)),
            Change::Unchanged
        );
        assert_eq!(
            r.apply(body("2", OTHER), t0 + Duration::from_secs(30)),
            Change::Loaded("2".into())
        );
        assert_eq!(r.current().unwrap().version, "2");
    }

    #[test]
    fn a_function_built_without_lookups_refuses_a_version_with_lookups() {
        const LOOKUPS: &str = r#"{"lookups": {"p": {"dynamodb": {"table": "Profiles", "key": {"pk": "{sub}"}}}},
            "claims": [{"claim": "plan", "lookup": "p", "field": "plan"}]}"#;
        let t0 = Instant::now();
        let mut r = Refresh::new(Duration::ZERO, None).without_lookups();
        assert_eq!(r.apply(body("1", GOOD), t0), Change::Loaded("1".into()));
        let Change::Rejected { version, problems } = r.apply(body("2", LOOKUPS), t0) else {
            panic!("a version with lookups must be refused");
        };
        assert_eq!(version, "2");
        assert_eq!(problems, [crate::error::WITHOUT_LOOKUPS]);
        assert_eq!(
            r.current().unwrap().version,
            "1",
            "the last good version stays"
        );
        let mut built = Refresh::new(Duration::ZERO, None);
        assert_eq!(
            built.apply(body("2", LOOKUPS), t0),
            Change::Loaded("2".into())
        );
    }

    #[test]
    fn no_policy_yet_fails_and_retries_every_time() {
        let t0 = Instant::now();
        let mut r = Refresh::new(Duration::from_secs(15), None);
        assert_eq!(
            r.apply(AgentAnswer::Failed("connection refused".into()), t0),
            Change::Failed {
                error: "connection refused".into(),
                first: true
            }
        );
        assert!(r.current().is_none());
        assert!(
            r.due(t0),
            "an environment without a policy asks again at once"
        );
        assert!(matches!(
            r.apply(body("1", "{ bad"), t0),
            Change::Rejected { .. }
        ));
        assert!(r.current().is_none() && r.due(t0));
        assert_eq!(r.apply(body("2", GOOD), t0), Change::Loaded("2".into()));
    }

    #[test]
    fn a_policy_in_force_survives_failures_and_invalid_versions() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut r = Refresh::new(s(0), None);
        r.apply(body("1", GOOD), t0);
        assert_eq!(
            r.apply(AgentAnswer::Failed("status 500".into()), t0 + s(1)),
            Change::Failed {
                error: "status 500".into(),
                first: true
            }
        );
        assert_eq!(
            r.apply(AgentAnswer::Failed("timeout".into()), t0 + s(2)),
            Change::Failed {
                error: "timeout".into(),
                first: false
            }
        );
        assert_eq!(r.current().unwrap().version, "1");
        let rejected = r.apply(
            body("2", r#"{"claims": [{"claim": "sub", "value": 1}]}"#),
            t0 + s(3),
        );
        assert_eq!(
            rejected,
            Change::Rejected {
                version: "2".into(),
                problems: vec!["claims[0].claim: `sub` is reserved: Cognito sets it and does not let a trigger change it".into()]
            }
        );
        assert_eq!(r.current().unwrap().version, "1");
        // The refused version is not reported again at every refresh.
        assert_eq!(r.apply(body("2", "{}"), t0 + s(4)), Change::Unchanged);
        // Success ends the failure streak.
        r.apply(body("1", GOOD), t0 + s(5));
        assert_eq!(
            r.apply(AgentAnswer::Failed("x".into()), t0 + s(6)),
            Change::Failed {
                error: "x".into(),
                first: true
            }
        );
    }

    #[test]
    fn without_a_version_header_the_body_decides() {
        let t0 = Instant::now();
        let mut r = Refresh::new(Duration::ZERO, None);
        let plain = |t: &str| AgentAnswer::Body {
            version: None,
            body: t.as_bytes().to_vec(),
        };
        assert!(matches!(r.apply(plain(GOOD), t0), Change::Loaded(v) if v.starts_with("body-")));
        assert_eq!(r.apply(plain(GOOD), t0), Change::Unchanged);
        assert!(matches!(r.apply(plain(OTHER), t0), Change::Loaded(_)));
    }

    #[test]
    fn staleness_is_reported_once_per_period_and_the_policy_keeps_serving() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let mut r = Refresh::new(Duration::ZERO, None).with_max_stale(Some(10 * s));
        assert_eq!(r.apply(body("1", GOOD), t0), Change::Loaded("1".into()));
        let down = || AgentAnswer::Failed("the agent could not be reached".into());
        r.apply(down(), t0 + 5 * s);
        assert_eq!(r.staleness(t0 + 5 * s), Staleness::Fresh);
        r.apply(down(), t0 + 11 * s);
        assert_eq!(
            r.staleness(t0 + 11 * s),
            Staleness::Stale {
                first: true,
                for_seconds: 11
            }
        );
        assert_eq!(
            r.staleness(t0 + 12 * s),
            Staleness::Stale {
                first: false,
                for_seconds: 12
            }
        );
        assert!(r.current().is_some(), "the last good version keeps serving");
        // A success ends the period; the next one is reported again.
        r.apply(body("1", GOOD), t0 + 13 * s);
        assert_eq!(r.staleness(t0 + 13 * s), Staleness::Fresh);
        r.apply(down(), t0 + 30 * s);
        assert_eq!(
            r.staleness(t0 + 30 * s),
            Staleness::Stale {
                first: true,
                for_seconds: 17
            }
        );
        // 0 (None): never stale.
        let mut never = Refresh::new(Duration::ZERO, None).with_max_stale(None);
        never.apply(body("1", GOOD), t0);
        never.apply(down(), t0 + 100_000 * s);
        assert_eq!(never.staleness(t0 + 100_000 * s), Staleness::Fresh);
    }

    #[test]
    fn the_metric_line_is_embedded_metric_format() {
        let v: serde_json::Value =
            serde_json::from_str(&policy_rejected_metric(1_700_000_000_000, "stack-pretoken"))
                .unwrap();
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Namespace"], "pretoken");
        assert_eq!(
            v["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([["FunctionName"]])
        );
        assert_eq!(v["FunctionName"], "stack-pretoken");
        assert_eq!(
            v["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"],
            "PolicyRejected"
        );
        assert_eq!(v["PolicyRejected"], 1);
    }
}
