//! Cognito's rules on which claims a trigger may touch.
//!
//! Contract: [`check_add`] and [`check_suppress`] answer for one claim name in
//! one token whether a response may add or suppress it, with the reason when
//! not. What Cognito does with a response that breaks these rules is not
//! documented (it may drop the claim or fail the sign-in), so a policy that
//! would emit one is rejected when it is loaded.

use std::fmt;

/// Which token a rule changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenKind {
    /// The ID token (`token_use: id`).
    Id,
    /// The access token (`token_use: access`).
    Access,
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Id => "ID token",
            Self::Access => "access token",
        })
    }
}

/// Claims a trigger may not add, override or suppress in either token:
/// Cognito's documented list (`acr`, `amr`, `at_hash`, `auth_time`, `azp`,
/// `exp`, `iat`, `identities`, `iss`, `jti`, `nbf`, `nonce`, `origin_jti`,
/// `sub`, `token_use`; `aud` and `cognito:username` have rules of their own)
/// and, by pretoken's choice, the access token's own claims Cognito sets in
/// every token it issues (`client_id`, `device_key`, `event_id`, `version`):
/// changing them would break relying parties that read them, and Cognito
/// does not document what it does with them. [`ACCESS_ONLY`] lists the two
/// that are reserved in the access token only.
pub const RESERVED: &[&str] = &[
    "acr",
    "amr",
    "at_hash",
    "auth_time",
    "azp",
    "client_id",
    "device_key",
    "event_id",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "sub",
    "token_use",
    "version",
];

/// Claims reserved in the access token only: there Cognito sets them
/// (`username`) or changes them only as it allows (`scope`, through scope
/// rules); in the ID token they are plain claims (AWS's own sample
/// `sessions-with-aws-sam` adds `scope` to ID tokens for an authorizer).
pub const ACCESS_ONLY: &[&str] = &["username", "scope"];

/// The `cognito:` claims that change only through `groupOverrideDetails`.
pub const GROUP_CLAIMS: &[&str] = &["cognito:groups", "cognito:roles", "cognito:preferred_role"];

/// ID-token claims that Cognito does not let take an object or array value.
pub const SIMPLE_ONLY_ID_CLAIMS: &[&str] = &[
    "phone_number_verified",
    "email_verified",
    "updated_at",
    "address",
];

/// The standard OIDC personal-data claims: the `standard-pii` preset.
pub const STANDARD_PII: &[&str] = &[
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "email",
    "phone_number",
    "address",
    "birthdate",
    "gender",
    "picture",
    "profile",
    "website",
];

/// Cognito's standard user attributes: the claims it issues itself from the
/// user's profile (`sub` is in [`RESERVED`]).
pub const STANDARD_ATTRIBUTES: &[&str] = &[
    "address",
    "birthdate",
    "email",
    "email_verified",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "phone_number_verified",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
];

/// Whether Cognito itself issues a claim of this name (a standard attribute,
/// `aud`, or a reserved or `cognito:` claim): `copyAttributes` never produces
/// one, since the attribute it copies may be one the user writes. An
/// explicit claim rule may still set one (the team's stated intent).
pub fn cognito_issued(name: &str) -> bool {
    STANDARD_ATTRIBUTES.contains(&name)
        || name == "aud"
        || RESERVED.contains(&name)
        || ACCESS_ONLY.contains(&name)
        || name.starts_with("cognito:")
}

/// Why a claim name may not be used; `None` when it may.
fn common(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("a claim name cannot be empty".into());
    }
    if name.trim() != name || name.chars().any(char::is_control) {
        return Some(
            "a claim name cannot start or end with white space or contain control characters"
                .into(),
        );
    }
    if RESERVED.contains(&name) {
        return Some(format!(
            "`{name}` is reserved: Cognito sets it and does not let a trigger change it"
        ));
    }
    None
}

