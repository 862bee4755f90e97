//! Reading a SAM/CloudFormation template (YAML or JSON) into JSON with the
//! intrinsic functions in their long form, for `pretoken check --template`.

use serde_json::{Map, Value, json};
use serde_yaml_ng::Value as Yaml;

/// Reads a template file.
pub fn read(path: &std::path::Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        return Ok(v);
    }
    let yaml: Yaml = serde_yaml_ng::from_str(&text)
        .map_err(|e| format!("{}: not valid YAML: {e}", path.display()))?;
    to_json(yaml).map_err(|e| format!("{}: {e}", path.display()))
}

/// YAML to JSON; `!Name value` becomes `{"Fn::Name": value}` (`!Ref` and
/// `!Condition` keep their names; `!GetAtt A.B` becomes `["A", "B"]`).
fn to_json(yaml: Yaml) -> Result<Value, String> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                json!(n.as_f64())
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Yaml::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Yaml::String(s) => s,
                    Yaml::Number(n) => n.to_string(),
                    Yaml::Bool(b) => b.to_string(),
                    _ => return Err("a mapping key that is not a string".to_owned()),
                };
                out.insert(key, to_json(v)?);
            }
            Value::Object(out)
        }
        Yaml::Tagged(tagged) => {
            let name = tagged.tag.to_string();
            let name = name.trim_start_matches('!').to_owned();
            let value = to_json(tagged.value)?;
            let (key, value) = match name.as_str() {
                "Ref" | "Condition" => (name, value),
                "GetAtt" => (
                    "Fn::GetAtt".to_owned(),
                    match value {
                        Value::String(s) => match s.split_once('.') {
                            Some((a, b)) => json!([a, b]),
                            None => Value::String(s),
                        },
                        other => other,
                    },
                ),
                _ => (format!("Fn::{name}"), value),
            };
            let mut m = Map::new();
            m.insert(key, value);
            Value::Object(m)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tags_become_intrinsics() {
        let y: Yaml = serde_yaml_ng::from_str(
            "a: !Ref P\nb: !GetAtt Fn.Arn\nc: !Sub \"${X}-y\"\nd: !Equals [!Ref T, LITE]\ne: [1, true]\n",
        )
        .unwrap();
        assert_eq!(
            to_json(y).unwrap(),
            json!({
                "a": {"Ref": "P"},
                "b": {"Fn::GetAtt": ["Fn", "Arn"]},
                "c": {"Fn::Sub": "${X}-y"},
                "d": {"Fn::Equals": [{"Ref": "T"}, "LITE"]},
                "e": [1, true]
            })
        );
    }
}
