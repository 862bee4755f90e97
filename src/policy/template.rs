//! String templates: `"tenant_{custom:tenantId}#{context.clientId}"`.
//!
//! Contract: a template is parsed once when the policy loads; `{NAME}` is a
//! user attribute, `{context.FIELD}` an event field, `{clientMetadata.KEY}` a
//! client-metadata entry, `{{` and `}}` literal braces. Rendering gives
//! `None` when any placeholder has no value: a missing value is never
//! interpolated as empty or "undefined" text. An empty attribute value is a
//! value (the empty string).

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
    for reserved in ["lookups.", "env."] {
        if name.starts_with(reserved) {
            return Err(format!(
                "placeholder `{{{name}}}`: `{reserved}` placeholders are not part of the policy language yet"
            ));
        }
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
            "{lookups.p.x}",
        ] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }
}
