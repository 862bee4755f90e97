//! Arbitrary bytes as the Lambda payload, under every shipped policy: the
//! handler answers or refuses, never panics, and what it answers keeps the
//! request.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pretoken::event::Version;
use pretoken::{Config, Policy, Trigger};

const POLICIES: &[&str] = &[
    include_str!("../../policy.json"),
    include_str!("../../policies/rbac.json"),
    include_str!("../../policies/access-token-claims.json"),
];

fn triggers() -> &'static [Trigger] {
    static T: std::sync::OnceLock<Vec<Trigger>> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        POLICIES
            .iter()
            .map(|p| {
                Trigger::new(Ok(Config {
                    policy: Policy::from_json(p, "fuzz").unwrap(),
                    lambda_version: Some(Version::V2),
                }))
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    for t in triggers() {
        if let Ok(out) = t.handle_bytes(data) {
            // The event as the handler read it: serde_json's own `Value`
            // refuses some objects the handler takes as they are (with the
            // `raw_value` feature, an object whose key is serde_json's
            // private RawValue token), so it is not the oracle here.
            let mut input = pretoken::event::parse_bytes(data).unwrap();
            let input = &mut input;
            input.shift_remove("response");
            let mut out = out;
            let out = out.as_object_mut().unwrap();
            out.shift_remove("response");
            assert_eq!(input, out);
        }
    }
});
