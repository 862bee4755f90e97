//! Strict JSON: a value whose objects may not repeat a key.
//!
//! Contract: `serde_json::Value` silently keeps the last of two equal keys,
//! so `{"email": "a", "email": "b"}` would be read differently by different
//! parsers. Events and policies are read with [`StrictValue`], which refuses
//! them with the parser's position ("duplicate field `email` at line 1
//! column 30"), in one pass, within the parser's nesting limit.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};

/// Parses JSON text, refusing duplicate object keys.
pub fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice::<StrictValue>(bytes).map(|StrictValue(v)| v)
}

/// A JSON value that refuses duplicate object keys (which `serde_json::Value`
/// would silently resolve to the last one).
pub struct StrictValue(pub Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
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
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match out.entry(key) {
                Entry::Occupied(e) => {
                    return Err(de::Error::custom(format!("duplicate field `{}`", e.key())));
                }
                Entry::Vacant(e) => {
                    let StrictValue(v) = map.next_value()?;
                    e.insert(v);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        assert!(from_slice(br#"{"a": {"b": [{"c": 1}]}}"#).is_ok());
        let e = from_slice(br#"{"a": {"b": [{"c": 1, "c": 2}]}}"#).unwrap_err();
        assert_eq!(e.to_string(), "duplicate field `c` at line 1 column 25");
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
