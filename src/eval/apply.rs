//! The heart: a pure function from (policy, event) to response, conducting
//! the policy's rooms (conditions, sources, groups and roles, copies).
//!
//! Contract: no I/O, no clock, no randomness; the same policy and event give
//! the same response. Deny rules are decided first and are never skipped.
//! What a policy suppresses for a token is always in that token's
//! suppressions and never in its additions, copied attributes included.
//! ID-token rules are not applied to client-credentials grants (there is no
//! ID token); access-token rules are not applied to V1 events (Cognito cannot
//! take them), and the count of those skipped is reported so the caller can
//! log it, as are copied claims and scopes left out at run time.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::groups::{GroupCounts, group_override};
use super::results::LookupResults;
use super::{Facts, Generator};
use crate::error::{RuleError, TriggerError};
use crate::event::{EventView, Version};
use crate::model::{ClaimRule, CopyRule, IfMissing, Policy, ScopeRule, SourceKind, Template};
use crate::reserved::{self, TokenKind};
use crate::response::{
    AccessTokenGeneration, Claims, ClaimsAndScopeOverrideDetails, ClaimsOverrideDetails,
    GroupOverride, IdTokenGeneration, Name, Response,
};

/// What the policy did to one event: the response and, for the log, names
/// and counts (never values).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<'p> {
    /// The response to put in the event.
    pub response: Response<'p>,
    /// The version the response is written in.
    pub version: Version,
    /// The version the event declared, if it is one Cognito sends.
    pub event_version: Option<Version>,
    /// Rule parts for the access token that a V1 event could not carry.
    pub skipped_access_rules: usize,
    /// What was left out at run time.
    pub dropped: Dropped,
    /// The templates (as written) of the scopes added by rendering one: the
    /// log names these, never the rendered text, which holds values.
    pub scope_templates: Vec<&'p str>,
    /// The route of the policy applied (empty for a plain policy).
    pub route: &'p str,
}

/// Counts of what a policy asked for but the run left out, for the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Copied attributes whose claim name is reserved in a token.
    pub copied_reserved: usize,
    /// Copied attributes whose claim a suppression removes from a token.
    pub copied_suppressed: usize,
    /// Scope templates with a placeholder without value, or a space.
    pub scopes: usize,
    /// `groups.addFrom` values that matched no `allow` entry.
    pub groups_refused: usize,
    /// Whether the roles were cleared because a group was removed by a
    /// policy without a `roles` section.
    pub roles_cleared: bool,
}

/// The one entry: applies `policy` to an event, with the results of the
/// routed policy's lookups (`crate::lookup`), and decides its new `response`
/// (which [`crate::trigger::Output`] writes in place of the old one).
/// `configured` is the pool's `LambdaVersion`, used when the event's
/// `version` is not one Cognito sends. A routing document's policy is chosen
/// by the event's pool and client first. Without results, a policy's lookups
/// are all unavailable. A rule that read an unavailable lookup which fails
/// closed refuses the event, whatever else was decided. Past `deadline`
/// (checked between rules and between list items), evaluation stops and
/// the event is refused ([`RuleError::OutOfTime`]).
pub fn apply<'p>(
    policy: &'p Policy,
    event: &Map<String, Value>,
    configured: Option<Version>,
    lookups: Option<&LookupResults>,
    generator: Option<&Generator>,
    deadline: Option<std::time::Instant>,
) -> Result<Outcome<'p>, TriggerError> {
    let view = EventView::parse(event)?;
    let policy = policy
        .route(view.user_pool_id, view.client_id)
        .ok_or(TriggerError::NoPolicy)?;
    let none;
    let lookups = if policy.lookups.is_empty() {
        None
    } else {
        Some(if let Some(l) = lookups {
            l
        } else {
            none = LookupResults::unavailable(&policy.lookups);
            &none
        })
    };
    let facts = Facts {
        event: &view,
        lookups,
        generator,
        deadline,
    };
    let decided = decide_event(policy, &facts, configured);
    match lookups.and_then(LookupResults::failed_read) {
        Some(i) => Err(TriggerError::LookupUnavailable {
            lookup: policy.lookups[i].name.clone(),
        }),
        None => decided,
    }
}

