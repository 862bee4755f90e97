//! Lookups made for real, through the official AWS SDK for Rust: DynamoDB
//! `GetItem` and `Query`, Cognito `AdminGetUser`.
//!
//! Contract: one [`Fetcher`] per execution environment, built once at cold
//! start and only when the policy has lookups. It honours the SDK's standard
//! environment (`AWS_REGION`, the Lambda credentials, `AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`).
//! The HTTPS client is rustls on ring, built here (no aws-lc). A plan's
//! lookups run concurrently; each is bounded by its `timeoutMs`, retries
//! included (at most 3 attempts, short backoff). Results are cached per
//! `cacheSeconds` (`cache.rs`); failures never are. Each lookup logs one line:
//! its name, kind, cache hit or miss, outcome (found, absent, items, or the
//! kind of failure) and latency. Never a key, an item or a value: the
//! service's own error messages are not logged either, as they may quote
//! the key.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cognitoidentityprovider as cognito;
use aws_sdk_dynamodb as dynamodb;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value};

use super::cache::Cache;
use super::{Fetched, Plan, Planned, Request, Unavailable};

/// Makes lookups: the SDK configuration, clients per region, the cache.
#[derive(Debug)]
pub struct Fetcher {
    config: SdkConfig,
    clients: Mutex<HashMap<String, Clients>>,
    cache: Mutex<Cache>,
}

#[derive(Debug, Clone)]
struct Clients {
    dynamodb: dynamodb::Client,
    cognito: cognito::Client,
}

impl Fetcher {
    /// The fetcher for this environment: the SDK's configuration read from
    /// the process environment (no request is made), a cache of
    /// `cache_entries`.
    ///
    /// In Lambda (`AWS_REGION` and `AWS_ACCESS_KEY_ID` set, as Lambda sets
    /// them) the region and the credentials come straight from those
    /// variables: the SDK's default provider chains (profile files, SSO,
    /// web identity, ECS, IMDS) cost about 3 ms of cold start to find what
    /// Lambda already gives (measured, `make bench`). Elsewhere (the CLI on a
    /// developer's machine) the default chains apply. Endpoint URLs
    /// (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`, …) are honoured
    /// either way.
    pub async fn from_env(cache_entries: usize) -> Self {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(20))
                    .with_max_backoff(Duration::from_millis(200)),
            );
        let set = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let (Some(region), Some(_)) = (set("AWS_REGION"), set("AWS_ACCESS_KEY_ID")) {
            loader = loader.region(Region::new(region)).credentials_provider(
                aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
            );
        }
        let config = loader.load().await;
        Self {
            config,
            clients: Mutex::new(HashMap::new()),
            cache: Mutex::new(Cache::new(cache_entries)),
        }
    }

    /// Makes the plan's lookups, concurrently, and fills in their results.
    pub async fn fetch(&self, plan: &mut Plan) {
        if plan.requests.is_empty() {
            return;
        }
        let fetched =
            futures_util::future::join_all(plan.requests.iter().map(|r| self.one(r))).await;
        for (r, f) in plan.requests.iter().zip(fetched) {
            plan.results.set(r.index, f);
        }
    }

    async fn one(&self, planned: &Planned) -> Fetched {
        let start = Instant::now();
        let key = (!planned.bounds.cache.is_zero()).then(|| planned.cache_key());
        if let Some(k) = &key {
            let hit = self.cache.lock().ok().and_then(|mut c| c.get(k, start));
            if let Some(fetched) = hit {
                log(planned, "hit", &fetched, start.elapsed());
                return fetched;
            }
        }
        let Some(clients) = self.clients_for(planned.request.region()) else {
            let f = Fetched::Unavailable(Unavailable::NotConfigured);
            log(planned, "none", &f, start.elapsed());
            return f;
        };
        let fetched =
            match tokio::time::timeout(planned.bounds.timeout, call(&clients, &planned.request))
                .await
            {
                Ok(f) => f,
                Err(_) => Fetched::Unavailable(Unavailable::Timeout),
            };
        if let Some(k) = key {
            if let Ok(mut c) = self.cache.lock() {
                c.put(k, &fetched, planned.bounds.cache, Instant::now());
            }
        }
        let cached = if planned.bounds.cache.is_zero() {
            "off"
        } else {
            "miss"
        };
        log(planned, cached, &fetched, start.elapsed());
        fetched
    }

    fn clients_for(&self, region: Option<&str>) -> Option<Clients> {
        let name = region
            .map(str::to_owned)
            .or_else(|| self.config.region().map(|r| r.as_ref().to_owned()))?;
        let mut clients = self.clients.lock().ok()?;
        Some(
            clients
                .entry(name.clone())
                .or_insert_with(|| {
                    let regional = self.config.to_builder().region(Region::new(name)).build();
                    Clients {
                        dynamodb: dynamodb::Client::new(&regional),
                        cognito: cognito::Client::new(&regional),
                    }
                })
                .clone(),
        )
    }
}

