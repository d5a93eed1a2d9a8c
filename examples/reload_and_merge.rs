//! Seed pattern 2, state reload and merge: on a conflict, reload the actor's events from the
//! start, rebuild the aggregate, re-apply the command and save at the rebuilt version. The policy
//! only says `Refresh::Rebuild`; the cost is the replay, which grows with the stream's length, so
//! this example prints the events each writer re-read. Run: `cargo run --example reload_and_merge`.

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
const ACTOR: u64 = 7;

fn main() {
    let spec = PolicySpec::preset("reload-and-merge").expect("preset exists");
    println!("policy: {}\n{}", spec.label(), spec.to_toml_string());
    let policy = spec.build().expect("preset is valid");
    let store: Arc<dyn EventStore> = Arc::new(GlobalMutexStore::new());
    let clock = MonotonicClock::start();

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, mut policy) = (Arc::clone(&store), policy.writer());
            thread::spawn(move || {
                let mut rng = writer_rng(7, 0, w);
                let (mut tally, mut replayed) = (Tally::default(), 0);
                for i in 0..APPENDS {
                    let (outcome, read) = append_with_policy(
                        store.as_ref(),
                        policy.as_mut(),
                        &mut rng,
                        &clock,
                        ACTOR,
                        i,
                        Duration::from_micros(5),
                    );
                    tally.add(outcome);
                    replayed += read;
                }
                (tally, replayed)
            })
        })
        .collect();
    for (w, handle) in writers.into_iter().enumerate() {
        let (t, replayed) = handle.join().expect("writer thread");
        println!(
            "writer {w}: {} committed, {} retries, {} gave up after 3 attempts, {replayed} events replayed by rebuilds",
            t.committed, t.retries, t.gave_up
        );
    }
    println!(
        "actor {ACTOR} is at version {}",
        store.latest_version(ACTOR)
    );
}
