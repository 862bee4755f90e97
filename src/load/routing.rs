//! Loading routing documents whole, each problem named with its route.

use serde_json::{Map, Value};

use super::reader::{Reader, join};
use crate::json::type_name;
use crate::model::{Policy, PoolRoutes, Routes};

/// The fields of a routing document's top level.
pub const ROUTING_FIELDS: &[&str] = &["$schema", "description", "common", "default", "pools"];

/// The fields of a pool's entry.
pub const POOL_FIELDS: &[&str] = &["default", "clients"];

/// Whether a document's top level is a routing document.
pub fn is_routing(root: &Map<String, Value>) -> bool {
    root.contains_key("default") || root.contains_key("pools")
}

impl Reader {
    /// Reads a routing document.
    pub(super) fn routing(&mut self, root: &Map<String, Value>) -> Policy {
        self.known_fields(root, "", ROUTING_FIELDS);
        let description = self.opt_string(root, "", "description");
        self.routing_common = root.get("common").map(|v| self.common(v));
        let mut policy = match root.get("default") {
            Some(v) => self.routed_policy(v, "default"),
            None => None,
        };
        let has_default = policy.is_some();
        let mut pools = Vec::new();
        match root.get("pools") {
            None => {}
            Some(Value::Object(m)) => {
                if m.is_empty() {
                    self.err("pools", "names no pool");
                }
                for (id, entry) in m {
                    let path = format!("pools.{id}");
                    if id.trim().is_empty() {
                        self.err(&path, "a pool ID cannot be empty");
                        continue;
                    }
                    if let Some(p) = self.pool_routes(entry, &path) {
                        pools.push((id.clone(), p));
                    }
                }
            }
            Some(other) => self.err(
                "pools",
                format!("must be an object of pool IDs, not {}", type_name(other)),
            ),
        }
        if !has_default {
            self.warn(
                "",
                "no top \"default\": events from pools and clients the document does not name are refused",
            );
        }
        let mut top = policy.take().unwrap_or_else(Self::empty_policy);
        if has_default {
            self.weaker_routes(&top, &pools);
        }
        top.description = description.or(top.description);
        top.routes = Some(Box::new(Routes { has_default, pools }));
        top
    }

    fn pool_routes(&mut self, v: &Value, path: &str) -> Option<PoolRoutes> {
        let m = self.object(v, path)?;
        self.known_fields(m, path, POOL_FIELDS);
        let default = match m.get("default") {
            Some(v) => self.routed_policy(v, &join(path, "default")),
            None => None,
        };
        let mut clients = Vec::new();
        match m.get("clients") {
            None => {}
            Some(Value::Object(c)) => {
                for (id, p) in c {
                    let cpath = format!("{path}.clients.{id}");
                    if id.trim().is_empty() {
                        self.err(&cpath, "an app client ID cannot be empty");
                        continue;
                    }
                    if let Some(p) = self.routed_policy(p, &cpath) {
                        clients.push((id.clone(), p));
                    }
                }
            }
            Some(other) => self.err(
                &join(path, "clients"),
                format!(
                    "must be an object of app client IDs, not {}",
                    type_name(other)
                ),
            ),
        }
        if default.is_none() && clients.is_empty() {
            self.err(
                path,
                "names no policy: give \"default\", \"clients\" or both",
            );
            return None;
        }
        Some(PoolRoutes { default, clients })
    }

    fn routed_policy(&mut self, v: &Value, path: &str) -> Option<Policy> {
        let m = self.object(v, path)?;
        if is_routing(m) {
            self.err(
                path,
                "routing documents do not nest: a policy here, not \"default\" or \"pools\"",
            );
            return None;
        }
        let common = self.routing_common.clone();
        Some(self.policy_with(m, path, common.as_ref()))
    }

