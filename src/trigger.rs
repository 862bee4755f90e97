//! The trigger as Lambda runs it: configuration in force, one event in, the
//! whole event out, one log line.
//!
//! Contract: every entry point (`respond_payload` for the Lambda function,
//! `handle_bytes` for `pretoken invoke`, `handle` and `respond` for tests and
//! `pretoken preview`) goes through the same path: configuration check, event
//! check, [`apply`], log line. A policy with lookups splits it in
//! two: `plan_payload`/`plan_bytes` (configuration, event, which lookups),
//! the caller's lookups (`crate::lookup`), `respond_planned` (the rest). If the configuration is invalid,
//! every invocation fails with a user-safe message (a trigger that cannot
//! enforce its suppressions must not issue tokens) and the detail is logged.
//! Logs carry names and counts only.

use std::sync::atomic::AtomicBool;

use serde_json::Value;

pub mod config;
mod log;

use crate::error::{ConfigError, EventError, TriggerError};
use crate::eval::Generator;
use crate::eval::apply::{Outcome, apply};
use crate::event::{self, EventView, Version};
use crate::lookup::data::LookupData;
use crate::lookup::{LookupResults, Plan};
pub use config::Config;

/// The trigger with its configuration, built once per cold start.
#[derive(Debug)]
pub struct Trigger {
    config: Result<Config, ConfigError>,
    /// The policy version in force, for the log line: `env`, `file`,
    /// `built-in`, or AppConfig's `Configuration-Version`.
    label: String,
    v1_notice_logged: AtomicBool,
    mismatch_logged: AtomicBool,
    /// Lookup results given instead of fetched (`--lookup-data`, policy test
    /// files, the playground): every path answers with them.
    lookup_data: Option<LookupData>,
    /// Whether the policy in force has lookups (any route's), decided once.
    has_lookups: bool,
    /// Where generated values come from.
    generation: Generation,
    /// The budget of one invocation's rule evaluation (none: unbounded, as
    /// in the browser, which has no clock).
    budget: Option<std::time::Duration>,
}

/// Where an invocation's generated values come from: each part live (the
/// operating system's randomness; the clock when the invocation starts)
/// unless fixed, for outputs that must be reproduced exactly (`--seed`,
/// `--fixed-time`; never in the Lambda function). The browser build has no
/// clock or randomness to ask: its default is fixed at seed 0 and the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    /// A seed for a reproducible sequence, in place of the system's randomness.
    pub seed: Option<u64>,
    /// The time, in milliseconds since the Unix epoch, in place of the clock.
    pub now_ms: Option<i64>,
}

impl Default for Generation {
    fn default() -> Self {
        if cfg!(target_arch = "wasm32") {
            Self {
                seed: Some(0),
                now_ms: Some(0),
            }
        } else {
            Self {
                seed: None,
                now_ms: None,
            }
        }
    }
}

impl Generation {
    /// The generator for one invocation.
    fn generator(self) -> Generator {
        // The clock is read only when a "now" is generated.
        Generator::new(self.seed, self.now_ms)
    }
}

impl Trigger {
    /// A trigger with this configuration, or failing every invocation if it is
    /// invalid. Logs the configuration's problems, or what it applies.
    pub fn new(config: Result<Config, ConfigError>) -> Self {
        Self::labelled(config, "")
    }

    /// [`Trigger::new`], naming the policy version in force in each log line.
    pub fn labelled(config: Result<Config, ConfigError>, label: impl Into<String>) -> Self {
        let label = label.into();
        match &config {
            Ok(c) => {
                for w in &c.policy.warnings {
                    tracing::warn!(problem = %w, "policy warning");
                }
                tracing::info!(
                    policy_version = label.as_str(),
                    deny_rules = c.policy.deny.len(),
                    suppress_rules = c.policy.suppress.len(),
                    claim_rules = c.policy.claims.len(),
                    copy_rules = c.policy.copy_attributes.len(),
                    scope_rules = c.policy.scopes.len(),
                    group_rules = c.policy.groups.is_some(),
                    role_rules = c.policy.roles.is_some(),
                    lambda_version = c.lambda_version.map(Version::lambda_version),
                    "policy loaded"
                );
            }
            Err(e) => tracing::error!(
                error = %e,
                "invalid configuration: every invocation will fail until it is fixed"
            ),
        }
        let has_lookups = config.as_ref().is_ok_and(|c| c.policy.has_lookups());
        Self {
            config,
            label,
            v1_notice_logged: AtomicBool::new(false),
            mismatch_logged: AtomicBool::new(false),
            lookup_data: None,
            has_lookups,
            generation: Generation::default(),
            budget: (!cfg!(target_arch = "wasm32"))
                .then_some(crate::trigger::config::DEFAULT_EVAL_BUDGET),
        }
    }

