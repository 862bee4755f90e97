//! Verifying a Cognito JWT as AWS's own verifier (`aws-jwt-verify`) does, and
//! checking that it obeys a policy.
//!
//! Contract: the key is found by the header's `kid`; the algorithm comes from
//! the key (RSA keys: RS256), never from the token alone, so `none` and HMAC
//! are refused; the signature is checked before any claim is trusted; then
//! `exp` (required) and `nbf` with a leeway, `iss` when expected, `token_use`,
//! and the client (`aud` for ID tokens, `client_id` for access tokens). Each
//! class of failure has its own error variant and exit code. Pure: the caller
//! supplies the JWKS and the current time. `ring` does the cryptography.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use thiserror::Error;

use crate::eval::condition::Known;
use crate::model::walk::{Placed, Rule, walk};
use crate::model::{
    ClaimRule, ContextField, FieldPath, GroupFilter, IfMissing, Policy, SourceKind,
};
use crate::reserved::TokenKind;

/// Why a token is not valid; each variant is one class of failure.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyError {
    /// Not a JWT: parts, base64url, JSON, header fields.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// Unknown key, refused algorithm, or a signature that does not verify.
    #[error("signature: {0}")]
    Signature(String),
    /// Expired, or not yet valid.
    #[error("time: {0}")]
    Time(String),
    /// A claim differs from what was expected.
    #[error("claim mismatch: {0}")]
    Claim(String),
    /// The token breaks the policy.
    #[error("policy violation: {0}")]
    Policy(String),
}

impl VerifyError {
    /// The process exit code for this class of failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Malformed(_) => 3,
            Self::Signature(_) => 4,
            Self::Time(_) => 5,
            Self::Claim(_) => 6,
            Self::Policy(_) => 7,
        }
    }
}

/// One RSA signing key of a JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    /// Key ID, matched against the token header's `kid`.
    pub kid: String,
    /// The algorithm the key is for: RS256.
    pub alg: String,
    /// Modulus, big-endian bytes.
    pub n: Vec<u8>,
    /// Public exponent, big-endian bytes.
    pub e: Vec<u8>,
}

/// A JSON Web Key Set: the RSA signing keys it holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Jwks {
    /// The usable keys; keys of other types or uses are left out.
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// Parses a JWKS document (`{"keys": [...]}`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: Value =
            serde_json::from_str(text).map_err(|e| format!("JWKS is not JSON: {e}"))?;
        let keys = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("JWKS has no \"keys\" array")?;
        let mut out = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            let field = |name: &str| k.get(name).and_then(Value::as_str);
            if field("kty") != Some("RSA") || field("use").is_some_and(|u| u != "sig") {
                continue;
            }
            let alg = field("alg").unwrap_or("RS256").to_owned();
            let b64 = |name: &str| {
                field(name)
                    .and_then(|s| URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok())
                    .ok_or(format!("JWKS keys[{i}].{name} is not base64url"))
            };
            out.push(Jwk {
                kid: field("kid")
                    .ok_or(format!("JWKS keys[{i}] has no kid"))?
                    .to_owned(),
                alg,
                n: b64("n")?,
                e: b64("e")?,
            });
        }
        Ok(Self { keys: out })
    }
}

/// `token_use`: which token this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// An ID token.
    Id,
    /// An access token.
    Access,
}

impl TokenUse {
    /// The claim's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Access => "access",
        }
    }

    /// The token a policy rule names.
    pub fn kind(self) -> TokenKind {
        match self {
            Self::Id => TokenKind::Id,
            Self::Access => TokenKind::Access,
        }
    }
}

/// What the token must match besides its signature and times.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// The app client: `aud` of ID tokens, `client_id` of access tokens.
    pub client_id: Option<String>,
    /// `id` or `access`.
    pub token_use: Option<TokenUse>,
    /// The exact `iss`.
    pub issuer: Option<String>,
    /// Seconds of clock skew allowed on `exp` and `nbf`.
    pub leeway: u64,
}

/// A token whose signature and claims were verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// Its header.
    pub header: Map<String, Value>,
    /// Its claims.
    pub claims: Map<String, Value>,
    /// Its `token_use`.
    pub token_use: TokenUse,
}

fn decode_part(part: &str, what: &str) -> Result<Map<String, Value>, VerifyError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| VerifyError::Malformed(format!("the {what} is not base64url")))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(VerifyError::Malformed(format!(
            "the {what} is not a JSON object"
        ))),
    }
}

