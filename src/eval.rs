//! Evaluation: a validated policy applied to one event, purely.
//!
//! Contract: no I/O, no clock, no randomness; the same policy, event and
//! lookup results give the same response. This layer imports the model, the
//! event and the leaves, never `load`. `apply.rs` is the conductor and the
//! one entry the trigger calls; `facts.rs` is what rules read (the event and
//! the lookup results beside it); `condition.rs` decides `when` (two-valued,
//! and three-valued before lookups are made); `value.rs` evaluates sources,
//! templates and transform steps; `groups.rs` builds the group override and
//! the copied attributes; `plan.rs` says which lookups an event needs;
//! `results.rs` holds their results as rules read them; `generate.rs` makes
//! generated values from the randomness and time passed in.

pub mod apply;
pub mod condition;
pub mod facts;
pub mod generate;
pub mod groups;
pub mod plan;
pub mod results;
pub mod value;

pub use facts::Facts;
pub use generate::Generator;
