//! Reading a policy file into a [`Policy`], collecting every problem.
//!
//! Contract: the whole file is read even after a problem, so `pretoken check`
//! can list them all; each problem carries the path of the field, as
//! `claims[1].tokens[0]`. Unknown fields and duplicate keys are problems: a
//! typo must never silently weaken a policy.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{
    ClaimRule, Condition, ContextField, Conversion, FilterMode, GroupFilter, IfMissing, Policy,
    ScopeRule, Source, SuppressRule, Tokens,
};
use crate::error::Problem;
use crate::event::type_name;
use crate::json::StrictValue;
use crate::reserved::{self, SIMPLE_ONLY_ID_CLAIMS, STANDARD_PII};

// The top-level fields of a policy.
const FIELDS: &[&str] = &["description", "suppress", "claims", "scopes", "groups"];
const SUPPRESS_FIELDS: &[&str] = &["claims", "preset", "tokens", "when"];
const CLAIM_FIELDS: &[&str] = &[
    "claim",
    "attribute",
    "value",
    "groups",
    "context",
    "convert",
    "separator",
    "ifMissing",
    "default",
    "tokens",
    "when",
];
const SCOPE_FIELDS: &[&str] = &["add", "suppress", "when"];
const GROUP_FIELDS: &[&str] = &["keep", "remove", "when"];
const WHEN_FIELDS: &[&str] = &["clientIds", "triggerSources", "groups"];
const PRESETS: &[&str] = &["standard-pii"];
const COGNITO_API_SCOPE: &str = "aws.cognito.signin.user.admin";

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
    cx.known_fields(&root, "", FIELDS);
    let description = cx.opt_string(&root, "", "description");
    let suppress = cx.list(&root, "", "suppress", Reader::suppress_rule);
    let claims = cx.list(&root, "", "claims", Reader::claim_rule);
    let scopes = cx.list(&root, "", "scopes", Reader::scope_rule);
    let groups = match root.get("groups") {
        None | Some(Value::Null) => None,
        Some(v) => cx.group_filter(v, "groups"),
    };
    cx.cross_checks(&suppress, &claims, &scopes);
    if suppress.is_empty() && claims.is_empty() && scopes.is_empty() && groups.is_none() {
        cx.warn("", "the policy has no rules: tokens are issued unchanged");
    }
    if cx.problems.is_empty() {
        Ok(Policy {
            description,
            suppress: suppress.into_iter().map(|(_, r)| r).collect(),
            claims: claims.into_iter().map(|(_, r)| r).collect(),
            scopes: scopes.into_iter().map(|(_, r)| r).collect(),
            groups,
            warnings: cx.warnings,
        })
    } else {
        Err(cx.problems)
    }
}

