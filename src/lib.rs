//! A declarative Amazon Cognito pre token generation trigger.
//!
//! The core is [`apply::apply_to_event`], a pure function from a validated
//! [`Policy`] and an event to the event's new `response`, which
//! [`handler::Output`] writes in place of the old one. The Lambda function
//! (`pretoken-lambda`) and the CLI (`pretoken`) are thin wrappers around
//! [`Trigger`], so what the CLI shows is what Lambda does.
//! `ARCHITECTURE.md` says which file owns what. Without features (`lambda`,
//! `cli`) the core builds for `wasm32-unknown-unknown` (the playground).

pub mod appconfig;
pub mod apply;
pub mod config;
pub mod error;
pub mod event;
pub mod handler;
pub mod json;
#[cfg(feature = "logging")]
pub mod logging;
pub mod lookup;
pub mod policy;
pub mod policy_tests;
pub mod preview;
pub mod reserved;
pub mod response;
pub mod template_check;
#[cfg(feature = "lambda")]
pub mod validate;
#[cfg(feature = "verify")]
pub mod verify;

pub use config::Config;
pub use error::{ConfigError, EventError, PolicyError, RuleError, TriggerError};
pub use handler::Trigger;
pub use policy::Policy;
