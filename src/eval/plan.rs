//! Which lookups one event needs, and their requests rendered.
//!
//! Contract: a lookup is planned only when a rule that reads it (in its
//! source, its templates, its transform steps or its condition) may apply:
//! its condition holds, or depends on a lookup, and its tokens are issued
//! for this event (no ID-token-only rule on client credentials, no
//! access-token-only claim on V1). A lookup whose key has a placeholder
//! without value, or an `adminGetUser` without a user, is not made: it reads
//! as no value (not as unavailable). Table names and regions are those the
//! configuration resolved.

use super::Facts;
use super::results::{Bounds, Fetched, LookupResults};
use super::value::KeyValue;
use crate::event::{EventView, Version};
use crate::model::lookup::{Lookup, LookupKind};
use crate::model::walk::{Placed, Rule, walk};
use crate::model::{Part, Policy, Source, SourceKind, Step, Template, Tokens};

/// The lookups to make for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The requests to make, each once.
    pub requests: Vec<Planned>,
    /// The results so far: lookups not made are already decided.
    pub results: LookupResults,
    /// Lookups not made because a key value held its template's separator
    /// (names only, for the log's `key_refused`).
    pub key_refused: Vec<String>,
}

/// One lookup to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Its index in the policy's lookups.
    pub index: usize,
    /// Its name (safe to log).
    pub name: String,
    /// Time and cache bounds.
    pub bounds: Bounds,
    /// The request, rendered (holds key values: never log it).
    pub request: Request,
}

impl Planned {
    /// The key of this lookup's result in the warm cache: the lookup's name
    /// and its rendered request, so two lookups of one item never share an
    /// entry (each keeps its own `cacheSeconds`).
    pub fn cache_key(&self) -> String {
        let mut k = self.name.clone();
        k.push('\u{0}');
        k.push_str(&self.request.cache_key());
        k
    }
}

/// A rendered request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Request {
    /// DynamoDB `GetItem`.
    Get {
        /// The table.
        table: String,
        /// The region, when not the function's own.
        region: Option<String>,
        /// Key attributes and their string values.
        key: Vec<(String, String)>,
    },
    /// DynamoDB `Query`.
    Query {
        /// The table.
        table: String,
        /// The region, when not the function's own.
        region: Option<String>,
        /// A global secondary index.
        index: Option<String>,
        /// The partition key and its value.
        partition: (String, String),
        /// A sort key and the prefix of its values.
        sort_begins_with: Option<(String, String)>,
        /// The most items read.
        limit: u32,
        /// Sort-key order reversed.
        descending: bool,
    },
    /// Cognito `AdminGetUser`.
    AdminGetUser {
        /// The event's pool.
        user_pool_id: String,
        /// The event's user.
        user_name: String,
        /// The region: the lookup's, else the event's.
        region: Option<String>,
    },
}

impl Request {
    /// The kind, as logs name it (the same words as
    /// [`crate::model::lookup::LookupKind::name`]).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Get { .. } => "dynamodb:GetItem",
            Self::Query { .. } => "dynamodb:Query",
            Self::AdminGetUser { .. } => "cognito-idp:AdminGetUser",
        }
    }

    /// The region, when not the function's own.
    pub fn region(&self) -> Option<&str> {
        match self {
            Self::Get { region, .. }
            | Self::Query { region, .. }
            | Self::AdminGetUser { region, .. } => region.as_deref(),
        }
    }

    /// The cache key: the kind, region, table (or pool) and rendered key.
    /// It holds key values: it stays in memory and is never written.
    pub fn cache_key(&self) -> String {
        let mut k = String::new();
        let mut push = |s: &str| {
            k.push_str(s);
            k.push('\u{0}');
        };
        match self {
            Self::Get { table, region, key } => {
                push("get");
                push(region.as_deref().unwrap_or(""));
                push(table);
                for (a, v) in key {
                    push(a);
                    push(v);
                }
            }
            Self::Query {
                table,
                region,
                index,
                partition,
                sort_begins_with,
                limit,
                descending,
            } => {
                push("query");
                push(region.as_deref().unwrap_or(""));
                push(table);
                push(index.as_deref().unwrap_or(""));
                push(&partition.0);
                push(&partition.1);
                if let Some((a, v)) = sort_begins_with {
                    push(a);
                    push(v);
                }
                push(&limit.to_string());
                push(if *descending { "desc" } else { "asc" });
            }
            Self::AdminGetUser {
                user_pool_id,
                user_name,
                region,
            } => {
                push("adminGetUser");
                push(region.as_deref().unwrap_or(""));
                push(user_pool_id);
                push(user_name);
            }
        }
        k
    }
}

