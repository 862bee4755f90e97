//! Arbitrary text as a policy (seeded with every example policy, mutated with
//! the language's keywords from `fuzz/policy.dict`): the loader accepts or
//! lists problems, never panics; an accepted policy applies to real events
//! (one with client metadata and federated groups) without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pretoken::event::Version;
use pretoken::{Config, Policy, Trigger};

const EVENT: &str = include_str!("../../events/v2-authentication.json");
const FEDERATED: &str = include_str!("../../events/v2-federated-saml.json");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Policy::from_json(text, "fuzz") {
        Ok(policy) => {
            let t = Trigger::new(Ok(Config {
                policy,
                lambda_version: Some(Version::V1),
            }));
            let _ = t.handle_bytes(EVENT.as_bytes());
            let _ = t.handle_bytes(FEDERATED.as_bytes());
            let mut v1 = EVENT.replace("\"version\": \"2\"", "\"version\": \"1\"");
            let _ = t.handle_bytes(v1.as_bytes());
            v1.clear();
        }
        Err(e) => assert!(!e.problems.is_empty()),
    }
});
