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
use pretoken::config::load_file;
use pretoken::error::ConfigError;
use pretoken::event::Version;
use pretoken::policy::{DEFAULT_POLICY_NAME, Policy};
use pretoken::{Config, Trigger};
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
}

impl TriggerArgs {
    /// The trigger these arguments configure; when the policy is unusable,
    /// reports it as Lambda would and gives the exit code.
    fn trigger(&self) -> Result<Trigger, ExitCode> {
        let (name, policy) = load_policy(self.policy.as_ref());
        match policy {
            Ok(policy) => Ok(Trigger::new(Ok(Config {
                policy,
                lambda_version: self.lambda_version,
            }))),
            Err(detail) => Err(invoke::fail_config(&name, &detail)),
        }
    }
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
