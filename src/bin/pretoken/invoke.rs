//! `pretoken invoke`: run the Lambda handler on an event file.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use pretoken::error::{ConfigError, EventError, TriggerError};

/// Arguments of `pretoken invoke`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    trigger: super::TriggerArgs,
    /// Print the event on one line, as Lambda returns it
    #[arg(long)]
    compact: bool,
    /// Event file, or - for standard input
    #[arg(value_name = "EVENT_FILE", default_value = "-")]
    event: PathBuf,
}

/// Prints the returned event on stdout; on failure, the message Lambda would
/// return, then the detail, on stderr.
pub fn run(args: &Args) -> ExitCode {
    let trigger = match args.trigger.trigger() {
        Ok(t) => t,
        Err(code) => return code,
    };
    let bytes = match read_event(&args.event) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.event.display());
            return ExitCode::FAILURE;
        }
    };
    let answered = args.trigger.answer(
        &trigger,
        |t| t.plan_bytes(&bytes),
        |t| t.respond_bytes(&bytes),
    );
    match answered.map(pretoken::trigger::Output::into_value) {
        Ok(out) => {
            let text = if args.compact {
                serde_json::to_string(&out)
            } else {
                serde_json::to_string_pretty(&out)
            };
            println!("{}", text.unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err(code) => code,
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
        TriggerError::NoPolicy => eprintln!(
            "detail: the routing document has no policy for this event's userPoolId and callerContext.clientId, and no top \"default\""
        ),
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
