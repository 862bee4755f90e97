//! The Lambda function: set up logging, load the policy once, run the handler.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use pretoken::{Trigger, json};
use tracing::level_filters::LevelFilter;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    pretoken::logging::init(LevelFilter::INFO);
    // Built once per cold start and shared by every invocation.
    let trigger: &'static Trigger = Box::leak(Box::new(Trigger::from_env()));
    // One parse, which also notes repeated keys so that the handler can
    // refuse them with its own error.
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<json::Event>| async move {
            trigger.respond_payload(event.payload, &event.context.request_id)
        },
    ))
    .await
}