/// The lookups `policy` (already routed) needs for the event in `view`.
/// `configured` is the pool's `LambdaVersion`, used when the event's own
/// version is not one Cognito sends.
pub fn plan(policy: &Policy, view: &EventView<'_>, configured: Option<Version>) -> Plan {
    let mut results = LookupResults::new(&policy.lookups);
    if policy.lookups.is_empty() {
        return Plan {
            requests: Vec::new(),
            results,
            key_refused: Vec::new(),
        };
    }
    let needed = needed(policy, view, configured);
    let mut requests = Vec::new();
    let mut key_refused = Vec::new();
    for (index, lookup) in policy.lookups.iter().enumerate() {
        if !needed[index] {
            continue;
        }
        match render(lookup, view) {
            Ok(request) => requests.push(Planned {
                index,
                name: lookup.name.clone(),
                bounds: Bounds {
                    timeout: lookup.timeout,
                    cache: lookup.cache,
                },
                request,
            }),
            Err(refused) => {
                if refused {
                    key_refused.push(lookup.name.clone());
                }
                results.set(index, Fetched::NotMade);
            }
        }
    }
    Plan {
        requests,
        results,
        key_refused,
    }
}

/// A key value, or why there is none: `Err(true)` when a value held its
/// template's separator (refused), `Err(false)` when one was missing.
fn key(t: &crate::model::Template, view: &Facts<'_, '_>) -> Result<String, bool> {
    match t.render_key(view) {
        KeyValue::Value(v) => Ok(v),
        KeyValue::Missing => Err(false),
        KeyValue::Refused => Err(true),
    }
}

/// The request for a lookup; `Err` as [`key`] says when it cannot be made.
fn render(lookup: &Lookup, view: &EventView<'_>) -> Result<Request, bool> {
    let view = &Facts::event(view);
    // Unresolved only offline (`--lookup-data`, tests): the function's
    // configuration resolves every name before a real lookup is made.
    let resolved = |t: &crate::model::lookup::EnvText| {
        t.resolved
            .clone()
            .unwrap_or_else(|| t.template.text.clone())
    };
    let region = lookup.region.as_ref().map(resolved);
    Ok(match &lookup.kind {
        LookupKind::Get { table, key: keys } => Request::Get {
            table: resolved(table),
            region,
            key: keys
                .iter()
                .map(|(a, t)| Ok((a.clone(), key(t, view)?)))
                .collect::<Result<_, bool>>()?,
        },
        LookupKind::Query {
            table,
            index,
            partition,
            sort_begins_with,
            limit,
            descending,
        } => Request::Query {
            table: resolved(table),
            region,
            index: index.clone(),
            partition: (partition.0.clone(), key(&partition.1, view)?),
            sort_begins_with: match sort_begins_with {
                Some((a, t)) => Some((a.clone(), key(t, view)?)),
                None => None,
            },
            limit: *limit,
            descending: *descending,
        },
        LookupKind::AdminGetUser => {
            if view.is_client_credentials() {
                return Err(false);
            }
            Request::AdminGetUser {
                user_pool_id: view.user_pool_id.ok_or(false)?.to_owned(),
                user_name: view.user_name.ok_or(false)?.to_owned(),
                region: region.or_else(|| view.region.map(str::to_owned)),
            }
        }
    })
}