fn decide_event<'p>(
    policy: &'p Policy,
    view: &Facts<'_, '_>,
    configured: Option<Version>,
) -> Result<Outcome<'p>, TriggerError> {
    refuse_if_denied(policy, view)?;
    let event_version = view.version.and_then(Version::from_event_field);
    let version = event_version
        .or(configured)
        .ok_or(TriggerError::UnknownVersion)?;
    let decided = decide_allowed(policy, view, version)?;
    Ok(Outcome {
        response: decided.response,
        version,
        event_version,
        skipped_access_rules: decided.skipped_access_rules,
        dropped: decided.dropped,
        scope_templates: decided.scope_templates,
        route: &policy.route,
    })
}

/// The response for one event, with the counts for the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided<'p> {
    /// The response.
    pub response: Response<'p>,
    /// Access-token rule parts skipped on a V1 event.
    pub skipped_access_rules: usize,
    /// What was left out at run time.
    pub dropped: Dropped,
    /// The templates of the rendered scopes added (for the log).
    pub scope_templates: Vec<&'p str>,
}

/// Claims to add and suppress for one token, in policy order.
#[derive(Default)]
struct TokenChanges<'p> {
    add: Claims<'p>,
    suppress: Vec<&'p str>,
}

impl<'p> TokenChanges<'p> {
    fn suppress(&mut self, claim: &'p str) {
        if !self.suppress.contains(&claim) {
            self.suppress.push(claim);
        }
    }

    /// Suppression wins over addition, as it does in Cognito; the policy
    /// loader already refuses such a policy, this keeps it true regardless.
    fn finish(mut self) -> (Claims<'p>, Vec<&'p str>) {
        for c in &self.suppress {
            self.add.remove(c);
        }
        (self.add, self.suppress)
    }
}

/// The response for one event once no deny rule holds.
fn decide_allowed<'p>(
    policy: &'p Policy,
    view: &Facts<'_, '_>,
    version: Version,
) -> Result<Decided<'p>, TriggerError> {
    let id_on = !view.is_client_credentials();
    let access_on = version.has_access_token_rules();
    let mut skipped = 0usize;
    let mut dropped = Dropped::default();
    let mut id = TokenChanges::default();
    let mut access = TokenChanges::default();
    let mut count_skipped = |on_access: bool| {
        if on_access && !access_on {
            skipped += 1;
        }
    };

    for rule in &policy.suppress {
        view.on_time()?;
        if !rule.when.holds(view) {
            continue;
        }
        count_skipped(rule.tokens.access);
        for claim in &rule.claims {
            if rule.tokens.id && id_on {
                id.suppress(claim);
            }
            if rule.tokens.access && access_on {
                access.suppress(claim);
            }
        }
    }

    for rule in &policy.copy_attributes {
        view.on_time()?;
        if rule.when.holds(view) {
            count_skipped(rule.tokens.access);
            copy_attributes(
                policy,
                rule,
                view,
                [id_on, access_on],
                [&mut id, &mut access],
                &mut dropped,
            )?;
        }
    }

    for rule in &policy.claims {
        view.on_time()?;
        let wants_id = rule.tokens.id && id_on;
        let wants_access = rule.tokens.access && access_on;
        if !rule.when.holds(view) {
            continue;
        }
        count_skipped(rule.tokens.access);
        if !wants_id && !wants_access {
            continue;
        }
        let Some(mut value) = resolve(rule, view)? else {
            continue;
        };
        if version == Version::V1 {
            value = as_v1_string(value);
        }
        let claim = Cow::Borrowed(rule.claim.as_str());
        if wants_id && wants_access {
            id.add.insert(claim.clone(), value.clone());
            access.add.insert(claim, value);
        } else if wants_id {
            id.add.insert(claim, value);
        } else {
            access.add.insert(claim, value);
        }
    }

    let mut scopes = ScopeChanges::default();
    for rule in &policy.scopes {
        view.on_time()?;
        if !rule.when.holds(view) {
            continue;
        }
        count_skipped(true);
        if access_on {
            scopes.apply(rule, view, &mut dropped);
        }
    }
    let (scopes_add, scopes_suppress, scope_templates) = scopes.finish();

    view.on_time()?;
    let group_override = groups_and_roles(policy, view, &mut dropped)?;

    let response = assemble(
        version,
        id_on.then_some(id),
        access,
        (scopes_add, scopes_suppress),
        group_override,
    );
    Ok(Decided {
        response,
        skipped_access_rules: skipped,
        dropped,
        scope_templates,
    })
}

