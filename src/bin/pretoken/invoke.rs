//! `pretoken invoke`: run the Lambda handler on an event file.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use pretoken::error::{ConfigError, EventError, TriggerError};
use pretoken::event::Version;
use pretoken::{Config, Trigger};

/// Arguments of `pretoken invoke`.
#[derive(clap::Args)]
pub struct Args {
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
    /// Print the event on one line, as Lambda returns it
    #[arg(long)]
    compact: bool,
    /// Event file, or - for standard input
    #[arg(value_name = "EVENT_FILE", default_value = "-")]
    event: PathBuf,
}

/// Parses a pool `LambdaVersion` argument.
pub fn parse_version(s: &str) -> Result<Version, String> {
    Version::from_lambda_version(s).ok_or_else(|| "expected V1_0, V2_0 or V3_0".to_owned())
}

/// Prints the returned event on stdout; on failure, the message Lambda would
/// return, then the detail, on stderr.
pub fn run(args: &Args) -> ExitCode {
    let (name, policy) = super::load_policy(args.policy.as_ref());
    let policy = match policy {
        Ok(p) => p,
        Err(detail) => return fail_config(&name, &detail),
    };
    let bytes = match read_event(&args.event) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.event.display());
            return ExitCode::FAILURE;
        }
    };
    let trigger = Trigger::new(Ok(Config {
        policy,
        lambda_version: args.lambda_version,
    }));
    match trigger.handle_bytes(&bytes) {
        Ok(out) => {
            let text = if args.compact {
                serde_json::to_string(&out)
            } else {
                serde_json::to_string_pretty(&out)
            };
            println!("{}", text.unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// Reports an unusable policy as Lambda would, then the detail.
pub fn fail_config(name: &str, detail: &ConfigError) -> ExitCode {
    let e = TriggerError::Config;
    eprintln!("error: {}: {e}", e.error_type());
    eprintln!("detail ({name}): {detail}");
    ExitCode::FAILURE
}

/// Reports a refused invocation as Lambda would, then the detail.
pub fn fail(e: &TriggerError) -> ExitCode {
    eprintln!("error: {}: {e}", e.error_type());
    eprintln!(
        "detail: Cognito would fail the sign-in and show \"PreTokenGeneration failed with error {e}.\""
    );
    match e {
        TriggerError::Event(EventError::NotJson(_)) => {
            eprintln!(
                "detail: in Lambda the runtime rejects such an event before the handler runs"
            );
        }
        TriggerError::UnknownVersion => eprintln!(
            "detail: the event's version is not 1, 2 or 3: pass --lambda-version (V1_0, V2_0 or V3_0) as the pool's LambdaVersion"
        ),
        _ => {}
    }
    ExitCode::FAILURE
}

/// Reads a file, or standard input for `-`.
pub fn read_event(path: &PathBuf) -> std::io::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf)?;
        Ok(buf)
    } else {
        std::fs::read(path)
    }
}
