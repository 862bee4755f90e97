//! The trigger's log: one line per invocation (names and counts, never a
//! value), the refusals with their reasons, and the once-per-cold-start
//! notices (a version mismatch, access-token rules skipped on V1).

use std::sync::atomic::Ordering;

use serde_json::Value;

use super::Trigger;
use super::config::Config;
use crate::error::TriggerError;
use crate::eval::apply::{Changes, Names, Outcome};
use crate::event::Version;

impl Trigger {
    pub(super) fn log_error(&self, e: &TriggerError, request_id: &str) {
        if let (TriggerError::Config, Err(detail)) = (e, &self.config) {
            tracing::error!(request_id, error_type = e.error_type(), detail = %detail, "refused to issue tokens");
        } else if let TriggerError::Denied { rule, .. } = e {
            tracing::info!(
                request_id,
                error_type = e.error_type(),
                rule = format_args!("deny[{rule}]"),
                "sign-in refused by a deny rule"
            );
        } else if let TriggerError::LookupUnavailable { lookup } = e {
            tracing::error!(
                request_id,
                error_type = e.error_type(),
                lookup = lookup.as_str(),
                "refused to issue tokens: a rule needs a lookup that was unavailable, and the lookup says \"ifUnavailable\": \"fail\""
            );
        } else if *e == TriggerError::UnknownVersion {
            tracing::error!(
                request_id,
                error_type = e.error_type(),
                "refused to issue tokens: the event's version is not 1, 2 or 3 and PRETOKEN_LAMBDA_VERSION is not set, so the response format the pool reads is unknown"
            );
        } else {
            tracing::error!(request_id, error_type = e.error_type(), error = %e, "refused to issue tokens");
        }
    }

    pub(super) fn log(
        &self,
        config: &Config,
        event: &serde_json::Map<String, Value>,
        outcome: &Outcome<'_>,
        request_id: &str,
    ) {
        let field = |k: &str| event.get(k).and_then(Value::as_str).unwrap_or("");
        let client_id = event
            .get("callerContext")
            .and_then(|c| c.get("clientId"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if let (Some(configured), Some(sent)) = (config.lambda_version, outcome.event_version) {
            if configured != sent && !self.mismatch_logged.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    event_version = sent.lambda_version(),
                    configured = configured.lambda_version(),
                    "the event's version differs from PRETOKEN_LAMBDA_VERSION; answering in the event's version (logged once per cold start). {}",
                    mismatch_cause(sent, configured)
                );
            }
        }
        if outcome.event_version.is_none() {
            tracing::debug!(
                answered_as = outcome.version.lambda_version(),
                "event version is not 1, 2 or 3: answered in the configured version"
            );
        }
        if outcome.skipped_access_rules > 0 && !self.v1_notice_logged.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                skipped = outcome.skipped_access_rules,
                "access-token rules are not applied to V1 events: V1 can change only the ID token. Set the pool's LambdaVersion to V2_0 or V3_0 (Essentials or Plus plan) to apply them (logged once per cold start)"
            );
        }
        if !tracing::enabled!(tracing::Level::INFO) {
            return;
        }
        let c = Changes::of(&outcome.response);
        tracing::info!(
            request_id,
            trigger_source = field("triggerSource"),
            version = field("version"),
            answered_as = outcome.version.lambda_version(),
            client_id,
            policy_version = self.label.as_str(),
            policy_route = outcome.route,
            id_added = %c.id_added,
            id_suppressed = %c.id_suppressed,
            access_added = %c.access_added,
            access_suppressed = %c.access_suppressed,
            scopes_added = %c.scopes_added,
            scopes_added_from_templates = %Names::List(&outcome.scope_templates),
            scopes_suppressed = %c.scopes_suppressed,
            groups_kept = c.groups_kept,
            copied_skipped_reserved = outcome.dropped.copied_reserved,
            copied_skipped_suppressed = outcome.dropped.copied_suppressed,
            scopes_skipped = outcome.dropped.scopes,
            groups_refused = outcome.dropped.groups_refused,
            roles_cleared = outcome.dropped.roles_cleared,
            "token claims customized"
        );
    }
}

/// The likeliest reason a pool sends another version than configured.
fn mismatch_cause(sent: Version, configured: Version) -> &'static str {
    match (sent, configured) {
        (Version::V1, _) => {
            "The pool sends V1 events (LambdaVersion V1_0, the default, or a Lite-plan pool): access-token rules cannot apply"
        }
        (_, Version::V1) => {
            "The pool sends V2/V3 events but the function is configured for V1_0: update PRETOKEN_LAMBDA_VERSION"
        }
        _ => {
            "The pool's LambdaVersion and PRETOKEN_LAMBDA_VERSION differ: deploy both from one parameter"
        }
    }
}
