//! `pretoken check`: validate a policy before deploying it.

use std::path::PathBuf;
use std::process::ExitCode;

use pretoken::error::ConfigError;
use pretoken::tools::template_check::{self, Severity};

/// Arguments of `pretoken check`.
#[derive(clap::Args)]
pub struct Args {
    /// Policy file to check [default: the built-in policy.json]
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Also check the policy against the SAM/CloudFormation template (YAML or JSON) that deploys it
    #[arg(long, value_name = "TEMPLATE")]
    template: Option<PathBuf>,
}

/// Prints every problem and warning; exit 1 if there is any problem (in the
/// policy, or an error against the template).
pub fn run(args: &Args) -> ExitCode {
    let (name, policy) = super::load_policy(args.policy.as_ref());
    match policy {
        Ok(p) => {
            let template_ok = args.template.as_ref().is_none_or(|t| check_template(t, &p));
            for w in &p.warnings {
                eprintln!("{name}: warning: {w}");
            }
            // The function refuses to start when a lookup's `{env.NAME}` is
            // not set; say so here, where it can still be fixed.
            if let Err(problems) = p.clone().resolve_env(&|k| std::env::var(k).ok()) {
                for problem in problems {
                    eprintln!(
                        "{name}: warning: {problem} (not set where this check runs: the function refuses to start without it)"
                    );
                }
            }
            for n in pretoken::model::reads::notes(&p) {
                eprintln!("{name}: note: {n}");
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
            if let Some(r) = &p.routes {
                let clients: usize = r.pools.iter().map(|(_, x)| x.clients.len()).sum();
                counts = vec![format!(
                    "routing document: {} a default, {} pool(s), {clients} app client policy(ies)",
                    if r.has_default { "with" } else { "without" },
                    r.pools.len()
                )];
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
            if template_ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
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

/// Prints the template's findings; false if there is an error.
fn check_template(path: &std::path::Path, policy: &pretoken::Policy) -> bool {
    let name = path.display();
    let template = match super::template::read(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return false;
        }
    };
    let findings = template_check::check(&template, policy);
    for f in &findings {
        eprintln!("{name}: {f}");
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    if findings.is_empty() {
        println!("{name}: consistent with the policy");
    } else {
        println!("{name}: {errors} error(s), {warnings} warning(s)");
    }
    errors == 0
}