/// The group override, with its counts for the log.
fn groups_and_roles(
    policy: &Policy,
    view: &Facts<'_, '_>,
    dropped: &mut Dropped,
) -> Result<Option<GroupOverride>, RuleError> {
    let mut counts = GroupCounts::default();
    let group_override = group_override(
        policy.groups.as_ref(),
        policy.roles.as_ref(),
        view,
        &mut counts,
    )?;
    dropped.groups_refused = counts.refused;
    dropped.roles_cleared = counts.roles_cleared;
    Ok(group_override)
}

/// Refuses the sign-in when a deny rule holds (the first, in file order):
/// before anything else, the event's version included. A rule whose
/// condition cannot be decided (a lookup failed, was skipped, not made or
/// found no item; a value of another type than its test) refuses too,
/// unless it says `"ifUnknown": "allow"`.
pub fn refuse_if_denied(policy: &Policy, view: &Facts<'_, '_>) -> Result<(), TriggerError> {
    for (rule, d) in policy.deny.iter().enumerate() {
        view.on_time()?;
        let refuses = match d.when.decide(view) {
            Some(held) => held,
            None => !d.allows_unknown(),
        };
        if refuses {
            return Err(TriggerError::Denied {
                rule,
                message: d.message.clone(),
            });
        }
    }
    Ok(())
}

/// The response in the container the version asks for. `id` is `None` when
/// there is no ID token (client credentials).
fn assemble<'p>(
    version: Version,
    id: Option<TokenChanges<'p>>,
    access: TokenChanges<'p>,
    (scopes_to_add, scopes_to_suppress): (Vec<Name<'p>>, Vec<&'p str>),
    group_override_details: Option<GroupOverride>,
) -> Response<'p> {
    let id = id.map(TokenChanges::finish);
    if version == Version::V1 {
        let (claims_to_add_or_override, claims_to_suppress) = id.unwrap_or_default();
        return Response::V1(ClaimsOverrideDetails {
            claims_to_add_or_override,
            claims_to_suppress,
            group_override_details,
        });
    }
    let (access_add, access_suppress) = access.finish();
    Response::V2(ClaimsAndScopeOverrideDetails {
        id_token_generation: id.map(|(claims_to_add_or_override, claims_to_suppress)| {
            IdTokenGeneration {
                claims_to_add_or_override,
                claims_to_suppress,
            }
        }),
        access_token_generation: AccessTokenGeneration {
            claims_to_add_or_override: access_add,
            claims_to_suppress: access_suppress,
            scopes_to_add,
            scopes_to_suppress,
        },
        group_override_details,
    })
}

