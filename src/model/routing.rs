//! Routing documents as data: one function for many pools and app clients.
//!
//! ```json
//! { "default": { ...policy... },
//!   "pools": { "us-east-1_AbC": { "default": { ... }, "clients": { "1example23456789": { ... } } } } }
//! ```
//!
//! Contract: a document whose top level has `default` or `pools` is a
//! routing document (a policy can have neither field). It is validated whole (`crate::load::routing`),
//! each problem named with its path, as
//! `pools.us-east-1_AbC.clients.1example23456789.claims[0]`. It loads into a
//! [`Policy`] whose own rules are the top `default` (if any), with the
//! routes attached; [`Policy::route`] picks the most specific policy for an
//! event: the client's in its pool, then the pool's default, then the top
//! default; none means no policy, and the trigger fails closed.

use super::Policy;

impl Policy {
    /// Calls `f` on every policy of the document, in the order of
    /// [`Policy::documents`] (the mutable twin of that walk).
    pub fn for_each_document_mut(&mut self, f: &mut dyn FnMut(&mut Policy)) {
        f(self);
        if let Some(routes) = self.routes.as_deref_mut() {
            for (_, pool) in &mut routes.pools {
                if let Some(d) = &mut pool.default {
                    f(d);
                }
                for (_, c) in &mut pool.clients {
                    f(c);
                }
            }
        }
    }
}

/// The routes of a routing document.
#[derive(Debug, Clone, PartialEq)]
pub struct Routes {
    /// Whether the document has a top `default` (the routed policy's own rules).
    pub has_default: bool,
    /// Pool ID to that pool's policies, in file order.
    pub pools: Vec<(String, PoolRoutes)>,
}

/// The policies of one pool.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolRoutes {
    /// The pool's default policy.
    pub default: Option<Policy>,
    /// App client ID to its policy, in file order.
    pub clients: Vec<(String, Policy)>,
}

impl Policy {
    /// The policy for an event from `pool` and `client`: the document itself
    /// when it does not route; `None` when no route matches.
    pub fn route(&self, pool: Option<&str>, client: Option<&str>) -> Option<&Policy> {
        let Some(routes) = &self.routes else {
            return Some(self);
        };
        if let Some((_, p)) = pool.and_then(|id| routes.pools.iter().find(|(k, _)| k == id)) {
            if let Some((_, c)) = client.and_then(|id| p.clients.iter().find(|(k, _)| k == id)) {
                return Some(c);
            }
            if let Some(d) = &p.default {
                return Some(d);
            }
        }
        routes.has_default.then_some(self)
    }

    /// Every policy of the document (the document itself first, when it has
    /// rules of its own), each with its place in `route`.
    pub fn documents(&self) -> Vec<&Policy> {
        let Some(routes) = &self.routes else {
            return vec![self];
        };
        let mut out = Vec::new();
        if routes.has_default {
            out.push(self);
        }
        for (_, p) in &routes.pools {
            out.extend(&p.default);
            out.extend(p.clients.iter().map(|(_, c)| c));
        }
        out
    }
}
