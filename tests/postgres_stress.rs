//! A stress audit against PostgreSQL: 16 concurrent writers on 4 hot actors, retrying every
//! conflict, in both OCC shapes; then every stream is read back and checked against what the
//! writers were told: gapless from 1, no duplicates, every acknowledged append present with its
//! payload, nothing stored that no writer was told of. Needs `RETRYLAB_PG_URL`.

mod pg_support;

use std::collections::HashMap;
use std::sync::Arc;

use retrylab::store::postgres::OccShape;
use retrylab::store::{AsyncEventStore, Event, SaveError};

const WRITERS: u64 = 16;
const APPENDS_PER_WRITER: u64 = 40;
const HOT_ACTORS: u64 = 4;
/// A writer that needs more tries than this for one append is stuck, not unlucky.
const MAX_TRIES: u32 = 10_000;

#[test]
fn sixteen_writers_on_hot_actors_lose_and_invent_nothing() {
    let Some(url) = pg_support::url("stress") else {
        return;
    };
    pg_support::runtime().block_on(async {
        for occ in OccShape::ALL {
            let aborts = audit(&url, occ).await;
            // READ COMMITTED (the server's default here) re-checks a concurrently updated row
            // instead of aborting.
            assert_eq!(aborts, 0, "{occ}");
        }
    });
}

/// Under `repeatable read` a head-row UPDATE that meets a concurrent update aborts with
/// SQLSTATE 40001: it must come back as `SaveError::Aborted`, its own class, and still lose
/// nothing.
#[test]
fn serialization_failures_are_aborts_of_their_own_class() {
    let Some(url) = pg_support::url("stress_repeatable_read") else {
        return;
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    let url =
        format!("{url}{sep}options=-c%20default_transaction_isolation%3Drepeatable%5C%20read");
    pg_support::runtime().block_on(async {
        let aborts = audit(&url, OccShape::HeadRow).await;
        assert!(
            aborts > 0,
            "16 writers on 4 actors under repeatable read: no 40001"
        );
    });
}

/// Runs the writers on a fresh store, audits it, and returns how many aborts they met.
async fn audit(url: &str, occ: OccShape) -> u64 {
    let aborts = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = Arc::clone(&aborts);
    pg_support::with_store(url, occ, "stress", |store| async move {
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let store = Arc::clone(&store);
            tasks.push(tokio::spawn(async move { writer(&*store, w).await }));
        }
        let mut acked: HashMap<(u64, u64), u64> = HashMap::new();
        let mut conflicts = 0;
        for t in tasks {
            let (mine, c, a) = t.await.expect("writer panicked");
            conflicts += c;
            seen.fetch_add(a, std::sync::atomic::Ordering::Relaxed);
            for (actor, version, payload) in mine {
                let dup = acked.insert((actor, version), payload);
                assert!(dup.is_none(), "{occ}: two writers told {actor} v{version}");
            }
        }
        assert_eq!(acked.len() as u64, WRITERS * APPENDS_PER_WRITER, "{occ}");
        assert!(
            conflicts > 0,
            "{occ}: 16 writers on 4 actors met no conflict"
        );

        let mut stored = 0;
        let mut actors = store.actors().await.unwrap();
        actors.sort_unstable();
        assert_eq!(actors, (0..HOT_ACTORS).collect::<Vec<_>>(), "{occ}");
        for actor in actors {
            let events = store.events(actor, 1).await.unwrap();
            for (i, e) in events.iter().enumerate() {
                assert_eq!(e.version, i as u64 + 1, "{occ}: gap in actor {actor}");
                assert_eq!(
                    acked.get(&(actor, e.version)),
                    Some(&e.payload),
                    "{occ}: actor {actor} v{} holds a payload no writer was told of",
                    e.version
                );
            }
            assert_eq!(
                store.latest_version(actor).await.unwrap(),
                events.len() as u64,
                "{occ}"
            );
            stored += events.len() as u64;
        }
        assert_eq!(
            stored,
            acked.len() as u64,
            "{occ}: acknowledged appends lost"
        );
        assert_eq!(store.event_count().await.unwrap(), stored, "{occ}");
        if occ.conflict_needs_second_read() {
            assert_eq!(store.second_reads(), conflicts, "{occ}");
        } else {
            assert_eq!(store.second_reads(), 0, "{occ}");
        }
        eprintln!("{occ}: {stored} appends, {conflicts} conflicts retried");
    })
    .await;
    aborts.load(std::sync::atomic::Ordering::Relaxed)
}

/// Appends `APPENDS_PER_WRITER` events round-robin over the hot actors, each at the version
/// its conflict says is next; returns (actor, version, payload) of every acknowledged append and
/// the conflicts and aborts met.
async fn writer(store: &impl AsyncEventStore, w: u64) -> (Vec<(u64, u64, u64)>, u64, u64) {
    let mut mine = Vec::new();
    let mut conflicts = 0;
    let mut aborts = 0;
    for seq in 0..APPENDS_PER_WRITER {
        let actor = (w + seq) % HOT_ACTORS;
        let payload = (w << 32) | seq;
        let mut version = store.latest_version(actor).await.unwrap() + 1;
        let mut tries = 0;
        loop {
            tries += 1;
            assert!(tries < MAX_TRIES, "writer {w} stuck on actor {actor}");
            let e = Event {
                actor,
                version,
                event_type: 1,
                payload,
                timestamp_ns: seq,
            };
            match store.save(e).await {
                Ok(()) => {
                    mine.push((actor, version, payload));
                    break;
                }
                Err(SaveError::Conflict(c)) => {
                    assert_eq!((c.actor, c.attempted), (actor, version));
                    conflicts += 1;
                    version = c.next_version();
                }
                Err(SaveError::Aborted(a)) => {
                    assert_eq!((a.actor, a.attempted), (actor, version));
                    aborts += 1;
                    version = store.latest_version(actor).await.unwrap() + 1;
                }
                Err(other) => panic!("writer {w}: {other}"),
            }
            tokio::task::yield_now().await;
        }
    }
    (mine, conflicts, aborts)
}
