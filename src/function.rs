//! The Lambda function's loop, shared by its two builds: `pretoken-lambda`,
//! built without lookups (no AWS SDK: the default deployment), and
//! `pretoken-lambda-lookups`, built with them. Each binary is one call:
//! [`run`] with the lookups it was built with.
//!
//! Contract: logging is set up, the policy loaded once (or fetched from
//! AppConfig's agent at run time, `crate::appconfig`), then every event goes
//! through [`Trigger`]. A function built without lookups refuses a policy
//! that declares lookups at load, as an invalid configuration naming the
//! remedy ([`crate::error::WITHOUT_LOOKUPS`]), and an AppConfig version with
//! lookups like an invalid one: it never answers as if a lookup were
//! unavailable. The lookup client is built once per cold start, and only for
//! a policy with lookups.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use tokio::sync::OnceCell;
use tracing::level_filters::LevelFilter;

use crate::appconfig::{self, Change, Refresh, Settings};
use crate::lookup::Plan;
use crate::lookup::cache::{self, Cache};
use crate::trigger::Output;
use crate::{ConfigError, Trigger, TriggerError, json, metrics};

/// How a build of the function makes lookups.
pub trait Lookups: Sized + Sync + 'static {
    /// Whether this build can make lookups at all.
    const BUILT: bool;
    /// The client, once per cold start, with a cache of `cache_entries`.
    fn build(cache_entries: usize) -> impl Future<Output = Self>;
    /// Fills in the plan's results (concurrently, each bounded).
    fn fetch(&self, plan: &mut Plan) -> impl Future<Output = ()>;
}

/// The build without lookups: no client can exist.
pub enum Without {}

impl Lookups for Without {
    const BUILT: bool = false;

    fn build(_: usize) -> impl Future<Output = Self> {
        // Never called: a policy with lookups is refused at load.
        std::future::pending()
    }

    async fn fetch(&self, _: &mut Plan) {
        match *self {}
    }
}

#[cfg(feature = "lookups")]
impl Lookups for crate::lookup::aws::Fetcher {
    const BUILT: bool = true;

    fn build(cache_entries: usize) -> impl Future<Output = Self> {
        Self::from_env(cache_entries)
    }

    fn fetch(&self, plan: &mut Plan) -> impl Future<Output = ()> {
        crate::lookup::aws::Fetcher::fetch(self, plan)
    }
}

/// Runs the function: the whole of each binary's `main`.
pub async fn run<L: Lookups>() -> Result<(), Error> {
    crate::logging::init(LevelFilter::INFO);
    let capacity = Cache::capacity_from(|k| std::env::var(k).ok());
    let lookups: &'static OnceCell<L> = Box::leak(Box::new(OnceCell::new()));
    let trigger = match (Settings::from_vars(|k| std::env::var(k).ok()), &capacity) {
        (Ok(Some(settings)), Ok(capacity)) => {
            return from_appconfig(settings, *capacity, lookups).await;
        }
        (Err(e), _) => Trigger::new(Err(e)),
        (_, Err(e)) => Trigger::new(Err(ConfigError::Lookups(e.clone()))),
        (Ok(None), Ok(_)) => Trigger::from_env(),
    };
    let trigger = if trigger.has_lookups() && !L::BUILT {
        Trigger::new(Err(ConfigError::BuiltWithoutLookups))
    } else {
        trigger
    };
    // Built once per cold start and shared by every invocation.
    let trigger: &'static Trigger = Box::leak(Box::new(trigger));
    // `L::BUILT` first: in the build without lookups the whole lookup path
    // is known dead at compile time, and not linked.
    if L::BUILT && trigger.has_lookups() {
        let capacity = capacity.unwrap_or(cache::DEFAULT_CAPACITY);
        let client: &'static L = lookups.get_or_init(|| L::build(capacity)).await;
        return lambda_runtime::run(service_fn(
            move |event: LambdaEvent<json::Event>| async move {
                let id = event.context.request_id;
                counted(with_lookups(trigger, client, event.payload, &id).await)
            },
        ))
        .await;
    }
    // One parse, which also notes repeated keys so that the handler can
    // refuse them with its own error.
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<json::Event>| async move {
            counted(trigger.respond_payload(event.payload, &event.context.request_id))
        },
    ))
    .await
}

/// The answer, with one `Failures` metric line when it is an unexpected
/// failure (every error but `SignInDenied`: a deny rule refusing someone is
/// the policy working, and must not roll a deployment back).
fn counted<T>(answer: Result<T, TriggerError>) -> Result<T, TriggerError> {
    if let Err(e) = &answer {
        if metrics::is_failure(e.error_type()) {
            emit(metrics::FAILURES, Some(e.error_type()));
        }
    }
    answer
}

/// Prints one metric line for this function (`AWS_LAMBDA_FUNCTION_NAME`).
fn emit(metric: &str, error_type: Option<&str>) {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default();
    println!("{}", metrics::line(metric, ms, &function, error_type));
}

