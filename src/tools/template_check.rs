//! Cross-checking a policy against the SAM/CloudFormation template that
//! deploys it (`pretoken check --template`): the pitfalls that live outside
//! the function.
//!
//! Contract: works on the template as JSON, intrinsic functions in their
//! long form (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`; the CLI turns YAML's
//! short tags into them). A parameter stands for its `Default` (a deploy
//! without overrides), a `Ref` to one of the template's resources for that
//! resource's name (a CDK table's `tableName`); what cannot be evaluated (conditions, imports) is
//! reported as a warning, never guessed. Each finding names the resource and
//! property, and the policy's place where one is involved. Checks: each app
//! client can read every attribute the policy reads; access-token rules and
//! client-credentials rules against the pool's `LambdaVersion`; V2/V3 with
//! the `LITE` tier; the function's `PRETOKEN_LAMBDA_VERSION` against the
//! pool's `LambdaVersion`; lookups: the variables their tables come from, and
//! the IAM actions they need, somewhere in the template.

mod writable;

use std::fmt;

use serde_json::{Map, Value};

use crate::event::CLIENT_CREDENTIALS;
use crate::model::Policy;
use crate::model::reads::attribute_reads;
use crate::model::walk::{Rule, walk_document};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The deployment does not do what the policy says.
    Error,
    /// Probably not meant, or not checkable.
    Warning,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// The template's place, as `UserPoolClient.ReadAttributes`.
    pub resource: String,
    /// What is wrong, naming the policy's place where one is involved.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{word}: {}: {}", self.resource, self.message)
    }
}

/// Attributes every client may read (Cognito always passes them).
fn always_readable(name: &str) -> bool {
    name == "sub" || name.starts_with("cognito:")
}

/// A property's value as far as the template tells: a literal, or a
/// parameter's default.
enum Resolved<'a> {
    Text(&'a str),
    Unknown,
}

struct Template<'a> {
    parameters: Option<&'a Map<String, Value>>,
    resources: Vec<(&'a str, &'a Map<String, Value>)>,
    globals_env: Option<&'a Map<String, Value>>,
}

impl<'a> Template<'a> {
    fn new(t: &'a Value) -> Self {
        let resources = t
            .get("Resources")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_object().map(|o| (k.as_str(), o)))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            parameters: t.get("Parameters").and_then(Value::as_object),
            resources,
            globals_env: t
                .pointer("/Globals/Function/Environment/Variables")
                .and_then(Value::as_object),
        }
    }

    /// `{"Ref": NAME}` where NAME is one of this template's resources.
    fn refers_to_resource(&self, v: &Value) -> bool {
        v.get("Ref")
            .and_then(Value::as_str)
            .is_some_and(|name| self.resources.iter().any(|(n, _)| *n == name))
    }

    fn of_type(&self, ty: &str) -> impl Iterator<Item = (&'a str, &'a Map<String, Value>)> + '_ {
        let ty = ty.to_owned();
        self.resources
            .iter()
            .copied()
            .filter(move |(_, r)| r.get("Type").and_then(Value::as_str) == Some(ty.as_str()))
    }

    fn resolve(&self, v: &'a Value) -> Resolved<'a> {
        match v {
            Value::String(s) => Resolved::Text(s),
            Value::Object(o) if o.len() == 1 => match o.get("Ref").and_then(Value::as_str) {
                Some(name) => match self
                    .parameters
                    .and_then(|p| p.get(name))
                    .and_then(|p| p.get("Default"))
                    .and_then(Value::as_str)
                {
                    Some(d) => Resolved::Text(d),
                    None => Resolved::Unknown,
                },
                None => Resolved::Unknown,
            },
            _ => Resolved::Unknown,
        }
    }
}

fn props(r: &Map<String, Value>) -> Option<&Map<String, Value>> {
    r.get("Properties").and_then(Value::as_object)
}

