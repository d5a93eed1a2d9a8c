//! Many writers (more threads than cores) hammer hot and cold actors of every store, retrying
//! conflicts; afterwards every acknowledged append must be stored exactly once, with its
//! payload, in gapless streams. A reader runs alongside and checks that no read ever sees a gap
//! or a version going backwards.
//!
//! Default run: 8 writers × 125,000 acknowledged appends = 1,000,000 per store kind, except the
//! global mutex (8 × 25,000 = 200,000: it serialises everything, and the point is correctness,
//! not its speed). The `#[ignore]`d heavy variant runs 16 writers × 500,000 for every kind.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use rand::{Rng, SeedableRng, rngs::SmallRng};
use retrylab::store::{ActorId, Event, EventStore, StoreKind, Version};

const HOT_ACTORS: u64 = 4;
const COLD_ACTORS: u64 = 20_000;

/// What a writer was told succeeded.
#[derive(Clone, Copy, Debug)]
struct Ack {
    actor: ActorId,
    version: Version,
    payload: u64,
}

struct Outcome {
    acks: Vec<Ack>,
    conflicts: u64,
}

fn writer(store: &dyn EventStore, id: u64, appends: u64, barrier: &Barrier) -> Outcome {
    let mut rng = SmallRng::seed_from_u64(0x5EED ^ id);
    let mut acks = Vec::with_capacity(appends as usize);
    let mut conflicts = 0;
    barrier.wait();
    for seq in 0..appends {
        // A quarter of the appends go to a few hot actors: constant conflicts there.
        let actor = if rng.random_ratio(1, 4) {
            rng.random_range(0..HOT_ACTORS)
        } else {
            HOT_ACTORS + rng.random_range(0..COLD_ACTORS)
        };
        let payload = id << 32 | seq;
        let mut version = store.latest_version(actor) + 1;
        if actor < HOT_ACTORS && rng.random_ratio(1, 32) {
            // Give up the core between read and append now and then: forces interleavings
            // (and conflicts) even when threads would otherwise run back to back.
            thread::yield_now();
        }
        loop {
            let event = Event {
                actor,
                version,
                event_type: 0,
                payload,
                timestamp_ns: seq,
            };
            match store.save(event) {
                Ok(()) => break,
                Err(error) => {
                    let conflict = error
                        .as_conflict()
                        .expect("only conflicts are possible here");
                    assert_eq!((conflict.actor, conflict.attempted), (actor, version));
                    // A stale attempt learns a current version at least its own.
                    assert!(conflict.current >= version - 1, "{conflict:?}");
                    conflicts += 1;
                    version = conflict.next_version();
                }
            }
        }
        acks.push(Ack {
            actor,
            version,
            payload,
        });
    }
    Outcome { acks, conflicts }
}

/// Reads hot actors until told to stop, checking gapless prefixes and monotonic versions.
fn reader(store: &dyn EventStore, stop: &AtomicBool, barrier: &Barrier) -> u64 {
    let mut last_seen = [0; HOT_ACTORS as usize];
    let mut reads = 0;
    let mut buffer = Vec::new();
    barrier.wait();
    while !stop.load(Ordering::Relaxed) {
        for actor in 0..HOT_ACTORS {
            let latest = store.latest_version(actor);
            assert!(
                latest >= last_seen[actor as usize],
                "latest went backwards on {actor}"
            );
            buffer.clear();
            store.events_into(actor, 1, &mut buffer);
            assert!(
                buffer.len() as u64 >= latest,
                "events behind an earlier latest_version"
            );
            for (i, event) in buffer.iter().enumerate() {
                assert_eq!(
                    (event.actor, event.version),
                    (actor, i as u64 + 1),
                    "gap or torn event"
                );
            }
            last_seen[actor as usize] = buffer.len() as u64;
            reads += 1;
        }
    }
    reads
}

fn hammer(kind: StoreKind, writers: u64, appends_per_writer: u64) {
    let store = kind
        .try_build(16, (HOT_ACTORS + COLD_ACTORS) as usize)
        .expect("valid shards");
    let barrier = Barrier::new(writers as usize + 1);
    let stop = AtomicBool::new(false);
    let (outcomes, reads) = thread::scope(|s| {
        let reader = s.spawn(|| reader(&*store, &stop, &barrier));
        let handles: Vec<_> = (0..writers)
            .map(|id| {
                let (store, barrier) = (Arc::clone(&store), &barrier);
                s.spawn(move || writer(&*store, id, appends_per_writer, barrier))
            })
            .collect();
        let outcomes: Vec<Outcome> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        stop.store(true, Ordering::Relaxed);
        (outcomes, reader.join().unwrap())
    });
    verify(kind, &*store, &outcomes);
    let conflicts: u64 = outcomes.iter().map(|o| o.conflicts).sum();
    eprintln!(
        "{kind:?}: {} acknowledged appends, {conflicts} conflicts, {reads} concurrent reads",
        writers * appends_per_writer
    );
    assert!(
        conflicts > 0,
        "{kind:?}: the hot actors must have produced conflicts"
    );
}

fn verify(kind: StoreKind, store: &dyn EventStore, outcomes: &[Outcome]) {
    let mut acked: HashMap<ActorId, Vec<Ack>> = HashMap::new();
    for ack in outcomes.iter().flat_map(|o| &o.acks) {
        acked.entry(ack.actor).or_default().push(*ack);
    }
    let total: usize = acked.values().map(Vec::len).sum();
    assert_eq!(
        store.event_count(),
        total as u64,
        "{kind:?}: stored count != acknowledged count"
    );
    let mut actors = store.actors();
    actors.sort_unstable();
    let mut expected_actors: Vec<ActorId> = acked.keys().copied().collect();
    expected_actors.sort_unstable();
    assert_eq!(actors, expected_actors, "{kind:?}");
    for (actor, mut acks) in acked {
        acks.sort_unstable_by_key(|a| a.version);
        let stored = store.events(actor, 1);
        assert_eq!(
            stored.len(),
            acks.len(),
            "{kind:?} actor {actor}: stored != acknowledged"
        );
        for (i, (ack, event)) in acks.iter().zip(&stored).enumerate() {
            let version = i as u64 + 1;
            // Gapless and no duplicate acknowledgement of a version.
            assert_eq!(
                ack.version, version,
                "{kind:?} actor {actor}: duplicate or gap"
            );
            assert_eq!((event.actor, event.version), (actor, version), "{kind:?}");
            assert_eq!(
                event.payload, ack.payload,
                "{kind:?} actor {actor} v{version}: wrong payload"
            );
        }
        assert_eq!(store.latest_version(actor), acks.len() as u64, "{kind:?}");
    }
}

fn appends_per_writer(kind: StoreKind, fast: u64, slow: u64) -> u64 {
    if kind == StoreKind::GlobalMutex {
        slow
    } else {
        fast
    }
}

#[test]
fn every_acknowledged_append_is_stored_once_in_order() {
    for kind in StoreKind::ALL {
        hammer(kind, 8, appends_per_writer(kind, 125_000, 25_000));
    }
}

#[test]
#[ignore = "heavy: 16 writers x 500,000 appends per store; run with --ignored in release"]
fn heavy_every_acknowledged_append_is_stored_once_in_order() {
    for kind in StoreKind::ALL {
        hammer(kind, 16, 500_000);
    }
}
