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
            let mut counts = vec![
                format!("{} suppress", p.suppress.len()),
                format!("{} claim", p.claims.len()),
                format!("{} scope rule(s)", p.scopes.len()),
            ];
            if !p.deny.is_empty() {
                counts.insert(0, format!("{} deny", p.deny.len()));
            }
            if !p.copy_attributes.is_empty() {
                counts.push(format!(
                    "{} copyAttributes rule(s)",
                    p.copy_attributes.len()
                ));
            }
            if p.groups.is_some() {
                counts.push("group rules".into());
            }
            if p.roles.is_some() {
                counts.push("role rules".into());
            }
            println!(
                "{name}: valid ({}{})",
                counts.join(", "),
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
