//! Events built from the event grammar (versions, trigger sources, absent,
//! null and mistyped fields, unicode, many attributes and groups, client
//! metadata, unknown fields), so the fuzzer spends its time past the JSON
//! parser, run through every shipped policy and one that uses every form of
//! the language (templates, transforms, predicates, deny, copies, groups and
//! roles), plus the DynamoDB example policy with lookup results built from
//! the grammar too (items, queries, absent items, unavailable lookups, every
//! JSON type a DynamoDB item maps to) instead of fetched.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use pretoken::event::Version;
use pretoken::lookup::data::LookupData;
use pretoken::{Config, Policy, Trigger};
use serde_json::{Map, Value, json};

#[derive(Arbitrary, Debug)]
enum Field<T> {
    Absent,
    Null,
    Present(T),
    Wrong(Scalar),
}

#[derive(Arbitrary, Debug)]
enum Scalar {
    Bool(bool),
    Num(i64),
    Str(String),
    Arr(Vec<String>),
}

#[derive(Arbitrary, Debug)]
enum Role {
    One(String),
    List(Vec<String>),
}

#[derive(Arbitrary, Debug)]
struct Event {
    version: Field<u8>,
    trigger: Field<u8>,
    client: Field<u8>,
    user: Field<String>,
    attributes: Field<Vec<(u8, String)>>,
    groups: Field<Vec<u8>>,
    roles: Field<Vec<String>>,
    preferred: Field<Role>,
    scopes: Field<Vec<u8>>,
    metadata: Field<Vec<(u8, String)>>,
    unknown: Option<(String, Scalar)>,
    response: Field<Scalar>,
    configured: Option<u8>,
    policy: u8,
    lookups: Lookups,
}

/// Lookup results: `profile` (an item) and `memberships` (a query's items).
#[derive(Arbitrary, Debug)]
struct Lookups {
    profile: LookupResult,
    memberships: Option<Vec<Vec<(u8, Item)>>>,
}

#[derive(Arbitrary, Debug)]
enum LookupResult {
    Unavailable,
    NoItem,
    Item(Vec<(u8, Item)>),
}

/// What a DynamoDB attribute maps to: S, N, BOOL, NULL, L, M, SS/NS.
#[derive(Arbitrary, Debug)]
enum Item {
    S(String),
    N(i64),
    F(f64),
    Bool(bool),
    Null,
    L(Vec<Scalar>),
    M(Vec<(u8, Scalar)>),
}

const FIELDS: &[&str] = &["orgId", "role", "name", "seats", "status", "tenantId", "x"];

fn item(fields: &[(u8, Item)]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Item::S(s) => json!(s),
                    Item::N(n) => json!(n),
                    Item::F(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
                    Item::Bool(b) => json!(b),
                    Item::Null => Value::Null,
                    Item::L(l) => Value::Array(l.iter().map(scalar).collect()),
                    Item::M(m) => Value::Object(
                        m.iter().map(|(k, v)| (["first", "last", "id"][usize::from(*k) % 3].to_owned(), scalar(v))).collect(),
                    ),
                };
                (FIELDS[usize::from(*k) % FIELDS.len()].to_owned(), v)
            })
            .collect(),
    )
}

fn lookup_data(l: &Lookups) -> LookupData {
    let mut m = Map::new();
    match &l.profile {
        LookupResult::Unavailable => {}
        LookupResult::NoItem => {
            m.insert("profile".into(), Value::Null);
        }
        LookupResult::Item(fields) => {
            m.insert("profile".into(), item(fields));
        }
    }
    if let Some(items) = &l.memberships {
        m.insert("memberships".into(), Value::Array(items.iter().map(|f| item(f)).collect()));
    }
    LookupData(m)
}