/// Logs a stale policy (an ERROR once per stale period) and emits
/// `PolicyStale` on every invocation it serves while stale.
fn report_staleness(staleness: appconfig::Staleness, settings: &Settings) {
    if let appconfig::Staleness::Stale { first, for_seconds } = staleness {
        if first {
            tracing::error!(
                stale_seconds = for_seconds,
                max_stale_seconds = settings.max_stale.map_or(0, |d| d.as_secs()),
                path = settings.path.as_str(),
                "AppConfig policy is stale: refreshes have failed since the last success; the last good version keeps serving"
            );
        }
        emit(metrics::POLICY_STALE, None);
    }
}

/// One invocation of a policy with lookups: plan, look up (concurrently,
/// each bounded), answer.
async fn with_lookups<'t, L: Lookups>(
    trigger: &'t Trigger,
    client: &L,
    payload: json::Event,
    request_id: &str,
) -> Result<Output<'t>, TriggerError> {
    let mut pending = trigger.plan_payload(payload, request_id)?;
    client.fetch(&mut pending.plan).await;
    trigger.respond_planned(pending, request_id)
}

/// The policy from AppConfig: fetched inside an invocation (never at init),
/// re-fetched at most every refresh interval.
async fn from_appconfig<L: Lookups>(
    settings: Settings,
    cache_entries: usize,
    lookups: &'static OnceCell<L>,
) -> Result<(), Error> {
    tracing::info!(
        path = settings.path.as_str(),
        port = settings.port,
        refresh_seconds = settings.refresh.as_secs(),
        timeout_ms = u64::try_from(settings.timeout.as_millis()).unwrap_or(u64::MAX),
        "the policy comes from AppConfig: fetched at the first invocation"
    );
    let refresh = Refresh::new(settings.refresh, settings.lambda_version)
        .with_eval_budget(settings.eval_budget)
        .with_max_stale(settings.max_stale);
    let refresh = if L::BUILT {
        refresh
    } else {
        refresh.without_lookups()
    };
    let state: &'static tokio::sync::Mutex<Refresh> =
        Box::leak(Box::new(tokio::sync::Mutex::new(refresh)));
    let settings: &'static Settings = Box::leak(Box::new(settings));
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<json::Event>| async move {
            let request_id = event.context.request_id;
            let loaded = {
                let mut refresh = state.lock().await;
                let now = Instant::now();
                if refresh.due(now) {
                    let fetched = appconfig::fetch(settings).await;
                    let change = refresh.apply(fetched, now);
                    report(&change, refresh.current().map(|l| l.version.as_str()));
                }
                report_staleness(refresh.staleness(now), settings);
                refresh.current().map(|l| Arc::clone(&l.trigger))
            };
            let Some(trigger) = loaded else {
                let e = TriggerError::PolicyUnavailable;
                tracing::error!(
                    request_id,
                    error_type = e.error_type(),
                    "refused to issue tokens: no valid policy from AppConfig yet"
                );
                return Err(Diagnostic::from(counted::<()>(Err(e)).unwrap_err()));
            };
            // Written once into raw JSON (no tree, no re-parse), since the
            // answer borrows the trigger this invocation holds.
            let output = if L::BUILT && trigger.has_lookups() {
                let client = lookups.get_or_init(|| L::build(cache_entries)).await;
                counted(with_lookups(&trigger, client, event.payload, &request_id).await)?
            } else {
                counted(trigger.respond_payload(event.payload, &request_id))?
            };
            serde_json::value::to_raw_value(&output).map_err(|e| {
                emit(metrics::FAILURES, Some("InternalError"));
                Diagnostic {
                    error_type: "InternalError".into(),
                    error_message: format!("the answer could not be written: {e}"),
                }
            })
        },
    ))
    .await
}

/// Logs what a fetch changed (names, versions and paths; never content) and
/// emits the `PolicyRejected` metric for a refused version.
fn report(change: &Change, in_force: Option<&str>) {
    match change {
        Change::Loaded(v) => tracing::info!(
            policy_version = v.as_str(),
            "policy version from AppConfig in force"
        ),
        Change::Unchanged => tracing::debug!("AppConfig: same policy version"),
        Change::Rejected { version, problems } => {
            for p in problems {
                tracing::error!(
                    policy_version = version.as_str(),
                    problem = p.as_str(),
                    "AppConfig policy version refused"
                );
            }
            tracing::error!(
                policy_version = version.as_str(),
                problems = problems.len(),
                in_force = in_force.unwrap_or("none"),
                "AppConfig policy version refused; the last good version stays in force"
            );
            emit(metrics::POLICY_REJECTED, None);
        }
        Change::Failed { error, first } => match in_force {
            Some(v) if *first => tracing::warn!(
                error = error.as_str(),
                in_force = v,
                "AppConfig refresh failed; keeping the policy in force (logged once per failure streak)"
            ),
            Some(_) => {}
            None => tracing::error!(error = error.as_str(), "AppConfig: no policy yet"),
        },
    }
}
