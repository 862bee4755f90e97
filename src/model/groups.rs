//! Groups and IAM roles as data: the `"groups"` and `"roles"` sections, and the
//! `groupOverrideDetails` they produce.
//!
//! Contract: the override is always built from the request's own groups,
//! roles and preferred role, then extended (`add`, and `addFrom` values that
//! match its `allow` list, without duplicates: request order first, then
//! added order), then filtered (`keep` or `remove`, applied last so a group
//! the policy removes never appears, whatever its source), and it is written
//! only when it differs from the request: in Cognito an empty or
//! missing-member override removes the user's groups, so one is never sent
//! by accident. Roles never outlive their group: with `roles.fromGroups` the
//! roles and preferred role are recomputed from the groups that remain;
//! without a `roles` section, a run that removed one of the user's groups
//! clears the roles and preferred role. With a `roles` section in force, the
//! preferred role is always one of the resulting roles (or none). Machine
//! clients (client credentials) have no user, hence no override.

use super::condition::Condition;
use super::refs::glob_matches;
use super::source::Source;

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
    /// The groups `add_from` may add (patterns; a value matching none is
    /// refused). Never empty when `add_from` is set.
    pub allow: Vec<String>,
    /// When the section applies.
    pub when: Condition,
}

impl GroupFilter {
    /// Whether the filter lets `group` through.
    pub fn keeps(&self, group: &str) -> bool {
        self.mode.keeps(&self.patterns, group)
    }

    /// Whether `addFrom` may add `group`.
    pub fn allows(&self, group: &str) -> bool {
        self.allow.iter().any(|p| glob_matches(p, group))
    }

    /// Whether the section can take a group away from a user (it filters).
    pub fn filters(&self) -> bool {
        self.mode == FilterMode::Keep || !self.patterns.is_empty()
    }
}

impl FilterMode {
    /// Whether a filter in this mode with `patterns` lets `name` through.
    pub fn keeps(self, patterns: &[String], name: &str) -> bool {
        let matched = patterns.iter().any(|p| glob_matches(p, name));
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
    /// Each group's role (`fromGroups`): when set, the roles and preferred
    /// role are recomputed from the groups that remain, in group order,
    /// instead of taken from the request.
    pub from_groups: Vec<(String, String)>,
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

/// The fields of `groups.addFrom` besides its SOURCE.
pub const ADD_FROM_FIELDS: &[&str] = &["allow"];

/// The fields of the `"roles"` section.
pub const ROLE_FIELDS: &[&str] = &["keep", "remove", "add", "preferred", "fromGroups", "when"];

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
            allow: Vec::new(),
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