    /// This trigger with another evaluation budget
    /// (`PRETOKEN_EVAL_BUDGET_MS`).
    #[must_use]
    pub fn with_eval_budget(mut self, budget: std::time::Duration) -> Self {
        if !cfg!(target_arch = "wasm32") {
            self.budget = Some(budget);
        }
        self
    }

    /// When this invocation's evaluation must stop.
    fn deadline(&self) -> Option<std::time::Instant> {
        self.budget.map(|b| std::time::Instant::now() + b)
    }

    /// This trigger with generated values from `generation` (a fixed seed
    /// or time, for reproducible outputs).
    #[must_use]
    pub fn with_generation(mut self, generation: Generation) -> Self {
        self.generation = generation;
        self
    }

    /// This trigger answering every event with lookup results from `data`
    /// (offline: nothing is fetched; a lookup the data leaves out is
    /// unavailable).
    #[must_use]
    pub fn with_lookup_data(mut self, data: LookupData) -> Self {
        self.lookup_data = Some(data);
        self
    }

    /// The lookup results given instead of fetched, if any.
    pub fn lookup_data(&self) -> Option<&LookupData> {
        self.lookup_data.as_ref()
    }

    /// A trigger configured from the process environment.
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok();
        let label = crate::trigger::config::source_label(var);
        match crate::trigger::config::eval_budget_from(var) {
            Ok(budget) => Self::labelled(Config::from_env(), label).with_eval_budget(budget),
            Err(e) => Self::labelled(Err(e), label),
        }
    }

    /// Applies the policy to one event and returns the whole event with its
    /// `response` rebuilt.
    pub fn handle(&self, event: Value) -> Result<Value, TriggerError> {
        self.respond(event).map(Output::into_value)
    }

    /// [`Trigger::handle`] on the event's JSON text (the CLI's input).
    pub fn handle_bytes(&self, bytes: &[u8]) -> Result<Value, TriggerError> {
        self.respond_bytes(bytes).map(Output::into_value)
    }

    /// The event's JSON text and what the policy decides for it.
    pub fn respond_bytes(&self, bytes: &[u8]) -> Result<Output<'_>, TriggerError> {
        self.checked("", || event::parse_bytes(bytes))
    }

    /// The Lambda path: a payload as the runtime parsed it, in one pass (a
    /// repeated key gets this crate's own error), answered with an [`Output`]
    /// that the runtime serialises.
    /// `request_id` is Lambda's, for the log line.
    pub fn respond_payload(
        &self,
        payload: crate::json::Event,
        request_id: &str,
    ) -> Result<Output<'_>, TriggerError> {
        self.checked(request_id, || event::from_payload(payload))
    }

    /// The event and what the policy decides for it.
    pub fn respond(&self, event: Value) -> Result<Output<'_>, TriggerError> {
        self.checked("", || event::into_object(event))
    }

    /// Whether the policy in force has lookups (any route's): only then is
    /// an event planned, its lookups made, then answered
    /// ([`Trigger::plan_payload`], [`Trigger::respond_planned`]).
    pub fn has_lookups(&self) -> bool {
        self.has_lookups
    }

    /// The first half of an invocation with lookups: the configuration and
    /// the event checked, and the lookups the event needs planned.
    pub fn plan_payload(
        &self,
        payload: crate::json::Event,
        request_id: &str,
    ) -> Result<Pending, TriggerError> {
        self.planned(request_id, || event::from_payload(payload))
    }

    /// [`Trigger::plan_payload`] on the event's JSON text (the CLI's input).
    pub fn plan_bytes(&self, bytes: &[u8]) -> Result<Pending, TriggerError> {
        self.planned("", || event::parse_bytes(bytes))
    }

    /// [`Trigger::plan_payload`] on an event already read.
    pub fn plan_value(&self, event: Value) -> Result<Pending, TriggerError> {
        self.planned("", || event::into_object(event))
    }

    /// The second half: the event answered with its lookups' results.
    pub fn respond_planned(
        &self,
        pending: Pending,
        request_id: &str,
    ) -> Result<Output<'_>, TriggerError> {
        let Pending { event, plan } = pending;
        self.checked_with(request_id, || Ok(event), Some(&plan.results))
    }

    fn planned(
        &self,
        request_id: &str,
        parse: impl FnOnce() -> Result<serde_json::Map<String, Value>, EventError>,
    ) -> Result<Pending, TriggerError> {
        let result = match &self.config {
            Err(_) => Err(TriggerError::Config),
            Ok(config) => parse().map_err(TriggerError::Event).map(|event| {
                let plan = EventView::parse(&event)
                    .ok()
                    .and_then(|view| {
                        let policy = config.policy.route(view.user_pool_id, view.client_id)?;
                        Some(planned_lookups(policy, &view, config.lambda_version))
                    })
                    .unwrap_or_else(|| Plan {
                        requests: Vec::new(),
                        results: LookupResults::new(&[]),
                        key_refused: Vec::new(),
                    });
                Pending { event, plan }
            }),
        };
        if let Err(e) = &result {
            self.log_error(e, request_id);
        }
        result
    }

    fn checked(
        &self,
        request_id: &str,
        parse: impl FnOnce() -> Result<serde_json::Map<String, Value>, EventError>,
    ) -> Result<Output<'_>, TriggerError> {
        self.checked_with(request_id, parse, None)
    }

    fn checked_with(
        &self,
        request_id: &str,
        parse: impl FnOnce() -> Result<serde_json::Map<String, Value>, EventError>,
        lookups: Option<&LookupResults>,
    ) -> Result<Output<'_>, TriggerError> {
        let result = match &self.config {
            Err(_) => Err(TriggerError::Config),
            Ok(config) => parse().map_err(TriggerError::Event).and_then(|event| {
                let offline = match (lookups, &self.lookup_data) {
                    (None, Some(data)) if self.has_lookups => {
                        Some(Self::offline_results(config, &event, data)?)
                    }
                    _ => None,
                };
                let lookups = lookups.or(offline.as_ref());
                let generator = self.generation.generator();
                let outcome = apply(
                    &config.policy,
                    &event,
                    config.lambda_version,
                    lookups,
                    Some(&generator),
                    self.deadline(),
                )?;
                self.log(config, &event, &outcome, request_id);
                Ok(Output { event, outcome })
            }),
        };
        if let Err(e) = &result {
            self.log_error(e, request_id);
        }
        result
    }

    /// The event's lookups answered from `data`. A result of the wrong shape
    /// for its lookup refuses the event, as a rule that cannot be satisfied.
    fn offline_results(
        config: &Config,
        event: &serde_json::Map<String, Value>,
        data: &LookupData,
    ) -> Result<LookupResults, TriggerError> {
        let Ok(view) = EventView::parse(event) else {
            return Ok(LookupResults::new(&[]));
        };
        let Some(policy) = config.policy.route(view.user_pool_id, view.client_id) else {
            return Ok(LookupResults::new(&[]));
        };
        let mut plan = planned_lookups(policy, &view, config.lambda_version);
        data.fill(&mut plan)
            .map_err(|e| TriggerError::Rule(crate::error::RuleError::LookupData(e)))?;
        Ok(plan.results)
    }
}

