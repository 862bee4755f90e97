//! The warm environment's cache of lookup results.
//!
//! Contract: results are kept per execution environment, in memory only,
//! keyed by the lookup's name and its rendered request
//! ([`super::Planned::cache_key`]: name, kind, region, table and key), each
//! for the `cacheSeconds` of the lookup that made it: a lookup with
//! `cacheSeconds: 1` never sees another lookup's 3,600-second entry. The cache
//! holds at most `capacity` entries: when full, the least recently used goes
//! first. Failures are never cached. The clock is passed in, so the cache is
//! tested without waiting.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::Fetched;

/// The default number of entries (`PRETOKEN_LOOKUP_CACHE_ENTRIES`).
pub const DEFAULT_CAPACITY: usize = 1_000;
/// The environment variable that sets the number of entries.
pub const ENV_CACHE_ENTRIES: &str = "PRETOKEN_LOOKUP_CACHE_ENTRIES";

/// A bounded, least-recently-used cache of results.
#[derive(Debug)]
pub struct Cache {
    capacity: usize,
    tick: u64,
    entries: HashMap<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    fetched: Fetched,
    expires: Instant,
    used: u64,
}

impl Cache {
    /// An empty cache of at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            tick: 0,
            entries: HashMap::new(),
        }
    }

    /// The capacity from `PRETOKEN_LOOKUP_CACHE_ENTRIES` (through `var`),
    /// else the default; an invalid value is an error naming the variable.
    pub fn capacity_from(var: impl Fn(&str) -> Option<String>) -> Result<usize, String> {
        match var(ENV_CACHE_ENTRIES).filter(|v| !v.trim().is_empty()) {
            None => Ok(DEFAULT_CAPACITY),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .ok_or_else(|| {
                    format!("{ENV_CACHE_ENTRIES} must be a whole number from 1 to 100000")
                }),
        }
    }

    /// The result cached for `key` at `now`, if still fresh.
    pub fn get(&mut self, key: &str, now: Instant) -> Option<Fetched> {
        self.tick += 1;
        let tick = self.tick;
        match self.entries.get_mut(key) {
            Some(e) if e.expires > now => {
                e.used = tick;
                Some(e.fetched.clone())
            }
            Some(_) => {
                self.entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Keeps `fetched` for `key` for `ttl` from `now` (failures and a zero
    /// `ttl` are not kept).
    pub fn put(&mut self, key: String, fetched: &Fetched, ttl: Duration, now: Instant) {
        if ttl.is_zero() || matches!(fetched, Fetched::Unavailable(_) | Fetched::NotMade) {
            return;
        }
        self.tick += 1;
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            self.entries.retain(|_, e| e.expires > now);
            if self.entries.len() >= self.capacity {
                if let Some(oldest) = self
                    .entries
                    .iter()
                    .min_by_key(|(_, e)| e.used)
                    .map(|(k, _)| k.clone())
                {
                    self.entries.remove(&oldest);
                }
            }
        }
        self.entries.insert(
            key,
            Entry {
                fetched: fetched.clone(),
                expires: now + ttl,
                used: self.tick,
            },
        );
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup::Unavailable;
    use serde_json::json;

    #[test]
    fn hits_expires_and_evicts_the_least_recently_used() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let item = Fetched::Item(json!({"a": 1}));
        let mut c = Cache::new(2);
        c.put("k1".into(), &item, 10 * s, t0);
        assert_eq!(c.get("k1", t0 + 9 * s), Some(item.clone()));
        assert_eq!(c.get("k1", t0 + 10 * s), None, "expired at its ttl");
        c.put("k1".into(), &item, 10 * s, t0);
        c.put("k2".into(), &Fetched::NoItem, 10 * s, t0);
        assert_eq!(
            c.get("k1", t0),
            Some(item.clone()),
            "k1 is now the most recent"
        );
        c.put("k3".into(), &item, 10 * s, t0);
        assert_eq!(c.len(), 2);
        assert_eq!(c.get("k2", t0), None, "k2 was the least recently used");
        assert!(c.get("k1", t0).is_some() && c.get("k3", t0).is_some());
        c.put(
            "k4".into(),
            &Fetched::Unavailable(Unavailable::Timeout),
            10 * s,
            t0,
        );
        c.put("k5".into(), &item, Duration::ZERO, t0);
        assert_eq!((c.get("k4", t0), c.get("k5", t0)), (None, None));
    }

    #[test]
    fn two_lookups_of_one_item_keep_their_own_lifetimes() {
        use crate::lookup::Bounds;
        use crate::lookup::{Planned, Request};
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let planned = |name: &str, cache: Duration| Planned {
            index: 0,
            name: name.into(),
            bounds: Bounds {
                timeout: Duration::from_millis(500),
                cache,
            },
            request: Request::Get {
                table: "Profiles".into(),
                region: None,
                key: vec![("pk".into(), "USER#1".into())],
            },
        };
        let long = planned("profile", 3600 * s);
        let short = planned("status", s);
        let item = Fetched::Item(json!({"status": "active"}));
        let mut c = Cache::new(10);
        c.put(long.cache_key(), &item, long.bounds.cache, t0);
        // The short-lived lookup of the same item never sees that entry.
        assert_eq!(c.get(&short.cache_key(), t0), None);
        c.put(short.cache_key(), &item, short.bounds.cache, t0);
        assert_eq!(c.get(&short.cache_key(), t0 + s / 2), Some(item.clone()));
        assert_eq!(
            c.get(&short.cache_key(), t0 + 2 * s),
            None,
            "its own second"
        );
        assert_eq!(c.get(&long.cache_key(), t0 + 2 * s), Some(item));
    }

    #[test]
    fn capacity_from_the_environment() {
        assert_eq!(Cache::capacity_from(|_| None), Ok(DEFAULT_CAPACITY));
        assert_eq!(Cache::capacity_from(|_| Some("5".into())), Ok(5));
        assert!(Cache::capacity_from(|_| Some("0".into())).is_err());
        assert!(Cache::capacity_from(|_| Some("x".into())).is_err());
    }
}
