//! The pure core, to compare with the floor (parsing the event and writing it
//! back with no policy: `bench/floor/benches/floor.rs`, in a package of its
//! own). Both on the same bytes: a small realistic V2
//! event and a large one (60 attributes, 30 groups); the core with the built-in policy
//! and with the rich benchmark policy (`bench/policies/rich.json`: templates,
//! a regex transform, a map, an object claim, attribute conditions, first
//! match, a deny rule that does not fire). `bench/run-all` reads the results.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pretoken::event::Version;
use pretoken::{Config, Policy, Trigger};
use std::hint::black_box;

const EVENTS: &[(&str, &str)] = &[
    ("small", include_str!("../events/v2-authentication.json")),
    ("large", include_str!("../bench/events/v2-large.json")),
];

fn compact(json: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::from_str::<serde_json::Value>(json).unwrap()).unwrap()
}

fn bench(c: &mut Criterion) {
    // No logging subscriber: the per-invocation log line costs nothing here,
    // as in a benchmark of the floor.
    let trigger = Trigger::new(Ok(Config {
        policy: Policy::builtin().unwrap(),
        lambda_version: Some(Version::V2),
    }));
    let rich = Trigger::new(Ok(Config {
        policy: Policy::from_json(include_str!("../bench/policies/rich.json"), "rich").unwrap(),
        lambda_version: Some(Version::V2),
    }));
    for (name, json) in EVENTS {
        let bytes = compact(json);
        let mut g = c.benchmark_group(*name);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        // As the Lambda runtime does: parse into the payload type, answer,
        // serialise the answer.
        for (label, t) in [("core", &trigger), ("core-rich", &rich)] {
            g.bench_function(label, |b| {
                b.iter(|| {
                    let payload: pretoken::json::Event =
                        serde_json::from_slice(black_box(&bytes)).unwrap();
                    let out = t.respond_payload(payload, "bench").unwrap();
                    black_box(serde_json::to_vec(&out).unwrap())
                });
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