    /// Warns about a route weaker than the top default: it suppresses a
    /// strict subset of the claims the default suppresses, or has fewer deny
    /// rules (`common` rules count as the route's own).
    fn weaker_routes(&mut self, default: &Policy, pools: &[(String, PoolRoutes)]) {
        let suppressed = |p: &Policy| -> std::collections::BTreeSet<String> {
            p.suppress
                .iter()
                .flat_map(|s| s.claims.iter().cloned())
                .collect()
        };
        let top = suppressed(default);
        for (pool, routes) in pools {
            let named = routes
                .default
                .iter()
                .map(|p| (format!("pools.{pool}.default"), p))
                .chain(
                    routes
                        .clients
                        .iter()
                        .map(|(c, p)| (format!("pools.{pool}.clients.{c}"), p)),
                );
            for (path, p) in named {
                let mine = suppressed(p);
                if mine.is_subset(&top) && mine.len() < top.len() {
                    let missing: Vec<&str> = top.difference(&mine).map(String::as_str).collect();
                    self.warn(
                        &path,
                        format!(
                            "suppresses fewer claims than the top \"default\" (not: {}): this route's users get claims the default hides; suppress them here too, or put the suppressions in \"common\"",
                            missing.join(", ")
                        ),
                    );
                }
                if p.deny.len() < default.deny.len() {
                    self.warn(
                        &path,
                        format!(
                            "has {} deny rule(s), the top \"default\" {}: a user refused by the default may sign in through this route; put shared deny rules in \"common\"",
                            p.deny.len(),
                            default.deny.len()
                        ),
                    );
                }
            }
        }
    }

    fn empty_policy() -> Policy {
        // A document without a top default: its own rules are empty and never
        // applied (route() returns None for unrouted events).
        let mut cx = Reader::default();
        cx.policy_at(&Map::new(), "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> Policy {
        Policy::from_json(json, "t").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_most_specific_policy_wins() {
        let p = doc(r#"{
            "default": {"claims": [{"claim": "r", "value": "top"}]},
            "pools": {
                "p1": {"default": {"claims": [{"claim": "r", "value": "pool"}]},
                       "clients": {"c1": {"claims": [{"claim": "r", "value": "client"}]}}},
                "p2": {"clients": {"c2": {"claims": [{"claim": "r", "value": "p2c2"}]}}}
            }
        }"#);
        let r = |pool, client| match p.route(pool, client) {
            Some(x) => x.claims[0].source.clone(),
            None => crate::model::Source::constant(Value::Null),
        };
        let v = |s: &str| crate::model::Source::constant(Value::from(s));
        assert_eq!(r(Some("p1"), Some("c1")), v("client"));
        assert_eq!(r(Some("p1"), Some("other")), v("pool"));
        assert_eq!(r(Some("p2"), Some("c2")), v("p2c2"));
        assert_eq!(r(Some("p2"), Some("c9")), v("top"));
        assert_eq!(r(None, None), v("top"));
        assert_eq!(p.documents().len(), 4);
        assert_eq!(p.documents()[2].route, "pools.p1.clients.c1");
    }

    #[test]
    fn without_a_default_unknown_pools_have_no_policy() {
        let p = doc(r#"{"pools": {"p1": {"default": {"suppress": [{"claims": ["email"]}]}}}}"#);
        assert!(p.route(Some("p1"), None).is_some());
        assert!(p.route(Some("p2"), None).is_none());
        assert_eq!(
            p.warnings[0].to_string(),
            "no top \"default\": events from pools and clients the document does not name are refused"
        );
    }

    #[test]
    fn problems_are_named_with_their_route() {
        let e = Policy::from_json(
            r#"{"pools": {"us-east-1_AbC": {"clients": {"1example23456789": {"claims": [{"claim": "sub", "value": 1}]}}}},
                "claims": []}"#,
            "t",
        )
        .unwrap_err();
        let got: Vec<String> = e.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "claims: unknown field `claims`; expected one of: $schema, description, common, default, pools",
                "pools.us-east-1_AbC.clients.1example23456789.claims[0].claim: `sub` is reserved: Cognito sets it and does not let a trigger change it",
            ]
        );
    }
}
