//! Loading the `groups` and `roles` sections (filters, additions, preferred
//! role, ARN checks).

use serde_json::{Map, Value};

use super::reader::{Reader, join};
use crate::json::type_name;
use crate::model::source::Source;
use crate::model::transform::Ty;
use crate::model::{FilterMode, GROUP_FIELDS, GroupFilter, ROLE_FIELDS, RoleFilter, is_role_arn};

impl Reader {
    /// Reads `keep` or `remove` (at most one) of a section.
    fn filter(&mut self, obj: &Map<String, Value>, path: &str) -> (FilterMode, Vec<String>) {
        let (mode, key) = match (obj.contains_key("keep"), obj.contains_key("remove")) {
            (true, false) => (FilterMode::Keep, "keep"),
            (false, true) => (FilterMode::Remove, "remove"),
            (false, false) => return (FilterMode::Remove, Vec::new()),
            (true, true) => {
                self.err(path, "give at most one of \"keep\" and \"remove\"");
                return (FilterMode::Remove, Vec::new());
            }
        };
        let patterns = self.strings(obj, path, key);
        self.check_patterns(&patterns, &join(path, key));
        (mode, patterns)
    }

    /// Reads the `"groups"` section.
    pub(super) fn group_filter(&mut self, v: &Value, path: &str) -> Option<GroupFilter> {
        let obj = self.object(v, path)?;
        self.known_fields(obj, path, GROUP_FIELDS);
        if !["keep", "remove", "add", "addFrom"]
            .iter()
            .any(|k| obj.contains_key(*k))
        {
            self.err(
                path,
                "changes nothing: give \"keep\" or \"remove\", and/or \"add\" or \"addFrom\"",
            );
            return None;
        }
        let (mode, patterns) = self.filter(obj, path);
        if mode == FilterMode::Keep && patterns.is_empty() && !obj.contains_key("add") {
            self.warn(
                &join(path, "keep"),
                "keeps no group: every user's cognito:groups will be empty",
            );
        }
        let add = self.strings(obj, path, "add");
        let add_from = match obj.get("addFrom") {
            None => None,
            Some(v) => {
                let p = join(path, "addFrom");
                let source = self.section_source(v, &p)?;
                if !matches!(source.ty, Ty::Str | Ty::Strings | Ty::List | Ty::Any) {
                    self.err(
                        &p,
                        format!(
                            "must give a group name or a list of them, but gives {}",
                            source.ty.name()
                        ),
                    );
                }
                Some(source)
            }
        };
        let when = self.condition(obj, path);
        Some(GroupFilter {
            mode,
            patterns,
            add,
            add_from,
            when,
        })
    }

    /// Reads the `"roles"` section.
    pub(super) fn role_filter(&mut self, v: &Value, path: &str) -> Option<RoleFilter> {
        let obj = self.object(v, path)?;
        self.known_fields(obj, path, ROLE_FIELDS);
        if !["keep", "remove", "add", "preferred"]
            .iter()
            .any(|k| obj.contains_key(*k))
        {
            self.err(
                path,
                "changes nothing: give \"keep\", \"remove\", \"add\" or \"preferred\"",
            );
            return None;
        }
        let (mode, patterns) = self.filter(obj, path);
        let key = if mode == FilterMode::Keep {
            "keep"
        } else {
            "remove"
        };
        for (i, p) in patterns.iter().enumerate() {
            let exact = p.strip_suffix('*').is_none();
            if !p.starts_with("arn:") || (exact && !is_role_arn(p)) {
                self.err(
                    &format!("{}[{i}]", join(path, key)),
                    "must be an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME), or a prefix of one ending in `*`",
                );
            }
        }
        let add = self.strings(obj, path, "add");
        for (i, a) in add.iter().enumerate() {
            if !is_role_arn(a) {
                self.err(
                    &format!("{}[{i}]", join(path, "add")),
                    "must be an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)",
                );
            }
        }
        let preferred = match obj.get("preferred") {
            None => None,
            Some(v) => {
                let p = join(path, "preferred");
                if let Value::String(arn) = v {
                    if !is_role_arn(arn) {
                        self.err(
                            &p,
                            "must be an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME) or a SOURCE object",
                        );
                    } else if !add.contains(arn)
                        && !patterns.is_empty()
                        && !mode.keeps(&patterns, arn)
                    {
                        self.warn(
                            &p,
                            format!("the preferred role is removed by \"{key}\": it will be dropped unless the user's roles include it after filtering"),
                        );
                    }
                    Some(Source::constant(v.clone()))
                } else {
                    let source = self.section_source(v, &p)?;
                    if !matches!(source.ty, Ty::Str | Ty::Any) {
                        self.err(
                            &p,
                            format!("must give a role ARN, but gives {}", source.ty.name()),
                        );
                    }
                    Some(source)
                }
            }
        };
        let when = self.condition(obj, path);
        Some(RoleFilter {
            mode,
            patterns,
            add,
            preferred,
            when,
        })
    }

    fn section_source(&mut self, v: &Value, path: &str) -> Option<Source> {
        let Value::Object(m) = v else {
            self.err(
                path,
                format!("must be a SOURCE object, not {}", type_name(v)),
            );
            return None;
        };
        let known: Vec<&str> = crate::model::SOURCE_KEYS
            .iter()
            .chain(crate::model::SOURCE_OPTIONS)
            .copied()
            .collect();
        self.known_fields(m, path, &known);
        self.source(m, path)
    }
}
