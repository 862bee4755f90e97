//! Groups and IAM roles: the `"groups"` and `"roles"` sections, and the
//! `groupOverrideDetails` they produce.
//!
//! Contract: the override is always built from the request's own groups,
//! roles and preferred role, then filtered (`keep` or `remove`) and extended
//! (`add`, `addFrom`, without duplicates: request order first, then added
//! order), and it is written only when it differs from the request: in
//! Cognito an empty or missing-member override removes the user's groups,
//! so one is never sent by accident. With a `roles` section in force, the
//! preferred role is always one of the resulting roles (or none). Machine
//! clients (client credentials) have no user, hence no override.

use serde_json::{Map, Value};

use super::condition::Condition;
use super::parse::{Reader, join};
use super::source::Source;
use super::transform::{Ty, matches_pattern};
use crate::error::RuleError;
use crate::event::{EventView, type_name};
use crate::response::GroupOverride;

/// How a filter uses its patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterMode {
    /// Keep only what matches.
    Keep,
    /// Remove what matches.
    Remove,
}

/// The `"groups"` section: what reaches `cognito:groups`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFilter {
    /// Keep only the matching groups, or remove them.
    pub mode: FilterMode,
    /// Group names; a trailing `*` matches any suffix (`Remove` with no
    /// pattern removes nothing).
    pub patterns: Vec<String>,
    /// Constant groups added.
    pub add: Vec<String>,
    /// Groups added from a source (a string or a list of strings).
    pub add_from: Option<Source>,
    /// When the section applies.
    pub when: Condition,
}

impl GroupFilter {
    /// Whether the filter lets `group` through.
    pub fn keeps(&self, group: &str) -> bool {
        self.mode.keeps(&self.patterns, group)
    }
}

impl FilterMode {
    /// Whether a filter in this mode with `patterns` lets `name` through.
    pub fn keeps(self, patterns: &[String], name: &str) -> bool {
        let matched = patterns.iter().any(|p| matches_pattern(p, name));
        matched == (self == Self::Keep)
    }
}

/// The `"roles"` section: `iamRolesToOverride` and `preferredRole`.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleFilter {
    /// Keep only the matching roles, or remove them.
    pub mode: FilterMode,
    /// Role ARNs; a trailing `*` matches any suffix.
    pub patterns: Vec<String>,
    /// Role ARNs added.
    pub add: Vec<String>,
    /// The preferred role: a constant ARN or a source.
    pub preferred: Option<Source>,
    /// When the section applies.
    pub when: Condition,
}

impl RoleFilter {
    /// Whether the filter lets `role` through.
    pub fn keeps(&self, role: &str) -> bool {
        self.mode.keeps(&self.patterns, role)
    }
}

/// The fields of the `"groups"` section.
pub const GROUP_FIELDS: &[&str] = &["keep", "remove", "add", "addFrom", "when"];
/// The fields of the `"roles"` section.
pub const ROLE_FIELDS: &[&str] = &["keep", "remove", "add", "preferred", "when"];

/// Whether `s` has the form of an IAM role ARN:
/// `arn:PARTITION:iam::ACCOUNT:role/NAME`.
pub fn is_role_arn(s: &str) -> bool {
    let mut parts = s.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    !partition.is_empty()
        && partition
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-')
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && resource
            .strip_prefix("role/")
            .is_some_and(|name| !name.is_empty() && !name.chars().any(char::is_whitespace))
}

/// The group override the policy asks for, if it changes anything. Machine
/// clients (client credentials) have no user, so no groups or roles: none is
/// written for them.
pub fn group_override(
    groups_rule: Option<&GroupFilter>,
    roles_rule: Option<&RoleFilter>,
    view: &EventView<'_>,
) -> Result<Option<GroupOverride>, RuleError> {
    if view.is_client_credentials() {
        return Ok(None);
    }
    let groups_rule = groups_rule.filter(|g| g.when.holds(view));
    let roles_rule = roles_rule.filter(|r| r.when.holds(view));
    if groups_rule.is_none() && roles_rule.is_none() {
        return Ok(None);
    }
    let request = &view.groups;
    let mut groups: Vec<String> = request.groups.iter().map(|g| (*g).to_owned()).collect();
    let mut roles: Vec<String> = request.roles.iter().map(|r| (*r).to_owned()).collect();
    let mut preferred = request.preferred_role.map(str::to_owned);
    if let Some(rule) = groups_rule {
        groups.retain(|g| rule.keeps(g));
        for g in &rule.add {
            push_unique(&mut groups, g);
        }
        if let Some(source) = &rule.add_from {
            match source.eval(view, "groups.addFrom")? {
                Some(Value::String(s)) => push_unique(&mut groups, &s),
                Some(Value::Array(items)) => {
                    for s in items.iter().filter_map(Value::as_str) {
                        push_unique(&mut groups, s);
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(rule) = roles_rule {
        roles.retain(|r| rule.keeps(r));
        for r in &rule.add {
            push_unique(&mut roles, r);
        }
        if let Some(source) = &rule.preferred {
            if let Some(Value::String(s)) = source.eval(view, "roles.preferred")? {
                if is_role_arn(&s) {
                    preferred = Some(s);
                }
            }
        }
        if preferred.as_ref().is_some_and(|p| !roles.contains(p)) {
            preferred = None;
        }
    }
    let changed = groups.len() != request.groups.len()
        || groups.iter().zip(&request.groups).any(|(a, b)| a != b)
        || roles.len() != request.roles.len()
        || roles.iter().zip(&request.roles).any(|(a, b)| a != b)
        || preferred.as_deref() != request.preferred_role;
    Ok(changed.then_some(GroupOverride {
        groups_to_override: groups,
        iam_roles_to_override: roles,
        preferred_role: preferred,
    }))
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !item.trim().is_empty() && !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}

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
        let known: Vec<&str> = super::source::SOURCE_KEYS
            .iter()
            .chain(super::source::SOURCE_OPTIONS)
            .copied()
            .collect();
        self.known_fields(m, path, &known);
        self.source(m, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/Admin"));
        assert!(is_role_arn(
            "arn:aws-us-gov:iam::123456789012:role/path/Admin"
        ));
        assert!(!is_role_arn("arn:aws:iam::12345678901:role/Admin"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/Admin"));
        assert!(!is_role_arn("arn:aws:s3:::bucket"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:role/"));
    }

    #[test]
    fn group_filter_patterns() {
        let f = GroupFilter {
            mode: FilterMode::Keep,
            patterns: vec!["app-*".into(), "admins".into()],
            add: Vec::new(),
            add_from: None,
            when: Condition::default(),
        };
        assert!(f.keeps("app-reader"));
        assert!(f.keeps("admins"));
        assert!(!f.keeps("admins2"));
        let r = GroupFilter {
            mode: FilterMode::Remove,
            ..f
        };
        assert!(!r.keeps("app-reader"));
        assert!(r.keeps("staff"));
    }
}
