//! The top level of a policy and the rule kinds that tie the forms together
//! (`deny`, `suppress`, `claims`, `scopes`), and the checks across rules.
//!
//! Contract: unknown fields and duplicate keys are problems: a typo must
//! never silently weaken a policy. Each form's file (`source.rs`,
//! `transform.rs`, `condition.rs`, `groups.rs`, `copy.rs`, `lookup.rs`)
//! reads its own forms through [`Reader`].

use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::reader::{Common, Reader, closest, join, problem};
use crate::error::Problem;
use crate::json::{StrictValue, type_name};
use crate::model::lookup::IfUnavailable;
use crate::model::refs::ContextField;
use crate::model::source::{SOURCE_KEYS, SOURCE_OPTIONS, Source, SourceKind};
use crate::model::template::Template;
use crate::model::{
    ClaimRule, DenyRule, GroupFilter, IfMissing, IfUnknown, Policy, ScopeRule, SuppressRule,
};
use crate::reserved::{self, SIMPLE_ONLY_ID_CLAIMS, STANDARD_PII};

/// The top-level fields of a policy (`$schema` is for editors, and ignored).
pub const FIELDS: &[&str] = &[
    "$schema",
    "description",
    "lookups",
    "deny",
    "suppress",
    "claims",
    "copyAttributes",
    "scopes",
    "groups",
    "roles",
];

/// The fields of a suppress rule.
pub const SUPPRESS_FIELDS: &[&str] = &["claims", "preset", "tokens", "when"];

/// The fields of a claim rule besides its SOURCE's keys and options.
pub const CLAIM_RULE_FIELDS: &[&str] =
    &["claim", "ifMissing", "default", "tokens", "when", "trust"];

/// Every field of a claim rule: `claim`, the SOURCE's keys and options (the
/// model's one list of them), then the rule's own.
pub static CLAIM_FIELDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let (name, own) = CLAIM_RULE_FIELDS.split_at(1);
    name.iter()
        .chain(SOURCE_KEYS)
        .chain(SOURCE_OPTIONS)
        .chain(own)
        .copied()
        .collect()
});

/// The fields of a scope rule.
pub const SCOPE_FIELDS: &[&str] = &["add", "suppress", "when"];

/// The fields of a deny rule.
pub const DENY_FIELDS: &[&str] = &["when", "message", "ifUnknown"];

const PRESETS: &[&str] = &["standard-pii"];

const COGNITO_API_SCOPE: &str = "aws.cognito.signin.user.admin";

/// The most regular expressions one policy document may hold: each is run
/// at every sign-in it applies to, inside Cognito's 5-second limit.
pub const MAX_REGEXES: usize = 64;

/// The longest deny message: Cognito shows it on the sign-in page.
pub const MAX_DENY_MESSAGE: usize = 200;

/// Parses `text`; on failure, every problem found.
pub(super) fn parse(text: &str) -> Result<Policy, Vec<Problem>> {
    let root = match serde_json::from_str::<StrictValue>(text) {
        Ok(StrictValue(Value::Object(root))) => root,
        Ok(StrictValue(other)) => {
            return Err(vec![problem(
                "",
                format!("a policy must be a JSON object, not {}", type_name(&other)),
            )]);
        }
        Err(e) if e.is_data() => return Err(vec![problem("", e.to_string())]),
        Err(e) => return Err(vec![problem("", format!("not valid JSON: {e}"))]),
    };
    let mut cx = Reader::default();
    let policy = if super::routing::is_routing(&root) {
        cx.routing(&root)
    } else {
        cx.policy_at(&root, "")
    };
    if cx.regexes > MAX_REGEXES {
        cx.err(
            "",
            format!(
                "the policy has {} regular expressions; at most {MAX_REGEXES} (each runs at every sign-in it applies to): merge alternatives into one (`a|b`) or use equals/in/startsWith",
                cx.regexes
            ),
        );
    }
    // Common rules are checked with each route: say each problem once.
    let mut seen = std::collections::HashSet::new();
    cx.problems.retain(|p| seen.insert(p.to_string()));
    let mut seen = std::collections::HashSet::new();
    cx.warnings.retain(|p| seen.insert(p.to_string()));
    if cx.problems.is_empty() {
        let mut policy = policy;
        policy.warnings = cx.warnings;
        Ok(policy)
    } else {
        Err(cx.problems)
    }
}

