//! The JSON floor: parsing an event into a `serde_json::Value` and writing it
//! back, on the same bytes as `benches/core.rs` (criterion group and name
//! `small/floor`, `large/floor`, which `bench/run-all` reads beside
//! `small/core`). In a package of its own, so that a profile choice for
//! `pretoken` never changes it.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const EVENTS: &[(&str, &str)] = &[
    (
        "small",
        include_str!("../../../events/v2-authentication.json"),
    ),
    ("large", include_str!("../../events/v2-large.json")),
];

fn bench(c: &mut Criterion) {
    for (name, json) in EVENTS {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        let bytes = serde_json::to_vec(&v).unwrap();
        let mut g = c.benchmark_group(*name);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("floor", |b| {
            b.iter(|| {
                let v: serde_json::Value = serde_json::from_slice(black_box(&bytes)).unwrap();
                black_box(serde_json::to_vec(&v).unwrap())
            });
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
