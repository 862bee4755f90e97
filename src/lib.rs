//! A declarative Amazon Cognito pre token generation trigger.
//!
//! The layers, each importing only those below it (`ARCHITECTURE.md` draws
//! them and says which file owns what):
//! - leaves: [`json`], [`error`], [`reserved`], [`response`], [`event`],
//!   `logging`;
//! - [`model`]: the policy as data;
//! - [`load`] (JSON into the model) and [`eval`] (the model applied to one
//!   event, purely: [`eval::apply`]), side by side, neither importing the
//!   other;
//! - [`lookup`]: the lookups a plan asks for, made (AWS, a file, a cache);
//! - [`trigger`]: the one path every entry point takes ([`Trigger`]):
//!   configuration, the answer, the log line;
//! - [`appconfig`] and [`tools`] over the trigger, the Lambda loop
//!   (`function`, feature `lambda`) over them; the binaries on top, thin.
//!
//! Without features (`lambda`, `cli`) the core builds for
//! `wasm32-unknown-unknown` (the playground).

pub mod appconfig;
pub mod error;
pub mod eval;
pub mod event;
#[cfg(feature = "lambda")]
pub mod function;
pub mod json;
pub mod load;
#[cfg(feature = "logging")]
pub mod logging;
pub mod lookup;
pub mod metrics;
pub mod model;
pub mod reserved;
pub mod response;
pub mod tools;
pub mod trigger;

pub use error::{ConfigError, EventError, PolicyError, RuleError, TriggerError};
pub use model::Policy;
pub use trigger::{Config, Trigger};
