//! Model checks of the lock-free store's append protocol and index inserts under loom.
//!
//! Run with (a separate target dir: loom rebuilds everything):
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 CARGO_TARGET_DIR=$PWD/target-loom \
//!     cargo test --release --test loom
//! ```
//!
//! Under `--cfg loom` a stream has segments of 1, 2 and 4 slots and the index has one-slot
//! tables, so these few threads already cross segment boundaries and chain tables.
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use retrylab::store::{Event, EventStore, LockFreeStore, SaveError, ShardCount};

fn event(actor: u64, version: u64, writer: u64) -> Event {
    Event {
        actor,
        version,
        event_type: 0,
        payload: writer << 32 | version,
        timestamp_ns: 0,
    }
}

fn store() -> Arc<LockFreeStore> {
    Arc::new(LockFreeStore::with_shards(ShardCount::new(1).unwrap(), 1))
}

/// Checks a read: versions 1..=n in order, each event one a writer really wrote.
fn assert_gapless(events: &[Event], actor: u64) {
    for (i, e) in events.iter().enumerate() {
        assert_eq!(
            (e.actor, e.version),
            (actor, i as u64 + 1),
            "gap or torn event: {events:?}"
        );
        assert_eq!(e.payload & 0xFFFF_FFFF, e.version, "torn payload: {e:?}");
    }
}

/// A reader thread: one scan of actor 0, which must be a gapless prefix of real events.
fn spawn_reader(store: &Arc<LockFreeStore>) -> thread::JoinHandle<usize> {
    let store = Arc::clone(store);
    thread::spawn(move || {
        let events = store.events(0, 1);
        assert_gapless(&events, 0);
        events.len()
    })
}

#[test]
fn two_writers_racing_for_the_same_version_have_exactly_one_winner() {
    loom::model(|| {
        let store = store();
        // Version 1 committed up front; both race for version 2, which opens a new segment
        // (so the segment install races too).
        store.save(event(0, 1, 9)).unwrap();
        let writers: Vec<_> = (0..2u64)
            .map(|writer| {
                let store = Arc::clone(&store);
                thread::spawn(move || match store.save(event(0, 2, writer)) {
                    Ok(()) => Some(writer),
                    Err(SaveError::Conflict(c)) => {
                        assert_eq!((c.current, c.attempted), (2, 2), "a loser sees the winner");
                        None
                    }
                    Err(other) => panic!("{other:?}"),
                })
            })
            .collect();
        let reader = spawn_reader(&store);
        let winners: Vec<u64> = writers
            .into_iter()
            .filter_map(|w| w.join().unwrap())
            .collect();
        assert!(reader.join().unwrap() >= 1);
        assert_eq!(winners.len(), 1, "exactly one winner");
        let stored = store.events(0, 1);
        assert_gapless(&stored, 0);
        assert_eq!(stored.len(), 2);
        assert_eq!(
            stored[1].payload >> 32,
            winners[0],
            "the winner's event is the one stored"
        );
        assert_eq!(store.latest_version(0), 2);
    });
}

#[test]
fn appending_the_next_version_during_an_append_never_shows_a_gap() {
    loom::model(|| {
        let store = store();
        store.save(event(0, 1, 9)).unwrap();
        // Writer 0 appends version 2 while writer 1 tries version 3: 3 may only land after 2.
        let writers: Vec<_> = [(2u64, 0u64), (3, 1)]
            .into_iter()
            .map(|(version, writer)| {
                let store = Arc::clone(&store);
                thread::spawn(move || match store.save(event(0, version, writer)) {
                    Ok(()) => true,
                    Err(SaveError::Conflict(c)) => {
                        // Too new when tried; `current` is read after the failure, so it may
                        // already include version 2, never 3.
                        assert!(
                            matches!(c.current, 1 | 2),
                            "only a too-new 3 can fail: {c:?}"
                        );
                        false
                    }
                    Err(other) => panic!("{other:?}"),
                })
            })
            .collect();
        let reader = spawn_reader(&store);
        let ok: Vec<bool> = writers.into_iter().map(|w| w.join().unwrap()).collect();
        reader.join().unwrap();
        assert!(ok[0], "version 2 has no competitor");
        let stored = store.events(0, 1);
        assert_gapless(&stored, 0);
        assert_eq!(stored.len(), if ok[1] { 3 } else { 2 });
        assert_eq!(store.latest_version(0), stored.len() as u64);
    });
}

#[test]
fn racing_first_appends_create_each_actor_once() {
    loom::model(|| {
        let store = store();
        // Two threads create actor 1, a third creates actor 2: with one-slot tables, the index
        // must chain, and the two creators of actor 1 must agree on one stream.
        let handles: Vec<_> = [(1u64, 0u64), (1, 1), (2, 2)]
            .into_iter()
            .map(|(actor, writer)| {
                let store = Arc::clone(&store);
                thread::spawn(move || store.save(event(actor, 1, writer)).is_ok())
            })
            .collect();
        let results: Vec<bool> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(
            results[0] ^ results[1],
            "exactly one creator of actor 1 wins version 1"
        );
        assert!(results[2]);
        assert_eq!(store.latest_version(1), 1);
        assert_eq!(store.latest_version(2), 1);
        let mut actors = store.actors();
        actors.sort_unstable();
        assert_eq!(actors, [1, 2]);
        assert_eq!(store.event_count(), 2);
    });
}
