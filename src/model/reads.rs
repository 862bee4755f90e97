//! What a policy reads and changes, with each rule's place: for checks made
//! outside the policy (`pretoken check --template`).
//!
//! Contract: [`attribute_reads`] lists every user attribute the policy may
//! read (sources, templates, transform texts, conditions, copies, scopes,
//! group and role sources, lookup keys), each with the place of the rule that reads it,
//! as `claims[2]` or `deny[0].when`; copies are listed by their pattern.

use super::Policy;
use super::condition::Condition;
use super::source::{Source, SourceKind};
use super::template::{Part, Template};
use super::transform::Step;
use super::walk::{Placed, Rule, sub_place, walk_document};

/// One attribute a policy reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeRead {
    /// The rule's place, as `claims[0]`.
    pub place: String,
    /// The attribute name, or a pattern ending in `*` for copies.
    pub attribute: String,
}

/// Every attribute the document's policies may read, in file order,
/// without repeats; in a routing document, places start with the route
/// (`pools.ID.default.claims[0]`).
pub fn attribute_reads(document: &Policy) -> Vec<AttributeRead> {
    let mut out = Vec::new();
    let mut push = |place: String, attribute: &str| {
        if !out
            .iter()
            .any(|r: &AttributeRead| r.place == place && r.attribute == attribute)
        {
            out.push(AttributeRead {
                place,
                attribute: attribute.to_owned(),
            });
        }
    };
    for Placed { place, rule } in walk_document(document) {
        if let Rule::Copy(c) = rule {
            push(place.clone(), &c.pattern);
        }
        for (inner, s) in rule.sources() {
            source(s, &sub_place(&place, inner), &mut push);
        }
        for (inner, t) in rule.templates() {
            template(t, &sub_place(&place, &inner), &mut push);
        }
        if let Some(when) = rule.when() {
            condition(when, &format!("{place}.when"), &mut push);
        }
    }
    out
}

fn source(s: &Source, place: &str, push: &mut impl FnMut(String, &str)) {
    match &s.kind {
        SourceKind::Attribute(name) => push(place.to_owned(), name),
        SourceKind::Template(t) => template(t, place, push),
        SourceKind::FirstOf(list) => list.iter().for_each(|s| source(s, place, push)),
        SourceKind::Object(members) => members.iter().for_each(|(_, s)| source(s, place, push)),
        _ => {}
    }
    for step in &s.transform {
        if let Step::Prefix(t) | Step::Suffix(t) = step {
            template(t, place, push);
        }
    }
}

fn template(t: &Template, place: &str, push: &mut impl FnMut(String, &str)) {
    for p in &t.parts {
        if let Part::Attribute(name) = p {
            push(place.to_owned(), name);
        }
    }
}

fn condition(c: &Condition, place: &str, push: &mut impl FnMut(String, &str)) {
    for (name, _) in &c.attributes {
        push(place.to_owned(), name);
    }
    for (i, sub) in c.all.iter().enumerate() {
        condition(sub, &format!("{place}.all[{i}]"), push);
    }
    for (i, sub) in c.any.iter().enumerate() {
        condition(sub, &format!("{place}.any[{i}]"), push);
    }
    if let Some(n) = &c.not {
        condition(n, &format!("{place}.not"), push);
    }
}

/// Things worth knowing that are neither problems nor warnings, with their
/// places: an ID-token `scope` claim is a plain claim, not the access
/// token's scopes.
pub fn notes(document: &Policy) -> Vec<crate::error::Problem> {
    walk_document(document)
        .into_iter()
        .filter_map(|Placed { place, rule }| match rule {
            Rule::Claim(c) if c.claim == "scope" && c.tokens.id => Some(crate::error::Problem {
                path: format!("{place}.claim"),
                message: "`scope` in the ID token is a plain claim, not the access token's scopes: aws-jwt-verify's scope checks (and API Gateway's scopes) read access tokens".into(),
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_read_is_found_with_its_place() {
        let p = Policy::from_json(
            r#"{
              "deny": [{"when": {"not": {"attributes": {"email": {"present": true}}}}, "message": "No."}],
              "claims": [
                {"claim": "a", "template": "{custom:t}-{context.clientId}"},
                {"claim": "b", "firstOf": [{"attribute": "x"}, {"object": {"k": {"attribute": "y"}}}],
                 "transform": [{"suffix": "{z}"}], "when": {"attributes": {"w": {"present": true}}}}
              ],
              "copyAttributes": [{"match": "custom:*"}],
              "scopes": [{"add": ["s:{plan}"]}],
              "groups": {"addFrom": {"attribute": "custom:groups", "convert": "list", "allow": ["app-*"]}}
            }"#,
            "t",
        )
        .unwrap();
        let reads: Vec<(String, String)> = attribute_reads(&p)
            .into_iter()
            .map(|r| (r.place, r.attribute))
            .collect();
        let expect = [
            ("deny[0].when.not", "email"),
            ("claims[0]", "custom:t"),
            ("claims[1]", "x"),
            ("claims[1]", "y"),
            ("claims[1]", "z"),
            ("claims[1].when", "w"),
            ("copyAttributes[0]", "custom:*"),
            ("scopes[0].add[0]", "plan"),
            ("groups.addFrom", "custom:groups"),
        ];
        let expect: Vec<(String, String)> = expect
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        assert_eq!(reads, expect);
    }
}
