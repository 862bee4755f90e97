//! The worst case we could write, measured: the most expensive valid policy
//! against the largest event Cognito sends (`bench/worst/`, written by
//! `bench/worst/generate.py`), end to end as the Lambda runtime runs it
//! (parse, answer, serialise), in release. Prints p50, p99 and the largest
//! of `N` invocations (default 2,000; `cargo run --release --example
//! worst-case -- N`). `make bench-worst` runs it; the budget it must stay
//! under is 50 ms at p99, far inside `PRETOKEN_EVAL_BUDGET_MS`'s default.

use std::time::Instant;

use pretoken::event::Version;
use pretoken::{Config, Policy, Trigger};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/worst");
    let policy_text = std::fs::read_to_string(root.join("worst-policy.json")).unwrap();
    let event: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("largest-event.json")).unwrap()).unwrap();
    let bytes = serde_json::to_vec(&event).unwrap();
    let policy = Policy::from_json(&policy_text, "worst-policy.json").unwrap();
    let t = Trigger::new(Ok(Config {
        policy,
        lambda_version: Some(Version::V2),
    }));
    // One answer, checked: the policy ran to the end (no refusal).
    let payload: pretoken::json::Event = serde_json::from_slice(&bytes).unwrap();
    let out = serde_json::to_vec(&t.respond_payload(payload, "worst").unwrap()).unwrap();
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        let payload: pretoken::json::Event = serde_json::from_slice(&bytes).unwrap();
        let answer = t.respond_payload(payload, "worst").unwrap();
        std::hint::black_box(serde_json::to_vec(&answer).unwrap());
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let at = |percent: usize| times[(times.len() - 1) * percent / 100];
    println!(
        "event {} bytes, response {} bytes, {} invocations: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        bytes.len(),
        out.len(),
        n,
        at(50),
        at(99),
        times[times.len() - 1]
    );
}
