//! Emulating Cognito: the tokens one event would produce, before and after
//! the trigger's response.
//!
//! Contract: [`baseline`] builds the claims Cognito would put in the ID and
//! access tokens without a trigger, from the event alone; time and identifier
//! claims get placeholder values (listed in [`PLACEHOLDERS`]). [`apply`]
//! applies a response as Cognito does: V1 changes the ID token (its group
//! override also reaches the access token's `cognito:groups`); V2/V3 change
//! both; suppression wins over addition; reserved claims never change;
//! suppressing `cognito:groups` removes roles and preferred role too.
//! Pure: no clock, no I/O.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::event::EventView;
use crate::reserved::{self, TokenKind};
use crate::response::{Claims as Added, GroupOverride, Response};

/// Claims whose values the preview cannot know and fills with placeholders.
pub const PLACEHOLDERS: &[&str] = &["auth_time", "iat", "exp", "jti", "event_id", "origin_jti"];

/// The placeholder issue time (2023-11-14T22:13:20Z); `exp` is one hour later.
const PLACEHOLDER_TIME: u64 = 1_700_000_000;

/// Header size limit of `CloudFront` and many proxies.
pub const HEADER_LIMIT: usize = 8192;

/// A token's claims, in Cognito's order.
pub type Claims = Map<String, Value>;

/// The tokens of one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    /// The ID token; none on client-credentials grants.
    pub id_token: Option<Claims>,
    /// The access token.
    pub access_token: Claims,
}

/// What happened to one claim of one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Not in the token before, in it after.
    Added,
    /// In the token before and after, with another value.
    Changed,
    /// In the token before, not after.
    Suppressed,
    /// The same before and after.
    Untouched,
}

/// One claim's fate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `id` or `access`.
    pub token: &'static str,
    /// The claim name.
    pub claim: String,
    /// What happened to it.
    pub change: ChangeKind,
    /// Whether its value is a placeholder.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub placeholder: bool,
}

/// The claims Cognito would issue for this event without a trigger.
pub fn baseline(view: &EventView<'_>) -> Tokens {
    let iss = format!(
        "https://cognito-idp.{}.amazonaws.com/{}",
        view.region.unwrap_or("REGION"),
        view.user_pool_id.unwrap_or("USER_POOL_ID")
    );
    let client_id = view.client_id.unwrap_or("CLIENT_ID");
    let sub = view.attribute("sub").unwrap_or(client_id);
    let mut access = Claims::new();
    access.insert("sub".into(), sub.into());
    if !view.groups.groups.is_empty() {
        access.insert("cognito:groups".into(), strings(&view.groups.groups));
    }
    access.insert("iss".into(), iss.clone().into());
    if view.is_client_credentials() {
        access.insert("version".into(), 2.into());
    }
    access.insert("client_id".into(), client_id.into());
    if !view.is_client_credentials() {
        access.insert("origin_jti".into(), placeholder_id());
        access.insert("event_id".into(), placeholder_id());
    }
    access.insert("token_use".into(), "access".into());
    access.insert("scope".into(), scope_claim(view).into());
    if !view.is_client_credentials() {
        access.insert("auth_time".into(), PLACEHOLDER_TIME.into());
    }
    access.insert("exp".into(), (PLACEHOLDER_TIME + 3600).into());
    access.insert("iat".into(), PLACEHOLDER_TIME.into());
    access.insert("jti".into(), placeholder_id());
    // A machine token names no user, whatever the event's userName holds
    // (emulators send "ClientCredentials").
    if let Some(user) = view.user_name.filter(|_| !view.is_client_credentials()) {
        access.insert("username".into(), user.into());
    }
    if view.is_client_credentials() {
        return Tokens {
            id_token: None,
            access_token: access,
        };
    }

    let mut id = Claims::new();
    id.insert("sub".into(), sub.into());
    if !view.groups.groups.is_empty() {
        id.insert("cognito:groups".into(), strings(&view.groups.groups));
    }
    if !view.groups.roles.is_empty() {
        id.insert("cognito:roles".into(), strings(&view.groups.roles));
    }
    if let Some(role) = view.groups.preferred_role {
        id.insert("cognito:preferred_role".into(), role.into());
    }
    id.insert("iss".into(), iss.into());
    if let Some(user) = view.user_name {
        id.insert("cognito:username".into(), user.into());
    }
    id.insert("origin_jti".into(), placeholder_id());
    id.insert("aud".into(), client_id.into());
    id.insert("event_id".into(), placeholder_id());
    id.insert("token_use".into(), "id".into());
    id.insert("auth_time".into(), PLACEHOLDER_TIME.into());
    id.insert("exp".into(), (PLACEHOLDER_TIME + 3600).into());
    id.insert("iat".into(), PLACEHOLDER_TIME.into());
    id.insert("jti".into(), placeholder_id());
    for (name, value) in &view.user_attributes {
        if let Some(v) = attribute_claim(name, value) {
            id.insert((*name).to_owned(), v);
        }
    }
    Tokens {
        id_token: Some(id),
        access_token: access,
    }
}

fn placeholder_id() -> Value {
    Value::from("00000000-0000-0000-0000-000000000000")
}

fn strings(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| Value::from(*s)).collect())
}

fn scope_claim(view: &EventView<'_>) -> String {
    if view.scopes.is_empty() {
        "aws.cognito.signin.user.admin".to_owned()
    } else {
        view.scopes.join(" ")
    }
}

