//! The Lambda function built with lookups (DynamoDB, the user pool's
//! `AdminGetUser`) through the AWS SDK, which is set up only when the
//! policy in force has lookups.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    pretoken::function::run::<pretoken::lookup::aws::Fetcher>().await
}
