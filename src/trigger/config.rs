//! The function's configuration, read once at cold start.
//!
//! Contract: `PRETOKEN_POLICY` (inline JSON) or `PRETOKEN_POLICY_FILE` (a
//! path) supplies the policy, else the built-in `policy.json` applies.
//! `PRETOKEN_POLICY` set but empty (or only white space) is a configuration
//! error, never the built-in policy: a policy lost on the way must not be
//! replaced by a weaker one. `PRETOKEN_POLICY_PARAMETER` is how
//! `template.yaml` passes its `Policy` parameter, whose documented empty
//! default means the built-in policy. `PRETOKEN_LAMBDA_VERSION` (`V1_0`, `V2_0`,
//! `V3_0`: the pool's `LambdaVersion`) says which response container to use
//! when an event's `version` is not one Cognito sends.
//! `PRETOKEN_POLICY_APPCONFIG` (with its refresh, timeout and the agent's
//! port) takes the policy from AWS AppConfig at run time instead
//! ([`AppConfigSettings`]; the fetching is `crate::appconfig`'s). This file
//! is the only reader of the function's environment: it alone decides which
//! policy source is in force.

use crate::error::ConfigError;
use crate::event::Version;
use std::time::Duration;

use crate::model::{DEFAULT_POLICY_NAME, Policy};

/// Environment variable holding the policy as inline JSON.
pub const ENV_POLICY: &str = "PRETOKEN_POLICY";
/// Environment variable `template.yaml` sets from its `Policy` parameter:
/// inline JSON, or empty for the built-in policy (so the template never
/// needs `AWS::NoValue`, which `sam local` cannot resolve).
pub const ENV_POLICY_PARAMETER: &str = "PRETOKEN_POLICY_PARAMETER";
/// Environment variable holding the path of a policy file.
pub const ENV_POLICY_FILE: &str = "PRETOKEN_POLICY_FILE";
/// Environment variable holding the pool's `LambdaVersion`.
pub const ENV_LAMBDA_VERSION: &str = "PRETOKEN_LAMBDA_VERSION";

/// The AppConfig configuration path, as `/applications/A/environments/E/configurations/P`.
pub const ENV_APPCONFIG: &str = "PRETOKEN_POLICY_APPCONFIG";

/// Seconds between re-fetches (default 15; 0: every invocation).
pub const ENV_REFRESH: &str = "PRETOKEN_POLICY_REFRESH_SECONDS";

/// The fetch's time limit in milliseconds (default 1,500).
pub const ENV_TIMEOUT: &str = "PRETOKEN_POLICY_FETCH_TIMEOUT_MS";

/// The whole invocation's budget for rule evaluation, in milliseconds
/// (default 1,000; 10 to 4,500).
pub const ENV_EVAL_BUDGET: &str = "PRETOKEN_EVAL_BUDGET_MS";

/// The default evaluation budget.
pub const DEFAULT_EVAL_BUDGET: Duration = Duration::from_secs(1);

/// The evaluation budget from `PRETOKEN_EVAL_BUDGET_MS` (through `var`), else
/// the default; a value that is not a whole number from 10 to 4,500 is an
/// error naming the variable.
pub fn eval_budget_from(var: impl Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
    match var(ENV_EVAL_BUDGET).filter(|v| !v.trim().is_empty()) {
        None => Ok(DEFAULT_EVAL_BUDGET),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (10..=4_500).contains(n))
            .map(Duration::from_millis)
            .ok_or(ConfigError::EvalBudget),
    }
}

/// How long AppConfig refreshes may fail, in seconds, before the policy in
/// force is reported stale (default 3,600; `0`: never).
pub const ENV_MAX_STALE: &str = "PRETOKEN_POLICY_MAX_STALE_SECONDS";

/// The default staleness limit.
pub const DEFAULT_MAX_STALE: Duration = Duration::from_secs(3_600);

/// The agent's own port variable (default 2772).
pub const ENV_PORT: &str = "AWS_APPCONFIG_EXTENSION_HTTP_PORT";

/// Where and how often to fetch the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppConfigSettings {
    /// The agent's path for the configuration.
    pub path: String,
    /// The agent's port on 127.0.0.1.
    pub port: u16,
    /// Time between re-fetches.
    pub refresh: Duration,
    /// Time limit of one fetch.
    pub timeout: Duration,
    /// The pool's `LambdaVersion`, as `PRETOKEN_LAMBDA_VERSION` gives it.
    pub lambda_version: Option<Version>,
    /// The evaluation budget (`PRETOKEN_EVAL_BUDGET_MS`).
    pub eval_budget: Duration,
    /// How long refreshes may fail before the policy is stale (`None`:
    /// never; `PRETOKEN_POLICY_MAX_STALE_SECONDS=0`).
    pub max_stale: Option<Duration>,
}

