//! `pretoken test`: run policy test files, as `cargo test` runs tests.

use std::path::PathBuf;
use std::process::ExitCode;

use pretoken::tools::suite::{Suite, junit};

/// Arguments of `pretoken test`.
#[derive(clap::Args)]
pub struct Args {
    /// Policy file to test, instead of each test file's "policy"
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    #[arg(
        long,
        value_name = "FILE",
        help = "Also write the results as JUnit XML (for CI systems)"
    )]
    junit: Option<PathBuf>,
    /// Test files
    #[arg(required = true, value_name = "TEST_FILE")]
    files: Vec<PathBuf>,
}

/// Prints a line per case, the differences of each failure and a summary;
/// exit 1 if a case fails, 2 if a test file cannot be read.
pub fn run(args: &Args) -> ExitCode {
    let (mut passed, mut failed, mut broken) = (0usize, 0usize, false);
    let mut results = Vec::new();
    for file in &args.files {
        let suite = match Suite::load(file, args.policy.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                broken = true;
                continue;
            }
        };
        let cases = suite.run();
        for c in &cases {
            if c.passed() {
                println!("test {}: {} ... ok", file.display(), c.name);
                passed += 1;
            } else {
                println!("test {}: {} ... FAILED", file.display(), c.name);
                for f in &c.failures {
                    println!("    {f}");
                }
                failed += 1;
            }
        }
        results.push((file.clone(), cases));
    }
    println!("{passed} passed, {failed} failed");
    if let Some(path) = &args.junit {
        if let Err(e) = std::fs::write(path, junit(&results)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if broken {
        ExitCode::from(2)
    } else if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