/// The resources a `LambdaArn` names: `!GetAtt Fn.Arn`, `!Ref Fn`, or
/// each branch of an `!If` (a template that deploys one of two builds).
fn functions_named(arn: &Value) -> Vec<&str> {
    if let Some([_, a, b]) = arn
        .as_object()
        .and_then(|o| o.get("Fn::If"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        let mut out = functions_named(a);
        out.extend(functions_named(b));
        return out;
    }
    function_named(arn).into_iter().collect()
}

/// The resource a `LambdaArn` names (`!GetAtt Fn.Arn`, `!Ref Fn`).
fn function_named(arn: &Value) -> Option<&str> {
    let o = arn.as_object()?;
    if let Some(list) = o.get("Fn::GetAtt").and_then(Value::as_array) {
        return list.first().and_then(Value::as_str);
    }
    if let Some(s) = o.get("Fn::GetAtt").and_then(Value::as_str) {
        return s.split('.').next();
    }
    o.get("Ref").and_then(Value::as_str)
}

/// Places of the document's rules that change the access token.
fn access_token_rules(document: &Policy) -> Vec<String> {
    walk_document(document)
        .into_iter()
        .filter(|r| r.rule.tokens().is_some_and(|t| t.access))
        .map(|r| r.place)
        .collect()
}

/// Places of rules that apply only to client-credentials grants: their
/// condition requires that trigger source (not under a `not`, where naming
/// it excludes machine clients instead).
fn client_credentials_rules(document: &Policy) -> Vec<String> {
    fn names(c: &crate::model::Condition) -> bool {
        c.trigger_sources.iter().any(|t| t == CLIENT_CREDENTIALS)
            || c.all.iter().chain(&c.any).any(names)
    }
    walk_document(document)
        .into_iter()
        .filter(|r| {
            matches!(
                r.rule,
                Rule::Deny(_) | Rule::Suppress(_) | Rule::Claim(_) | Rule::Scope(_)
            ) && r.rule.when().is_some_and(names)
        })
        .map(|r| format!("{}.when", r.place))
        .collect()
}

/// Checks `policy` against a template.
pub fn check(template: &Value, policy: &Policy) -> Vec<Finding> {
    let tpl = Template::new(template);
    let mut out = Findings::default();
    let pools: Vec<Pool<'_>> = tpl
        .of_type("AWS::Cognito::UserPool")
        .filter_map(|(name, resource)| {
            let config = props(resource)?
                .get("LambdaConfig")?
                .get("PreTokenGenerationConfig")?
                .as_object()?;
            Some(Pool {
                name,
                resource,
                config,
            })
        })
        .collect();
    if pools.is_empty() {
        out.warn(
            "Resources",
            "no AWS::Cognito::UserPool sets LambdaConfig.PreTokenGenerationConfig: nothing to check the trigger's wiring against".into(),
        );
    }
    for pool in &pools {
        versions(&tpl, pool, policy, &mut out);
        function_wiring(&tpl, pool, &mut out);
        lookups(template, &tpl, pool, policy, &mut out);
    }
    let names: Vec<&str> = pools.iter().map(|p| p.name).collect();
    clients(&tpl, &names, policy, &mut out);
    writable::check(&tpl, &names, policy, &mut out);
    out.0
}

/// A user pool with a pre token generation trigger.
struct Pool<'a> {
    name: &'a str,
    resource: &'a Map<String, Value>,
    config: &'a Map<String, Value>,
}

#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn error(&mut self, resource: impl Into<String>, message: String) {
        self.push(Severity::Error, resource.into(), message);
    }

    fn warn(&mut self, resource: impl Into<String>, message: String) {
        self.push(Severity::Warning, resource.into(), message);
    }

    fn push(&mut self, severity: Severity, resource: String, message: String) {
        self.0.push(Finding {
            severity,
            resource,
            message,
        });
    }
}

/// Access-token and client-credentials rules against the pool's
/// `LambdaVersion`; V2/V3 against the `LITE` tier.
fn versions(tpl: &Template<'_>, pool: &Pool<'_>, policy: &Policy, out: &mut Findings) {
    let place = format!(
        "{}.LambdaConfig.PreTokenGenerationConfig.LambdaVersion",
        pool.name
    );
    let version = match pool.config.get("LambdaVersion").map(|v| tpl.resolve(v)) {
        None => "V1_0",
        Some(Resolved::Text(v)) => v,
        Some(Resolved::Unknown) => {
            out.warn(place, "cannot be evaluated (not a literal or a parameter with a default): version checks skipped".into());
            return;
        }
    };
    let tier = match props(pool.resource)
        .and_then(|p| p.get("UserPoolTier"))
        .map(|v| tpl.resolve(v))
    {
        Some(Resolved::Text(t)) => Some(t),
        _ => None,
    };
    let tier_place = format!("{}.UserPoolTier", pool.name);
    out.0
        .extend(check_versions(policy, version, tier, &place, &tier_place));
}