/// One `copyAttributes` rule's claims, for the tokens that are `on`: a name
/// that is reserved in a token or that Cognito itself issues (a user who can
/// write `custom:email_verified` must not mint `email_verified`), or that any suppress rule names for that
/// token (whether or not its condition holds: as the loader refuses for claim
/// rules), is counted and left out.
fn copy_attributes(
    policy: &Policy,
    rule: &CopyRule,
    view: &Facts<'_, '_>,
    on: [bool; 2],
    tokens: [&mut TokenChanges<'_>; 2],
    dropped: &mut Dropped,
) -> Result<(), RuleError> {
    let wanted = [rule.tokens.id && on[0], rule.tokens.access && on[1]];
    let [id, access] = tokens;
    for (name, value) in rule.copies(view) {
        view.on_time()?;
        for (wants, kind, changes) in [
            (wanted[0], TokenKind::Id, &mut *id),
            (wanted[1], TokenKind::Access, &mut *access),
        ] {
            if !wants {
                continue;
            }
            if reserved::check_add(name, kind).is_err() || reserved::cognito_issued(name) {
                dropped.copied_reserved += 1;
            } else if changes.suppress.contains(&name)
                || policy
                    .suppress
                    .iter()
                    .any(|s| s.tokens.has(kind) && s.claims.iter().any(|c| c == name))
            {
                dropped.copied_suppressed += 1;
            } else {
                changes
                    .add
                    .insert(Cow::Owned(name.to_owned()), Value::String(value.to_owned()));
            }
        }
    }
    Ok(())
}

/// Scopes to add and suppress, in policy order, and the templates of the
/// rendered ones (for the log).
#[derive(Default)]
struct ScopeChanges<'p> {
    add: Vec<Name<'p>>,
    suppress: Vec<&'p str>,
    templates: Vec<&'p str>,
}

impl<'p> ScopeChanges<'p> {
    /// One scope rule that applies.
    fn apply(&mut self, rule: &'p ScopeRule, view: &Facts<'_, '_>, dropped: &mut Dropped) {
        for t in &rule.add {
            match render_scope(t, view) {
                Some(s) if !self.add.contains(&s) => {
                    if matches!(s, Cow::Owned(_)) && !self.templates.contains(&t.text.as_str()) {
                        self.templates.push(&t.text);
                    }
                    self.add.push(s);
                }
                Some(_) => {}
                None => dropped.scopes += 1,
            }
        }
        for s in &rule.suppress {
            if !self.suppress.contains(&s.as_str()) {
                self.suppress.push(s);
            }
        }
    }

    /// An added scope that is also suppressed is not added.
    fn finish(mut self) -> (Vec<Name<'p>>, Vec<&'p str>, Vec<&'p str>) {
        let suppress = &self.suppress;
        self.add.retain(|s| !suppress.contains(&s.as_ref()));
        (self.add, self.suppress, self.templates)
    }
}

/// A scope to add: borrowed when constant; `None` when a placeholder has no
/// value or the text is empty or has a space.
fn render_scope<'p>(t: &'p Template, view: &Facts<'_, '_>) -> Option<Name<'p>> {
    if let [crate::model::Part::Text(s)] = t.parts.as_slice() {
        return Some(Cow::Borrowed(s.as_str()));
    }
    let s = t.render(view)?;
    (!s.is_empty() && !s.chars().any(char::is_whitespace)).then_some(Cow::Owned(s))
}

/// The value of a claim rule for this user, or `None` to leave it out.
fn resolve(rule: &ClaimRule, view: &Facts<'_, '_>) -> Result<Option<Value>, RuleError> {
    if let Some(v) = rule.source.eval(view, &rule.claim)? {
        return Ok(Some(v));
    }
    match &rule.if_missing {
        IfMissing::Skip => Ok(None),
        IfMissing::Default(v) => Ok(Some(v.clone())),
        IfMissing::Fail => Err(match &rule.source.kind {
            SourceKind::Attribute(name) if view.attribute(name).is_none() => {
                RuleError::MissingAttribute {
                    claim: rule.claim.clone(),
                    attribute: name.clone(),
                }
            }
            SourceKind::Context(field) => RuleError::MissingContext {
                claim: rule.claim.clone(),
                field: field.name(),
            },
            SourceKind::Groups { .. } | SourceKind::GroupNames(_) => RuleError::MissingGroups {
                claim: rule.claim.clone(),
            },
            _ => RuleError::NoValue {
                claim: rule.claim.clone(),
            },
        }),
    }
}