/// The event's lookup plan, logging (by lookup name and count, never the
/// value) the keys refused because a value held its template's separator.
fn planned_lookups(
    policy: &crate::model::Policy,
    view: &EventView<'_>,
    configured: Option<crate::event::Version>,
) -> Plan {
    let plan = crate::lookup::plan(policy, view, configured);
    if !plan.key_refused.is_empty() {
        tracing::warn!(
            key_refused = plan.key_refused.len(),
            lookups = %plan.key_refused.join(","),
            "lookup key refused: a key value held its template's separator; the lookup is not made"
        );
    }
    plan
}

/// An event checked, with the lookups it needs: the caller makes them (fills
/// in `plan.results`), then answers with [`Trigger::respond_planned`].
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// The event as it came in.
    pub event: serde_json::Map<String, Value>,
    /// The lookups to make, and the results so far.
    pub plan: Plan,
}

/// The answer to one event: the event as it came, and the decided response,
/// written in place of the incoming `response` (or after the last field if it
/// had none) when serialised, without building the response as a JSON tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Output<'p> {
    /// The event as it came in.
    pub event: serde_json::Map<String, Value>,
    /// What the policy decided.
    pub outcome: Outcome<'p>,
}

impl Output<'_> {
    /// The whole event with its new `response`, as a JSON value.
    pub fn into_value(mut self) -> Value {
        self.event
            .insert("response".to_owned(), self.outcome.response.to_value());
        Value::Object(self.event)
    }
}

impl serde::Serialize for Output<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let has_response = self.event.contains_key("response");
        let len = self.event.len() + usize::from(!has_response);
        let mut map = s.serialize_map(Some(len))?;
        for (k, v) in &self.event {
            if k == "response" {
                map.serialize_entry(k, &self.outcome.response)?;
            } else {
                map.serialize_entry(k, v)?;
            }
        }
        if !has_response {
            map.serialize_entry("response", &self.outcome.response)?;
        }
        map.end()
    }
}
