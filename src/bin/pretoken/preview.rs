//! `pretoken preview`: the tokens Cognito would issue for an event.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use pretoken::error::TriggerError;
use pretoken::event::{self, EventView, Version};
use pretoken::tools::preview::{self, Change, ChangeKind, Claims, HEADER_LIMIT, Tokens};
use serde_json::{Value, json};

/// Arguments of `pretoken preview`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    trigger: super::TriggerArgs,
    /// Print {"idToken", "accessToken", "changes", "sizes"} as JSON
    #[arg(long)]
    json: bool,
    /// Event file, or - for standard input
    #[arg(value_name = "EVENT_FILE")]
    event: PathBuf,
}

/// Prints the final tokens and what changed; exit 1 if the trigger refuses.
pub fn run(args: &Args) -> ExitCode {
    let trigger = match args.trigger.trigger() {
        Ok(t) => t,
        Err(code) => return code,
    };
    let value = match super::invoke::read_event(&args.event)
        .map_err(|e| format!("cannot read {}: {e}", args.event.display()))
        .and_then(|b| event::parse_bytes(&b).map_err(|e| TriggerError::Event(e).to_string()))
    {
        Ok(map) => Value::Object(map),
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::FAILURE;
        }
    };
    let before = match value.as_object().map(EventView::parse) {
        Some(Ok(view)) => preview::baseline(&view),
        Some(Err(e)) => return super::invoke::fail(&TriggerError::Event(e)),
        None => return ExitCode::FAILURE,
    };
    let answered = args.trigger.answer(
        &trigger,
        |t| t.plan_value(value.clone()),
        |t| t.respond(value.clone()),
    );
    let outcome = match answered {
        Ok(output) => output.outcome,
        Err(code) => return code,
    };
    let after = preview::apply(&before, &outcome.response);
    let changes = preview::changes(&before, &after);
    let sizes = (
        after.id_token.as_ref().map(preview::jwt_size),
        preview::jwt_size(&after.access_token),
    );
    if args.json {
        let out = json!({
            "idToken": after.id_token,
            "accessToken": after.access_token,
            "changes": changes,
            "sizes": {"idToken": sizes.0, "accessToken": sizes.1},
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        print!("{}", text(&after, &changes, sizes, outcome.version));
    }
    for (token, size) in [("ID token", sizes.0), ("access token", Some(sizes.1))] {
        if let Some(size) = size.filter(|s| *s > HEADER_LIMIT) {
            eprintln!(
                "warning: the {token} would be {size} bytes, over {HEADER_LIMIT} bytes: CloudFront and many proxies reject headers that large"
            );
        }
    }
    ExitCode::SUCCESS
}

fn text(after: &Tokens, changes: &[Change], sizes: (Option<usize>, usize), v: Version) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Cognito {} response; + added, ~ changed, - suppressed, * placeholder value",
        v.lambda_version()
    );
    let tokens: [(&str, &str, Option<&Claims>, Option<usize>); 2] = [
        ("id", "ID token", after.id_token.as_ref(), sizes.0),
        (
            "access",
            "Access token",
            Some(&after.access_token),
            Some(sizes.1),
        ),
    ];
    for (key, title, claims, size) in tokens {
        let (Some(claims), Some(size)) = (claims, size) else {
            let _ = writeln!(out, "\n{title}: none (client credentials grant)");
            continue;
        };
        let _ = writeln!(out, "\n{title} ({size} bytes as a signed JWT)");
        let width = claims.keys().map(String::len).max().unwrap_or(0).max(12);
        for c in changes.iter().filter(|c| c.token == key) {
            let mark = match (c.change, c.placeholder) {
                (ChangeKind::Added, _) => '+',
                (ChangeKind::Changed, _) => '~',
                (ChangeKind::Suppressed, _) => '-',
                (ChangeKind::Untouched, true) => '*',
                (ChangeKind::Untouched, false) => ' ',
            };
            let value = claims
                .get(&c.claim)
                .map_or_else(|| "(suppressed)".to_owned(), Value::to_string);
            let _ = writeln!(out, "  {mark} {:width$}  {value}", c.claim);
        }
    }
    out
}
