//! A connection killed mid-run loses nothing acknowledged: 16 writers append to hot actors
//! while another session terminates the store's connections (`pg_terminate_backend`) again and
//! again. A writer told `Unavailable` does not know whether its append landed, so it reads the
//! version back (as the engine's writer does) and counts it only if its own payload is there.
//! The audit then finds every acknowledged append, gapless, and nothing no writer claimed.
//! Needs `RETRYLAB_PG_URL`.

mod pg_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use retrylab::store::postgres::{OccShape, PostgresStore};
use retrylab::store::{AsyncEventStore, Event, SaveError};

const WRITERS: u64 = 16;
const APPENDS_PER_WRITER: u64 = 15;
const HOT_ACTORS: u64 = 4;
/// This test's own connections, so the killer spares every other test's.
const APP: &str = "retrylab_killed_test";

#[test]
fn killed_connections_lose_nothing_acknowledged() {
    let Some(url) = pg_support::url("killed_connections") else {
        return;
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    let url = format!("{url}{sep}application_name={APP}");
    pg_support::runtime().block_on(async {
        for occ in OccShape::ALL {
            let kills = Arc::new(AtomicU64::new(0));
            let unknown = Arc::new(AtomicU64::new(0));
            let (k, u) = (Arc::clone(&kills), Arc::clone(&unknown));
            let killer_url = url.clone();
            pg_support::with_store(&url, occ, "killed", |store| async move {
                let stop = Arc::new(AtomicBool::new(false));
                let killer = tokio::spawn({
                    let stop = Arc::clone(&stop);
                    async move {
                        let (no_delay, every) = (Duration::ZERO, Duration::from_millis(15));
                        pg_support::kill_connections(&killer_url, APP, no_delay, every, &stop, &k)
                            .await;
                    }
                });
                let mut tasks = Vec::new();
                for w in 0..WRITERS {
                    let (store, u) = (Arc::clone(&store), Arc::clone(&u));
                    tasks.push(tokio::spawn(async move { writer(&store, w, &u).await }));
                }
                let mut acked: HashMap<(u64, u64), u64> = HashMap::new();
                for t in tasks {
                    for (actor, version, payload) in t.await.expect("writer panicked") {
                        assert!(acked.insert((actor, version), payload).is_none(), "{occ}");
                    }
                }
                stop.store(true, Ordering::Relaxed);
                killer.await.unwrap();
                let mut stored = 0;
                for actor in 0..HOT_ACTORS {
                    let events = read_retrying(&store, actor).await;
                    for (i, e) in events.iter().enumerate() {
                        assert_eq!(e.version, i as u64 + 1, "{occ}: gap in actor {actor}");
                        assert_eq!(acked.get(&(actor, e.version)), Some(&e.payload), "{occ}");
                    }
                    stored += events.len();
                }
                assert_eq!(stored, acked.len(), "{occ}: acknowledged appends lost");
                assert_eq!(stored as u64, WRITERS * APPENDS_PER_WRITER, "{occ}");
            })
            .await;
            let kills = kills.load(Ordering::Relaxed);
            assert!(kills > 0, "{occ}: the killer terminated no connection");
            eprintln!(
                "{occ}: {kills} connections killed, {} appends told unavailable",
                unknown.load(Ordering::Relaxed)
            );
        }
    });
}

/// A read, retried while the killer breaks connections under it.
async fn read_retrying(store: &PostgresStore, actor: u64) -> Vec<Event> {
    for _ in 0..100 {
        if let Ok(events) = store.events(actor, 1).await {
            return events;
        }
    }
    panic!("actor {actor}: 100 reads failed");
}

async fn writer(store: &PostgresStore, w: u64, unknown: &AtomicU64) -> Vec<(u64, u64, u64)> {
    let mut mine = Vec::new();
    for seq in 0..APPENDS_PER_WRITER {
        let actor = (w + seq) % HOT_ACTORS;
        let payload = (w << 32) | seq;
        let mut version = None;
        for _ in 0..10_000 {
            let v = match version {
                Some(v) => v,
                None => match store.latest_version(actor).await {
                    Ok(v) => v + 1,
                    Err(_) => continue,
                },
            };
            let e = Event {
                actor,
                version: v,
                event_type: 1,
                payload,
                timestamp_ns: seq,
            };
            match store.save(e).await {
                Ok(()) => {
                    mine.push((actor, v, payload));
                    break;
                }
                Err(SaveError::Conflict(c)) => version = Some(c.next_version()),
                Err(SaveError::Unavailable) => {
                    unknown.fetch_add(1, Ordering::Relaxed);
                    // Unknown: did it land? Read it back (retrying the read) before deciding.
                    match store.event_at(actor, v).await {
                        Ok(Some(found)) if found.payload == payload => {
                            mine.push((actor, v, payload));
                            break;
                        }
                        Ok(_) => version = None,
                        Err(_) => {
                            // The read failed too: ask again next round, same version.
                            version = Some(v);
                            if let Ok(Some(found)) = store.event_at(actor, v).await {
                                if found.payload == payload {
                                    mine.push((actor, v, payload));
                                    break;
                                }
                                version = None;
                            }
                        }
                    }
                }
                Err(other) => panic!("writer {w}: {other}"),
            }
        }
    }
    mine
}
