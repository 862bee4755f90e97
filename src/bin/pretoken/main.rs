//! `pretoken`: the trigger's core on the command line.
//!
//! `invoke` runs the same handler as the Lambda function on an event file;
//! `check` validates a policy before it is deployed; `preview` shows the
//! tokens; `verify` checks real ones; `test` runs policy test files;
//! `schema` prints the policy's JSON Schema.

mod check;
mod invoke;
mod preview;
mod schema;
mod template;
mod test;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pretoken::error::ConfigError;
use pretoken::event::Version;
use pretoken::lookup::aws::Fetcher;
use pretoken::lookup::cache::Cache;
use pretoken::lookup::data::LookupData;
use pretoken::model::{DEFAULT_POLICY_NAME, Policy};
use pretoken::trigger::Generation;
use pretoken::trigger::config::load_file;
use pretoken::{Config, Trigger, TriggerError};
use tracing::level_filters::LevelFilter;

/// Cognito pre token generation trigger: run, check and preview a claims policy locally.
#[derive(Parser)]
#[command(name = "pretoken", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the handler on an event and print the returned event (as Lambda would return it).
    Invoke(invoke::Args),
    /// Validate a policy and list every problem with its place.
    Check(check::Args),
    /// Show the ID and access tokens Cognito would issue for an event, and what the policy changed.
    Preview(preview::Args),
    /// Verify a Cognito JWT as aws-jwt-verify does, and optionally that it obeys a policy.
    Verify(verify::Args),
    /// Run policy test files: cases of events and the tokens or refusals they must give.
    Test(test::Args),
    /// Print the JSON Schema of the policy language (draft 2020-12), for editors and CI.
    Schema(schema::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `test` runs many events on purpose: the function's once-per-cold-start
    // notices (V1 skips, version mismatches) would be noise between results.
    let level = if matches!(cli.command, Command::Test(_)) {
        LevelFilter::ERROR
    } else {
        LevelFilter::WARN
    };
    pretoken::logging::init(level);
    match cli.command {
        Command::Invoke(args) => invoke::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Preview(args) => preview::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Schema(args) => schema::run(&args),
    }
}

/// The handler's configuration on the command line, shared by `invoke` and
/// `preview`: the same as the Lambda function's environment.
#[derive(clap::Args)]
struct TriggerArgs {
    /// Policy file [default: the built-in policy.json]
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    #[arg(
        long,
        value_name = "VERSION",
        env = "PRETOKEN_LAMBDA_VERSION",
        value_parser = parse_version,
        help = "The user pool's LambdaVersion (V1_0, V2_0, V3_0): the container used for events whose version is not 1, 2 or 3 (as PRETOKEN_LAMBDA_VERSION in Lambda)"
    )]
    lambda_version: Option<Version>,
    /// Lookup results to use instead of calling AWS: a JSON object from
    /// lookup name to its item (an object), a query's items (a list) or null
    /// (no item); a lookup left out is unavailable
    #[arg(long, value_name = "FILE")]
    lookup_data: Option<PathBuf>,
    /// The time generated values ("generate": "now") use, as RFC 3339
    /// (2026-12-04T15:04:05Z), instead of the clock: for reproducible outputs
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    fixed_time: Option<i64>,
    /// A seed for generated random values ("uuid", "randomHex") instead of
    /// the system's randomness: the same seed gives the same values
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
}

impl TriggerArgs {
    /// The event answered as the Lambda function answers it: a policy with
    /// lookups has them made (through AWS with the SDK's environment, or
    /// from `--lookup-data`). On failure, reports it and gives the exit code.
    fn answer<'t>(
        &self,
        trigger: &'t Trigger,
        with_plan: impl FnOnce(&Trigger) -> Result<pretoken::trigger::Pending, TriggerError>,
        without_lookups: impl FnOnce(&'t Trigger) -> Result<pretoken::trigger::Output<'t>, TriggerError>,
    ) -> Result<pretoken::trigger::Output<'t>, ExitCode> {
        if !trigger.has_lookups() {
            if self.lookup_data.is_some() {
                eprintln!("warning: --lookup-data is ignored: the policy has no lookups");
            }
            return without_lookups(trigger).map_err(|e| invoke::fail(&e));
        }
        let mut pending = with_plan(trigger).map_err(|e| invoke::fail(&e))?;
        if let Some(path) = &self.lookup_data {
            let data = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                .and_then(|t| LookupData::from_json(&t))
                .and_then(|d| d.fill(&mut pending.plan));
            if let Err(msg) = data {
                eprintln!("error: --lookup-data: {msg}");
                return Err(ExitCode::from(2));
            }
        } else if !pending.plan.requests.is_empty() {
            let capacity = Cache::capacity_from(|k| std::env::var(k).ok()).map_err(|e| {
                eprintln!("error: {e}");
                ExitCode::from(2)
            })?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| {
                    eprintln!("error: cannot start the lookups' runtime: {e}");
                    ExitCode::FAILURE
                })?;
            rt.block_on(async {
                let fetcher = Fetcher::from_env(capacity).await;
                fetcher.fetch(&mut pending.plan).await;
            });
        }
        trigger
            .respond_planned(pending, "")
            .map_err(|e| invoke::fail(&e))
    }

    /// The trigger these arguments configure; when the policy is unusable,
    /// reports it as Lambda would and gives the exit code.
    fn trigger(&self) -> Result<Trigger, ExitCode> {
        let (name, policy) = load_policy(self.policy.as_ref());
        // Lookup tables named {env.NAME} are read from this environment,
        // as the function reads its own; offline (--lookup-data) they need
        // not be set.
        let config = policy.and_then(|policy| {
            let offline = self.lookup_data.is_some();
            Config::resolved(policy, &name, self.lambda_version, &|k| {
                std::env::var(k)
                    .ok()
                    .or_else(|| offline.then(|| format!("{{env.{k}}}")))
            })
        });
        match config {
            Ok(config) => Ok(Trigger::new(Ok(config)).with_generation(Generation {
                seed: self.seed,
                now_ms: self.fixed_time,
            })),
            Err(detail) => Err(invoke::fail_config(&name, &detail)),
        }
    }
}

/// Parses `--fixed-time`.
fn parse_time(s: &str) -> Result<i64, String> {
    pretoken::eval::generate::parse_rfc3339(s)
}

/// Parses a pool `LambdaVersion` argument.
fn parse_version(s: &str) -> Result<Version, String> {
    Version::from_lambda_version(s).ok_or_else(|| "expected V1_0, V2_0 or V3_0".to_owned())
}

/// Loads `--policy FILE`, or the built-in default; returns it with its name.
fn load_policy(path: Option<&PathBuf>) -> (String, Result<Policy, ConfigError>) {
    match path {
        Some(p) => {
            let name = p.display().to_string();
            let policy = load_file(&name);
            (name, policy)
        }
        None => (
            DEFAULT_POLICY_NAME.to_owned(),
            Policy::builtin().map_err(ConfigError::from),
        ),
    }
}
