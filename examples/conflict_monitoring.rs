//! Seed pattern 5, conflict analysis and monitoring: writers append to a few actors, one of them
//! hot, re-reading the version and then "thinking" before they save, so some reads go stale. A
//! `ConflictMonitor` shared by the pool counts conflicts per actor, ranks the hottest, keeps a
//! staleness histogram and raises an alert (also a `tracing::warn!` event, for whatever
//! subscriber the service installs) when a read was more than 5 versions behind.
//! Run: `cargo run --example conflict_monitoring`.

mod common;

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{Tally, append_with_policy};
use rand::Rng;
use retrylab::clock::MonotonicClock;
use retrylab::policy::PolicySpec;
use retrylab::rng::writer_rng;
use retrylab::store::{EventStore, GlobalMutexStore};

const WRITERS: u32 = 6;
const APPENDS: u64 = 60;

const POLICY: &str = r#"
name = "monitored-reread"
backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "1ms" }
jitter = { kind = "full" }
max_retries = 10
refresh = "reread"
monitor = { stale_threshold = 5, top_k = 3 }
"#;

fn main() {
    let built = PolicySpec::from_toml_str(POLICY)
        .and_then(|s| s.build_parts())
        .expect("valid spec");
    let (monitor, top_k) = built.monitor.clone().expect("the spec has a monitor");
    let store: Arc<dyn EventStore> = Arc::new(GlobalMutexStore::new());
    let clock = MonotonicClock::start();

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, mut policy) = (Arc::clone(&store), built.policy.writer());
            thread::spawn(move || {
                let mut rng = writer_rng(5, 0, w);
                let mut tally = Tally::default();
                for i in 0..APPENDS {
                    // Actor 0 takes most of the traffic; 1 to 4 share the rest.
                    let actor = if rng.random::<f64>() < 0.7 {
                        0
                    } else {
                        rng.random_range(1..5)
                    };
                    // Writer 0 is slow: its long think time makes its reads go stale.
                    let think = Duration::from_micros(if w == 0 { 1_000 } else { 5 });
                    tally.add(
                        append_with_policy(
                            store.as_ref(),
                            policy.as_mut(),
                            &mut rng,
                            &clock,
                            actor,
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
    let total = writers
        .into_iter()
        .map(|h| h.join().expect("writer thread"))
        .fold(Tally::default(), Tally::merge);
    let snapshot = monitor.snapshot(top_k);
    println!(
        "{} committed, {} gave up; {} conflicts recorded",
        total.committed, total.gave_up, snapshot.conflicts
    );
    println!(
        "hottest actors (estimated conflicts): {:?}",
        snapshot.hottest
    );
    println!("staleness (current - attempted + 1):");
    for b in &snapshot.staleness {
        let high = b.high.map_or("∞".to_string(), |h| (h - 1).to_string());
        println!("  {:>3}..={:<3} {:>6}", b.low, high, b.count);
    }
    println!(
        "stale-read alerts (staleness > 5): {}",
        snapshot.stale_alerts
    );
}
