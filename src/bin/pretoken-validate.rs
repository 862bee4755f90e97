//! The AWS AppConfig `LAMBDA` validator: refuses a policy version that the
//! trigger would refuse, before it is rolled out (see `src/validate.rs`).

use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use pretoken::appconfig::validate::{Refusal, guards_lookups, validate_for};
use serde_json::Value;
use tracing::level_filters::LevelFilter;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    pretoken::logging::init(LevelFilter::INFO);
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let request_id = event.context.request_id;
        let checked = guards_lookups(|k| std::env::var(k).ok())
            .and_then(|lookups| validate_for(&event.payload, lookups));
        match checked {
            Ok(summary) => {
                tracing::info!(request_id, routes = %summary["routes"], warnings = %summary["warnings"].as_array().map_or(0, Vec::len), "policy version valid");
                Ok(summary)
            }
            Err(refusal) => {
                tracing::warn!(request_id, error_type = refusal.error_type(), error = %refusal, "policy version refused");
                Err(diagnostic(&refusal))
            }
        }
    }))
    .await
}

fn diagnostic(r: &Refusal) -> Diagnostic {
    Diagnostic {
        error_type: r.error_type().to_owned(),
        error_message: r.to_string(),
    }
}
