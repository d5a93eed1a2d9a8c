//! Seed pattern 4, jittered backoff: the same eight writers on one actor under plain exponential
//! backoff, AWS full jitter, AWS decorrelated jitter and the seed's additive jitter, side by side.
//! Without jitter, writers that collided together wait the same time and collide again.
//! Run: `cargo run --example jittered_backoff`.

mod common;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{Tally, append_with_policy};
use retrylab::clock::MonotonicClock;
use retrylab::policy::PolicySpec;
use retrylab::rng::writer_rng;
use retrylab::store::{EventStore, GlobalMutexStore};

const WRITERS: u32 = 8;
const APPENDS: u64 = 40;

const ADDITIVE: &str = r#"
name = "seed-additive-jitter-us"
backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "10ms" }
jitter = { kind = "additive" }
max_retries = 10
"#;

fn run(spec: &PolicySpec) -> (Tally, Duration) {
    let policy = spec.build().expect("valid spec");
    let store: Arc<dyn EventStore> = Arc::new(GlobalMutexStore::new());
    let clock = MonotonicClock::start();
    let start = Instant::now();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, mut policy) = (Arc::clone(&store), policy.writer());
            thread::spawn(move || {
                let mut rng = writer_rng(11, 0, w);
                let mut tally = Tally::default();
                for i in 0..APPENDS {
                    let think = Duration::from_micros(5);
                    tally.add(
                        append_with_policy(
                            store.as_ref(),
                            policy.as_mut(),
                            &mut rng,
                            &clock,
                            0,
                            i,
                            think,
                        )
                        .0,
                    );
                }
                tally
            })
        })
        .collect();
    let tally = writers
        .into_iter()
        .map(|h| h.join().expect("writer thread"))
        .fold(Tally::default(), Tally::merge);
    (tally, start.elapsed())
}

fn main() {
    let mut specs: Vec<PolicySpec> = [
        "exponential-us",
        "exponential-full-jitter",
        "decorrelated-jitter",
    ]
    .iter()
    .map(|name| PolicySpec::preset(name).expect("preset exists"))
    .collect();
    specs.push(PolicySpec::from_toml_str(ADDITIVE).expect("valid spec"));
    println!(
        "{:<26} {:>9} {:>8} {:>8} {:>9}",
        "policy", "committed", "retries", "gave up", "elapsed"
    );
    for spec in &specs {
        let (t, elapsed) = run(spec);
        println!(
            "{:<26} {:>9} {:>8} {:>8} {:>7.1}ms",
            spec.label(),
            t.committed,
            t.retries,
            t.gave_up,
            elapsed.as_secs_f64() * 1e3
        );
    }
}