impl AppConfigSettings {
    /// The settings from the environment: `None` when
    /// `PRETOKEN_POLICY_APPCONFIG` is not set.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let Some(path) = set(ENV_APPCONFIG) else {
            return Ok(None);
        };
        if set(ENV_POLICY).is_some()
            || set(ENV_POLICY_FILE).is_some()
            || set(ENV_POLICY_PARAMETER).is_some()
        {
            return Err(ConfigError::TwoPolicies);
        }
        let path = path.trim().to_owned();
        let parts: Vec<&str> = path.split('/').collect();
        let ok = matches!(
            parts.as_slice(),
            ["", "applications", a, "environments", e, "configurations", p]
                if [a, e, p].iter().all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
        );
        if !ok {
            return Err(ConfigError::AppConfig(format!(
                "{ENV_APPCONFIG} must be /applications/APP/environments/ENV/configurations/PROFILE (names or IDs)"
            )));
        }
        let number = |name: &str, default: u64| -> Result<u64, ConfigError> {
            match set(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse()
                    .map_err(|_| ConfigError::AppConfig(format!("{name} must be a whole number"))),
            }
        };
        let port = number(ENV_PORT, 2772)?;
        let port = u16::try_from(port)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| ConfigError::AppConfig(format!("{ENV_PORT} must be a port number")))?;
        let lambda_version = match set(ENV_LAMBDA_VERSION) {
            None => None,
            Some(v) => {
                Some(Version::from_lambda_version(v.trim()).ok_or(ConfigError::LambdaVersion)?)
            }
        };
        Ok(Some(Self {
            path,
            port,
            refresh: Duration::from_secs(number(ENV_REFRESH, 15)?),
            timeout: Duration::from_millis(number(ENV_TIMEOUT, 1500)?.max(1)),
            lambda_version,
            eval_budget: eval_budget_from(&var)?,
            max_stale: match number(ENV_MAX_STALE, DEFAULT_MAX_STALE.as_secs())? {
                0 => None,
                s => Some(Duration::from_secs(s)),
            },
        }))
    }
}

/// A usable configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The policy in force.
    pub policy: Policy,
    /// The version the pool is configured to send, if known.
    pub lambda_version: Option<Version>,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `var`, which looks up a variable.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let set = |k: &str| var(k).filter(|v| !v.trim().is_empty());
        let lambda_version = set(ENV_LAMBDA_VERSION)
            .map(|v| Version::from_lambda_version(v.trim()).ok_or(ConfigError::LambdaVersion))
            .transpose()?;
        if set(ENV_APPCONFIG).is_some() {
            // The policy comes from AppConfig at run time (appconfig.rs); a
            // configuration read here would silently ignore it.
            return Err(ConfigError::AppConfig(format!(
                "{ENV_APPCONFIG} is set: the policy is fetched at run time, not loaded here"
            )));
        }
        if var(ENV_POLICY).is_some_and(|v| v.trim().is_empty()) {
            return Err(ConfigError::EmptyPolicy);
        }
        let inline = match (set(ENV_POLICY), set(ENV_POLICY_PARAMETER)) {
            (Some(_), Some(_)) => return Err(ConfigError::TwoPolicies),
            (Some(json), None) => Some((ENV_POLICY, json)),
            (None, Some(json)) => Some((ENV_POLICY_PARAMETER, json)),
            (None, None) => None,
        };
        let (name, policy) = match (inline, set(ENV_POLICY_FILE)) {
            (Some(_), Some(_)) => return Err(ConfigError::TwoPolicies),
            (Some((var, json)), None) => (var.to_owned(), Policy::from_json(&json, var)?),
            (None, Some(path)) => (path.clone(), load_file(&path)?),
            (None, None) => (DEFAULT_POLICY_NAME.to_owned(), Policy::builtin()?),
        };
        Self::resolved(policy, &name, lambda_version, &var)
    }

    /// A configuration with this policy, its lookups' `{env.NAME}` tables
    /// and regions read through `var` (a variable not set is a problem of
    /// the policy named `name`).
    pub fn resolved(
        mut policy: Policy,
        name: &str,
        lambda_version: Option<Version>,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        policy
            .resolve_env(var)
            .map_err(|problems| crate::error::PolicyError {
                source_name: name.to_owned(),
                problems,
            })?;
        Ok(Self {
            policy,
            lambda_version,
        })
    }
}

/// How the policy in force was given, as the log line names it: `env`,
/// `file` or `built-in` (AppConfig's own version otherwise).
pub fn source_label(var: impl Fn(&str) -> Option<String>) -> &'static str {
    let set = |k: &str| var(k).is_some_and(|v| !v.trim().is_empty());
    if set(ENV_POLICY) || set(ENV_POLICY_PARAMETER) {
        "env"
    } else if set(ENV_POLICY_FILE) {
        "file"
    } else {
        "built-in"
    }
}