/// The fields `"common"` may have: a policy's rules, without lookups (each
/// route declares its own, and a common rule cannot read them).
pub const COMMON_FIELDS: &[&str] = &[
    "deny",
    "suppress",
    "claims",
    "copyAttributes",
    "scopes",
    "groups",
    "roles",
];

impl Reader {
    /// Reads a routing document's `"common"`.
    pub(super) fn common(&mut self, v: &Value) -> Common {
        let Some(root) = self.object(v, "common") else {
            return Common::default();
        };
        self.known_fields(root, "common", COMMON_FIELDS);
        self.declared.clear();
        Common {
            deny: self.list(root, "common", "deny", Reader::deny_rule),
            suppress: self.list(root, "common", "suppress", Reader::suppress_rule),
            claims: self.list(root, "common", "claims", Reader::claim_rule),
            copy_attributes: self.list(root, "common", "copyAttributes", Reader::copy_rule),
            scopes: self.list(root, "common", "scopes", Reader::scope_rule),
            groups: root
                .get("groups")
                .and_then(|v| self.group_filter(v, "common.groups")),
            roles: root
                .get("roles")
                .and_then(|v| self.role_filter(v, "common.roles")),
        }
    }

    /// Reads one policy whose fields are at `prefix` (empty at the top of a
    /// file; `pools.ID.default` in a routing document). Problems go to the
    /// reader; the policy is only used if there are none.
    pub(super) fn policy_at(&mut self, root: &Map<String, Value>, prefix: &str) -> Policy {
        self.policy_with(root, prefix, None)
    }

    /// [`Reader::policy_at`], the routing document's `common` rules first.
    pub(super) fn policy_with(
        &mut self,
        root: &Map<String, Value>,
        prefix: &str,
        common: Option<&Common>,
    ) -> Policy {
        self.known_fields(root, prefix, FIELDS);
        let description = self.opt_string(root, prefix, "description");
        let lookups = self.lookups(root, prefix);
        let c = common.cloned().unwrap_or_default();
        let deny = own(c.deny, self.list(root, prefix, "deny", Reader::deny_rule));
        let suppress = own(
            c.suppress,
            self.list(root, prefix, "suppress", Reader::suppress_rule),
        );
        let claims = own(
            c.claims,
            self.list(root, prefix, "claims", Reader::claim_rule),
        );
        let copy_attributes = own(
            c.copy_attributes,
            self.list(root, prefix, "copyAttributes", Reader::copy_rule),
        );
        let scopes = own(
            c.scopes,
            self.list(root, prefix, "scopes", Reader::scope_rule),
        );
        let groups = self.section(root, prefix, "groups", c.groups, Reader::group_filter);
        let roles = self.section(root, prefix, "roles", c.roles, Reader::role_filter);
        if roles.is_none() && groups.as_ref().is_some_and(GroupFilter::filters) {
            self.warn(
                &join(prefix, "groups"),
                "removes groups but the policy has no \"roles\" section: a user's IAM roles do not say which group gave them, so a sign-in that loses a group gets no roles and no preferred role; give \"roles\": {\"fromGroups\": {\"GROUP\": \"ROLE_ARN\", ...}} to keep the roles of the groups that remain",
            );
        }
        self.cross_checks(&suppress, &claims, &scopes);
        self.deny_on_skipped_lookups(&deny, &lookups);
        self.unused_lookups(prefix);
        if deny.is_empty()
            && suppress.is_empty()
            && claims.is_empty()
            && copy_attributes.is_empty()
            && scopes.is_empty()
            && groups.is_none()
            && roles.is_none()
        {
            self.warn(
                prefix,
                "the policy has no rules: tokens are issued unchanged",
            );
        }
        let policy = Policy {
            description,
            lookups,
            deny: strip(deny),
            suppress: strip(suppress),
            claims: strip(claims),
            copy_attributes: strip(copy_attributes),
            scopes: strip(scopes),
            groups,
            roles,
            route: prefix.to_owned(),
            routes: None,
            warnings: Vec::new(),
        };
        self.unverified_email(&policy, prefix);
        policy
    }

