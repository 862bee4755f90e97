//! The incoming Cognito pre token generation event.
//!
//! Contract: the event is kept whole as a JSON object, so every field, known
//! or unknown, at any depth, goes back to Cognito untouched; only `response`
//! is replaced. [`EventView`] borrows the few fields the policy reads and
//! checks their types (`userAttributes` and `clientMetadata` map names to
//! strings), tolerating what real events do: absent or null
//! `userAttributes`, `groupConfiguration`, `clientMetadata` and `scopes`,
//! `preferredRole` as null, a string or a one-element array, any `version`
//! and `triggerSource` string. The incoming `response` is never read.
//!
//! Why not `aws_lambda_events`' types: version 1.2.1 cannot parse
//! client-credentials events, requires `scopes`, drops fields it does not
//! know unless a feature is on, and always writes an empty
//! `groupOverrideDetails`, which removes the user's groups
//! (`tests/upstream_model.rs` shows each).

use serde_json::{Map, Value};

use crate::error::EventError;
use crate::json::type_name;

/// The trigger source of machine-to-machine (client credentials) grants:
/// there is no user and no ID token.
pub const CLIENT_CREDENTIALS: &str = "TokenGeneration_ClientCredentials";

/// The event version, which chooses the response container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `"1"`: `claimsOverrideDetails`, ID token only, strings only.
    V1,
    /// `"2"`: `claimsAndScopeOverrideDetails`, ID and access tokens.
    V2,
    /// `"3"`: as V2, also for client-credentials grants.
    V3,
}

impl Version {
    /// The version of an event's `version` field, if it is one Cognito sends.
    pub fn from_event_field(s: &str) -> Option<Self> {
        match s {
            "1" => Some(Self::V1),
            "2" => Some(Self::V2),
            "3" => Some(Self::V3),
            _ => None,
        }
    }

    /// The version named by a user pool's `LambdaVersion` setting.
    pub fn from_lambda_version(s: &str) -> Option<Self> {
        match s {
            "V1_0" => Some(Self::V1),
            "V2_0" => Some(Self::V2),
            "V3_0" => Some(Self::V3),
            _ => None,
        }
    }

    /// The pool setting that sends this version, as `V2_0`.
    pub fn lambda_version(self) -> &'static str {
        match self {
            Self::V1 => "V1_0",
            Self::V2 => "V2_0",
            Self::V3 => "V3_0",
        }
    }

    /// Whether the response may change the access token.
    pub fn has_access_token_rules(self) -> bool {
        !matches!(self, Self::V1)
    }
}

/// The user's groups, IAM roles and preferred role as the request gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Groups<'a> {
    /// `groupsToOverride`: the user's groups.
    pub groups: Vec<&'a str>,
    /// `iamRolesToOverride`: the IAM roles of those groups.
    pub roles: Vec<&'a str>,
    /// `preferredRole`, normalised from null, a string or a one-element array.
    pub preferred_role: Option<&'a str>,
}

/// The fields of an event that a policy reads, borrowed and type-checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventView<'a> {
    /// `version`, as sent (absent or null reads as None).
    pub version: Option<&'a str>,
    /// `triggerSource`, as sent.
    pub trigger_source: Option<&'a str>,
    /// `callerContext.clientId`: the app client.
    pub client_id: Option<&'a str>,
    /// `userPoolId`.
    pub user_pool_id: Option<&'a str>,
    /// `userName` (absent on client-credentials grants).
    pub user_name: Option<&'a str>,
    /// `region`.
    pub region: Option<&'a str>,
    /// `request.userAttributes`, in event order.
    pub user_attributes: Vec<(&'a str, &'a str)>,
    /// `request.groupConfiguration`.
    pub groups: Groups<'a>,
    /// `request.scopes` (V2/V3).
    pub scopes: Vec<&'a str>,
    /// `request.clientMetadata`, in event order (the calling app controls it).
    pub client_metadata: Vec<(&'a str, &'a str)>,
}

impl<'a> EventView<'a> {
    /// Reads and type-checks the fields the policy needs.
    pub fn parse(event: &'a Map<String, Value>) -> Result<Self, EventError> {
        let mut view = EventView {
            version: opt_str(event, "version", "version")?,
            trigger_source: opt_str(event, "triggerSource", "triggerSource")?,
            user_pool_id: opt_str(event, "userPoolId", "userPoolId")?,
            user_name: opt_str(event, "userName", "userName")?,
            region: opt_str(event, "region", "region")?,
            ..EventView::default()
        };
        if let Some(ctx) = opt_object(event, "callerContext", "callerContext")? {
            view.client_id = opt_str(ctx, "clientId", "callerContext.clientId")?;
        }
        let Some(request) = opt_object(event, "request", "request")? else {
            return Ok(view);
        };
        view.user_attributes = string_map(request, "userAttributes")?;
        view.client_metadata = string_map(request, "clientMetadata")?;
        if let Some(gc) = opt_object(request, "groupConfiguration", "request.groupConfiguration")? {
            view.groups.groups = str_list(
                gc,
                "groupsToOverride",
                "request.groupConfiguration.groupsToOverride",
            )?;
            view.groups.roles = str_list(
                gc,
                "iamRolesToOverride",
                "request.groupConfiguration.iamRolesToOverride",
            )?;
            view.groups.preferred_role = preferred_role(gc.get("preferredRole"))?;
        }
        view.scopes = str_list(request, "scopes", "request.scopes")?;
        Ok(view)
    }