/// The version checks of `check --template`, for a deployment described
/// without a template (the CDK construct's synth-time check): access-token
/// rules need `V2_0` or `V3_0`, client-credentials rules `V3_0`, and V2/V3
/// a tier other than `LITE`. `tier` is `None` where it cannot be known.
/// Findings name `version_place` and `tier_place`.
pub fn check_versions(
    policy: &Policy,
    version: &str,
    tier: Option<&str>,
    version_place: &str,
    tier_place: &str,
) -> Vec<Finding> {
    let mut out = Findings::default();
    let access = access_token_rules(policy);
    if version == "V1_0" && !access.is_empty() {
        out.error(
            version_place,
            format!(
                "the pool sends V1 events, which cannot change the access token: {} would never apply; use V2_0 or V3_0",
                access.join(", ")
            ),
        );
    }
    let m2m = client_credentials_rules(policy);
    if version != "V3_0" && !m2m.is_empty() {
        out.warn(
            version_place,
            format!(
                "{}: only V3_0 pools send {CLIENT_CREDENTIALS} events (this pool is {version}), so the rule never applies",
                m2m.join(", ")
            ),
        );
    }
    if matches!(version, "V2_0" | "V3_0") && tier == Some("LITE") {
        out.error(
            tier_place,
            format!("LITE pools send V1 events only, but LambdaVersion is {version}: choose ESSENTIALS or PLUS"),
        );
    }
    out.0
}

/// The function's `PRETOKEN_LAMBDA_VERSION` must be the pool's `LambdaVersion`.
fn function_wiring(tpl: &Template<'_>, pool: &Pool<'_>, out: &mut Findings) {
    let arn_place = format!(
        "{}.LambdaConfig.PreTokenGenerationConfig.LambdaArn",
        pool.name
    );
    let functions = pool
        .config
        .get("LambdaArn")
        .map(functions_named)
        .unwrap_or_default();
    if functions.is_empty() {
        out.warn(
            arn_place,
            "does not name a function of this template: the function's configuration is not checked".into(),
        );
        return;
    }
    for function in functions {
        version_wiring(tpl, pool, function, &arn_place, out);
    }
}

/// One function the pool may call: its `PRETOKEN_LAMBDA_VERSION` wired to
/// the pool's `LambdaVersion`.
fn version_wiring(
    tpl: &Template<'_>,
    pool: &Pool<'_>,
    function: &str,
    arn_place: &str,
    out: &mut Findings,
) {
    let Some((_, resource)) = tpl.resources.iter().find(|(n, _)| *n == function) else {
        out.error(
            arn_place.to_owned(),
            format!("names {function}, which is not a resource of this template"),
        );
        return;
    };
    let set = props(resource)
        .and_then(|p| p.get("Environment"))
        .and_then(|e| e.get("Variables"))
        .and_then(|v| v.get("PRETOKEN_LAMBDA_VERSION"))
        .or_else(|| {
            tpl.globals_env
                .and_then(|g| g.get("PRETOKEN_LAMBDA_VERSION"))
        });
    let pool_version = pool.config.get("LambdaVersion");
    let place = format!("{function}.Environment.Variables.PRETOKEN_LAMBDA_VERSION");
    let Some(set) = set else {
        out.warn(place, format!("is not set: set it from the same value as {}'s LambdaVersion, so that events whose version is not 1, 2 or 3 are answered in the format the pool reads", pool.name));
        return;
    };
    let wired = match pool_version {
        Some(v) => set == v,
        None => set.as_str() == Some("V1_0"),
    };
    if wired {
        return;
    }
    let agree = matches!(
        (tpl.resolve(set), pool_version.map(|v| tpl.resolve(v))),
        (Resolved::Text(a), Some(Resolved::Text(b))) if a == b
    );
    let message = format!(
        "is not wired to the same value as {}'s LambdaVersion{}: deploy both from one parameter",
        pool.name,
        if agree {
            " (they agree by default only)"
        } else {
            ""
        }
    );
    if agree {
        out.warn(place, message);
    } else {
        out.error(place, message);
    }
}

