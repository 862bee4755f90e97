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
    let chosen = from_aws
        .or_else(|| var("RUST_LOG"))
        .and_then(|s| s.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(default));
    cap_runtime(chosen)
}

/// Crates whose logs may carry personal data, with the most they may log
/// whatever is asked, and what they log when no filter names them.
///
/// The Lambda runtime logs every raw event at TRACE, so its crates log at
/// DEBUG at most; unless a filter names them, at WARN at most (their
/// per-invocation span costs more than the trigger's own work, and the
/// trigger's log line carries the request ID itself). The AWS SDK (lookups)
/// and its HTTP stack log requests and responses, keys and items included,
/// at DEBUG and TRACE: INFO at most, WARN unless named.
const CAPPED: &[(&str, LevelFilter, LevelFilter)] = &[
    ("lambda_runtime", LevelFilter::DEBUG, LevelFilter::WARN),
    ("aws_", LevelFilter::INFO, LevelFilter::WARN),
    ("hyper", LevelFilter::INFO, LevelFilter::WARN),
    ("h2", LevelFilter::INFO, LevelFilter::WARN),
    ("rustls", LevelFilter::INFO, LevelFilter::WARN),
];

fn cap_runtime(chosen: Targets) -> Targets {
    let default = chosen.default_level().unwrap_or(LevelFilter::OFF);
    let mut capped = Targets::new().with_default(default);
    let mut named = [false; CAPPED.len()];
    for (target, level) in chosen {
        match CAPPED.iter().position(|(p, ..)| target.starts_with(p)) {
            Some(i) => {
                named[i] |= target == CAPPED[i].0;
                capped = capped.with_target(target, level.min(CAPPED[i].1));
            }
            None => capped = capped.with_target(target, level),
        }
    }
    for (i, (prefix, _, unnamed)) in CAPPED.iter().enumerate() {
        if !named[i] {
            capped = capped.with_target(*prefix, default.min(*unnamed));
        }
    }
    capped
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

    #[test]
    fn the_runtime_never_logs_raw_events() {
        use tracing::Level;
        const RAW_EVENT_TARGET: &str = "lambda_runtime::layers::api_response";
        for asked in [
            "trace",
            "TRACE",
            "lambda_runtime=trace",
            "lambda_runtime::layers=trace,info",
        ] {
            for var in ["AWS_LAMBDA_LOG_LEVEL", "RUST_LOG"] {
                let f = filter(&|k| (k == var).then(|| asked.to_owned()), LevelFilter::INFO);
                assert!(
                    !f.would_enable(RAW_EVENT_TARGET, &Level::TRACE),
                    "{var}={asked}"
                );
            }
        }
        let f = filter(
            &|k| (k == "RUST_LOG").then(|| "trace".into()),
            LevelFilter::INFO,
        );
        assert!(f.would_enable("pretoken::trigger", &Level::TRACE));
        assert!(f.would_enable(RAW_EVENT_TARGET, &Level::WARN));
        assert!(!f.would_enable(RAW_EVENT_TARGET, &Level::INFO));
        let f = filter(
            &|k| (k == "RUST_LOG").then(|| "trace,lambda_runtime=debug".into()),
            LevelFilter::INFO,
        );
        assert!(f.would_enable(RAW_EVENT_TARGET, &Level::DEBUG));
        let f = filter(&|_| None, LevelFilter::INFO);
        assert!(!f.would_enable("lambda_runtime::layers::trace", &Level::INFO));
        assert!(f.would_enable("pretoken::trigger", &Level::INFO));
    }

    #[test]
    fn the_sdk_never_logs_requests() {
        use tracing::Level;
        for asked in [
            "trace",
            "aws_smithy_runtime=trace,info",
            "debug,hyper_util=trace",
        ] {
            let f = filter(
                &|k| (k == "RUST_LOG").then(|| asked.to_owned()),
                LevelFilter::INFO,
            );
            for target in [
                "aws_smithy_runtime::client::orchestrator",
                "aws_sdk_dynamodb::operation",
                "aws_config::default_provider",
                "hyper_util::client::legacy",
                "rustls::client",
            ] {
                assert!(!f.would_enable(target, &Level::DEBUG), "{asked}: {target}");
            }
        }
        let f = filter(&|_| None, LevelFilter::INFO);
        assert!(!f.would_enable("aws_config::imds", &Level::INFO));
        assert!(f.would_enable("aws_config::imds", &Level::WARN));
    }
}