    /// The value of a user attribute, if present.
    pub fn attribute(&self, name: &str) -> Option<&'a str> {
        self.user_attributes
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// The value of a client-metadata entry, if present.
    pub fn client_metadata(&self, key: &str) -> Option<&'a str> {
        self.client_metadata
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// Whether the user is in the named group.
    pub fn in_group(&self, name: &str) -> bool {
        self.groups.groups.contains(&name)
    }

    /// Whether this is a machine-to-machine grant (no user, no ID token).
    pub fn is_client_credentials(&self) -> bool {
        self.trigger_source == Some(CLIENT_CREDENTIALS)
    }
}

/// The largest event Lambda passes to a synchronous invocation: 6 MB.
pub const MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;

/// Parses event bytes into the JSON object the handler works on, refusing
/// events over [`MAX_EVENT_BYTES`] and repeated keys (see [`crate::json`]).
pub fn parse_bytes(bytes: &[u8]) -> Result<Map<String, Value>, EventError> {
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(EventError::TooLarge(bytes.len()));
    }
    let parsed: crate::json::Event =
        // A syntax error names a position, never the content.
        serde_json::from_slice(bytes).map_err(|e| EventError::NotJson(e.to_string()))?;
    from_payload(parsed)
}

/// The event object from a payload parsed by the Lambda runtime: refuses
/// repeated keys (parsers disagree on which occurrence counts) and values
/// that are not objects.
pub fn from_payload(parsed: crate::json::Event) -> Result<Map<String, Value>, EventError> {
    if let Some(key) = parsed.duplicate {
        return Err(EventError::Duplicate(quoted(&key)));
    }
    into_object(parsed.value)
}

/// Checks that an already-parsed event is a JSON object.
pub fn into_object(value: Value) -> Result<Map<String, Value>, EventError> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(EventError::NotAnObject(type_name(&other))),
    }
}

fn wrong_type(path: String, expected: &'static str, found: &Value) -> EventError {
    EventError::WrongType {
        path,
        expected,
        found: type_name(found),
    }
}

/// A key from the event quoted for an error path, cut short so that a
/// hostile event cannot make the message huge.
fn quoted(key: &str) -> String {
    const MAX: usize = 64;
    if key.chars().count() <= MAX {
        format!("{key:?}")
    } else {
        let cut: String = key.chars().take(MAX).collect();
        format!("{cut:?}…")
    }
}

fn opt_str<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a str>, EventError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(wrong_type(path.to_owned(), "a string", other)),
    }
}

fn opt_object<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, EventError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => Err(wrong_type(path.to_owned(), "an object", other)),
    }
}

/// A `request` member that maps names to strings (`userAttributes`,
/// `clientMetadata`): absent or null reads as empty.
fn string_map<'a>(
    request: &'a Map<String, Value>,
    key: &str,
) -> Result<Vec<(&'a str, &'a str)>, EventError> {
    let path = format!("request.{key}");
    let Some(map) = opt_object(request, key, &path)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(map.len());
    for (name, value) in map {
        match value {
            Value::String(s) => out.push((name.as_str(), s.as_str())),
            other => {
                return Err(wrong_type(
                    format!("{path}[{}]", quoted(name)),
                    "a string",
                    other,
                ));
            }
        }
    }
    Ok(out)
}

fn str_list<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Vec<&'a str>, EventError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.as_str()),
                other => Err(wrong_type(format!("{path}[{i}]"), "a string", other)),
            })
            .collect(),
        Some(other) => Err(wrong_type(path.to_owned(), "an array of strings", other)),
    }
}

fn preferred_role(v: Option<&Value>) -> Result<Option<&str>, EventError> {
    const PATH: &str = "request.groupConfiguration.preferredRole";
    const EXPECTED: &str = "null, a string or a one-element array of strings";
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        // AWS's own sample events show it as an array: a documentation bug
        // that handlers meet in tests.
        Some(Value::Array(items)) => match items.as_slice() {
            [] => Ok(None),
            [Value::String(s)] => Ok(Some(s)),
            [other] => Err(wrong_type(format!("{PATH}[0]"), "a string", other)),
            _ => Err(EventError::WrongType {
                path: PATH.to_owned(),
                expected: EXPECTED,
                found: "an array of several items",
            }),
        },
        Some(other) => Err(wrong_type(PATH.to_owned(), EXPECTED, other)),
    }
}
