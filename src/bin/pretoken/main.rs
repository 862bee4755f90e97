//! `pretoken`: the trigger's core on the command line.
//!
//! `invoke` runs the same handler as the Lambda function on an event file;
//! `check` validates a policy before it is deployed.

mod check;
mod invoke;
mod preview;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pretoken::config::load_file;
use pretoken::error::ConfigError;
use pretoken::policy::{DEFAULT_POLICY_NAME, Policy};
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    pretoken::logging::init(LevelFilter::WARN);
    match cli.command {
        Command::Invoke(args) => invoke::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Preview(args) => preview::run(&args),
        Command::Verify(args) => verify::run(&args),
    }
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