fn log(planned: &Planned, cache: &str, fetched: &Fetched, took: Duration) {
    let latency_us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
    let kind = planned.request.kind();
    let items = match fetched {
        Fetched::Items(i) => i.len(),
        Fetched::Item(_) => 1,
        _ => 0,
    };
    if let Fetched::Unavailable(u) = fetched {
        tracing::warn!(
            lookup = planned.name.as_str(),
            kind,
            cache,
            outcome = "unavailable",
            error_kind = u.kind(),
            latency_us,
            timeout_ms = u64::try_from(planned.bounds.timeout.as_millis()).unwrap_or(u64::MAX),
            "lookup unavailable"
        );
    } else {
        tracing::info!(
            lookup = planned.name.as_str(),
            kind,
            cache,
            outcome = fetched.outcome(),
            items,
            latency_us,
            "lookup"
        );
    }
}

async fn call(clients: &Clients, request: &Request) -> Fetched {
    match request {
        Request::Get { table, key, .. } => {
            let mut op = clients.dynamodb.get_item().table_name(table);
            for (attr, value) in key {
                op = op.key(attr, AttributeValue::S(value.clone()));
            }
            match op.send().await {
                Ok(out) => match out.item {
                    Some(item) => Fetched::Item(item_json(&item)),
                    None => Fetched::NoItem,
                },
                Err(e) => Fetched::Unavailable(classify(&e)),
            }
        }
        Request::Query {
            table,
            index,
            partition,
            sort_begins_with,
            limit,
            descending,
            ..
        } => {
            let mut expr = "#pk = :pk".to_owned();
            let mut op = clients
                .dynamodb
                .query()
                .table_name(table)
                .set_index_name(index.clone())
                .limit(i32::try_from(*limit).unwrap_or(i32::MAX))
                .scan_index_forward(!descending)
                .expression_attribute_names("#pk", &partition.0)
                .expression_attribute_values(":pk", AttributeValue::S(partition.1.clone()));
            if let Some((attr, prefix)) = sort_begins_with {
                expr.push_str(" AND begins_with(#sk, :sk)");
                op = op
                    .expression_attribute_names("#sk", attr)
                    .expression_attribute_values(":sk", AttributeValue::S(prefix.clone()));
            }
            match op.key_condition_expression(expr).send().await {
                Ok(out) => Fetched::Items(out.items().iter().map(item_json).collect()),
                Err(e) => Fetched::Unavailable(classify(&e)),
            }
        }
        Request::AdminGetUser {
            user_pool_id,
            user_name,
            ..
        } => {
            let sent = clients
                .cognito
                .admin_get_user()
                .user_pool_id(user_pool_id)
                .username(user_name)
                .send()
                .await;
            match sent {
                Ok(out) => Fetched::Item(admin_get_user_json(&out)),
                Err(e) if e.code() == Some("UserNotFoundException") => Fetched::NoItem,
                Err(e) => Fetched::Unavailable(classify(&e)),
            }
        }
    }
}

/// The record an `adminGetUser` lookup yields (`ADMIN_GET_USER_FIELDS`).
fn admin_get_user_json(out: &cognito::operation::admin_get_user::AdminGetUserOutput) -> Value {
    let mut methods: Vec<Value> = out
        .user_mfa_setting_list()
        .iter()
        .map(|m| Value::String(m.clone()))
        .collect();
    if methods.is_empty() && !out.mfa_options().is_empty() {
        // The legacy per-user SMS setting (MFAOptions).
        methods.push(Value::String("SMS_MFA".into()));
    }
    let mut m = Map::new();
    m.insert("mfaEnabled".into(), Value::Bool(!methods.is_empty()));
    if let Some(p) = out.preferred_mfa_setting().filter(|p| !p.is_empty()) {
        m.insert("preferredMfa".into(), Value::String(p.to_owned()));
    }
    m.insert("mfaMethods".into(), Value::Array(methods));
    if let Some(s) = out.user_status() {
        m.insert("userStatus".into(), Value::String(s.as_str().to_owned()));
    }
    m.insert("enabled".into(), Value::Bool(out.enabled()));
    Value::Object(m)
}