const ATTRS: &[&str] = &[
    "email", "name", "custom:tenantId", "custom:department", "sub", "custom:n", "custom:groups",
    "custom:plan", "identities", "preferred_username", "custom:role_arn", "dev:x", "cognito:user_status",
];
const GROUPS: &[&str] = &["owners", "contributors", "readers", "admins", "app-a", "app-b", "eu-west-1_EXAMPLE_PartnerSSO"];
const METADATA: &[&str] = &["flow", "k", "plan"];
const TRIGGERS: &[&str] = &[
    "TokenGeneration_HostedAuth",
    "TokenGeneration_Authentication",
    "TokenGeneration_RefreshTokens",
    "TokenGeneration_ClientCredentials",
    "TokenGeneration_Other",
];
const POLICIES: &[&str] = &[
    include_str!("../../policy.json"),
    include_str!("../../policies/rbac.json"),
    include_str!("../../policies/access-token-claims.json"),
    include_str!("../../policies/hasura.json"),
    include_str!("../../policies/saas-tenant.json"),
    include_str!("../../policies/email-domain-gate.json"),
    include_str!("../../policies/groups-to-role.json"),
    include_str!("../../policies/identity-pool-tags.json"),
    include_str!("../../policies/federated-groups.json"),
    include_str!("../../tests/fixtures/policies/every-form.json"),
    include_str!("../../bench/policies/rich.json"),
    include_str!("../../policies/dynamodb-profile.json"),
    r#"{"groups": {"keep": ["owners", "app-*"]}, "claims": [{"claim": "n", "attribute": "custom:n", "convert": "number", "ifMissing": "fail"}, {"claim": "l", "attribute": "custom:tenantId", "convert": "list"}]}"#,
];

fn scalar(s: &Scalar) -> Value {
    match s {
        Scalar::Bool(b) => json!(b),
        Scalar::Num(n) => json!(n),
        Scalar::Str(s) => json!(s),
        Scalar::Arr(a) => json!(a),
    }
}

fn put<T>(m: &mut Map<String, Value>, k: &str, f: &Field<T>, v: impl Fn(&T) -> Value) {
    match f {
        Field::Absent => {}
        Field::Null => {
            m.insert(k.into(), Value::Null);
        }
        Field::Present(t) => {
            m.insert(k.into(), v(t));
        }
        Field::Wrong(s) => {
            m.insert(k.into(), scalar(s));
        }
    }
}

fn build(e: &Event) -> Value {
    let mut top = Map::new();
    put(&mut top, "version", &e.version, |v| json!((v % 5).to_string()));
    put(&mut top, "triggerSource", &e.trigger, |t| json!(TRIGGERS[usize::from(*t) % TRIGGERS.len()]));
    put(&mut top, "callerContext", &e.client, |c| json!({"clientId": format!("c{}", c % 3)}));
    put(&mut top, "userName", &e.user, |u| json!(u));
    let mut req = Map::new();
    put(&mut req, "userAttributes", &e.attributes, |a| {
        Value::Object(a.iter().map(|(k, v)| (ATTRS[usize::from(*k) % ATTRS.len()].to_owned(), json!(v))).collect())
    });
    let mut gc = Map::new();
    put(&mut gc, "groupsToOverride", &e.groups, |g| json!(g.iter().map(|i| GROUPS[usize::from(*i) % GROUPS.len()]).collect::<Vec<_>>()));
    put(&mut gc, "iamRolesToOverride", &e.roles, |r| json!(r));
    put(&mut gc, "preferredRole", &e.preferred, |p| match p {
        Role::One(s) => json!(s),
        Role::List(l) => json!(l),
    });
    req.insert("groupConfiguration".into(), Value::Object(gc));
    put(&mut req, "clientMetadata", &e.metadata, |a| {
        Value::Object(a.iter().map(|(k, v)| (METADATA[usize::from(*k) % METADATA.len()].to_owned(), json!(v))).collect())
    });
    put(&mut req, "scopes", &e.scopes, |s| json!(s.iter().map(|i| format!("scope{i}")).collect::<Vec<_>>()));
    if let Some((k, v)) = &e.unknown {
        req.insert(k.clone(), scalar(v));
    }
    top.insert("request".into(), Value::Object(req));
    put(&mut top, "response", &e.response, scalar);
    Value::Object(top)
}

fuzz_target!(|e: Event| {
    let event = build(&e);
    let policy = Policy::from_json(POLICIES[usize::from(e.policy) % POLICIES.len()], "fuzz").unwrap();
    let configured = e.configured.map(|v| [Version::V1, Version::V2, Version::V3][usize::from(v % 3)]);
    let t = Trigger::new(Ok(Config { policy, lambda_version: configured })).with_lookup_data(lookup_data(&e.lookups));
    let bytes = serde_json::to_vec(&event).unwrap();
    let result = t.handle_bytes(&bytes);
    // A refusal is deterministic too (Cognito may retry).
    if let Err(e) = &result {
        assert_eq!(&t.handle_bytes(&bytes).unwrap_err(), e);
    }
    if let Ok(out) = result {
        let strip = |v: &Value| {
            let mut m = v.as_object().unwrap().clone();
            m.shift_remove("response");
            m
        };
        assert_eq!(strip(&event), strip(&out));
        // Idempotent on its own output.
        assert_eq!(t.handle(out.clone()).unwrap(), out);
    }
});