    /// A condition that reads `email` without requiring `email_verified`
    /// equals `"true"` proves nothing: anyone can sign up with, or change to,
    /// an address they do not own.
    fn unverified_email(&mut self, policy: &Policy, prefix: &str) {
        for crate::model::walk::Placed { place, rule } in crate::model::walk::walk(policy) {
            let Some(when) = rule.when() else { continue };
            if reads_attribute(when, "email") && !requires_verified_email(when) {
                self.warn(
                    &join(&join(prefix, &place), "when"),
                    "reads email but not email_verified: an unverified address proves nothing (a user can sign up with, or change to, any address); require \"email_verified\": {\"equals\": \"true\"} in the same condition",
                );
            }
        }
    }
}

impl Reader {
    /// A section given at most once: the route's own (`read` at
    /// `prefix.key`), else the one inherited from `common`; both is an error.
    fn section<T>(
        &mut self,
        root: &Map<String, Value>,
        prefix: &str,
        key: &str,
        inherited: Option<T>,
        read: fn(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<T> {
        let path = join(prefix, key);
        match root.get(key) {
            None | Some(Value::Null) => inherited,
            Some(v) => {
                if inherited.is_some() {
                    self.err(
                        &path,
                        format!("\"{key}\" is also in \"common\": give it in one place"),
                    );
                }
                read(self, v, &path)
            }
        }
    }

    /// A deny rule that reads a lookup with `ifUnavailable: skip` and does
    /// not say `ifUnknown` now refuses whenever that lookup is down: warn.
    fn deny_on_skipped_lookups(
        &mut self,
        deny: &[(String, DenyRule)],
        lookups: &[crate::model::lookup::Lookup],
    ) {
        for (path, rule) in deny {
            let mut read = Vec::new();
            rule.when.lookups_read(&mut read);
            read.sort_unstable();
            read.dedup();
            for i in read {
                let Some(l) = lookups.get(i) else { continue };
                if l.if_unavailable == IfUnavailable::Skip && rule.if_unknown.is_none() {
                    self.warn(
                        path,
                        format!(
                            "reads lookup `{}`, whose \"ifUnavailable\" is \"skip\": when it is unavailable the condition cannot be decided, so this rule refuses sign-in; say \"ifUnknown\": \"deny\" to confirm, or \"allow\" to let sign-in go on",
                            l.name
                        ),
                    );
                }
            }
        }
    }
}

/// Whether a condition reads `attribute` anywhere.
fn reads_attribute(c: &crate::model::Condition, attribute: &str) -> bool {
    c.attributes.iter().any(|(n, _)| n == attribute)
        || c.all
            .iter()
            .chain(&c.any)
            .chain(c.not.as_deref())
            .any(|s| reads_attribute(s, attribute))
}

/// Whether a condition tests `email_verified` against `"true"` anywhere
/// (directly, or as the refused case of a deny rule's `not`).
fn requires_verified_email(c: &crate::model::Condition) -> bool {
    c.attributes.iter().any(|(n, p)| {
        n == "email_verified"
            && (p.equals == Some(crate::model::Expected::Text("true".into()))
                || p.one_of == [crate::model::Expected::Text("true".into())])
    }) || c
        .all
        .iter()
        .chain(&c.any)
        .chain(c.not.as_deref())
        .any(requires_verified_email)
}

/// `first` (the common rules), then `then` (the route's own).
fn own<T>(mut first: Vec<(String, T)>, then: Vec<(String, T)>) -> Vec<(String, T)> {
    first.extend(then);
    first
}

/// The rules without their paths.
fn strip<T>(rules: Vec<(String, T)>) -> Vec<T> {
    rules.into_iter().map(|(_, r)| r).collect()
}

impl Reader {
    fn suppress_rule(&mut self, v: &Value, path: &str) -> Option<SuppressRule> {
        let obj = self.object(v, path)?;
        self.known_fields(obj, path, SUPPRESS_FIELDS);
        let mut claims = self.strings(obj, path, "claims");
        if let Some(preset) = self.opt_string(obj, path, "preset") {
            if preset == "standard-pii" {
                for c in STANDARD_PII {
                    if !claims.iter().any(|x| x == c) {
                        claims.push((*c).to_owned());
                    }
                }
            } else {
                let hint = closest(&preset, PRESETS).unwrap_or(PRESETS[0]);
                self.err(
                    &join(path, "preset"),
                    format!("unknown preset `{preset}`; did you mean `{hint}`?"),
                );
            }
        }
        let listed_any = matches!(obj.get("claims"), Some(Value::Array(a)) if !a.is_empty());
        if claims.is_empty() && !listed_any && !obj.contains_key("preset") {
            self.err(path, "names no claim: give \"claims\", \"preset\" or both");
        }
        let tokens = self.tokens(obj, path);
        for (i, c) in claims.iter().enumerate() {
            for t in tokens.iter() {
                if let Err(reason) = reserved::check_suppress(c, t) {
                    let p = if i < obj
                        .get("claims")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len)
                    {
                        format!("{}[{i}]", join(path, "claims"))
                    } else {
                        join(path, "preset")
                    };
                    self.err(&p, reason);
                    break;
                }
            }
        }
        let when = self.condition(obj, path);
        Some(SuppressRule {
            claims,
            tokens,
            when,
        })
    }

    fn claim_rule(&mut self, v: &Value, path: &str) -> Option<ClaimRule> {
        let obj = self.object(v, path)?;
        self.known_fields(obj, path, &CLAIM_FIELDS);
        let claim_path = join(path, "claim");
        let claim = match obj.get("claim") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                self.err(
                    &claim_path,
                    format!("must be a string, not {}", type_name(other)),
                );
                return None;
            }
            None => {
                self.err(path, "missing field `claim`: the name of the claim to add");
                return None;
            }
        };
        let tokens = self.tokens(obj, path);
        let when = self.condition(obj, path);
        let source = self.source(obj, path)?;
        let if_missing = self.if_missing(obj, path, &source);

