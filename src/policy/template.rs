//! String templates: `"tenant_{custom:tenantId}#{context.clientId}"`.
//!
//! Contract: a template is parsed once when the policy loads; `{NAME}` is a
//! user attribute, `{context.FIELD}` an event field, `{clientMetadata.KEY}` a
//! client-metadata entry, `{lookups.NAME.FIELD}` a field of a lookup's result
//! (`lookup.rs`), `{env.NAME}` an environment variable (only in a lookup's
//! table name and region), `{{` and `}}` literal braces. Rendering gives
//! `None` when any placeholder has no value: a missing value is never
//! interpolated as empty or "undefined" text. An empty attribute value is a
//! value (the empty string).

use super::lookup::FieldPath;
use super::source::ContextField;
use crate::event::EventView;

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The template as written (policy text, safe to log).
    pub text: String,
    /// Literal text and placeholders, in order.
    pub parts: Vec<Part>,
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text (braces already unescaped).
    Text(String),
    /// `{NAME}`: a user attribute.
    Attribute(String),
    /// `{context.FIELD}`: a field of the event.
    Context(ContextField),
    /// `{clientMetadata.KEY}`: an entry the calling app sent.
    ClientMetadata(String),
    /// `{lookups.NAME.FIELD}`: a field of a lookup's result (strings,
    /// numbers and booleans render as text; anything else has no value).
    Lookup {
        /// The lookup's index in its policy (set when the policy loads).
        lookup: usize,
        /// Its name.
        name: String,
        /// The field (empty: the whole result).
        field: FieldPath,
    },
    /// `{env.NAME}`: an environment variable, read when the function starts
    /// (lookup tables and regions only).
    Env(String),
}

impl Template {
    /// Parses template text; the error says what is wrong, without the text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '}' => return Err("a lone `}`: write `}}` for a literal brace".into()),
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') => {
                                return Err("a `{` inside a placeholder: placeholders do not nest; write `{{` for a literal brace".into());
                            }
                            Some(ch) => name.push(ch),
                            None => {
                                return Err(
                                    "a `{` without its `}`: write `{{` for a literal brace".into(),
                                );
                            }
                        }
                    }
                    if !lit.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut lit)));
                    }
                    parts.push(placeholder(&name)?);
                }
                other => lit.push(other),
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Text(lit));
        }
        Ok(Self {
            text: text.to_owned(),
            parts,
        })
    }

    /// The text, when the template has no placeholder.
    pub fn as_constant(&self) -> Option<String> {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Whether a placeholder reads client metadata.
    pub fn reads_client_metadata(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::ClientMetadata(_)))
    }

    /// The rendered text, or `None` when a placeholder has no value.
    pub fn render(&self, view: &EventView<'_>) -> Option<String> {
        if let [Part::Text(t)] = self.parts.as_slice() {
            return Some(t.clone());
        }
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Attribute(name) => out.push_str(view.attribute(name)?),
                Part::Context(field) => out.push_str(field.read(view)?),
                Part::ClientMetadata(key) => out.push_str(view.client_metadata(key)?),
                Part::Lookup { lookup, field, .. } => match view.lookup_field(*lookup, field)? {
                    serde_json::Value::String(s) => out.push_str(&s),
                    v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)) => {
                        out.push_str(&v.to_string());
                    }
                    _ => return None,
                },
                Part::Env(_) => return None,
            }
        }
        Some(out)
    }
}

fn placeholder(name: &str) -> Result<Part, String> {
    let name_ok = |s: &str| !s.trim().is_empty() && s.trim() == s;
    if !name_ok(name) {
        return Err("an empty placeholder `{}` (or one with spaces around its name)".into());
    }
    if let Some(field) = name.strip_prefix("context.") {
        return ContextField::from_name(field)
            .map(Part::Context)
            .ok_or_else(|| {
                format!(
                    "unknown placeholder `{{context.{field}}}`; expected one of {}",
                    ContextField::ALL
                        .iter()
                        .map(|f| format!("`{{context.{}}}`", f.name()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
    }
    if let Some(key) = name.strip_prefix("clientMetadata.") {
        return if name_ok(key) {
            Ok(Part::ClientMetadata(key.to_owned()))
        } else {
            Err("`{clientMetadata.}` names no key".into())
        };
    }
    if let Some(rest) = name.strip_prefix("lookups.") {
        let (lookup, field) = rest.split_once('.').unwrap_or((rest, ""));
        if lookup.is_empty() {
            return Err("`{lookups.}` names no lookup: write `{lookups.NAME.FIELD}`".into());
        }
        let field = if field.is_empty() {
            FieldPath::default()
        } else {
            FieldPath::parse(field).map_err(|e| format!("placeholder `{{{name}}}`: field {e}"))?
        };
        return Ok(Part::Lookup {
            lookup: usize::MAX,
            name: lookup.to_owned(),
            field,
        });
    }
    if let Some(var) = name.strip_prefix("env.") {
        return if name_ok(var) {
            Ok(Part::Env(var.to_owned()))
        } else {
            Err("`{env.}` names no variable".into())
        };
    }
    Ok(Part::Attribute(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view_of(event: &serde_json::Value) -> EventView<'_> {
        EventView::parse(event.as_object().unwrap()).unwrap()
    }

    #[test]
    fn renders_attributes_context_and_metadata() {
        let e = json!({
            "callerContext": {"clientId": "web"},
            "request": {"userAttributes": {"custom:t": "acme", "empty": ""}, "clientMetadata": {"k": "v"}}
        });
        let view = view_of(&e);
        let t = Template::parse("tenant_{custom:t}#{context.clientId}/{clientMetadata.k}{{x}}")
            .unwrap();
        assert_eq!(t.render(&view).as_deref(), Some("tenant_acme#web/v{x}"));
        assert_eq!(
            Template::parse("[{empty}]")
                .unwrap()
                .render(&view)
                .as_deref(),
            Some("[]")
        );
        assert_eq!(Template::parse("a{missing}b").unwrap().render(&view), None);
        assert_eq!(
            Template::parse("{context.region}").unwrap().render(&view),
            None
        );
        assert_eq!(
            Template::parse("x}}").unwrap().as_constant().as_deref(),
            Some("x}")
        );
    }

    #[test]
    fn refuses_malformed_templates() {
        for bad in [
            "{",
            "a}",
            "{}",
            "{ x}",
            "{a{b}}",
            "{context.foo}",
            "{clientMetadata.}",
            "{lookups.}",
            "{lookups.p..x}",
            "{env.}",
        ] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }
}
