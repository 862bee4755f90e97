//! Parsing string templates (`{NAME}`, `{context.X}`, `{clientMetadata.K}`,
//! `{lookups.NAME.FIELD}`, `{env.NAME}`, `{{ }}`), once, when the policy
//! loads.

use super::reader::Reader;
use crate::model::refs::ContextField;
use crate::model::refs::FieldPath;
use crate::model::template::{Part, Template};

impl Reader {
    /// A template, or a problem at `path`.
    pub(super) fn template(&mut self, text: &str, path: &str) -> Option<Template> {
        match Template::parse(text) {
            Ok(mut t) => {
                if t.reads_client_metadata() {
                    self.client_metadata_warning(path);
                }
                for part in &mut t.parts {
                    match part {
                        Part::Env(_) => {
                            self.err(path, "`{env.NAME}` placeholders are read only in a lookup's table name and region");
                            return None;
                        }
                        Part::Lookup {
                            lookup,
                            name,
                            field,
                        } => {
                            let field = (!field.0.is_empty()).then(|| field.text());
                            *lookup = self.lookup_ref(name, field.as_deref(), path)?.0;
                        }
                        _ => {}
                    }
                }
                Some(t)
            }
            Err(reason) => {
                self.err(path, reason);
                None
            }
        }
    }
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
    use crate::eval::Facts;
    use crate::event::EventView;
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
        assert_eq!(
            t.render(&Facts::event(&view)).as_deref(),
            Some("tenant_acme#web/v{x}")
        );
        assert_eq!(
            Template::parse("[{empty}]")
                .unwrap()
                .render(&Facts::event(&view))
                .as_deref(),
            Some("[]")
        );
        assert_eq!(
            Template::parse("a{missing}b")
                .unwrap()
                .render(&Facts::event(&view)),
            None
        );
        assert_eq!(
            Template::parse("{context.region}")
                .unwrap()
                .render(&Facts::event(&view)),
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
