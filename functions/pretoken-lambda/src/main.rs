//! The Lambda function built without lookups: no AWS SDK is linked, so a
//! deployment whose policy has no lookups pays nothing for them. A policy
//! with lookups is refused at load, naming the remedy (deploy
//! `pretoken-lambda-lookups`).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    pretoken::function::run::<pretoken::function::Without>().await
}