/// A policy's lookups against the function that runs it: each `{env.NAME}`
/// its tables and regions read is set on the function (a parameter whose
/// default is empty is a warning), and the IAM actions they need are granted
/// somewhere in the template (only under a condition: a warning).
fn lookups(
    template: &Value,
    tpl: &Template<'_>,
    pool: &Pool<'_>,
    policy: &Policy,
    out: &mut Findings,
) {
    use crate::model::lookup::LookupKind;
    let all = policy.all_lookups();
    if all.is_empty() {
        return;
    }
    let Some((function, resource)) = lookup_build(tpl, pool, &all, out) else {
        return;
    };
    let vars = props(resource)
        .and_then(|p| p.get("Environment"))
        .and_then(|e| e.get("Variables"))
        .and_then(Value::as_object);
    let mut needed: Vec<(&str, String)> = Vec::new();
    for (route, l) in &all {
        let place = if route.is_empty() {
            format!("lookups.{}", l.name)
        } else {
            format!("{route}.lookups.{}", l.name)
        };
        let mut texts = Vec::new();
        match &l.kind {
            LookupKind::Get { table, .. } => {
                texts.push(table);
                needed.push(("dynamodb:GetItem", place.clone()));
            }
            LookupKind::Query { table, .. } => {
                texts.push(table);
                needed.push(("dynamodb:Query", place.clone()));
            }
            LookupKind::AdminGetUser => needed.push(("cognito-idp:AdminGetUser", place.clone())),
        }
        texts.extend(&l.region);
        for var in texts.iter().flat_map(|t| t.variables()) {
            let at = format!("{function}.Environment.Variables.{var}");
            let set = vars
                .and_then(|v| v.get(var))
                .or_else(|| tpl.globals_env.and_then(|g| g.get(var)));
            // A resource this template creates (the CDK's `table.tableName`
            // is `{"Ref": TABLE}`): set, to that resource's name.
            if set.is_some_and(|v| tpl.refers_to_resource(v)) {
                continue;
            }
            match set.map(|v| tpl.resolve(v)) {
                None => out.error(
                    at,
                    format!("is not set, but {place} reads its table or region from {{env.{var}}}"),
                ),
                Some(Resolved::Text("")) => out.warn(
                    at,
                    format!("is empty by default: {place} needs it; set it when deploying (for this template: LookupTableName)"),
                ),
                Some(Resolved::Unknown) => out.warn(
                    at,
                    format!("cannot be evaluated (a condition or another intrinsic): {place} needs it set when deploying (for this template: LookupTableName)"),
                ),
                Some(Resolved::Text(_)) => {}
            }
        }
    }
    for (action, place) in needed {
        let plain = tpl.resources.iter().any(|(_, r)| {
            !r.contains_key("Condition") && mentions(&Value::Object((*r).clone()), action, false)
        });
        if plain {
            continue;
        }
        if mentions(
            template.get("Resources").unwrap_or(&Value::Null),
            action,
            true,
        ) {
            out.warn(
                "Resources".to_owned(),
                format!("grant {action}, which {place} needs, only under a condition: deploy with it on (for this template: LookupTableName, AllowAdminGetUser=true)"),
            );
        } else {
            out.error(
                format!("{function}.Policies"),
                format!("{place} needs {action}, which no resource of this template grants"),
            );
        }
    }
}

/// The function of the pool's that runs a policy with lookups: the build
/// with them. An error when the pool can call only the build without
/// lookups (which refuses the policy), a warning when it calls it by
/// default.
fn lookup_build<'a>(
    tpl: &Template<'a>,
    pool: &Pool<'_>,
    all: &[(&str, &crate::model::lookup::Lookup)],
    out: &mut Findings,
) -> Option<(&'a str, &'a Map<String, Value>)> {
    let named = pool
        .config
        .get("LambdaArn")
        .map(functions_named)
        .unwrap_or_default();
    let resources: Vec<(&str, &Map<String, Value>)> = named
        .iter()
        .filter_map(|f| tpl.resources.iter().find(|(n, _)| n == f).copied())
        .collect();
    // The builds without lookups refuse this policy: the pool must be able
    // to call the build with them, and does by default only if it is not
    // under a condition.
    let (without, capable): (Vec<_>, Vec<_>) = resources
        .into_iter()
        .partition(|(_, r)| built_without_lookups(r));
    let first = all.first().map(|(route, l)| {
        if route.is_empty() {
            format!("lookups.{}", l.name)
        } else {
            format!("{route}.lookups.{}", l.name)
        }
    });
    let first = first.unwrap_or_default();
    if capable.is_empty() {
        if let Some((name, _)) = without.first() {
            out.error(
                format!("{}.LambdaConfig.PreTokenGenerationConfig.LambdaArn", pool.name),
                format!("names {name}, pretoken-lambda, built without lookups: it refuses this policy ({first}); deploy pretoken-lambda-lookups"),
            );
        }
        return None;
    }
    if let Some((name, _)) = without.iter().find(|(_, r)| !r.contains_key("Condition")) {
        out.warn(
            format!("{}.LambdaConfig.PreTokenGenerationConfig.LambdaArn", pool.name),
            format!("may name {name}, pretoken-lambda, built without lookups, which refuses this policy ({first}): deploy with pretoken-lambda-lookups chosen (for this template: LookupTableName, AllowAdminGetUser=true or Lookups=true)"),
        );
    }
    capable.first().copied()
}

