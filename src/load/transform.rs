//! Loading transform steps: each parsed, its regular expression compiled
//! (linear time, bounded length) and its type checked against its input.

use serde_json::{Map, Value};

use super::reader::{Reader, closest, join};
use crate::json::type_name;
use crate::model::transform::{OBJECT_STEPS, Regex, Step, Ty, WORD_STEPS};

/// The longest regular expression a policy may hold.
const MAX_REGEX_LEN: usize = 1000;

/// The "did you mean" for an unknown step name.
fn hint(word: &str) -> String {
    let all: Vec<&str> = WORD_STEPS.iter().chain(OBJECT_STEPS).copied().collect();
    match closest(word, &all) {
        Some(s) => format!("; did you mean `{s}`?"),
        None => format!("; expected one of: {}", all.join(", ")),
    }
}

impl Regex {
    /// Compiles `source`, case-insensitively (ASCII) when asked.
    pub fn compile(source: &str, ignore_case: bool) -> Result<Self, String> {
        if source.len() > MAX_REGEX_LEN {
            return Err(format!(
                "a regular expression may be at most {MAX_REGEX_LEN} characters"
            ));
        }
        regex_lite::RegexBuilder::new(source)
            .case_insensitive(ignore_case)
            .size_limit(1 << 20)
            .nest_limit(50)
            .build()
            .map(|regex| Self {
                source: source.to_owned(),
                regex,
            })
            .map_err(|e| {
                // The engine's message may quote the pattern, which is policy
                // text, not personal data; keep its first line only.
                let msg = e.to_string();
                let first = msg.lines().last().unwrap_or("").trim().to_owned();
                format!("invalid regular expression: {first}")
            })
    }
}

impl Reader {
    /// Reads `"transform"` of `obj`, checking each step against the type it
    /// receives; returns the steps and the type they give.
    pub(super) fn transform(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        mut ty: Ty,
    ) -> (Vec<Step>, Ty) {
        let Some(v) = obj.get("transform") else {
            return (Vec::new(), ty);
        };
        let path = join(path, "transform");
        let Value::Array(items) = v else {
            self.err(&path, format!("must be an array, not {}", type_name(v)));
            return (Vec::new(), Ty::Any);
        };
        if items.is_empty() {
            self.err(&path, "names no step: remove it, or list the steps");
        }
        let mut steps = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some(step) = self.step(item, &p) else {
                ty = Ty::Any;
                continue;
            };
            match step.output(ty) {
                Ok(t) => ty = t,
                Err(reason) => {
                    self.err(&p, reason);
                    ty = Ty::Any;
                }
            }
            steps.push(step);
        }
        (steps, ty)
    }

    fn step(&mut self, v: &Value, path: &str) -> Option<Step> {
        match v {
            Value::String(word) => match word.as_str() {
                "lowercase" => Some(Step::Lowercase),
                "uppercase" => Some(Step::Uppercase),
                "trim" => Some(Step::Trim),
                "nonEmpty" => Some(Step::NonEmpty),
                "emailDomain" => Some(Step::EmailDomain),
                "emailLocalPart" => Some(Step::EmailLocalPart),
                "first" => Some(Step::First),
                other if OBJECT_STEPS.contains(&other) => {
                    self.err(
                        path,
                        format!("`{other}` needs its argument: write it as {{\"{other}\": ...}}"),
                    );
                    None
                }
                other => {
                    let hint = hint(other);
                    self.err(path, format!("unknown step `{other}`{hint}"));
                    None
                }
            },
            Value::Object(m) => self.object_step(m, path),
            other => {
                self.err(
                    path,
                    format!(
                        "a step is a name (\"lowercase\") or an object ({{\"split\": \",\"}}), not {}",
                        type_name(other)
                    ),
                );
                None
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn object_step(&mut self, m: &Map<String, Value>, path: &str) -> Option<Step> {
        let keys: Vec<&str> = m
            .keys()
            .map(String::as_str)
            .filter(|k| OBJECT_STEPS.contains(k))
            .collect();
        let key = match keys.as_slice() {
            [one] => *one,
            [] => {
                let first = m.keys().next().map_or("", String::as_str);
                let hint = hint(first);
                self.err(path, format!("names no step{hint}"));
                return None;
            }
            several => {
                self.err(
                    path,
                    format!("names several steps ({}): one per item", several.join(", ")),
                );
                return None;
            }
        };
        let extra: &[&str] = match key {
            "split" => &["brackets"],
            "map" => &["default"],
            _ => &[],
        };
        let known: Vec<&str> = std::iter::once(key).chain(extra.iter().copied()).collect();
        self.known_fields(m, path, &known);
        let p = join(path, key);
        let v = &m[key];
        let text = |cx: &mut Self, allow_empty: bool| -> Option<String> {
            match v {
                Value::String(s) if s.is_empty() && !allow_empty => {
                    cx.err(&p, "cannot be empty");
                    None
                }
                Value::String(s) => Some(s.clone()),
                other => {
                    cx.err(&p, format!("must be a string, not {}", type_name(other)));
                    None
                }
            }
        };
        match key {
            "prefix" | "suffix" => {
                let t = text(self, false)?;
                let template = self.template(&t, &p)?;
                Some(if key == "prefix" {
                    Step::Prefix(template)
                } else {
                    Step::Suffix(template)
                })
            }
            "stripPrefix" => text(self, false).map(Step::StripPrefix),
            "stripSuffix" => text(self, false).map(Step::StripSuffix),
            "join" => text(self, true).map(Step::Join),
            "split" => {
                let separator = text(self, false)?;
                let brackets = match m.get("brackets") {
                    None => false,
                    Some(Value::Bool(b)) => *b,
                    Some(other) => {
                        self.err(
                            &join(path, "brackets"),
                            format!("must be true or false, not {}", type_name(other)),
                        );
                        false
                    }
                };
                Some(Step::Split {
                    separator,
                    brackets,
                })
            }
            "extract" => {
                let source = text(self, false)?;
                let regex = self.regex(&source, false, &p)?;
                Some(Step::Extract(regex))
            }
            "replace" => {
                let r = self.object(v, &p)?;
                self.known_fields(r, &p, &["regex", "with"]);
                let source = self.opt_string(r, &p, "regex");
                let with = self.opt_string(r, &p, "with");
                let (Some(source), Some(with)) = (source, with) else {
                    self.err(&p, "needs \"regex\" and \"with\"");
                    return None;
                };
                let regex = self.regex(&source, false, &join(&p, "regex"))?;
                Some(Step::Replace { regex, with })
            }
            "map" => {
                let table = self.object(v, &p)?.clone();
                if table.is_empty() {
                    self.err(&p, "maps nothing");
                    return None;
                }
                Some(Step::Map {
                    table,
                    default: m.get("default").cloned(),
                })
            }
            "filter" => {
                let patterns = self.strings(m, path, "filter");
                self.check_patterns(&patterns, &p);
                if patterns.is_empty() {
                    self.err(&p, "names no pattern: the filter would keep nothing");
                    return None;
                }
                Some(Step::Filter(patterns))
            }
            _ => None,
        }
    }

    /// A compiled regular expression, or a problem at `path`.
    pub(super) fn regex(&mut self, source: &str, ignore_case: bool, path: &str) -> Option<Regex> {
        self.regexes += 1;
        match Regex::compile(source, ignore_case) {
            Ok(p) => Some(p),
            Err(reason) => {
                self.err(path, reason);
                None
            }
        }
    }
}
