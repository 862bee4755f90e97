//! Loading the `groups` and `roles` sections (filters, additions, preferred
//! role, ARN checks).

use serde_json::{Map, Value};

use super::reader::{Reader, join};
use crate::json::type_name;
use crate::model::groups::ADD_FROM_FIELDS;
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
        for (i, a) in add.iter().enumerate() {
            if !mode.keeps(&patterns, a) {
                let key = if mode == FilterMode::Keep {
                    "keep"
                } else {
                    "remove"
                };
                self.warn(
                    &format!("{}[{i}]", join(path, "add")),
                    format!("`{a}` is removed by \"{key}\" (filters apply after additions): it will never appear"),
                );
            }
        }
        let (add_from, allow) = match obj.get("addFrom") {
            None => (None, Vec::new()),
            Some(v) => {
                let p = join(path, "addFrom");
                let (source, allow) = self.add_from(v, &p)?;
                (Some(source), allow)
            }
        };
        let when = self.condition(obj, path);
        Some(GroupFilter {
            mode,
            patterns,
            add,
            add_from,
            allow,
            when,
        })
    }

    /// Reads `groups.addFrom`: a SOURCE and the `allow` list of the groups
    /// it may add, which is required: without it, whoever can write the
    /// source's attribute could join any group.
    fn add_from(&mut self, v: &Value, path: &str) -> Option<(Source, Vec<String>)> {
        let Value::Object(m) = v else {
            self.err(
                path,
                format!("must be a SOURCE object, not {}", type_name(v)),
            );
            return None;
        };
        let allow = if m.contains_key("allow") {
            let allow = self.strings(m, path, "allow");
            self.check_patterns(&allow, &join(path, "allow"));
            if allow.is_empty() {
                self.err(
                    &join(path, "allow"),
                    "lists no group: give the groups addFrom may add (names, or prefixes ending in `*`)",
                );
            }
            allow
        } else {
            self.err(
                path,
                "give \"allow\": the groups it may add (names, or prefixes ending in `*`), e.g. \"allow\": [\"app-*\"]; without it a user who can change the source could add themselves to any group",
            );
            Vec::new()
        };
        let mut source = m.clone();
        source.remove("allow");
        let source = self.section_source_with(&Value::Object(source), path, ADD_FROM_FIELDS)?;
        if !matches!(source.ty, Ty::Str | Ty::Strings | Ty::List | Ty::Any) {
            self.err(
                path,
                format!(
                    "must give a group name or a list of them, but gives {}",
                    source.ty.name()
                ),
            );
        }
        Some((source, allow))
    }

    /// Reads `roles.fromGroups`: an object from group name to role ARN.
    fn group_roles(&mut self, obj: &Map<String, Value>, path: &str) -> Vec<(String, String)> {
        let Some(v) = obj.get("fromGroups") else {
            return Vec::new();
        };
        let p = join(path, "fromGroups");
        let Some(m) = self.object(v, &p) else {
            return Vec::new();
        };
        if m.is_empty() {
            self.err(&p, "names no group: give {\"GROUP\": \"ROLE_ARN\", ...}");
        }
        let mut out = Vec::with_capacity(m.len());
        for (group, role) in m {
            let at = join(&p, group);
            match role {
                Value::String(arn) if is_role_arn(arn) && !group.trim().is_empty() => {
                    out.push((group.clone(), arn.clone()));
                }
                Value::String(_) if group.trim().is_empty() => {
                    self.err(&at, "a group name cannot be empty");
                }
                _ => self.err(
                    &at,
                    "must be an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)",
                ),
            }
        }
        out
    }

    /// Reads the `"roles"` section.
    pub(super) fn role_filter(&mut self, v: &Value, path: &str) -> Option<RoleFilter> {
        let obj = self.object(v, path)?;
        self.known_fields(obj, path, ROLE_FIELDS);
        if !["keep", "remove", "add", "preferred", "fromGroups"]
            .iter()
            .any(|k| obj.contains_key(*k))
        {
            self.err(
                path,
                "changes nothing: give \"keep\", \"remove\", \"add\", \"preferred\" or \"fromGroups\"",
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
        let from_groups = self.group_roles(obj, path);
        let when = self.condition(obj, path);
        Some(RoleFilter {
            mode,
            patterns,
            add,
            preferred,
            from_groups,
            when,
        })
    }

    fn section_source(&mut self, v: &Value, path: &str) -> Option<Source> {
        self.section_source_with(v, path, &[])
    }

    /// A SOURCE object that may also have the section's own `extra` fields.
    fn section_source_with(&mut self, v: &Value, path: &str, extra: &[&str]) -> Option<Source> {
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
            .chain(extra)
            .copied()
            .collect();
        self.known_fields(m, path, &known);
        self.source(m, path)
    }
}