/// Whether a function resource is the build without lookups
/// (`functions/pretoken-lambda`, or the binary `pretoken-lambda`).
fn built_without_lookups(r: &Map<String, Value>) -> bool {
    let code = props(r)
        .and_then(|p| p.get("CodeUri"))
        .and_then(Value::as_str)
        .map(|c| c.trim_end_matches('/'));
    let binary = r
        .get("Metadata")
        .and_then(|m| m.pointer("/BuildProperties/Binary"))
        .and_then(Value::as_str);
    code.is_some_and(|c| c.ends_with("pretoken-lambda")) || binary == Some("pretoken-lambda")
}

/// Whether an IAM action (or a SAM policy template that includes it)
/// appears under `v`; under an `Fn::If` only when `conditional`.
fn mentions(v: &Value, action: &str, conditional: bool) -> bool {
    let templates: &[&str] = match action {
        "dynamodb:GetItem" | "dynamodb:Query" => {
            &["DynamoDBReadPolicy", "DynamoDBCrudPolicy", "dynamodb:*"]
        }
        _ => &["cognito-idp:*"],
    };
    match v {
        Value::String(s) => s == action || templates.contains(&s.as_str()),
        Value::Array(a) => a.iter().any(|x| mentions(x, action, conditional)),
        Value::Object(m) => m.iter().any(|(k, x)| {
            templates.contains(&k.as_str())
                || ((conditional || k != "Fn::If") && mentions(x, action, conditional))
        }),
        _ => false,
    }
}

/// The app clients of the trigger's pools (a client whose pool the template
/// does not name by `Ref` counts as one), with their properties.
fn trigger_clients<'a>(
    tpl: &'a Template<'a>,
    pools: &'a [&str],
) -> impl Iterator<Item = (&'a str, &'a Map<String, Value>)> + 'a {
    tpl.of_type("AWS::Cognito::UserPoolClient")
        .filter_map(|(client, resource)| Some((client, props(resource)?)))
        .filter(move |(_, p)| {
            let of_pool = p
                .get("UserPoolId")
                .and_then(|v| v.get("Ref"))
                .and_then(Value::as_str);
            !of_pool.is_some_and(|pool| !pools.is_empty() && !pools.contains(&pool))
        })
}

/// Every attribute the policy reads must be readable by each app client of
/// the trigger's pools (a client without `ReadAttributes` reads all).
fn clients(tpl: &Template<'_>, pools: &[&str], policy: &Policy, out: &mut Findings) {
    let reads = attribute_reads(policy);
    for (client, p) in trigger_clients(tpl, pools) {
        let place = format!("{client}.ReadAttributes");
        let readable: Vec<&str> = match p.get("ReadAttributes") {
            None => continue,
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                items.iter().filter_map(Value::as_str).collect()
            }
            Some(_) => {
                out.warn(
                    place,
                    "cannot be evaluated (not a literal list): attribute checks skipped".into(),
                );
                continue;
            }
        };
        for read in &reads {
            let a = read.attribute.as_str();
            let ok = match a.strip_suffix('*') {
                Some(prefix) => readable.iter().any(|r| r.starts_with(prefix)),
                None => always_readable(a) || readable.contains(&a),
            };
            if !ok {
                let what = if a.ends_with('*') {
                    format!(
                        "copies attributes matching {a}, none of which this app client can read"
                    )
                } else {
                    format!("reads {a}, which this app client cannot read")
                };
                out.error(
                    place.clone(),
                    format!("{}: {what}; add it to ReadAttributes", read.place),
                );
            }
        }
    }
}
