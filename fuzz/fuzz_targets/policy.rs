//! Arbitrary text as a policy: the loader accepts or lists problems, never
//! panics; an accepted policy applies to a real event without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pretoken::event::Version;
use pretoken::{Config, Policy, Trigger};

const EVENT: &str = include_str!("../../events/v2-authentication.json");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Policy::from_json(text, "fuzz") {
        Ok(policy) => {
            let t = Trigger::new(Ok(Config {
                policy,
                lambda_version: Some(Version::V1),
            }));
            let _ = t.handle_bytes(EVENT.as_bytes());
            let mut v1 = EVENT.replace("\"version\": \"2\"", "\"version\": \"1\"");
            let _ = t.handle_bytes(v1.as_bytes());
            v1.clear();
        }
        Err(e) => assert!(!e.problems.is_empty()),
    }
});
