//! `pretoken schema`: the policy language's JSON Schema, for editors and CI.

use std::process::ExitCode;

/// Arguments of `pretoken schema`.
#[derive(clap::Args)]
pub struct Args {
    #[arg(
        long = "draft-04",
        help = "Print the draft-04 form, compact, for AWS AppConfig's JSON_SCHEMA validator (policy.schema.draft-04.json)"
    )]
    draft04: bool,
}

/// Prints the schema (the same as the committed `policy.schema.json`, or
/// `policy.schema.draft-04.json`).
pub fn run(args: &Args) -> ExitCode {
    let text = if args.draft04 {
        serde_json::to_string(&pretoken::load::schema::draft04())
    } else {
        serde_json::to_string_pretty(&pretoken::load::schema::schema())
    };
    match text {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
