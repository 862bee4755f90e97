//! Lookup results as the rules read them: one [`Fetched`] per lookup of the
//! (routed) policy, filled in by whoever made the lookups (`crate::lookup`).
//!
//! Contract: a rule that reads a lookup that was unavailable gets no value;
//! if that lookup says `"ifUnavailable": "fail"`, the read is recorded and
//! the trigger refuses to issue tokens
//! ([`crate::TriggerError::LookupUnavailable`]), naming the lookup only.

use std::cell::Cell;
use std::time::Duration;

use serde_json::Value;

use crate::model::lookup::IfUnavailable;
use crate::model::refs::FieldPath;

/// The result of one lookup for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The item (GetItem) or the user's record (AdminGetUser), as JSON.
    Item(Value),
    /// The items of a query, in the order read (possibly none).
    Items(Vec<Value>),
    /// No item has this key: its fields have no value (not a failure).
    NoItem,
    /// The lookup was not made: no rule that applies needs it, a key
    /// placeholder has no value, or there is no user (client credentials).
    NotMade,
    /// The read failed.
    Unavailable(Unavailable),
}

impl Fetched {
    /// The word the log uses: `found`, `items`, `absent`, `not_made` or
    /// the failure's kind.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Item(_) => "found",
            Self::Items(_) => "items",
            Self::NoItem => "absent",
            Self::NotMade => "not_made",
            Self::Unavailable(u) => u.kind(),
        }
    }
}

/// Why a lookup is unavailable: kinds, safe to log (never the service's
/// message, which may quote the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// No answer within `timeoutMs` (retries included).
    Timeout,
    /// The service refused for capacity (`ProvisionedThroughputExceeded`,
    /// `ThrottlingException`, `RequestLimitExceeded`, `TooManyRequests`).
    Throttled,
    /// The table (or index, or user pool) does not exist.
    NotFound,
    /// The function's role may not read it.
    AccessDenied,
    /// No connection (refused, DNS, TLS).
    Connection,
    /// The service answered with an error of its own (5xx and the rest).
    ServiceError,
    /// The answer could not be used (a binary attribute, a malformed reply).
    BadAnswer,
    /// Credentials or region are missing: the client could not be built.
    NotConfigured,
    /// Offline (`--lookup-data`): the file gives no result for it.
    NotProvided,
}

impl Unavailable {
    /// The kind's name, for logs and metrics.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Throttled => "throttled",
            Self::NotFound => "not_found",
            Self::AccessDenied => "access_denied",
            Self::Connection => "connection",
            Self::ServiceError => "service_error",
            Self::BadAnswer => "bad_answer",
            Self::NotConfigured => "not_configured",
            Self::NotProvided => "not_provided",
        }
    }
}

/// The results of one event's lookups, indexed like the (routed) policy's
/// `lookups`, as the rules read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupResults {
    results: Vec<Fetched>,
    fail_closed: Vec<bool>,
    /// The first lookup read while unavailable whose `ifUnavailable` is
    /// `fail`.
    failed_read: Cell<Option<usize>>,
}

impl LookupResults {
    /// Results for a policy's lookups, every one not made yet.
    pub fn new(lookups: &[crate::model::lookup::Lookup]) -> Self {
        Self {
            results: vec![Fetched::NotMade; lookups.len()],
            fail_closed: lookups
                .iter()
                .map(|l| l.if_unavailable == IfUnavailable::Fail)
                .collect(),
            failed_read: Cell::new(None),
        }
    }

    /// Results for a policy whose lookups no one can make (the playground,
    /// a caller without a source): every one unavailable.
    pub fn unavailable(lookups: &[crate::model::lookup::Lookup]) -> Self {
        let mut r = Self::new(lookups);
        r.results
            .fill(Fetched::Unavailable(Unavailable::NotProvided));
        r
    }

    /// Sets the result of the lookup at `index`.
    pub fn set(&mut self, index: usize, fetched: Fetched) {
        if let Some(slot) = self.results.get_mut(index) {
            *slot = fetched;
        }
    }

    /// The result of the lookup at `index`.
    pub fn get(&self, index: usize) -> Option<&Fetched> {
        self.results.get(index)
    }

