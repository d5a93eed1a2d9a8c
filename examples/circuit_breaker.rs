//! Seed pattern 3, circuit breaker: eight writers retry at once on one actor, so conflicts pile
//! up; a breaker shared by the pool trips on five conflicts in a row, rejects every attempt while
//! open (200 µs, doubling on each failed probe up to 5 ms), then lets one probe through: its
//! commit closes the breaker, its conflict re-opens it. Requests arrive every 50 µs per writer, rejected or not (a service
//! answers a rejected request with an error at once). The breaker's transition log is what an
//! engine records in its time series.
//! Run: `cargo run --example circuit_breaker`.

mod common;

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{Tally, append_with_policy};
use retrylab::clock::MonotonicClock;
use retrylab::policy::PolicySpec;
use retrylab::rng::writer_rng;
use retrylab::store::{EventStore, GlobalMutexStore};

const WRITERS: u32 = 8;
const APPENDS: u64 = 400;
const ACTOR: u64 = 1;

const POLICY: &str = r#"
name = "immediate-behind-breaker"
backoff = { kind = "immediate" }
max_retries = 20
breaker = { window = { kind = "consecutive", failures = 5 }, open_duration = "200us", open_multiplier = 2.0, open_cap = "5ms", half_open_probes = 1 }
"#;

fn main() {
    let built = PolicySpec::from_toml_str(POLICY)
        .and_then(|s| s.build_parts())
        .expect("valid spec");
    let breaker = built.breaker.clone().expect("the spec has a breaker");
    let store: Arc<dyn EventStore> = Arc::new(GlobalMutexStore::new());
    let clock = MonotonicClock::start();

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, mut policy) = (Arc::clone(&store), built.policy.writer());
            thread::spawn(move || {
                let mut rng = writer_rng(3, 0, w);
                let mut tally = Tally::default();
                for i in 0..APPENDS {
                    let think = Duration::from_micros(2);
                    let (outcome, _) = append_with_policy(
                        store.as_ref(),
                        policy.as_mut(),
                        &mut rng,
                        &clock,
                        ACTOR,
                        i,
                        think,
                    );
                    tally.add(outcome);
                    thread::sleep(Duration::from_micros(50));
                }
                tally
            })
        })
        .collect();
    let total = writers
        .into_iter()
        .map(|h| h.join().expect("writer thread"))
        .fold(Tally::default(), Tally::merge);
    println!(
        "{} committed, {} retries, {} gave up, {} rejected by the open breaker",
        total.committed, total.retries, total.gave_up, total.rejected
    );
    println!(
        "breaker: {:?} now, {} transitions; the first few:",
        breaker.state(),
        breaker.transitions()
    );
    for t in breaker.transition_log().iter().take(12) {
        println!(
            "  {:>9.3} ms  {:?} -> {:?}",
            t.at_ns as f64 / 1e6,
            t.from,
            t.to
        );
    }
    assert_eq!(
        store.latest_version(ACTOR),
        total.committed,
        "every commit is in the stream"
    );
}