/// How a user attribute appears as an ID-token claim; `None` when Cognito
/// leaves it out.
fn attribute_claim(name: &str, value: &str) -> Option<Value> {
    match name {
        "sub" | "cognito:user_status" | "cognito:mfa_enabled" => None,
        "email_verified" | "phone_number_verified" => {
            Some(Value::Bool(value.eq_ignore_ascii_case("true")))
        }
        "updated_at" => Some(
            value
                .parse::<u64>()
                .map_or_else(|_| Value::from(value), Value::from),
        ),
        "identities" => Some(serde_json::from_str(value).unwrap_or_else(|_| Value::from(value))),
        _ => Some(Value::from(value)),
    }
}

/// The tokens after Cognito applies the trigger's `response`. The group
/// override goes first, so a suppressed `cognito:groups` stays suppressed.
pub fn apply(before: &Tokens, response: &Response<'_>) -> Tokens {
    let mut after = before.clone();
    let groups = match response {
        Response::V1(d) => d.group_override_details.as_ref(),
        Response::V2(d) => d.group_override_details.as_ref(),
    };
    if let Some(id) = after.id_token.as_mut() {
        override_groups(id, groups, true);
    }
    override_groups(&mut after.access_token, groups, false);
    match response {
        Response::V1(d) => {
            if let Some(id) = after.id_token.as_mut() {
                change(
                    id,
                    TokenKind::Id,
                    &d.claims_to_add_or_override,
                    &d.claims_to_suppress,
                );
            }
        }
        Response::V2(d) => {
            if let (Some(id), Some(g)) = (after.id_token.as_mut(), d.id_token_generation.as_ref()) {
                change(
                    id,
                    TokenKind::Id,
                    &g.claims_to_add_or_override,
                    &g.claims_to_suppress,
                );
            }
            let a = &d.access_token_generation;
            let access = &mut after.access_token;
            change(
                access,
                TokenKind::Access,
                &a.claims_to_add_or_override,
                &a.claims_to_suppress,
            );
            if let Some(Value::String(scope)) = access.get_mut("scope") {
                let mut scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
                for s in &a.scopes_to_add {
                    if !scopes.contains(&s.as_ref()) {
                        scopes.push(s);
                    }
                }
                scopes.retain(|s| !a.scopes_to_suppress.contains(s));
                *scope = scopes.join(" ");
            }
        }
    }
    after
}

fn change(token: &mut Claims, kind: TokenKind, add: &Added<'_>, suppress: &[&str]) {
    for (name, value) in add.iter() {
        if reserved::check_add(name, kind).is_ok() && !suppress.contains(&name) {
            token.insert(name.to_owned(), value.clone());
        }
    }
    for name in suppress {
        if reserved::check_suppress(name, kind).is_ok() {
            token.shift_remove(*name);
            if *name == "cognito:groups" {
                token.shift_remove("cognito:roles");
                token.shift_remove("cognito:preferred_role");
            }
        }
    }
}

fn override_groups(token: &mut Claims, o: Option<&GroupOverride>, with_roles: bool) {
    let Some(o) = o else { return };
    let set = |token: &mut Claims, k: &str, items: &[String]| {
        if items.is_empty() {
            token.shift_remove(k);
        } else {
            token.insert(
                k.to_owned(),
                Value::Array(items.iter().map(|s| Value::from(s.as_str())).collect()),
            );
        }
    };
    set(token, "cognito:groups", &o.groups_to_override);
    if with_roles {
        set(token, "cognito:roles", &o.iam_roles_to_override);
        match &o.preferred_role {
            Some(r) => {
                token.insert("cognito:preferred_role".into(), r.as_str().into());
            }
            None => {
                token.shift_remove("cognito:preferred_role");
            }
        }
    }
}

/// Every claim's fate, token by token (ID first), in the order of the final
/// token, then the suppressed ones.
pub fn changes(before: &Tokens, after: &Tokens) -> Vec<Change> {
    let mut out = Vec::new();
    let pairs = [
        ("id", before.id_token.as_ref(), after.id_token.as_ref()),
        (
            "access",
            Some(&before.access_token),
            Some(&after.access_token),
        ),
    ];
    for (token, b, a) in pairs {
        let (Some(b), Some(a)) = (b, a) else { continue };
        for (name, value) in a {
            let change = match b.get(name) {
                None => ChangeKind::Added,
                Some(old) if old == value => ChangeKind::Untouched,
                Some(_) => ChangeKind::Changed,
            };
            out.push(Change {
                token,
                claim: name.clone(),
                change,
                placeholder: PLACEHOLDERS.contains(&name.as_str()),
            });
        }
        for name in b.keys().filter(|k| !a.contains_key(*k)) {
            out.push(Change {
                token,
                claim: name.clone(),
                change: ChangeKind::Suppressed,
                placeholder: false,
            });
        }
    }
    out
}

/// The size in bytes of the claims as a compact JWT signed with RS256 (a
/// 2048-bit key, as Cognito's), with a header like Cognito's.
pub fn jwt_size(claims: &Claims) -> usize {
    // Cognito's header: {"kid":"<44 characters>","alg":"RS256"}
    const HEADER_JSON: usize = r#"{"kid":"","alg":"RS256"}"#.len() + 44;
    const SIGNATURE: usize = 256;
    let payload = serde_json::to_vec(claims).map_or(0, |v| v.len());
    b64_len(HEADER_JSON) + 1 + b64_len(payload) + 1 + b64_len(SIGNATURE)
}

/// Length of unpadded base64url text for `n` bytes.
fn b64_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_lengths() {
        assert_eq!(b64_len(0), 0);
        assert_eq!(b64_len(1), 2);
        assert_eq!(b64_len(2), 3);
        assert_eq!(b64_len(3), 4);
        assert_eq!(b64_len(256), 342);
    }
}
