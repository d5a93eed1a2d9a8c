//! The store contract of tests/store_contract.rs, run against PostgreSQL in both OCC shapes
//! through [`AsyncEventStore`]. Needs a server: `RETRYLAB_PG_URL` (ci/test-postgres.sh).

mod pg_support;

use retrylab::store::postgres::{Keep, Namespace, OccShape, PostgresStore, SCHEMA_VERSION};
use retrylab::store::{ActorId, AsyncEventStore, Event, SaveError, Version, VersionConflict};

fn event(actor: ActorId, version: Version) -> Event {
    Event {
        actor,
        version,
        event_type: 7,
        payload: actor.wrapping_mul(1000).wrapping_add(version),
        timestamp_ns: version,
    }
}

fn conflict(actor: ActorId, current: Version, attempted: Version) -> SaveError {
    SaveError::Conflict(VersionConflict {
        actor,
        current,
        attempted,
    })
}

/// Runs `case` on a fresh store of each shape.
fn each_shape<F, Fut>(test: &str, case: F)
where
    F: Fn(std::sync::Arc<PostgresStore>, OccShape) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(url) = pg_support::url(test) else {
        return;
    };
    pg_support::runtime().block_on(async {
        for occ in OccShape::ALL {
            pg_support::with_store(&url, occ, test, |s| case(s, occ)).await;
        }
    });
}

#[test]
fn appends_in_order_and_rejects_stale_and_too_new_versions_exactly() {
    each_shape("contract_order", |store, occ| async move {
        let steps: &[(Version, Result<(), SaveError>)] = &[
            (2, Err(conflict(5, 0, 2))),
            (1, Ok(())),
            (1, Err(conflict(5, 1, 1))),
            (3, Err(conflict(5, 1, 3))),
            (2, Ok(())),
            (3, Ok(())),
            (2, Err(conflict(5, 3, 2))),
            (1, Err(conflict(5, 3, 1))),
            (9, Err(conflict(5, 3, 9))),
            (Version::MAX, Err(conflict(5, 3, Version::MAX))),
            (0, Err(SaveError::InvalidVersion { actor: 5 })),
            (4, Ok(())),
        ];
        for (i, (version, expected)) in steps.iter().enumerate() {
            assert_eq!(
                store.save(event(5, *version)).await,
                *expected,
                "{occ} step {i}"
            );
        }
        assert_eq!(store.latest_version(5).await.unwrap(), 4, "{occ}");
        // Only `unique` pays a second read per conflict (7 conflicts above, one of them the
        // too-new Version::MAX answered by a plain read before any insert).
        let expected_reads = if occ.conflict_needs_second_read() {
            6
        } else {
            0
        };
        assert_eq!(store.second_reads(), expected_reads, "{occ}");
    });
}

#[test]
fn unknown_actors_have_version_zero_and_no_events() {
    each_shape("contract_unknown", |store, occ| async move {
        assert_eq!(store.latest_version(42).await.unwrap(), 0, "{occ}");
        assert!(store.events(42, 0).await.unwrap().is_empty(), "{occ}");
        assert_eq!(store.event_at(42, 1).await.unwrap(), None, "{occ}");
        let _ = store.save(event(42, 3)).await;
        let _ = store.save(event(42, 0)).await;
        assert_eq!(store.latest_version(42).await.unwrap(), 0, "{occ}");
        assert!(store.actors().await.unwrap().is_empty(), "{occ}");
        assert_eq!(store.event_count().await.unwrap(), 0, "{occ}");
    });
}

#[test]
fn events_honour_their_lower_bound_and_round_trip_every_bit() {
    each_shape("contract_events", |store, occ| async move {
        // Actors, payloads and timestamps past i64::MAX must come back as written.
        let actor = u64::MAX - 3;
        let all: Vec<Event> = (1..=40)
            .map(|v| Event {
                payload: u64::MAX - v,
                timestamp_ns: (1 << 63) + v,
                event_type: u32::MAX,
                ..event(actor, v)
            })
            .collect();
        for e in &all {
            store.save(*e).await.unwrap();
        }
        let cases: &[(Version, &[Event])] = &[
            (0, &all[..]),
            (1, &all[..]),
            (2, &all[1..]),
            (40, &all[39..]),
            (41, &[]),
            (Version::MAX, &[]),
        ];
        for (from, expected) in cases {
            assert_eq!(
                store.events(actor, *from).await.unwrap(),
                *expected,
                "{occ} from {from}"
            );
        }
        assert_eq!(
            store.event_at(actor, 17).await.unwrap(),
            Some(all[16]),
            "{occ}"
        );
        assert_eq!(store.event_at(actor, 0).await.unwrap(), None, "{occ}");
        assert_eq!(store.event_at(actor, 41).await.unwrap(), None, "{occ}");
    });
}

#[test]
fn counts_and_actors_cover_every_stream() {
    each_shape("contract_counts", |store, occ| async move {
        let lengths = [(3u64, 5u64), (17, 1), (1 << 40, 12), (u64::MAX, 2)];
        for (actor, length) in lengths {
            for v in 1..=length {
                store.save(event(actor, v)).await.unwrap();
            }
        }
        let mut actors = store.actors().await.unwrap();
        actors.sort_unstable();
        let mut expected: Vec<ActorId> = lengths.iter().map(|(a, _)| *a).collect();
        expected.sort_unstable();
        assert_eq!(actors, expected, "{occ}");
        assert_eq!(store.event_count().await.unwrap(), 20, "{occ}");
        for (actor, length) in lengths {
            assert_eq!(store.latest_version(actor).await.unwrap(), length, "{occ}");
        }
        let names = ["postgres-unique", "postgres-head-row"];
        assert!(names.contains(&store.name()), "{occ}");
    });
}

#[test]
fn runs_are_isolated_versioned_and_kept_when_asked() {
    let Some(url) = pg_support::url("namespaces") else {
        return;
    };
    pg_support::runtime().block_on(async {
        let spec = pg_support::spec(&url, OccShape::HeadRow, 2);
        let a = PostgresStore::open(&spec, "same run").await.unwrap();
        let b = PostgresStore::open(&spec, "same run").await.unwrap();
        assert_ne!(a.namespace(), b.namespace());
        a.save(event(1, 1)).await.unwrap();
        // b has its own streams: version 1 of actor 1 is free there.
        b.save(event(1, 1)).await.unwrap();
        assert_eq!(a.event_count().await.unwrap(), 1);
        assert!(a.server_version().await.unwrap().starts_with("15"));

        // Kept: reopening finds the events and the recorded schema version.
        let kept = a.namespace().clone();
        a.close(Keep::Keep).await.unwrap();
        assert!(pg_support::schema_exists(&url, kept.name()).await);
        let again = PostgresStore::open_in(&spec, Namespace::exact(kept.name()).unwrap())
            .await
            .unwrap();
        assert_eq!(again.latest_version(1).await.unwrap(), 1);
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let v: i32 = client
            .query_one(
                &format!("SELECT max(version) FROM \"{kept}\".schema_version"),
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(v, SCHEMA_VERSION);
        again.close(Keep::Drop).await.unwrap();
        b.close(Keep::Drop).await.unwrap();
        assert!(!pg_support::schema_exists(&url, kept.name()).await);
    });
}