/// Verifies `token` against `jwks` and `expected` at time `now` (seconds
/// since the epoch).
pub fn verify(
    token: &str,
    jwks: &Jwks,
    expected: &Expected,
    now: u64,
) -> Result<Verified, VerifyError> {
    let token = token.trim();
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, s] = parts.as_slice() else {
        return Err(VerifyError::Malformed(format!(
            "a JWT has 3 parts separated by dots, this has {}",
            parts.len()
        )));
    };
    let header = decode_part(h, "header")?;
    let claims = decode_part(p, "payload")?;
    let signature = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| VerifyError::Malformed("the signature is not base64url".into()))?;
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or_else(|| VerifyError::Malformed("the header has no alg".into()))?;
    if header.contains_key("crit") {
        return Err(VerifyError::Malformed(
            "the header has crit: extensions this verifier does not know must not be ignored (RFC 7515), so the token is refused".into(),
        ));
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or_else(|| VerifyError::Malformed("the header has no kid".into()))?;

    let key =
        jwks.keys.iter().find(|k| k.kid == kid).ok_or_else(|| {
            VerifyError::Signature(format!("no key with kid {kid:?} in the JWKS"))
        })?;
    if key.alg != "RS256" {
        return Err(VerifyError::Signature(format!(
            "key {kid:?} is for {}, which is not supported (Cognito signs with RS256)",
            key.alg
        )));
    }
    if alg != key.alg {
        return Err(VerifyError::Signature(format!(
            "the token says alg {alg:?} but its key is for {}: refused",
            key.alg
        )));
    }
    let message = &token[..h.len() + 1 + p.len()];
    ring::signature::RsaPublicKeyComponents {
        n: &key.n,
        e: &key.e,
    }
    .verify(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        message.as_bytes(),
        &signature,
    )
    .map_err(|_| VerifyError::Signature("the signature does not verify".into()))?;

    check_claims(&claims, expected, now).map(|token_use| Verified {
        header,
        claims,
        token_use,
    })
}

/// The issuer a Cognito JWKS URL names: `https://cognito-idp.REGION.amazonaws.com/POOL_ID`
/// for `.../POOL_ID/.well-known/jwks.json` (and the same form on this
/// machine, for an emulator); `None` for any other source.
pub fn issuer_of_jwks_url(source: &str) -> Option<String> {
    let base = source.strip_suffix("/.well-known/jwks.json")?;
    let rest = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))?;
    let (host, pool) = rest.split_once('/')?;
    if pool.is_empty() || pool.contains('/') {
        return None;
    }
    let cognito = source.starts_with("https://")
        && host.starts_with("cognito-idp.")
        && (host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn"));
    (cognito || is_loopback_url(source)).then(|| base.to_owned())
}

/// Whether an `http(s)://` URL names this machine: `localhost`,
/// `127.0.0.0/8` or `::1`.
pub fn is_loopback_url(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => a.is_loopback(),
        Ok(std::net::IpAddr::V6(a)) => a.is_loopback(),
        Err(_) => false,
    }
}

fn check_claims(
    claims: &Map<String, Value>,
    expected: &Expected,
    now: u64,
) -> Result<TokenUse, VerifyError> {
    let number = |name: &str| claims.get(name).and_then(Value::as_u64);
    let exp = number("exp").ok_or_else(|| VerifyError::Claim("the token has no exp".into()))?;
    if exp.saturating_add(expected.leeway) <= now {
        return Err(VerifyError::Time(format!(
            "expired {} s ago (exp {exp})",
            now - exp
        )));
    }
    if let Some(nbf) = number("nbf") {
        if nbf > now.saturating_add(expected.leeway) {
            return Err(VerifyError::Time(format!(
                "not valid for another {} s (nbf {nbf})",
                nbf - now
            )));
        }
    }
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if let Some(iss) = &expected.issuer {
        if text("iss") != Some(iss) {
            return Err(VerifyError::Claim(format!(
                "iss is {:?}, expected {iss:?}",
                text("iss").unwrap_or("(none)")
            )));
        }
    }
    let token_use = match text("token_use") {
        Some("id") => TokenUse::Id,
        Some("access") => TokenUse::Access,
        other => {
            return Err(VerifyError::Claim(format!(
                "token_use is {:?}, expected \"id\" or \"access\"",
                other.unwrap_or("(none)")
            )));
        }
    };
    if let Some(want) = expected.token_use {
        if want != token_use {
            return Err(VerifyError::Claim(format!(
                "token_use is {:?}, expected {:?}",
                token_use.as_str(),
                want.as_str()
            )));
        }
    }
    if let Some(client) = &expected.client_id {
        let ok = match token_use {
            TokenUse::Id => match claims.get("aud") {
                Some(Value::String(a)) => a == client,
                Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(client)),
                _ => false,
            },
            TokenUse::Access => text("client_id") == Some(client),
        };
        if !ok {
            let claim = if token_use == TokenUse::Id {
                "aud"
            } else {
                "client_id"
            };
            return Err(VerifyError::Claim(format!(
                "{claim} is not the client {client:?}"
            )));
        }
    }
    Ok(token_use)
}

/// What checking a token against a policy found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyCheck {
    /// Where the token breaks the policy, with the rule's place.
    pub violations: Vec<String>,
    /// Rules the token cannot decide (trigger sources, attribute values,
    /// client metadata, computed values, copies), with their places.
    pub unchecked: Vec<String>,
}