        for t in tokens.iter() {
            if let Err(reason) = reserved::check_add(&claim, t) {
                self.err(&claim_path, reason);
                break;
            }
        }
        let client_id = matches!(source.kind, SourceKind::Context(ContextField::ClientId))
            && source.transform.is_empty();
        if claim == "aud" && tokens.access && !client_id {
            self.err(
                path,
                "`aud` may be added to the access token only with the app client ID: use \"context\": \"clientId\"",
            );
        }
        if tokens.id && SIMPLE_ONLY_ID_CLAIMS.contains(&claim.as_str()) {
            let complex = source.ty.may_be_complex()
                || matches!(&if_missing, IfMissing::Default(v) if v.is_object() || v.is_array());
            if complex {
                self.err(
                    &claim_path,
                    format!("`{claim}` cannot take an object or array value in the ID token"),
                );
            }
        }
        let trust_user = match obj.get("trust") {
            None => false,
            Some(Value::String(s)) if s == "user" => true,
            Some(other) => {
                self.err(
                    &join(path, "trust"),
                    format!("must be \"user\" (the value is the user's own say), not {other}"),
                );
                false
            }
        };
        Some(ClaimRule {
            claim,
            source,
            if_missing,
            tokens,
            when,
            trust_user,
        })
    }

    fn if_missing(&mut self, obj: &Map<String, Value>, path: &str, source: &Source) -> IfMissing {
        let p = join(path, "ifMissing");
        let default = obj.get("default").cloned();
        let mode = self.opt_string(obj, path, "ifMissing");
        if source.is_constant() && (mode.is_some() || default.is_some()) {
            self.err(
                path,
                "a constant \"value\" is never missing: remove \"ifMissing\" and \"default\"",
            );
            return IfMissing::Skip;
        }
        match (mode.as_deref(), default) {
            (None | Some("skip"), None) => IfMissing::Skip,
            (Some("fail"), None) => IfMissing::Fail,
            (None | Some("default"), Some(d)) => IfMissing::Default(d),
            (Some("default"), None) => {
                self.err(&p, "\"default\" needs a \"default\" value");
                IfMissing::Skip
            }
            (Some(m @ ("skip" | "fail")), Some(_)) => {
                self.err(
                    &join(path, "default"),
                    format!("is never used with \"ifMissing\": \"{m}\""),
                );
                IfMissing::Skip
            }
            (Some(other), _) => {
                self.err(
                    &p,
                    format!("unknown choice `{other}`; expected \"skip\", \"fail\" or \"default\""),
                );
                IfMissing::Skip
            }
        }
    }

    fn scope_rule(&mut self, v: &Value, path: &str) -> Option<ScopeRule> {
        let obj = self.object(v, path)?;
        self.known_fields(obj, path, SCOPE_FIELDS);
        let add_texts = self.strings(obj, path, "add");
        let suppress = self.strings(obj, path, "suppress");
        let mut add = Vec::with_capacity(add_texts.len());
        for (i, text) in add_texts.iter().enumerate() {
            let p = format!("{}[{i}]", join(path, "add"));
            let Some(t) = self.template(text, &p) else {
                continue;
            };
            let literal_space = t.parts.iter().any(
                |part| matches!(part, crate::model::template::Part::Text(s) if s.chars().any(char::is_whitespace)),
            );
            if literal_space {
                self.err(&p, "a scope cannot contain spaces");
            }
            add.push(t);
        }
        for (i, s) in suppress.iter().enumerate() {
            if s.chars().any(char::is_whitespace) {
                self.err(
                    &format!("{}[{i}]", join(path, "suppress")),
                    "a scope cannot contain spaces",
                );
            }
        }
        if let Some(i) = suppress.iter().position(|s| s == COGNITO_API_SCOPE) {
            self.warn(
                &format!("{}[{i}]", join(path, "suppress")),
                format!("suppressing `{COGNITO_API_SCOPE}` stops users from reading or changing their own profile through the user pool API"),
            );
        }
        if add_texts.is_empty() && suppress.is_empty() {
            self.err(path, "names no scope: give \"add\", \"suppress\" or both");
        }
        let when = self.condition(obj, path);
        Some(ScopeRule {
            add,
            suppress,
            when,
        })
    }

    fn deny_rule(&mut self, v: &Value, path: &str) -> Option<DenyRule> {
        let obj = self.object(v, path)?;
        self.known_fields(obj, path, DENY_FIELDS);
        let message_path = join(path, "message");
        let message = match obj.get("message") {
            None => {
                self.err(
                    path,
                    "missing field `message`: the text Cognito shows the user who is refused",
                );
                None
            }
            Some(Value::String(m)) => {
                let problem = if m.trim().is_empty() {
                    Some("cannot be empty: the user must be told why".to_owned())
                } else if m.chars().count() > MAX_DENY_MESSAGE {
                    Some(format!(
                        "is {} characters; at most {MAX_DENY_MESSAGE} (Cognito shows it on the sign-in page)",
                        m.chars().count()
                    ))
                } else if m.contains('{') || m.contains('}') {
                    Some("is constant text: it cannot hold placeholders or braces".to_owned())
                } else if m.chars().any(char::is_control) {
                    Some("cannot contain control characters (line breaks, tabs)".to_owned())
                } else {
                    None
                };
                match problem {
                    Some(p) => {
                        self.err(&message_path, p);
                        None
                    }
                    None => Some(m.clone()),
                }
            }
            Some(other) => {
                self.err(
                    &message_path,
                    format!("must be a string, not {}", type_name(other)),
                );
                None
            }
        };
        if !obj.contains_key("when") {
            self.warn(path, "has no \"when\": it refuses every sign-in");
        }
        let when = self.condition(obj, path);
        let if_unknown = match obj.get("ifUnknown") {
            None => None,
            Some(Value::String(s)) if s == "deny" => Some(IfUnknown::Deny),
            Some(Value::String(s)) if s == "allow" => Some(IfUnknown::Allow),
            Some(other) => {
                self.err(
                    &join(path, "ifUnknown"),
                    format!("must be \"deny\" or \"allow\", not {other}"),
                );
                None
            }
        };
        Some(DenyRule {
            when,
            message: message?,
            if_unknown,
        })
    }

    /// Checks across rules: a claim both added and suppressed in one token,
    /// a scope both added and suppressed.
    fn cross_checks(
        &mut self,
        suppress: &[(String, SuppressRule)],
        claims: &[(String, ClaimRule)],
        scopes: &[(String, ScopeRule)],
    ) {
        for (cpath, c) in claims {
            for t in c.tokens.iter() {
                if let Some((spath, _)) = suppress
                    .iter()
                    .find(|(_, s)| s.tokens.has(t) && s.claims.contains(&c.claim))
                {
                    self.err(
                        &join(cpath, "claim"),
                        format!(
                            "`{}` is added to the {t} here but suppressed by {spath}: Cognito would suppress it",
                            c.claim
                        ),
                    );
                    break;
                }
            }
        }
        for (apath, a) in scopes {
            for s in a.add.iter().filter_map(Template::as_constant) {
                if let Some((spath, _)) = scopes.iter().find(|(_, r)| r.suppress.contains(&s)) {
                    self.err(
                        &join(apath, "add"),
                        format!("scope `{s}` is added here but suppressed by {spath}.suppress"),
                    );
                }
            }
        }
    }
}
