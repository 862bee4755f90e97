//! Loading `copyAttributes`.

use serde_json::Value;

use super::reader::{Reader, join};
use crate::model::{COPY_FIELDS, CopyRule, Rename};

impl Reader {
    /// Reads one `copyAttributes` rule.
    pub(super) fn copy_rule(&mut self, v: &Value, path: &str) -> Option<CopyRule> {
        let obj = self.object(v, path)?;
        self.known_fields(obj, path, COPY_FIELDS);
        let Some(pattern) = self.opt_string(obj, path, "match") else {
            if !obj.contains_key("match") {
                self.err(
                    path,
                    "missing field `match`: the attributes to copy, as \"custom:*\"",
                );
            }
            return None;
        };
        let match_path = join(path, "match");
        if pattern.trim().is_empty() {
            self.err(&match_path, "cannot be empty");
            return None;
        }
        if pattern.trim_end_matches('*').contains('*') {
            self.err(&match_path, "`*` may only end a pattern");
        }
        let rename = match self.opt_string(obj, path, "rename").as_deref() {
            None | Some("keep") => Rename::Keep,
            Some("stripPrefix") => Rename::StripPrefix,
            Some(_) => {
                self.err(
                    &join(path, "rename"),
                    "must be \"keep\" (the default) or \"stripPrefix\"",
                );
                Rename::Keep
            }
        };
        if rename == Rename::StripPrefix && !pattern.ends_with('*') {
            self.err(
                &join(path, "rename"),
                "\"stripPrefix\" needs a pattern ending in `*`: stripping a whole name would leave no claim name",
            );
        }
        if pattern == "*" && rename == Rename::Keep {
            self.warn(
                &match_path,
                "copies every attribute: personal attributes the policy does not suppress will reach the tokens",
            );
        }
        let tokens = self.tokens(obj, path);
        let when = self.condition(obj, path);
        Some(CopyRule {
            pattern,
            rename,
            tokens,
            when,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventView;
    use crate::model::Tokens;
    use crate::model::condition::Condition;
    use serde_json::json;

    #[test]
    fn copies_and_renames() {
        let e = json!({"request": {"userAttributes": {"email": "e", "custom:a": "1", "custom:b": "2"}}});
        let view = EventView::parse(e.as_object().unwrap()).unwrap();
        let rule = CopyRule {
            pattern: "custom:*".into(),
            rename: Rename::StripPrefix,
            tokens: Tokens::BOTH,
            when: Condition::default(),
        };
        assert_eq!(
            rule.copies(&view).collect::<Vec<_>>(),
            [("a", "1"), ("b", "2")]
        );
        let keep = CopyRule {
            rename: Rename::Keep,
            ..rule
        };
        assert_eq!(
            keep.copies(&view).collect::<Vec<_>>(),
            [("custom:a", "1"), ("custom:b", "2")]
        );
    }
}