/// Checks a verified token against a policy: no deny rule holds for it, no
/// claim the policy suppresses from this token type is present, every claim
/// it adds to every such token is, and its groups obey the group rules.
/// Rules whose condition or value the token cannot decide are listed as
/// unchecked, never guessed.
pub fn check_policy(policy: &Policy, token: &Verified) -> PolicyCheck {
    let kind = token.token_use.kind();
    let claims = &token.claims;
    let client = match token.token_use {
        TokenUse::Id => claims.get("aud").and_then(Value::as_str),
        TokenUse::Access => claims.get("client_id").and_then(Value::as_str),
    };
    let groups: Vec<&str> = claims
        .get("cognito:groups")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = PolicyCheck::default();
    // A routing document: the policy for the token's pool (from `iss`) and client.
    let pool = claims
        .get("iss")
        .and_then(Value::as_str)
        .and_then(|iss| iss.rsplit('/').next());
    let Some(policy) = policy.route(pool, client) else {
        out.violations.push(
            "the policy document has no policy for this token's pool and app client: the trigger would have refused to issue it".to_owned(),
        );
        return out;
    };
    let known = TokenKnown {
        client,
        groups: &groups,
    };
    for Placed { place, rule } in walk(policy) {
        let holds = rule.when().map(|c| c.decide(&known));
        let applies = rule.tokens().is_none_or(|t| t.has(kind));
        match rule {
            Rule::Deny(_) => match holds {
                Some(Some(true)) => out.violations.push(format!(
                    "the policy refuses sign-in for this token's client and groups ({place})"
                )),
                Some(Some(false)) => {}
                _ => out.unchecked.push(place),
            },
            Rule::Suppress(r) if applies => match holds {
                Some(Some(true)) => {
                    for c in r.claims.iter().filter(|c| claims.contains_key(*c)) {
                        out.violations.push(format!(
                            "claim {c} is present, but the policy suppresses it from {kind}s ({place})"
                        ));
                    }
                }
                Some(Some(false)) => {}
                _ => out.unchecked.push(place),
            },
            Rule::Claim(r) if applies => match holds {
                Some(Some(true)) if always_added(r) => {
                    if !claims.contains_key(&r.claim) {
                        let hint = if kind == TokenKind::Access {
                            "; a V1 pool cannot add access-token claims"
                        } else {
                            ""
                        };
                        out.violations.push(format!(
                            "claim {} is missing, but the policy adds it to every {kind} ({place}){hint}",
                            r.claim
                        ));
                    }
                }
                Some(Some(false)) => {}
                _ => out.unchecked.push(place),
            },
            Rule::Groups(r) => check_groups(r, holds.flatten(), &groups, &mut out),
            Rule::Copy(_) if applies => out.unchecked.push(place),
            Rule::Roles(_) if kind == TokenKind::Id => out.unchecked.push(place),
            _ => {}
        }
    }
    out
}

/// The token's `cognito:groups` against the `groups` section (`held`: whether
/// its condition holds for the token, `None` when the token cannot tell).
fn check_groups(rule: &GroupFilter, held: Option<bool>, groups: &[&str], out: &mut PolicyCheck) {
    match held {
        Some(true) => {
            // Filters apply after additions: a group the filter removes is
            // never there, whatever its source.
            for g in rule.add.iter().filter(|g| rule.keeps(g)) {
                if !groups.contains(&g.as_str()) {
                    out.violations.push(format!(
                        "group {g} is missing from cognito:groups, but the policy adds it (groups.add)"
                    ));
                }
            }
            for g in groups.iter().filter(|g| !rule.keeps(g)) {
                out.violations.push(format!(
                    "group {g} is in cognito:groups, but the policy's group filter removes it (groups)"
                ));
            }
            if rule.add_from.is_some() {
                out.unchecked.push("groups.addFrom".to_owned());
            }
        }
        Some(false) => {}
        None => out.unchecked.push("groups".to_owned()),
    }
}

/// What a token tells of its sign-in: the client and the groups; trigger
/// sources, pools, attributes, client metadata and lookups are unknown, so
/// a condition that reads them is unchecked, never guessed.
struct TokenKnown<'t> {
    client: Option<&'t str>,
    groups: &'t [&'t str],
}

impl Known for TokenKnown<'_> {
    fn client_id(&self) -> Option<Option<&str>> {
        Some(self.client)
    }
    fn trigger_source(&self) -> Option<Option<&str>> {
        None
    }
    fn user_pool_id(&self) -> Option<Option<&str>> {
        None
    }
    fn groups(&self) -> Option<&[&str]> {
        Some(self.groups)
    }
    fn attribute(&self, _: &str) -> Option<Option<&str>> {
        None
    }
    fn client_metadata(&self, _: &str) -> Option<Option<&str>> {
        None
    }
    fn lookup_field(&self, _: usize, _: &FieldPath) -> Option<crate::eval::results::LookupRead> {
        None
    }
}

/// Whether a rule puts its claim in every token it targets when it applies.
fn always_added(rule: &ClaimRule) -> bool {
    rule.source.is_constant()
        || matches!(
            rule.source.kind,
            SourceKind::Context(
                ContextField::ClientId | ContextField::UserPoolId | ContextField::Region
            )
        ) && rule.source.transform.is_empty()
        || !matches!(rule.if_missing, IfMissing::Skip)
}
