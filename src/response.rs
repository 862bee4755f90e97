//! The response the trigger writes into the event's `response` field.
//!
//! Contract: V1 events get `claimsOverrideDetails`, V2 and V3 events get
//! `claimsAndScopeOverrideDetails`. A token-generation block, when present,
//! carries all its members (empty when unused), so the response also parses
//! with `aws_lambda_events`' types; `groupOverrideDetails` is written only
//! when the policy changes the user's groups, because Cognito reads an empty
//! one as "remove every group". Claims keep the order the policy adds them.

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

/// A claim or scope name: borrowed from the policy, or owned when it comes
/// from data (a copied attribute, a rendered scope template).
pub type Name<'p> = Cow<'p, str>;

/// Claims to add or override, in the order the policy adds them; names from
/// the policy are borrowed, so an invocation copies none.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Claims<'p>(pub Vec<(Name<'p>, Value)>);

impl<'p> Claims<'p> {
    /// Sets a claim, keeping its first position when it is set again.
    pub fn insert(&mut self, name: Name<'p>, value: Value) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    /// Removes a claim.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| n != name);
    }

    /// Whether a claim is set.
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// The claims, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(n, v)| (n.as_ref(), v))
    }
}

impl Serialize for Claims<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The `response` of a pre token generation event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Response<'p> {
    /// Version 1: the ID token only; claim values are strings.
    #[serde(rename = "claimsOverrideDetails")]
    V1(ClaimsOverrideDetails<'p>),
    /// Versions 2 and 3: ID and access tokens, scopes.
    #[serde(rename = "claimsAndScopeOverrideDetails")]
    V2(ClaimsAndScopeOverrideDetails<'p>),
}

impl Response<'_> {
    /// The JSON that goes in the event's `response` field.
    pub fn to_value(&self) -> Value {
        // Serialising these plain types into a Value cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The group override, if the response carries one.
    pub fn group_override(&self) -> Option<&GroupOverride> {
        match self {
            Self::V1(d) => d.group_override_details.as_ref(),
            Self::V2(d) => d.group_override_details.as_ref(),
        }
    }
}

/// `claimsOverrideDetails` (V1).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimsOverrideDetails<'p> {
    /// ID-token claims to add or override; every value is a string.
    pub claims_to_add_or_override: Claims<'p>,
    /// ID-token claims to remove.
    pub claims_to_suppress: Vec<&'p str>,
    /// The user's new groups, roles and preferred role (also reaches the
    /// access token's `cognito:groups`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_override_details: Option<GroupOverride>,
}

/// `claimsAndScopeOverrideDetails` (V2, V3).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimsAndScopeOverrideDetails<'p> {
    /// Changes to the ID token; absent on client-credentials grants, which
    /// issue no ID token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token_generation: Option<IdTokenGeneration<'p>>,
    /// Changes to the access token.
    pub access_token_generation: AccessTokenGeneration<'p>,
    /// The user's new groups, roles and preferred role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_override_details: Option<GroupOverride>,
}

/// `idTokenGeneration`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdTokenGeneration<'p> {
    /// Claims to add or override.
    pub claims_to_add_or_override: Claims<'p>,
    /// Claims to remove.
    pub claims_to_suppress: Vec<&'p str>,
}

/// `accessTokenGeneration`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenGeneration<'p> {
    /// Claims to add or override.
    pub claims_to_add_or_override: Claims<'p>,
    /// Claims to remove.
    pub claims_to_suppress: Vec<&'p str>,
    /// Scopes to add to `scope`.
    pub scopes_to_add: Vec<Name<'p>>,
    /// Scopes to remove from `scope`.
    pub scopes_to_suppress: Vec<&'p str>,
}

/// `groupOverrideDetails`: replaces the user's whole group configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupOverride {
    /// Groups in `cognito:groups`.
    pub groups_to_override: Vec<String>,
    /// Roles in `cognito:roles`.
    pub iam_roles_to_override: Vec<String>,
    /// `cognito:preferred_role`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_role: Option<String>,
}