    /// The value of `field` in the lookup at `index`: of the item, or a
    /// list of that field of each item of a query (no value when none has
    /// it). `null` is no value. Reading an unavailable lookup gives no value
    /// and, if it fails closed, is recorded.
    pub fn field(&self, index: usize, field: &FieldPath) -> Option<Value> {
        let found = match self.results.get(index)? {
            Fetched::Item(item) => field.read(item).cloned(),
            Fetched::Items(items) => {
                let values: Vec<Value> = items
                    .iter()
                    .filter_map(|i| field.read(i))
                    .filter(|v| !v.is_null())
                    .cloned()
                    .collect();
                (!values.is_empty()).then_some(Value::Array(values))
            }
            Fetched::NoItem | Fetched::NotMade => None,
            Fetched::Unavailable(_) => {
                if self.fail_closed.get(index) == Some(&true) && self.failed_read.get().is_none() {
                    self.failed_read.set(Some(index));
                }
                None
            }
        };
        found.filter(|v| !v.is_null())
    }

    /// What a condition reads of `field` in the lookup at `index`: a value,
    /// an item without the field, no item (or not made), or unavailable
    /// (recorded as [`LookupResults::field`] does).
    pub fn read(&self, index: usize, field: &FieldPath) -> LookupRead {
        match self.results.get(index) {
            Some(Fetched::Items(items)) if items.is_empty() => LookupRead::NoItem,
            Some(Fetched::Item(_) | Fetched::Items(_)) => match self.field(index, field) {
                Some(v) => LookupRead::Value(v),
                None => LookupRead::Absent,
            },
            Some(Fetched::NoItem | Fetched::NotMade) => LookupRead::NoItem,
            Some(Fetched::Unavailable(_)) => {
                let _ = self.field(index, field);
                LookupRead::Unavailable
            }
            None => LookupRead::Unavailable,
        }
    }

    /// The first lookup that was read while unavailable and fails closed.
    pub fn failed_read(&self) -> Option<usize> {
        self.failed_read.get()
    }
}

/// What a condition reads of a lookup: three-valued conditions decide on it
/// ([`crate::model::Predicate`]).
#[derive(Debug, Clone, PartialEq)]
pub enum LookupRead {
    /// The field's value (a list for a query).
    Value(Value),
    /// The item (or a query's items) has no such field.
    Absent,
    /// No item has the key, or the lookup was not made (its key had no
    /// value, or there is no user).
    NoItem,
    /// The read failed (or was skipped by `ifUnavailable: skip`).
    Unavailable,
}

/// A lookup's bounds, as the fetcher needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// The whole read, retries included.
    pub timeout: Duration,
    /// How long a result may be reused.
    pub cache: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Policy;
    use serde_json::json;

    #[test]
    fn fields_of_items_queries_and_failures() {
        let p = Policy::from_json(
            r#"{"lookups": {
                "a": {"dynamodb": {"table": "Tab1", "key": {"pk": "{sub}"}}},
                "b": {"dynamodb": {"table": "Tab2", "query": {"pk": "{sub}"}}, "ifUnavailable": "skip"},
                "c": {"dynamodb": {"table": "Tab3", "key": {"pk": "{sub}"}}}},
              "claims": [{"claim": "x", "lookup": "a"}, {"claim": "y", "lookup": "b"}, {"claim": "z", "lookup": "c"}]}"#,
            "t",
        )
        .unwrap();
        let mut r = LookupResults::new(&p.lookups);
        r.set(0, Fetched::Item(json!({"n": {"m": 1}, "z": null})));
        r.set(
            1,
            Fetched::Items(vec![json!({"t": "a"}), json!({"u": 1}), json!({"t": "b"})]),
        );
        let f = |s: &str| FieldPath::parse(s).unwrap();
        assert_eq!(r.field(0, &f("n.m")), Some(json!(1)));
        assert_eq!(r.field(0, &f("z")), None);
        assert_eq!(r.field(1, &f("t")), Some(json!(["a", "b"])));
        assert_eq!(r.field(1, &f("v")), None);
        r.set(1, Fetched::Unavailable(Unavailable::Timeout));
        assert_eq!(r.field(1, &f("t")), None);
        assert_eq!(r.failed_read(), None, "skip never refuses");
        r.set(2, Fetched::Unavailable(Unavailable::Throttled));
        assert_eq!(r.field(2, &f("t")), None);
        assert_eq!(r.failed_read(), Some(2));
    }
}