/// An item as JSON, members sorted by name: S, N (a number), BOOL, NULL, L,
/// M, SS and NS (lists). Binary attributes (B, BS) are left out: a claim
/// never carries bytes.
pub fn item_json<S: std::hash::BuildHasher>(item: &HashMap<String, AttributeValue, S>) -> Value {
    let sorted: BTreeMap<&String, &AttributeValue> = item.iter().collect();
    Value::Object(
        sorted
            .into_iter()
            .filter_map(|(k, v)| Some((k.clone(), attribute_json(v)?)))
            .collect(),
    )
}

fn attribute_json(v: &AttributeValue) -> Option<Value> {
    Some(match v {
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => number(n)?,
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::L(l) => Value::Array(l.iter().filter_map(attribute_json).collect()),
        AttributeValue::M(m) => item_json(m),
        AttributeValue::Ss(ss) => {
            Value::Array(ss.iter().map(|s| Value::String(s.clone())).collect())
        }
        AttributeValue::Ns(ns) => Value::Array(ns.iter().filter_map(|n| number(n)).collect()),
        _ => return None,
    })
}

/// A DynamoDB number as a JSON number: an integer when it is one that fits,
/// else a finite float; anything else is left out.
fn number(n: &str) -> Option<Value> {
    if let Ok(i) = n.parse::<i64>() {
        return Some(Value::from(i));
    }
    if let Ok(u) = n.parse::<u64>() {
        return Some(Value::from(u));
    }
    n.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
}

/// The kind of a failed call, from the SDK's error class and the service's
/// error code (never its message).
fn classify<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> Unavailable {
    match e {
        SdkError::TimeoutError(_) => Unavailable::Timeout,
        SdkError::DispatchFailure(d) if d.is_timeout() => Unavailable::Timeout,
        SdkError::DispatchFailure(d) if d.is_user() => Unavailable::NotConfigured,
        SdkError::DispatchFailure(_) => Unavailable::Connection,
        SdkError::ConstructionFailure(_) => Unavailable::NotConfigured,
        SdkError::ResponseError(_) => Unavailable::BadAnswer,
        SdkError::ServiceError(s) => match s.err().code() {
            Some(
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded"
                | "TooManyRequestsException"
                | "LimitExceededException",
            ) => Unavailable::Throttled,
            Some("ResourceNotFoundException") => Unavailable::NotFound,
            Some(
                "AccessDeniedException"
                | "UnrecognizedClientException"
                | "NotAuthorizedException"
                | "InvalidSignatureException"
                | "ExpiredTokenException",
            ) => Unavailable::AccessDenied,
            _ => Unavailable::ServiceError,
        },
        _ => Unavailable::ServiceError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_type_maps_to_json() {
        let mut item = HashMap::new();
        item.insert("s".to_owned(), AttributeValue::S("x".into()));
        item.insert("n".to_owned(), AttributeValue::N("42".into()));
        item.insert("f".to_owned(), AttributeValue::N("1.5".into()));
        item.insert("b".to_owned(), AttributeValue::Bool(true));
        item.insert("z".to_owned(), AttributeValue::Null(true));
        item.insert(
            "l".to_owned(),
            AttributeValue::L(vec![
                AttributeValue::S("a".into()),
                AttributeValue::N("1".into()),
            ]),
        );
        item.insert(
            "m".to_owned(),
            AttributeValue::M(HashMap::from([(
                "k".to_owned(),
                AttributeValue::S("v".into()),
            )])),
        );
        item.insert(
            "ss".to_owned(),
            AttributeValue::Ss(vec!["p".into(), "q".into()]),
        );
        item.insert(
            "ns".to_owned(),
            AttributeValue::Ns(vec!["1".into(), "2.5".into()]),
        );
        item.insert(
            "bin".to_owned(),
            AttributeValue::B(aws_smithy_types::Blob::new(vec![1, 2])),
        );
        assert_eq!(
            item_json(&item),
            json!({"b": true, "f": 1.5, "l": ["a", 1], "m": {"k": "v"}, "n": 42,
                   "ns": [1, 2.5], "s": "x", "ss": ["p", "q"], "z": null})
        );
    }
}
