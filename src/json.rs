//! JSON that notices repeated keys.
//!
//! Contract: `serde_json::Value` silently keeps the last of two equal keys,
//! so `{"email": "a", "email": "b"}` would be read differently by different
//! parsers. Policies are read with [`StrictValue`], which refuses them with
//! the parser's position ("duplicate field `email` at line 1 column 30").
//! Events are read with [`Event`], which parses in one pass (as the Lambda
//! runtime hands the payload over) and records the first repeated key, so
//! the handler can refuse it with its own error. Both stay within the
//! parser's nesting limit.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};

/// A JSON value that refuses duplicate object keys.
pub struct StrictValue(pub Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let seen = RefCell::new(None);
        Seed {
            duplicate: &seen,
            refuse: true,
        }
        .deserialize(d)
        .map(StrictValue)
    }
}

/// An event payload: the JSON value, and the first key that an object in it
/// repeated (the value then holds the first occurrence).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The parsed value.
    pub value: Value,
    /// The first repeated key, if any.
    pub duplicate: Option<String>,
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let seen = RefCell::new(None);
        let value = Seed {
            duplicate: &seen,
            refuse: false,
        }
        .deserialize(d)?;
        Ok(Event {
            value,
            duplicate: seen.into_inner(),
        })
    }
}

/// Builds a `Value`, refusing or recording repeated keys.
#[derive(Clone, Copy)]
struct Seed<'a> {
    duplicate: &'a RefCell<Option<String>>,
    refuse: bool,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(self)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match out.entry(key) {
                Entry::Occupied(e) => {
                    if self.refuse {
                        return Err(de::Error::custom(format!("duplicate field `{}`", e.key())));
                    }
                    let mut first = self.duplicate.borrow_mut();
                    if first.is_none() {
                        *first = Some(e.key().clone());
                    }
                    drop(first);
                    map.next_value_seed(self)?;
                }
                Entry::Vacant(e) => {
                    let v = map.next_value_seed(self)?;
                    e.insert(v);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// The JSON type of a value, as an English noun phrase.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
        serde_json::from_slice::<StrictValue>(bytes).map(|StrictValue(v)| v)
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        assert!(from_slice(br#"{"a": {"b": [{"c": 1}]}}"#).is_ok());
        let e = from_slice(br#"{"a": {"b": [{"c": 1, "c": 2}]}}"#).unwrap_err();
        assert_eq!(e.to_string(), "duplicate field `c` at line 1 column 25");
    }

    #[test]
    fn events_record_the_first_repeated_key() {
        let e: Event =
            serde_json::from_slice(br#"{"a": [{"x": 1, "x": 2}], "b": 1, "b": 3}"#).unwrap();
        assert_eq!(e.duplicate.as_deref(), Some("x"));
        assert_eq!(e.value, serde_json::json!({"a": [{"x": 1}], "b": 1}));
        let e: Event = serde_json::from_slice(br#"{"a": 1}"#).unwrap();
        assert_eq!(e.duplicate, None);
    }

    #[test]
    fn numbers_and_strings_survive() {
        let v = from_slice(br#"[1, -2, 3.5, 18446744073709551615, "\u00e9", null, true]"#).unwrap();
        assert_eq!(
            v,
            serde_json::json!([1, -2, 3.5, 18_446_744_073_709_551_615_u64, "é", null, true])
        );
    }
}
