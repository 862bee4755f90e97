//! The Lambda function: set up logging, load the policy once, run the handler.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use pretoken::Trigger;
use serde_json::value::RawValue;
use tracing::level_filters::LevelFilter;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    pretoken::logging::init(LevelFilter::INFO);
    // Built once per cold start and shared by every invocation.
    let trigger: &'static Trigger = Box::leak(Box::new(Trigger::from_env()));
    // The runtime checks the payload is JSON; the handler parses it, so that
    // duplicate keys and the like get its own precise errors.
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Box<RawValue>>| async move {
            trigger.handle_bytes(event.payload.get().as_bytes())
        },
    ))
    .await
}