/// Why `name` may not be used in `token` when it is one of [`ACCESS_ONLY`].
fn access_only(name: &str, token: TokenKind) -> Option<String> {
    match (name, token) {
        ("scope", TokenKind::Access) => Some(
            "`scope` changes only through scope rules (the \"scopes\" section), not as a claim"
                .into(),
        ),
        ("username", TokenKind::Access) => Some(
            "`username` is reserved in the access token: Cognito sets it and does not let a trigger change it (in the ID token it is a plain claim)"
                .into(),
        ),
        _ => None,
    }
}

/// Whether a response may add or override `name` in `token`.
pub fn check_add(name: &str, token: TokenKind) -> Result<(), String> {
    if let Some(reason) = common(name).or_else(|| access_only(name, token)) {
        return Err(reason);
    }
    if GROUP_CLAIMS.contains(&name) {
        return Err(format!(
            "`{name}` changes only through groupOverrideDetails: use the \"groups\" section to filter groups"
        ));
    }
    if name.starts_with("cognito:") {
        return Err(format!(
            "`{name}` is reserved: Cognito does not let a trigger set `cognito:` claims"
        ));
    }
    if name.starts_with("dev:") {
        return Err(format!(
            "`{name}` cannot be added: Cognito lets a trigger suppress `dev:` attributes, never add them"
        ));
    }
    if name == "aud" && token == TokenKind::Id {
        return Err("`aud` cannot be changed in the ID token".into());
    }
    Ok(())
}

/// Whether a response may suppress `name` from `token`.
pub fn check_suppress(name: &str, token: TokenKind) -> Result<(), String> {
    if let Some(reason) = common(name).or_else(|| access_only(name, token)) {
        return Err(reason);
    }
    if name == "cognito:groups" {
        // Allowed: Cognito removes cognito:roles and cognito:preferred_role with it.
        return Ok(());
    }
    if GROUP_CLAIMS.contains(&name) {
        return Err(format!(
            "`{name}` cannot be suppressed on its own: suppress `cognito:groups` (which removes roles and preferred role too) or filter groups"
        ));
    }
    if name.starts_with("cognito:") {
        return Err(format!(
            "`{name}` is reserved: Cognito does not let a trigger suppress `cognito:` claims"
        ));
    }
    if name == "aud" {
        return Err(format!("`aud` cannot be suppressed from the {token}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_claims_are_refused_everywhere() {
        for name in RESERVED.iter().chain(["cognito:username"].iter()) {
            for token in [TokenKind::Id, TokenKind::Access] {
                assert!(check_add(name, token).is_err(), "{name} add {token}");
                assert!(
                    check_suppress(name, token).is_err(),
                    "{name} suppress {token}"
                );
            }
        }
    }

    #[test]
    fn username_and_scope_are_id_token_claims_only() {
        for name in ACCESS_ONLY {
            assert!(check_add(name, TokenKind::Id).is_ok(), "{name}");
            assert!(check_suppress(name, TokenKind::Id).is_ok(), "{name}");
            assert!(check_add(name, TokenKind::Access).is_err(), "{name}");
            assert!(check_suppress(name, TokenKind::Access).is_err(), "{name}");
        }
        assert_eq!(
            check_add("scope", TokenKind::Access).unwrap_err(),
            "`scope` changes only through scope rules (the \"scopes\" section), not as a claim"
        );
    }

    #[test]
    fn aud_only_added_to_access_token() {
        assert!(check_add("aud", TokenKind::Id).is_err());
        assert!(check_add("aud", TokenKind::Access).is_ok());
        assert!(check_suppress("aud", TokenKind::Access).is_err());
    }

    #[test]
    fn group_claims_and_dev_attributes() {
        assert!(check_add("cognito:groups", TokenKind::Id).is_err());
        assert!(check_suppress("cognito:groups", TokenKind::Id).is_ok());
        assert!(check_suppress("cognito:roles", TokenKind::Id).is_err());
        assert!(check_add("dev:secret", TokenKind::Id).is_err());
        assert!(check_suppress("dev:secret", TokenKind::Id).is_ok());
        assert!(check_add("", TokenKind::Id).is_err());
        assert!(check_add(" email", TokenKind::Id).is_err());
        assert!(check_add("tenantId", TokenKind::Id).is_ok());
        assert!(check_suppress("email", TokenKind::Access).is_ok());
    }
}
