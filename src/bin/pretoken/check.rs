//! `pretoken check`: validate a policy before deploying it.

use std::path::PathBuf;
use std::process::ExitCode;

use pretoken::error::ConfigError;

/// Arguments of `pretoken check`.
#[derive(clap::Args)]
pub struct Args {
    /// Policy file to check [default: the built-in policy.json]
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

/// Prints every problem and warning; exit 1 if there is any problem.
pub fn run(args: &Args) -> ExitCode {
    let (name, policy) = super::load_policy(args.policy.as_ref());
    match policy {
        Ok(p) => {
            for w in &p.warnings {
                eprintln!("{name}: warning: {w}");
            }
            println!(
                "{name}: valid ({} suppress, {} claim, {} scope rule(s){}{})",
                p.suppress.len(),
                p.claims.len(),
                p.scopes.len(),
                if p.groups.is_some() {
                    ", a group filter"
                } else {
                    ""
                },
                if p.warnings.is_empty() {
                    String::new()
                } else {
                    format!(", {} warning(s)", p.warnings.len())
                }
            );
            ExitCode::SUCCESS
        }
        Err(ConfigError::Policy(e)) => {
            for problem in &e.problems {
                eprintln!("{name}: error: {problem}");
            }
            eprintln!("{name}: invalid ({} problem(s))", e.problems.len());
            ExitCode::FAILURE
        }
        Err(other) => {
            eprintln!("{name}: error: {other}");
            ExitCode::FAILURE
        }
    }
}
