//! `{env.NAME}` in lookup tables and regions, resolved when the function's
//! configuration loads: an unset variable is a problem naming its place.

use super::reader::join;
use crate::error::Problem;
use crate::model::Policy;
use crate::model::lookup::{EnvText, LookupKind};
use crate::model::template::Part;

impl EnvText {
    fn resolve(&mut self, var: &dyn Fn(&str) -> Option<String>) -> Result<(), String> {
        let mut out = String::new();
        for p in &self.template.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Env(name) => match var(name).filter(|v| !v.trim().is_empty()) {
                    Some(v) => out.push_str(v.trim()),
                    None => return Err(name.clone()),
                },
                _ => return Err(String::new()),
            }
        }
        self.resolved = Some(out);
        Ok(())
    }
}

impl Policy {
    /// Reads the `{env.NAME}` variables of every lookup's table and region
    /// (the routes' included) through `var`; every variable that is not set
    /// is a problem, at its place.
    pub fn resolve_env(
        &mut self,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), Vec<Problem>> {
        let mut problems = Vec::new();
        self.for_each_document_mut(&mut |p| {
            let route = p.route.clone();
            for l in &mut p.lookups {
                let base = join(&join(&route, "lookups"), &l.name);
                let mut texts: Vec<(String, &mut EnvText)> = Vec::new();
                match &mut l.kind {
                    LookupKind::Get { table, .. } | LookupKind::Query { table, .. } => {
                        texts.push((join(&base, "dynamodb.table"), table));
                    }
                    LookupKind::AdminGetUser => {}
                }
                if let Some(r) = &mut l.region {
                    texts.push((join(&base, "region"), r));
                }
                for (path, t) in texts {
                    if let Err(var_name) = t.resolve(var) {
                        problems.push(Problem {
                            path,
                            message: format!(
                                "the environment variable {var_name} is not set (or empty): set it in the function's environment"
                            ),
                        });
                    }
                }
            }
        });
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}