/// Reads and validates a policy file.
pub fn load_file(path: &str) -> Result<Policy, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::PolicyFile {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    Ok(Policy::from_json(&text, path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn defaults_to_builtin_policy() {
        let c = Config::from_vars(vars(&[])).unwrap();
        assert_eq!(c.policy, Policy::builtin().unwrap());
        assert_eq!(c.lambda_version, None);
        // The template's parameter, empty by default, means the built-in.
        let c = Config::from_vars(vars(&[(ENV_POLICY_PARAMETER, "")])).unwrap();
        assert_eq!(c.policy, Policy::builtin().unwrap());
        let c = Config::from_vars(vars(&[(
            ENV_POLICY_PARAMETER,
            r#"{"suppress": [{"claims": ["email"]}]}"#,
        )]))
        .unwrap();
        assert_eq!(c.policy.suppress[0].claims, ["email"]);
    }

    #[test]
    fn empty_policy_variable_is_a_configuration_error() {
        for blank in ["", "  ", "\n\t"] {
            let e = Config::from_vars(vars(&[(ENV_POLICY, blank)])).unwrap_err();
            assert_eq!(e, ConfigError::EmptyPolicy);
            assert_eq!(
                e.to_string(),
                "PRETOKEN_POLICY is set but empty: give the policy as JSON, or unset it to use the built-in policy"
            );
        }
        let e = Config::from_vars(vars(&[
            (ENV_POLICY, "{}"),
            (
                ENV_POLICY_PARAMETER,
                r#"{"suppress": [{"claims": ["email"]}]}"#,
            ),
        ]))
        .unwrap_err();
        assert_eq!(e, ConfigError::TwoPolicies);
    }

    #[test]
    fn reads_inline_policy_and_version() {
        let c = Config::from_vars(vars(&[
            (ENV_POLICY, r#"{"suppress": [{"claims": ["email"]}]}"#),
            (ENV_LAMBDA_VERSION, "V3_0"),
        ]))
        .unwrap();
        assert_eq!(c.policy.suppress[0].claims, ["email"]);
        assert_eq!(c.lambda_version, Some(Version::V3));
    }

    #[test]
    fn lookup_tables_come_from_the_environment() {
        let policy = r#"{"lookups": {"p": {"dynamodb": {"table": "{env.PROFILE_TABLE}", "key": {"pk": "{sub}"}}}},
                         "claims": [{"claim": "x", "lookup": "p"}]}"#;
        let c = Config::from_vars(vars(&[
            (ENV_POLICY, policy),
            ("PROFILE_TABLE", "prod-Profiles-1A"),
        ]))
        .unwrap();
        match &c.policy.lookups[0].kind {
            crate::model::lookup::LookupKind::Get { table, .. } => {
                assert_eq!(table.resolved.as_deref(), Some("prod-Profiles-1A"));
            }
            other => panic!("{other:?}"),
        }
        let e = Config::from_vars(vars(&[(ENV_POLICY, policy)])).unwrap_err();
        assert!(
            e.to_string().ends_with(
                "PRETOKEN_POLICY: lookups.p.dynamodb.table: the environment variable PROFILE_TABLE is not set (or empty): set it in the function's environment"
            ),
            "{e}"
        );
    }

    #[test]
    fn refuses_bad_settings() {
        let e = Config::from_vars(vars(&[(ENV_LAMBDA_VERSION, "2")])).unwrap_err();
        assert_eq!(e, ConfigError::LambdaVersion);
        let e = Config::from_vars(vars(&[(ENV_POLICY, "{}"), (ENV_POLICY_FILE, "p.json")]))
            .unwrap_err();
        assert_eq!(e, ConfigError::TwoPolicies);
        let e = Config::from_vars(vars(&[(
            ENV_POLICY,
            r#"{"claims": [{"claim": "sub", "value": 1}]}"#,
        )]))
        .unwrap_err();
        assert!(e.to_string().contains("`sub` is reserved"), "{e}");
        let e = Config::from_vars(vars(&[(ENV_POLICY_FILE, "/nonexistent/p.json")])).unwrap_err();
        assert!(matches!(e, ConfigError::PolicyFile { .. }));
    }

    #[test]
    fn settings_from_the_environment() {
        let path = "/applications/pretoken/environments/prod/configurations/policy";
        let s = AppConfigSettings::from_vars(vars(&[(ENV_APPCONFIG, path)]))
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.port, s.refresh, s.timeout),
            (2772, Duration::from_secs(15), Duration::from_millis(1500))
        );
        let s = AppConfigSettings::from_vars(vars(&[
            (ENV_APPCONFIG, path),
            (ENV_PORT, "2800"),
            (ENV_REFRESH, "0"),
            (ENV_TIMEOUT, "300"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            (s.port, s.refresh, s.timeout),
            (2800, Duration::ZERO, Duration::from_millis(300))
        );
        assert_eq!(AppConfigSettings::from_vars(vars(&[])).unwrap(), None);
        assert_eq!(
            AppConfigSettings::from_vars(vars(&[(ENV_APPCONFIG, path), (ENV_POLICY, "{}")])),
            Err(ConfigError::TwoPolicies)
        );
        assert!(AppConfigSettings::from_vars(vars(&[(ENV_APPCONFIG, "/applications/x")])).is_err());
        assert!(
            AppConfigSettings::from_vars(vars(&[(ENV_APPCONFIG, path), (ENV_REFRESH, "soon")]))
                .is_err()
        );
    }
}
