//! The `groupOverrideDetails` a policy's `groups` and `roles` produce for
//! one event, and the attributes `copyAttributes` copies.
//!
//! Contract: the override is always built from the request's own groups,
//! roles and preferred role, and written only when it differs from the
//! request, so the user's groups are never wiped by accident.

use serde_json::Value;

use super::facts::Facts;
use crate::error::RuleError;
use crate::event::EventView;
use crate::model::refs::glob_matches;
use crate::model::{CopyRule, GroupFilter, Rename, RoleFilter, is_role_arn};
use crate::response::GroupOverride;

/// What the groups and roles sections did beyond the override, for the log
/// (counts only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupCounts {
    /// `addFrom` values that matched no `allow` entry.
    pub refused: usize,
    /// Whether the roles and preferred role were cleared because a group was
    /// removed and the policy has no `roles` section.
    pub roles_cleared: bool,
}

/// The group override the policy asks for, if it changes anything. Machine
/// clients (client credentials) have no user, so no groups or roles: none is
/// written for them. Additions come first and the filter last, so a group
/// the policy removes never appears; a role never outlives its group
/// (`fromGroups` recomputes them; without a `roles` section they are
/// cleared once a group is removed).
pub fn group_override(
    groups_rule: Option<&GroupFilter>,
    roles_rule: Option<&RoleFilter>,
    view: &Facts<'_, '_>,
    counts: &mut GroupCounts,
) -> Result<Option<GroupOverride>, RuleError> {
    if view.is_client_credentials() {
        return Ok(None);
    }
    let has_roles_section = roles_rule.is_some();
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
        for g in &rule.add {
            push_unique(&mut groups, g);
        }
        if let Some(source) = &rule.add_from {
            let mut add = |s: &str| {
                if rule.allows(s) {
                    push_unique(&mut groups, s);
                } else if !s.trim().is_empty() {
                    counts.refused += 1;
                }
            };
            match source.eval(view, "groups.addFrom")? {
                Some(Value::String(s)) => add(&s),
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).for_each(add),
                _ => {}
            }
        }
        groups.retain(|g| rule.keeps(g));
        let lost_one = request
            .groups
            .iter()
            .any(|g| !groups.iter().any(|x| x == g));
        if lost_one && !has_roles_section && (!roles.is_empty() || preferred.is_some()) {
            roles.clear();
            preferred = None;
            counts.roles_cleared = true;
        }
    }
    if let Some(rule) = roles_rule {
        let recomputed = !rule.from_groups.is_empty();
        if recomputed {
            roles.clear();
            for g in &groups {
                if let Some((_, role)) = rule.from_groups.iter().find(|(name, _)| name == g) {
                    push_unique(&mut roles, role);
                }
            }
        }
        roles.retain(|r| rule.keeps(r));
        if recomputed {
            // The role of the first remaining group, in the event's order.
            preferred = roles.first().cloned();
        }
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

impl CopyRule {
    /// The (claim name, value) pairs this rule copies from the event, in
    /// event order.
    pub fn copies<'e>(&self, view: &EventView<'e>) -> impl Iterator<Item = (&'e str, &'e str)> {
        let prefix_len = match self.rename {
            Rename::Keep => 0,
            Rename::StripPrefix => self.pattern.trim_end_matches('*').len(),
        };
        view.user_attributes
            .iter()
            .filter(move |(name, _)| glob_matches(&self.pattern, name))
            .map(move |(name, value)| (&name[prefix_len..], *value))
    }
}
