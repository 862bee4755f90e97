//! What the user can write: each place where the policy reads an attribute
//! that an app client lets a signed-in user change for themselves
//! (`UpdateUserAttributes`, and `SignUp` for self-registration).
//!
//! Contract: a client's `WriteAttributes` decides; a client without it can
//! write every standard attribute and, conservatively, every custom one
//! (AWS documents the standard ones and is vague on custom ones). The
//! verification flags (`email_verified`, `phone_number_verified`), `sub` and
//! `cognito:` attributes are never the user's to write. An **error** where
//! the read decides authorization: `groups` (additions and its condition),
//! `roles`, `scopes` (added from a template or under a condition), every
//! lookup key. A **warning** for a `deny` condition, a `suppress` or copy,
//! and every claim that reads it, unless the claim rule says
//! `"trust": "user"`.

use serde_json::Value;

use super::{Findings, Template, trigger_clients};
use crate::model::Policy;
use crate::model::reads::attribute_reads;
use crate::model::walk::{Placed, Rule, walk_document};
use crate::reserved::STANDARD_ATTRIBUTES;

/// What a user may write through one app client.
enum Writable<'a> {
    /// Every standard attribute and every custom one (no `WriteAttributes`).
    Default,
    /// Exactly these.
    Listed(Vec<&'a str>),
}

impl Writable<'_> {
    fn can_write(&self, attribute: &str) -> bool {
        if attribute == "sub"
            || attribute.starts_with("cognito:")
            || attribute == "email_verified"
            || attribute == "phone_number_verified"
        {
            return false;
        }
        match self {
            Self::Default => {
                STANDARD_ATTRIBUTES.contains(&attribute) || attribute.starts_with("custom:")
            }
            Self::Listed(list) => match attribute.strip_suffix('*') {
                Some(prefix) => list.iter().any(|w| w.starts_with(prefix)),
                None => list.contains(&attribute),
            },
        }
    }
}

/// How much a read at `place` matters when the user can write it.
enum Stake {
    /// It decides authorization.
    Authorization(&'static str),
    /// It goes in a claim (or decides a deny rule, a suppression, a copy).
    Claim,
}

/// The rule part a place names, after any route prefix.
fn stake(place: &str) -> Stake {
    let rule = [
        "deny[",
        "suppress[",
        "claims[",
        "copyAttributes[",
        "scopes[",
        "groups",
        "roles",
        "lookups",
    ]
    .iter()
    .filter_map(|k| {
        place
            .match_indices(k)
            .find(|(i, _)| *i == 0 || place.as_bytes()[i - 1] == b'.')
            .map(|(i, _)| (i, *k))
    })
    .min_by_key(|(i, _)| *i)
    .map_or("", |(_, k)| k);
    match rule {
        "groups" => Stake::Authorization("the user's groups"),
        "roles" => Stake::Authorization("the user's IAM roles"),
        "scopes[" => Stake::Authorization("the access token's scopes"),
        "lookups" => Stake::Authorization("a lookup's key (which item is read)"),
        _ => Stake::Claim,
    }
}

/// The claim rules that trust the user, by place (`claims[3]`).
fn trusted(policy: &Policy) -> Vec<String> {
    walk_document(policy)
        .into_iter()
        .filter_map(|Placed { place, rule }| match rule {
            Rule::Claim(c) if c.trust_user => Some(place),
            _ => None,
        })
        .collect()
}

/// The claim a place names, for the message (`claims[0]` → `tenantId`).
fn claim_name(policy: &Policy, place: &str) -> Option<String> {
    walk_document(policy)
        .into_iter()
        .find_map(|Placed { place: p, rule }| match rule {
            Rule::Claim(c) if place == p || place.starts_with(&format!("{p}.")) => {
                Some(c.claim.clone())
            }
            _ => None,
        })
}

/// Each place where `policy` reads what a client of the trigger's pools lets
/// the user write.
pub(super) fn check(tpl: &Template<'_>, pools: &[&str], policy: &Policy, out: &mut Findings) {
    let reads = attribute_reads(policy);
    let trusted = trusted(policy);
    for (client, p) in trigger_clients(tpl, pools) {
        let place = format!("{client}.WriteAttributes");
        let writable = match p.get("WriteAttributes") {
            None => Writable::Default,
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                Writable::Listed(items.iter().filter_map(Value::as_str).collect())
            }
            Some(_) => {
                out.warn(
                    place,
                    "cannot be evaluated (not a literal list): which attributes a user can write was not checked".into(),
                );
                continue;
            }
        };
        let hint = if matches!(writable, Writable::Default) {
            " (the client has no WriteAttributes, so its users can write every standard and custom attribute)"
        } else {
            ""
        };
        for read in &reads {
            let a = read.attribute.as_str();
            if !writable.can_write(a) {
                continue;
            }
            match stake(&read.place) {
                Stake::Authorization(what) => out.error(
                    place.clone(),
                    format!(
                        "{client} can write {a}, which {} reads to decide {what}: a user could grant themselves access; remove it from WriteAttributes, or decide from an attribute only an administrator can write{hint}",
                        read.place
                    ),
                ),
                Stake::Claim => {
                    let rule = read.place.split(".when").next().unwrap_or(&read.place);
                    if trusted.iter().any(|t| t == rule) {
                        continue;
                    }
                    let named = claim_name(policy, &read.place)
                        .map(|c| format!(" ({c})"))
                        .unwrap_or_default();
                    let remedy = if named.is_empty() {
                        "remove it from WriteAttributes"
                    } else {
                        "remove it from WriteAttributes or mark the claim \"trust\": \"user\""
                    };
                    out.warn(
                        place.clone(),
                        format!(
                            "{client} can write {a}, which {}{named} reads: a user could choose its value; {remedy}{hint}",
                            read.place
                        ),
                    );
                }
            }
        }
    }
}
