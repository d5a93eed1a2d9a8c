//! Policies driven against a real store by threads, through the same retry loop the examples
//! use: every commit lands in the stream exactly once, and what a policy promises holds.

#[path = "../examples/common/mod.rs"]
mod common;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use common::{Outcome, Tally, append_with_policy};
use retrylab::clock::MonotonicClock;
use retrylab::policy::{GiveUpReason, PolicySpec};
use retrylab::rng::writer_rng;
use retrylab::store::{EventStore, GlobalMutexStore};

fn hammer(preset: &str, writers: u32, appends: u64) -> (Tally, Vec<Outcome>, Arc<dyn EventStore>) {
    let policy = PolicySpec::preset(preset)
        .and_then(|s| s.build())
        .expect("preset builds");
    let store: Arc<dyn EventStore> = Arc::new(GlobalMutexStore::new());
    let clock = MonotonicClock::start();
    let barrier = Arc::new(Barrier::new(writers as usize));
    let handles: Vec<_> = (0..writers)
        .map(|w| {
            let (store, mut policy, barrier) =
                (Arc::clone(&store), policy.writer(), Arc::clone(&barrier));
            thread::spawn(move || {
                let mut rng = writer_rng(1, 0, w);
                barrier.wait();
                (0..appends)
                    .map(|i| {
                        // A pause between read and save is what lets writers collide.
                        let think = Duration::from_micros(1);
                        append_with_policy(
                            store.as_ref(),
                            policy.as_mut(),
                            &mut rng,
                            &clock,
                            9,
                            i,
                            think,
                        )
                        .0
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let outcomes: Vec<Outcome> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("writer"))
        .collect();
    let mut tally = Tally::default();
    for &o in &outcomes {
        tally.add(o);
    }
    (tally, outcomes, store)
}

#[test]
fn every_commit_is_in_the_stream_under_every_light_preset() {
    let mut retries = 0;
    for preset in [
        "immediate",
        "exponential-us",
        "exponential-full-jitter",
        "decorrelated-jitter",
        "reload-and-merge",
        "silo",
        "karma",
        "polka",
        "greedy",
        "circuit-breaker",
        "monitored",
        "aws-standard-us",
        "grpc-throttled",
        "finagle-budget",
        "aimd",
    ] {
        let (tally, outcomes, store) = hammer(preset, 4, 100);
        retries += tally.retries;
        assert_eq!(store.latest_version(9), tally.committed, "{preset}");
        assert_eq!(
            tally.committed + tally.gave_up + tally.rejected,
            400,
            "{preset}"
        );
        let events = store.events(9, 1);
        assert!(
            events
                .iter()
                .enumerate()
                .all(|(i, e)| e.version == i as u64 + 1),
            "{preset}: gapless"
        );
        // Attempt limits hold.
        let limit = PolicySpec::preset(preset)
            .unwrap()
            .retry_limit()
            .unwrap()
            .map(|r| r + 1);
        for o in outcomes {
            if let (
                Some(limit),
                Outcome::Committed { attempts } | Outcome::GaveUp { attempts, .. },
            ) = (limit, o)
            {
                assert!(attempts <= limit, "{preset}: {attempts} attempts > {limit}");
            }
        }
    }
    assert!(
        retries > 0,
        "the writers never collided: the test exercised no retry"
    );
}

#[test]
fn no_retry_gives_up_on_every_conflict_and_commits_the_rest() {
    let (tally, outcomes, store) = hammer("no-retry", 4, 100);
    assert_eq!(tally.retries, 0);
    assert!(tally.gave_up > 0, "the writers never collided");
    assert_eq!(store.latest_version(9), tally.committed);
    assert!(outcomes.iter().all(|o| matches!(
        o,
        Outcome::Committed { attempts: 1 }
            | Outcome::GaveUp {
                reason: GiveUpReason::NotRetryable,
                attempts: 1
            }
    )));
}