fn problem(path: &str, message: impl Into<String>) -> Problem {
    Problem {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// Collects problems and warnings while reading.
#[derive(Default)]
struct Reader {
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
}

impl Reader {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(problem(path, message));
    }

    fn warn(&mut self, path: &str, message: impl Into<String>) {
        self.warnings.push(problem(path, message));
    }

    fn known_fields(&mut self, obj: &Map<String, Value>, path: &str, known: &[&str]) {
        for key in obj.keys() {
            if !known.contains(&key.as_str()) {
                let hint = match closest(key, known) {
                    Some(s) => format!("; did you mean `{s}`?"),
                    None => format!("; expected one of: {}", known.join(", ")),
                };
                self.err(&join(path, key), format!("unknown field `{key}`{hint}"));
            }
        }
    }

    fn object<'v>(&mut self, v: &'v Value, path: &str) -> Option<&'v Map<String, Value>> {
        match v {
            Value::Object(m) => Some(m),
            other => {
                self.err(path, format!("must be an object, not {}", type_name(other)));
                None
            }
        }
    }

    fn opt_string(&mut self, obj: &Map<String, Value>, path: &str, key: &str) -> Option<String> {
        match obj.get(key)? {
            Value::String(s) => Some(s.clone()),
            other => {
                self.err(
                    &join(path, key),
                    format!("must be a string, not {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A list field read item by item; each item returned with its path.
    fn list<T>(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        item: fn(&mut Self, &Value, &str) -> Option<T>,
    ) -> Vec<(String, T)> {
        let path = join(path, key);
        match obj.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let p = format!("{path}[{i}]");
                    item(self, v, &p).map(|t| (p, t))
                })
                .collect(),
            Some(other) => {
                self.err(&path, format!("must be an array, not {}", type_name(other)));
                Vec::new()
            }
        }
    }

    /// A list of non-empty strings, in order, without repeats.
    fn strings(&mut self, obj: &Map<String, Value>, path: &str, key: &str) -> Vec<String> {
        let items = self.list(obj, path, key, |cx, v, p| match v {
            Value::String(s) if s.trim().is_empty() => {
                cx.err(p, "cannot be empty");
                None
            }
            Value::String(s) => Some(s.clone()),
            other => {
                cx.err(p, format!("must be a string, not {}", type_name(other)));
                None
            }
        });
        let mut out: Vec<String> = Vec::with_capacity(items.len());
        for (p, s) in items {
            if out.contains(&s) {
                self.warn(&p, format!("`{s}` is listed twice"));
            } else {
                out.push(s);
            }
        }
        out
    }

    fn tokens(&mut self, obj: &Map<String, Value>, path: &str) -> Tokens {
        if !obj.contains_key("tokens") {
            return Tokens::BOTH;
        }
        let names = self.strings(obj, path, "tokens");
        let mut t = Tokens {
            id: false,
            access: false,
        };
        for (i, n) in names.iter().enumerate() {
            match n.as_str() {
                "id" => t.id = true,
                "access" => t.access = true,
                other => self.err(
                    &format!("{}[{i}]", join(path, "tokens")),
                    format!("unknown token `{other}`; expected \"id\" or \"access\""),
                ),
            }
        }
        if names.is_empty() {
            self.err(
                &join(path, "tokens"),
                "names no token; use [\"id\"], [\"access\"] or [\"id\", \"access\"]",
            );
        }
        t
    }

    fn condition(&mut self, obj: &Map<String, Value>, path: &str) -> Condition {
        let Some(v) = obj.get("when") else {
            return Condition::default();
        };
        let path = join(path, "when");
        let Some(w) = self.object(v, &path) else {
            return Condition::default();
        };
        self.known_fields(w, &path, WHEN_FIELDS);
        let c = Condition {
            client_ids: self.strings(w, &path, "clientIds"),
            trigger_sources: self.strings(w, &path, "triggerSources"),
            groups: self.strings(w, &path, "groups"),
        };
        for key in WHEN_FIELDS {
            if matches!(w.get(*key), Some(Value::Array(a)) if a.is_empty()) {
                self.err(
                    &join(&path, key),
                    "is empty, so the rule could never apply; remove it to match everything",
                );
            }
        }
        c
    }

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

    #[allow(clippy::too_many_lines)]
    fn claim_rule(&mut self, v: &Value, path: &str) -> Option<ClaimRule> {
        let obj = self.object(v, path)?;
        self.known_fields(obj, path, CLAIM_FIELDS);
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

        let sources: Vec<&str> = ["attribute", "value", "groups", "context"]
            .into_iter()
            .filter(|k| obj.contains_key(*k))
            .collect();
        let source = match sources.as_slice() {
            [] => {
                self.err(
                    path,
                    "gives no value: use one of \"attribute\", \"value\", \"groups\" or \"context\"",
                );
                return None;
            }
            [one] => self.source(obj, path, one)?,
            several => {
                self.err(
                    path,
                    format!(
                        "gives several values ({}): use exactly one",
                        several.join(", ")
                    ),
                );
                return None;
            }
        };
        if !matches!(source, Source::Attribute { .. }) {
            for key in ["convert", "separator"] {
                if obj.contains_key(key) {
                    self.err(
                        &join(path, key),
                        "applies only to claims from an \"attribute\"",
                    );
                }
            }
        }
        let if_missing = self.if_missing(obj, path, &source);

        for t in tokens.iter() {
            if let Err(reason) = reserved::check_add(&claim, t) {
                self.err(&claim_path, reason);
                break;
            }
        }
        if claim == "aud" && tokens.access && source != Source::Context(ContextField::ClientId) {
            self.err(
                path,
                "`aud` may be added to the access token only with the app client ID: use \"context\": \"clientId\"",
            );
        }
        if tokens.id && SIMPLE_ONLY_ID_CLAIMS.contains(&claim.as_str()) {
            let complex = match &source {
                Source::Value(v) => v.is_object() || v.is_array(),
                Source::Attribute { convert, .. } => {
                    matches!(convert, Conversion::Json | Conversion::List(_))
                }
                Source::Groups(_) => true,
                Source::Context(_) => false,
            } || matches!(&if_missing, IfMissing::Default(v) if v.is_object() || v.is_array());
            if complex {
                self.err(
                    &claim_path,
                    format!("`{claim}` cannot take an object or array value in the ID token"),
                );
            }
        }
        Some(ClaimRule {
            claim,
            source,
            if_missing,
            tokens,
            when,
        })
    }

    fn source(&mut self, obj: &Map<String, Value>, path: &str, key: &str) -> Option<Source> {
        let p = join(path, key);
        let v = &obj[key];
        match key {
            "value" => Some(Source::Value(v.clone())),
            "attribute" => {
                let name = match v {
                    Value::String(s) if !s.trim().is_empty() => s.clone(),
                    Value::String(_) => {
                        self.err(&p, "cannot be empty");
                        return None;
                    }
                    other => {
                        self.err(&p, format!("must be a string, not {}", type_name(other)));
                        return None;
                    }
                };
                let convert = self.conversion(obj, path)?;
                Some(Source::Attribute { name, convert })
            }
            "context" => {
                let field = match v.as_str() {
                    Some("clientId") => ContextField::ClientId,
                    Some("userPoolId") => ContextField::UserPoolId,
                    Some("region") => ContextField::Region,
                    Some("triggerSource") => ContextField::TriggerSource,
                    _ => {
                        self.err(
                            &p,
                            "must be one of \"clientId\", \"userPoolId\", \"region\", \"triggerSource\"",
                        );
                        return None;
                    }
                };
                Some(Source::Context(field))
            }
            _ => self.group_map(v, &p).map(Source::Groups),
        }
    }

    fn conversion(&mut self, obj: &Map<String, Value>, path: &str) -> Option<Conversion> {
        let p = join(path, "convert");
        let convert = match obj.get("convert") {
            None => Conversion::String,
            Some(Value::String(s)) => match s.as_str() {
                "string" => Conversion::String,
                "number" => Conversion::Number,
                "boolean" => Conversion::Boolean,
                "json" => Conversion::Json,
                "list" => Conversion::List(String::new()),
                other => {
                    self.err(
                        &p,
                        format!(
                            "unknown conversion `{other}`; expected \"string\", \"number\", \"boolean\", \"json\" or \"list\""
                        ),
                    );
                    return None;
                }
            },
            Some(other) => {
                self.err(&p, format!("must be a string, not {}", type_name(other)));
                return None;
            }
        };
        let sep_path = join(path, "separator");
        let separator = self.opt_string(obj, path, "separator");
        match (convert, separator) {
            (Conversion::List(_), None) => Some(Conversion::List(",".into())),
            (Conversion::List(_), Some(s)) if s.is_empty() => {
                self.err(&sep_path, "cannot be empty");
                None
            }
            (Conversion::List(_), Some(s)) => Some(Conversion::List(s)),
            (c, Some(_)) => {
                self.err(&sep_path, "applies only with \"convert\": \"list\"");
                Some(c)
            }
            (c, None) => Some(c),
        }
    }

    fn if_missing(&mut self, obj: &Map<String, Value>, path: &str, source: &Source) -> IfMissing {
        let p = join(path, "ifMissing");
        let default = obj.get("default").cloned();
        let mode = self.opt_string(obj, path, "ifMissing");
        if matches!(source, Source::Value(_)) && (mode.is_some() || default.is_some()) {
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

    /// A group-to-value map. Objects merge; anything else collects into a
    /// list. Mixing the two, or two groups setting one leaf, is refused, so
    /// the claim never depends on the order of the user's groups.
    fn group_map(&mut self, v: &Value, path: &str) -> Option<Vec<(String, Value)>> {
        let m = self.object(v, path)?;
        if m.is_empty() {
            self.err(path, "maps no group");
            return None;
        }
        let objects = m.values().filter(|v| v.is_object()).count();
        if objects != 0 && objects != m.len() {
            self.err(
                path,
                "mixes objects with other values: either every group maps to an object (merged) or none does (collected into a list)",
            );
            return None;
        }
        let mut leaves: BTreeMap<String, &str> = BTreeMap::new();
        let mut ok = true;
        for (group, value) in m {
            if group.trim().is_empty() {
                self.err(path, "a group name cannot be empty");
                ok = false;
            }
            if let Value::Object(obj) = value {
                let mut mine = Vec::new();
                leaf_paths(obj, "", &mut mine);
                for leaf in mine {
                    if let Some(other) = leaves.get(&leaf) {
                        self.err(
                            &format!("{path}.{group}"),
                            format!("sets `{leaf}`, which group `{other}` sets too: a user in both would get either"),
                        );
                        ok = false;
                    } else {
                        leaves.insert(leaf, group);
                    }
                }
            }
        }
        ok.then(|| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    fn scope_rule(&mut self, v: &Value, path: &str) -> Option<ScopeRule> {
        let obj = self.object(v, path)?;
        self.known_fields(obj, path, SCOPE_FIELDS);
        let add = self.strings(obj, path, "add");
        let suppress = self.strings(obj, path, "suppress");
        for (key, list) in [("add", &add), ("suppress", &suppress)] {
            for (i, s) in list.iter().enumerate() {
                if s.chars().any(char::is_whitespace) {
                    self.err(
                        &format!("{}[{i}]", join(path, key)),
                        "a scope cannot contain spaces",
                    );
                }
            }
        }
        if let Some(i) = suppress.iter().position(|s| s == COGNITO_API_SCOPE) {
            self.warn(
                &format!("{}[{i}]", join(path, "suppress")),
                format!("suppressing `{COGNITO_API_SCOPE}` stops users from reading or changing their own profile through the user pool API"),
            );
        }
        if add.is_empty() && suppress.is_empty() {
            self.err(path, "names no scope: give \"add\", \"suppress\" or both");
        }
        let when = self.condition(obj, path);
        Some(ScopeRule {
            add,
            suppress,
            when,
        })
    }

    fn group_filter(&mut self, v: &Value, path: &str) -> Option<GroupFilter> {
        let obj = self.object(v, path)?;
        self.known_fields(obj, path, GROUP_FIELDS);
        let (mode, key) = match (obj.contains_key("keep"), obj.contains_key("remove")) {
            (true, false) => (FilterMode::Keep, "keep"),
            (false, true) => (FilterMode::Remove, "remove"),
            _ => {
                self.err(path, "give exactly one of \"keep\" and \"remove\"");
                return None;
            }
        };
        let patterns = self.strings(obj, path, key);
        for (i, p) in patterns.iter().enumerate() {
            if p.trim_end_matches('*').contains('*') {
                self.err(
                    &format!("{}[{i}]", join(path, key)),
                    "`*` may only end a group pattern",
                );
            }
        }
        if mode == FilterMode::Keep && patterns.is_empty() {
            self.warn(
                &join(path, key),
                "keeps no group: every user's cognito:groups will be empty",
            );
        }
        let when = self.condition(obj, path);
        Some(GroupFilter {
            mode,
            patterns,
            when,
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
            for s in &a.add {
                if let Some((spath, _)) = scopes.iter().find(|(_, r)| r.suppress.contains(s)) {
                    self.err(
                        &join(apath, "add"),
                        format!("scope `{s}` is added here but suppressed by {spath}.suppress"),
                    );
                }
            }
        }
    }
}

/// Every leaf path of an object, as `owner.document_permission`.
fn leaf_paths(obj: &Map<String, Value>, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in obj {
        let p = join(prefix, k);
        match v {
            Value::Object(inner) if !inner.is_empty() => leaf_paths(inner, &p, out),
            _ => out.push(p),
        }
    }
}

/// The known name nearest to `word`, if near enough to be a typo.
fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(&word.to_lowercase(), &k.to_lowercase()), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_suggestions() {
        assert_eq!(closest("tokenz", CLAIM_FIELDS), Some("tokens"));
        assert_eq!(closest("ifmissing", CLAIM_FIELDS), Some("ifMissing"));
        assert_eq!(closest("zzzzzzzz", CLAIM_FIELDS), None);
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = parse(r#"{"claims": [], "claims": []}"#).unwrap_err();
        assert!(e[0].message.contains("duplicate field `claims`"), "{e:?}");
    }
}
