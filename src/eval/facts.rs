//! What a rule can read for one event: the event itself and, beside it (not
//! inside it), the results of the routed policy's lookups.
//!
//! Contract: [`Facts`] derefs to the [`EventView`], so a rule reads
//! attributes, groups and client metadata as from the event; lookup fields
//! read through [`Facts::lookup_field`], which has no value where no results
//! were given.

use std::ops::Deref;
use std::time::Instant;

use serde_json::Value;

use super::generate::Generator;
use super::results::LookupResults;
use crate::event::EventView;
use crate::model::refs::FieldPath;

/// The event and the lookup results beside it.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'v, 'a> {
    /// The event as the policy reads it.
    pub event: &'v EventView<'a>,
    /// The results of the routed policy's lookups, when it has any.
    pub lookups: Option<&'v LookupResults>,
    /// Where generated values come from (none: a `generate` source has no
    /// value).
    pub generator: Option<&'v Generator>,
    /// When evaluation must stop (none: no budget, as in the browser, which
    /// has no clock).
    pub deadline: Option<Instant>,
}

impl<'v, 'a> Facts<'v, 'a> {
    /// The facts of an event with no lookup results.
    pub fn event(event: &'v EventView<'a>) -> Self {
        Self {
            event,
            lookups: None,
            generator: None,
            deadline: None,
        }
    }

    /// `Err` once the deadline has passed: evaluation checks between rules
    /// and between list items, and stops there.
    pub fn on_time(&self) -> Result<(), crate::error::RuleError> {
        match self.deadline {
            Some(d) if Instant::now() >= d => Err(crate::error::RuleError::OutOfTime),
            _ => Ok(()),
        }
    }

    /// The value of `field` in the result of the policy's lookup `index`
    /// (no value without results).
    pub fn lookup_field(&self, index: usize, field: &FieldPath) -> Option<Value> {
        self.lookups?.field(index, field)
    }
}

impl<'a> Deref for Facts<'_, 'a> {
    type Target = EventView<'a>;

    fn deref(&self) -> &EventView<'a> {
        self.event
    }
}
