//! Lookup results from a file (`--lookup-data FILE`): running a policy with
//! lookups offline, in `pretoken invoke`, `preview` and `test`.
//!
//! Contract: the file is a JSON object from lookup name to its result: an
//! object (the item, or the `adminGetUser` record), a list of objects (the
//! items of a query), or `null` (no item). A lookup the file leaves out is
//! unavailable, as if the service had failed. A result of the wrong shape
//! for its lookup is an error naming the lookup.

use serde_json::{Map, Value};

use super::{Fetched, Plan, Request, Unavailable};

/// Results by lookup name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LookupData(pub Map<String, Value>);

impl LookupData {
    /// Reads the file's text; the error says what is wrong.
    pub fn from_json(text: &str) -> Result<Self, String> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => Ok(Self(m)),
            Ok(_) => Err("lookup data must be a JSON object from lookup name to result".into()),
            Err(e) => Err(format!("lookup data is not valid JSON: {e}")),
        }
    }

    /// Fills in the results of the plan's requests.
    pub fn fill(&self, plan: &mut Plan) -> Result<(), String> {
        for r in &plan.requests {
            let query = matches!(r.request, Request::Query { .. });
            let fetched = match self.0.get(&r.name) {
                None => Fetched::Unavailable(Unavailable::NotProvided),
                Some(Value::Null) => {
                    if query {
                        Fetched::Items(Vec::new())
                    } else {
                        Fetched::NoItem
                    }
                }
                Some(Value::Object(item)) if !query => Fetched::Item(Value::Object(item.clone())),
                Some(Value::Array(items)) if query && items.iter().all(Value::is_object) => {
                    Fetched::Items(items.clone())
                }
                Some(_) if query => {
                    return Err(format!(
                        "lookup data for `{}` (a query) must be a list of items (objects) or null",
                        r.name
                    ));
                }
                Some(_) => {
                    return Err(format!(
                        "lookup data for `{}` must be one item (an object) or null",
                        r.name
                    ));
                }
            };
            plan.results.set(r.index, fetched);
        }
        Ok(())
    }
}
