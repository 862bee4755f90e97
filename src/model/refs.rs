//! The references a policy makes to what it reads: fields of the event
//! (`context.X`), paths into a lookup's result (`FIELD.SUB.0`), and the glob
//! patterns (`prefix*`) group and attribute names are matched with.
//!
//! Contract: plain data and pure functions; every other model file may use
//! these, and this file uses none of them.

use serde_json::Value;

/// A field of the event usable as a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextField {
    /// `callerContext.clientId`: the only value Cognito accepts for `aud`.
    ClientId,
    /// `userPoolId`.
    UserPoolId,
    /// `region`.
    Region,
    /// `triggerSource`.
    TriggerSource,
    /// `userName` (absent on client-credentials grants).
    UserName,
}

impl ContextField {
    /// Every field.
    pub const ALL: &[Self] = &[
        Self::ClientId,
        Self::UserPoolId,
        Self::Region,
        Self::TriggerSource,
        Self::UserName,
    ];

    /// The word a policy uses for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClientId => "clientId",
            Self::UserPoolId => "userPoolId",
            Self::Region => "region",
            Self::TriggerSource => "triggerSource",
            Self::UserName => "userName",
        }
    }

    /// The field a policy word names.
    pub fn from_name(word: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.name() == word)
    }
}

/// A dotted path into an item: `name.first`, `tenants.0.id`. Empty: the
/// whole item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<String>);

impl FieldPath {
    /// The path as written.
    pub fn text(&self) -> String {
        self.0.join(".")
    }

    /// The value at this path in `v`: object members by name, list items by
    /// index.
    pub fn read<'v>(&self, mut v: &'v Value) -> Option<&'v Value> {
        for seg in &self.0 {
            v = match v {
                Value::Object(m) => m.get(seg)?,
                Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(v)
    }
}

/// Whether `name` matches a pattern: exact, a prefix ending in `*`, or `*`.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_paths_read_members_and_items() {
        let item = json!({"name": {"first": "Ada"}, "tenants": [{"id": "t1"}, {"id": "t2"}]});
        let read = |p: &str| FieldPath::parse(p).unwrap().read(&item).cloned();
        assert_eq!(read("name.first"), Some(json!("Ada")));
        assert_eq!(read("tenants.1.id"), Some(json!("t2")));
        assert_eq!(read("tenants.7.id"), None);
        assert_eq!(read("name.first.x"), None);
        assert!(FieldPath::parse("a..b").is_err());
        assert!(FieldPath::parse("").is_err());
    }
}