/// For each lookup, whether a rule that may apply reads it.
fn needed(policy: &Policy, view: &EventView<'_>, configured: Option<Version>) -> Vec<bool> {
    let mut out = vec![false; policy.lookups.len()];
    let version = view
        .version
        .and_then(Version::from_event_field)
        .or(configured);
    let client_credentials = view.is_client_credentials();
    let issued = |t: Tokens| {
        let id = t.id && !client_credentials;
        let access = t.access && version.is_none_or(Version::has_access_token_rules);
        id || access
    };
    for Placed { rule, .. } in walk(policy) {
        let Some(when) = rule.when() else {
            continue; // a lookup's keys read no lookup: lookups do not chain
        };
        if let Rule::Claim(c) = rule {
            if !issued(c.tokens) {
                continue;
            }
        }
        if when.decide_without_lookups(view) == Some(false) {
            continue;
        }
        let mut read = Vec::new();
        when.lookups_read(&mut read);
        for (_, s) in rule.sources() {
            source_reads(s, &mut read);
        }
        for (_, t) in rule.templates() {
            template_reads(t, &mut read);
        }
        for i in read {
            if let Some(slot) = out.get_mut(i) {
                *slot = true;
            }
        }
    }
    out
}

fn source_reads(s: &Source, out: &mut Vec<usize>) {
    match &s.kind {
        SourceKind::Lookup { lookup, .. } => out.push(*lookup),
        SourceKind::Template(t) => template_reads(t, out),
        SourceKind::FirstOf(list) => list.iter().for_each(|s| source_reads(s, out)),
        SourceKind::Object(members) => members.iter().for_each(|(_, s)| source_reads(s, out)),
        _ => {}
    }
    for step in &s.transform {
        if let Step::Prefix(t) | Step::Suffix(t) = step {
            template_reads(t, out);
        }
    }
}

fn template_reads(t: &Template, out: &mut Vec<usize>) {
    for p in &t.parts {
        if let Part::Lookup { lookup, .. } = p {
            out.push(*lookup);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn planned(policy: &str, event: &serde_json::Value) -> Vec<String> {
        let p = Policy::from_json(policy, "t").unwrap();
        let view = EventView::parse(event.as_object().unwrap()).unwrap();
        plan(&p, &view, None)
            .requests
            .into_iter()
            .map(|r| r.name)
            .collect()
    }

    #[test]
    fn plans_only_what_applicable_rules_read() {
        let policy = r#"{"lookups": {
            "a": {"dynamodb": {"table": "Tab", "key": {"pk": "U#{sub}"}}},
            "b": {"dynamodb": {"table": "Tab", "key": {"pk": "{custom:none}"}}},
            "c": {"dynamodb": {"table": "Tab", "query": {"pk": "{sub}", "sk": {"beginsWith": "T#"}}}},
            "d": {"cognito": "adminGetUser"},
            "e": {"dynamodb": {"table": "Tab", "key": {"pk": "{sub}"}}}},
          "claims": [
            {"claim": "x", "lookup": "a", "field": "f"},
            {"claim": "y", "lookup": "b"},
            {"claim": "z", "template": "{lookups.c.t}", "when": {"groups": ["admins"]}},
            {"claim": "w", "lookup": "e", "tokens": ["access"]}],
          "deny": [{"when": {"lookups": {"d.mfaEnabled": {"equals": false}}}, "message": "Set up MFA"}]}"#;
        let v2 = json!({"version": "2", "triggerSource": "TokenGeneration_Authentication",
            "userPoolId": "us-east-1_X", "userName": "u",
            "request": {"userAttributes": {"sub": "s1"}, "groupConfiguration": {"groupsToOverride": []}}});
        assert_eq!(planned(policy, &v2), ["a", "d", "e"]);
        let mut v1 = v2.clone();
        v1["version"] = json!("1");
        v1["request"]["groupConfiguration"]["groupsToOverride"] = json!(["admins"]);
        assert_eq!(planned(policy, &v1), ["a", "c", "d"]);
    }

    #[test]
    fn cache_keys_differ_by_every_part() {
        let get = |t: &str, v: &str| Request::Get {
            table: t.into(),
            region: None,
            key: vec![("pk".into(), v.into())],
        };
        assert_ne!(get("T", "a").cache_key(), get("T", "b").cache_key());
        assert_ne!(get("T", "a").cache_key(), get("U", "a").cache_key());
        assert_eq!(get("T", "a").cache_key(), get("T", "a").cache_key());
        let planned = |name: &str| Planned {
            index: 0,
            name: name.into(),
            bounds: Bounds {
                timeout: std::time::Duration::from_millis(500),
                cache: std::time::Duration::from_secs(1),
            },
            request: get("T", "a"),
        };
        assert_ne!(planned("short").cache_key(), planned("long").cache_key());
    }
}
