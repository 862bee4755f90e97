//! The Lambda function: set up logging, load the policy once, run the handler.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use pretoken::Trigger;
use serde_json::Value;
use tracing::level_filters::LevelFilter;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    pretoken::logging::init(LevelFilter::INFO);
    // Built once per cold start and shared by every invocation.
    let trigger: &'static Trigger = Box::leak(Box::new(Trigger::from_env()));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        trigger.handle(event.payload)
    }))
    .await
}
