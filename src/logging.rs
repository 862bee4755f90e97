//! Logging set-up, shared by the Lambda function and the CLI.
//!
//! Contract: logs go to stderr; JSON when `AWS_LAMBDA_LOG_FORMAT=json`
//! (Lambda's advanced logging controls), text otherwise. The level comes from
//! `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG` (`info` or `pretoken=debug,warn`),
//! else the caller's default. What the crate logs is names and counts, never
//! an attribute or claim value.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

/// Installs the global subscriber; a second call does nothing.
pub fn init(default: LevelFilter) {
    init_with(|k| std::env::var(k).ok(), default);
}

/// [`init`] with the environment looked up through `var`.
pub fn init_with(var: impl Fn(&str) -> Option<String>, default: LevelFilter) {
    let filter = filter(&var, default);
    let json = var("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json"));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false);
    let registry = tracing_subscriber::registry().with(filter);
    // Ignore the error of a second initialisation: the first one stands.
    let _ = if json {
        registry
            .with(fmt.json().flatten_event(true).with_current_span(false))
            .try_init()
    } else {
        registry.with(fmt.without_time()).try_init()
    };
}

/// The level filter from the environment.
fn filter(var: &impl Fn(&str) -> Option<String>, default: LevelFilter) -> Targets {
    let from_aws = var("AWS_LAMBDA_LOG_LEVEL").map(|l| {
        // Lambda's levels include FATAL, which tracing calls ERROR.
        if l.eq_ignore_ascii_case("fatal") {
            "error".to_owned()
        } else {
            l.to_lowercase()
        }
    });
    from_aws
        .or_else(|| var("RUST_LOG"))
        .and_then(|s| s.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(default))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_comes_from_aws_then_rust_log() {
        let f = filter(
            &|k| (k == "AWS_LAMBDA_LOG_LEVEL").then(|| "FATAL".into()),
            LevelFilter::INFO,
        );
        assert_eq!(f.default_level(), Some(LevelFilter::ERROR));
        let f = filter(
            &|k| (k == "RUST_LOG").then(|| "debug".into()),
            LevelFilter::INFO,
        );
        assert_eq!(f.default_level(), Some(LevelFilter::DEBUG));
        let f = filter(&|_| None, LevelFilter::WARN);
        assert_eq!(f.default_level(), Some(LevelFilter::WARN));
    }
}
