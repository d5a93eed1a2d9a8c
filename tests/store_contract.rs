//! The store contract, table-driven, run against every implementation in `StoreKind::ALL`.

use retrylab::store::{ActorId, Event, EventStore, SaveError, StoreKind, Version, VersionConflict};

fn event(actor: ActorId, version: Version) -> Event {
    Event {
        actor,
        version,
        event_type: 7,
        payload: actor.wrapping_mul(1000).wrapping_add(version),
        timestamp_ns: version,
    }
}

/// Every kind, with a shard count that makes several actors share a shard.
fn stores() -> impl Iterator<Item = (StoreKind, std::sync::Arc<dyn EventStore>)> {
    StoreKind::ALL
        .into_iter()
        .map(|kind| (kind, kind.try_build(4, 16).expect("valid shards")))
}

fn conflict(actor: ActorId, current: Version, attempted: Version) -> SaveError {
    SaveError::Conflict(VersionConflict {
        actor,
        current,
        attempted,
    })
}

#[test]
fn appends_in_order_and_rejects_stale_and_too_new_versions_exactly() {
    for (kind, store) in stores() {
        // (version attempted, expected outcome), applied in order to actor 5.
        let steps: &[(Version, Result<(), SaveError>)] = &[
            (2, Err(conflict(5, 0, 2))), // too new on an unknown actor
            (1, Ok(())),
            (1, Err(conflict(5, 1, 1))), // stale
            (3, Err(conflict(5, 1, 3))), // too new
            (2, Ok(())),
            (3, Ok(())),
            (2, Err(conflict(5, 3, 2))),
            (1, Err(conflict(5, 3, 1))),
            (9, Err(conflict(5, 3, 9))),
            (0, Err(SaveError::InvalidVersion { actor: 5 })),
            (4, Ok(())),
        ];
        for (i, (version, expected)) in steps.iter().enumerate() {
            assert_eq!(
                store.save(event(5, *version)),
                *expected,
                "{kind:?} step {i}"
            );
        }
        assert_eq!(store.latest_version(5), 4, "{kind:?}");
    }
}

#[test]
fn conflicts_are_recognisable_and_describe_the_gap() {
    for (kind, store) in stores() {
        store.save(event(1, 1)).unwrap();
        store.save(event(1, 2)).unwrap();
        let stale = store.save(event(1, 1)).unwrap_err();
        let c = stale
            .as_conflict()
            .unwrap_or_else(|| panic!("{kind:?}: {stale:?}"));
        assert_eq!(
            (c.current, c.attempted, c.staleness(), c.next_version()),
            (2, 1, 2, 3)
        );
        let too_new = store.save(event(1, 5)).unwrap_err();
        assert_eq!(
            too_new.as_conflict().map(|c| c.staleness()),
            Some(-2),
            "{kind:?}"
        );
        assert_eq!(SaveError::InvalidVersion { actor: 1 }.as_conflict(), None);
        assert_eq!(SaveError::Unavailable.as_conflict(), None);
        assert_eq!(
            store.save(event(1, 0)),
            Err(SaveError::InvalidVersion { actor: 1 }),
            "{kind:?}"
        );
    }
}

#[test]
fn unknown_actors_have_version_zero_and_no_events() {
    for (kind, store) in stores() {
        assert_eq!(store.latest_version(42), 0, "{kind:?}");
        assert!(store.events(42, 0).is_empty(), "{kind:?}");
        assert!(store.events(42, 1).is_empty(), "{kind:?}");
        // A rejected save must not make the actor appear.
        let _ = store.save(event(42, 3));
        let _ = store.save(event(42, 0));
        assert_eq!(store.latest_version(42), 0, "{kind:?}");
        assert!(store.actors().is_empty(), "{kind:?}");
        assert_eq!(store.event_count(), 0, "{kind:?}");
    }
}

#[test]
fn events_honour_their_lower_bound() {
    for (kind, store) in stores() {
        // 40 events cross several of the lock-free store's segments (8, 16, 32 slots).
        let all: Vec<Event> = (1..=40).map(|v| event(9, v)).collect();
        for e in &all {
            store.save(*e).unwrap();
        }
        let cases: &[(Version, &[Event])] = &[
            (0, &all[..]),
            (1, &all[..]),
            (2, &all[1..]),
            (20, &all[19..]),
            (25, &all[24..]),
            (40, &all[39..]),
            (41, &[]),
            (1_000, &[]),
            (Version::MAX, &[]),
        ];
        for (from, expected) in cases {
            assert_eq!(store.events(9, *from), *expected, "{kind:?} from {from}");
        }
        // events_into appends, it does not replace.
        let mut out = vec![event(0, 1)];
        store.events_into(9, 39, &mut out);
        assert_eq!(out, [event(0, 1), all[38], all[39]], "{kind:?}");
    }
}

#[test]
fn counts_and_actors_cover_every_stream() {
    for (kind, store) in stores() {
        let lengths = [(3u64, 5u64), (17, 1), (1 << 40, 12), (u64::MAX, 2)];
        for (actor, length) in lengths {
            for v in 1..=length {
                store.save(event(actor, v)).unwrap();
            }
        }
        let mut actors = store.actors();
        actors.sort_unstable();
        let mut expected: Vec<ActorId> = lengths.iter().map(|(a, _)| *a).collect();
        expected.sort_unstable();
        assert_eq!(actors, expected, "{kind:?}");
        assert_eq!(store.event_count(), 20, "{kind:?}");
        for (actor, length) in lengths {
            assert_eq!(store.latest_version(actor), length, "{kind:?}");
        }
        assert!(
            store.heap_bytes() >= 20 * std::mem::size_of::<Event>(),
            "{kind:?} accounts at least for its events"
        );
        assert_eq!(store.name(), kind.name());
    }
}

#[test]
fn many_actors_sharing_few_shards_stay_separate() {
    for (kind, store) in stores() {
        // 2,000 actors over 4 shards sized for 16: the lock-free index must chain tables.
        for actor in 0..2_000u64 {
            for v in 1..=(actor % 3 + 1) {
                store.save(event(actor, v)).unwrap();
            }
        }
        for actor in 0..2_000u64 {
            assert_eq!(
                store.latest_version(actor),
                actor % 3 + 1,
                "{kind:?} actor {actor}"
            );
            assert_eq!(store.events(actor, 1)[0], event(actor, 1), "{kind:?}");
        }
        assert_eq!(store.actors().len(), 2_000, "{kind:?}");
    }
}

#[test]
fn absurd_sizing_hints_neither_panic_nor_allocate_without_bound() {
    for kind in StoreKind::ALL {
        // Pre-sizing is bounded internally; the lock-free store chains tables beyond it.
        let store = kind.try_build(1 << 16, usize::MAX).expect("valid shards");
        store.save(event(1, 1)).unwrap();
        assert_eq!(store.latest_version(1), 1, "{kind:?}");
        assert!(kind.try_build(0, 10).is_err());
        assert!(kind.try_build(1 << 17, 10).is_err());
    }
}
