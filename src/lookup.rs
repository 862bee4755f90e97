//! Lookups made: where the results a plan asks for come from. AWS through
//! the SDK (`aws.rs`, feature `lookups`), a `--lookup-data` file
//! (`data.rs`), a warm environment's cache (`cache.rs`).
//!
//! Contract: the core stays pure. `crate::eval::plan` says which lookups an
//! event needs and with which keys; this layer fills in one
//! [`Fetched`] per planned lookup (concurrently, each bounded by its
//! timeout), and the trigger applies the policy with the
//! [`LookupResults`]. Nothing here logs a key, an item or a value.

pub mod cache;
pub mod data;

#[cfg(feature = "lookups")]
pub mod aws;

pub use crate::eval::plan::{Plan, Planned, Request, plan};
pub use crate::eval::results::{Bounds, Fetched, LookupResults, Unavailable};
