//! `pretoken schema`: the policy language's JSON Schema, for editors and CI.

use std::process::ExitCode;

/// Prints the schema (the same as the committed `policy.schema.json`).
pub fn run() -> ExitCode {
    let schema = pretoken::policy::schema::schema();
    match serde_json::to_string_pretty(&schema) {
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