/// V1 claims are strings: anything else is sent as its JSON text.
fn as_v1_string(v: Value) -> Value {
    match v {
        Value::String(_) => v,
        other => Value::String(other.to_string()),
    }
}

/// Names of the claims and scopes a response changes, for the log: borrowed
/// from the response and written comma-separated only when formatted.
#[derive(Debug, Clone, Copy)]
pub struct Changes<'a> {
    /// ID-token claims added or overridden.
    pub id_added: Names<'a>,
    /// ID-token claims suppressed.
    pub id_suppressed: Names<'a>,
    /// Access-token claims added or overridden.
    pub access_added: Names<'a>,
    /// Access-token claims suppressed.
    pub access_suppressed: Names<'a>,
    /// Scopes added.
    pub scopes_added: Names<'a>,
    /// Scopes suppressed.
    pub scopes_suppressed: Names<'a>,
    /// Number of groups kept by a group override, if one is written.
    pub groups_kept: Option<usize>,
}

/// A list of names that displays as `a,b,c`.
#[derive(Debug, Clone, Copy)]
pub enum Names<'a> {
    /// The names of added claims.
    Claims(&'a [(Name<'a>, Value)]),
    /// A list of names.
    List(&'a [&'a str]),
    /// Scopes: the constant ones by name; rendered ones (owned) are left
    /// out, since their text holds values (the log names their templates).
    Scopes(&'a [Name<'a>]),
}

impl std::fmt::Display for Names<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut write = |i: usize, s: &str| {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(s)
        };
        match self {
            Self::Claims(c) => c.iter().enumerate().try_for_each(|(i, (k, _))| write(i, k)),
            Self::List(l) => l.iter().enumerate().try_for_each(|(i, k)| write(i, k)),
            Self::Scopes(l) => l
                .iter()
                .filter(|s| matches!(s, Cow::Borrowed(_)))
                .enumerate()
                .try_for_each(|(i, k)| write(i, k)),
        }
    }
}

impl<'a> Changes<'a> {
    /// Lists the names a response changes.
    pub fn of(response: &'a Response<'_>) -> Self {
        const NONE: Names<'static> = Names::List(&[]);
        let groups_kept = response
            .group_override()
            .map(|g| g.groups_to_override.len());
        match response {
            Response::V1(d) => Self {
                id_added: Names::Claims(&d.claims_to_add_or_override.0),
                id_suppressed: Names::List(&d.claims_to_suppress),
                access_added: NONE,
                access_suppressed: NONE,
                scopes_added: NONE,
                scopes_suppressed: NONE,
                groups_kept,
            },
            Response::V2(d) => {
                let (id_added, id_suppressed) =
                    d.id_token_generation.as_ref().map_or((NONE, NONE), |g| {
                        (
                            Names::Claims(&g.claims_to_add_or_override.0),
                            Names::List(&g.claims_to_suppress),
                        )
                    });
                let a = &d.access_token_generation;
                Self {
                    id_added,
                    id_suppressed,
                    access_added: Names::Claims(&a.claims_to_add_or_override.0),
                    access_suppressed: Names::List(&a.claims_to_suppress),
                    scopes_added: Names::Scopes(&a.scopes_to_add),
                    scopes_suppressed: Names::List(&a.scopes_to_suppress),
                    groups_kept,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_values_become_json_text() {
        assert_eq!(as_v1_string(Value::from(3)), Value::from("3"));
        assert_eq!(
            as_v1_string(serde_json::json!({"a": [1]})),
            Value::from("{\"a\":[1]}")
        );
        assert_eq!(as_v1_string(Value::from("x")), Value::from("x"));
    }
}
