//! Seed pattern 1, exponential backoff: four writers append to one actor; on a conflict each
//! waits `base · 2^(n−1)` and retries from the conflict's current version.
//!
//! The seed's own numbers (10 ms doubling, 5 retries) are the `exponential` preset; against an
//! in-memory store they mostly measure sleeping, so this example uses `exponential-us`
//! (10 µs doubling, capped at 10 ms, 10 retries). Run: `cargo run --example exponential_backoff`.

mod common;

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{Tally, append_with_policy};
use retrylab::clock::MonotonicClock;
use retrylab::policy::PolicySpec;
use retrylab::rng::writer_rng;
use retrylab::store::{EventStore, GlobalMutexStore};

const WRITERS: u32 = 4;
const APPENDS: u64 = 50;
const ACTOR: u64 = 42;

fn main() {
    let spec = PolicySpec::preset("exponential-us").expect("preset exists");
    println!("policy: {}\n{}", spec.label(), spec.to_toml_string());
    let policy = spec.build().expect("preset is valid");
    let store: Arc<dyn EventStore> = Arc::new(GlobalMutexStore::new());
    let clock = MonotonicClock::start();

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, mut policy) = (Arc::clone(&store), policy.writer());
            thread::spawn(move || {
                let mut rng = writer_rng(7, 0, w);
                let mut tally = Tally::default();
                for i in 0..APPENDS {
                    // A little "think" time between read and save makes writers collide.
                    let (outcome, _) = append_with_policy(
                        store.as_ref(),
                        policy.as_mut(),
                        &mut rng,
                        &clock,
                        ACTOR,
                        i,
                        Duration::from_micros(5),
                    );
                    tally.add(outcome);
                }
                tally
            })
        })
        .collect();
    for (w, handle) in writers.into_iter().enumerate() {
        let t = handle.join().expect("writer thread");
        println!(
            "writer {w}: {} committed, {} retries, {} gave up",
            t.committed, t.retries, t.gave_up
        );
    }
    println!(
        "actor {ACTOR} is at version {} after {:?}",
        store.latest_version(ACTOR),
        Duration::from_nanos(clock.now())
    );
}
