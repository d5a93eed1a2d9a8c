//! What the brute-force test and the tune bench share: a small hot-actor scenario, a
//! 200-configuration space over it, and measuring one configuration through a bench.

#![allow(dead_code, unreachable_pub)] // Each user takes a different part.

use retrylab::engine::EngineKind;
use retrylab::metrics::tune::figures::Figures;
use retrylab::tune::bench::{Bench, Job};
use retrylab::tune::candidate::TunedPool;
use retrylab::tune::space::Space;

/// Eight writers on one actor for 40 ms of simulated time: a run takes a few milliseconds.
pub const SCENARIO: &str = r#"
name = "tune-small"
seed = 11
[store]
latency = { kind = "lognormal", median = "20us", sigma = 0.4 }
[run]
actors = 1
duration = "40ms"
warmup = "5ms"
[[pools]]
name = "service"
writers = 8
policy = "exponential-us"
keys = { kind = "hot-actor" }
think = { kind = "exponential", mean = "20us" }
"#;

/// 5 bases × 4 jitter kinds × 10 retry limits: 200 configurations.
pub const SPACE: &[&str] = &[
    "base=1us,5us,25us,125us,625us",
    "jitter=none,full,equal,decorrelated",
    "max_retries=0..9",
];

/// Owned strings.
pub fn strings(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| (*s).to_owned()).collect()
}

/// The runs of the configuration at `point` on seeds `reps` (each once, through `bench`).
pub fn measure(
    bench: &mut Bench,
    pool: &TunedPool,
    space: &Space,
    point: &[f64],
    reps: std::ops::Range<u32>,
) -> Vec<Figures> {
    let values = space.decode(point);
    let key = space.key(&values);
    let scenario = pool
        .scenario(pool.policy(space, &values, "grid").expect("a valid policy"))
        .expect("a scenario");
    let jobs: Vec<Job<'_>> = reps
        .map(|rep| Job {
            key: &key,
            scenario: &scenario,
            rep,
            engine: EngineKind::Sim,
        })
        .collect();
    bench.measure(&jobs).expect("runs").expect("not stopped")
}
