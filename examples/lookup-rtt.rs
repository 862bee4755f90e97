//! The lookup server's own round trip, measured alone with the client the
//! function uses (`Fetcher`: the SDK, its HTTP client, the same request):
//! `make bench` compares the lookup policy's warm invocations with it.
//!
//! `cargo run --release --example lookup-rtt -- TABLE KEY N` (the SDK's
//! environment: `AWS_REGION`, credentials, `AWS_ENDPOINT_URL_DYNAMODB`);
//! prints `{"p50_us": …, "p90_us": …, "n": …}`.

use std::time::{Duration, Instant};

use pretoken::lookup::aws::Fetcher;
use pretoken::lookup::{Bounds, LookupResults, Plan, Planned, Request};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, table, key, n] = args.as_slice() else {
        eprintln!("usage: lookup-rtt TABLE KEY N");
        std::process::exit(2);
    };
    let (table, key, n) = (
        table.clone(),
        key.clone(),
        n.parse::<usize>().unwrap_or(300),
    );
    let fetcher = Fetcher::from_env(1).await;
    let planned = Planned {
        index: 0,
        name: "rtt".into(),
        bounds: Bounds {
            timeout: Duration::from_secs(2),
            cache: Duration::ZERO,
        },
        request: Request::Get {
            table,
            region: None,
            key: vec![("pk".into(), key)],
        },
    };
    let mut times = Vec::with_capacity(n);
    for i in 0..n + 20 {
        let mut plan = Plan {
            requests: vec![planned.clone()],
            results: LookupResults::new(&[]),
            key_refused: Vec::new(),
        };
        let start = Instant::now();
        fetcher.fetch(&mut plan).await;
        // The first 20 warm the connection, as the function's first call does.
        if i >= 20 {
            times.push(start.elapsed().as_micros());
        }
    }
    times.sort_unstable();
    let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
    println!(
        "{{\"p50_us\": {}, \"p90_us\": {}, \"n\": {}}}",
        pct(50),
        pct(90),
        times.len()
    );
}
