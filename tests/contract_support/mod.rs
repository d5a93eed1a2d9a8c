//! The store contract, stated once, for every store: the in-memory ones through
//! [`retrylab::store::EventStore`] (tests/store_contract.rs) and PostgreSQL in both OCC shapes
//! through [`retrylab::store::AsyncEventStore`] (tests/postgres_store.rs).
//!
//! Each case is a function over [`ContractStore`], a small blocking view that both sides
//! implement, given a fresh, empty store. [`contract_tests!`] turns the list of cases into one
//! `#[test]` per case in the file that invokes it, so a case added here runs on every store of
//! both sides; a case left out of the list is dead code, which `clippy -D warnings` refuses.
//! What only one side has (the in-memory `events_into` and shard chaining; PostgreSQL's second
//! reads, aborts, schemas and namespaces) stays in that side's file.

use retrylab::store::{ActorId, Event, SaveError, Version, VersionConflict};

/// A store as the contract cases see it: blocking calls, reads that cannot fail (an adapter
/// over a store whose reads can fail panics, naming the call).
pub(crate) trait ContractStore {
    /// The store's own name (`EventStore::name`, `AsyncEventStore::name`); cases put it in
    /// their failure messages.
    fn name(&self) -> &'static str;
    /// Appends `event` if the actor is at `event.version - 1`.
    fn save(&self, event: Event) -> Result<(), SaveError>;
    /// The actor's current version, 0 if never written.
    fn latest_version(&self, actor: ActorId) -> Version;
    /// The actor's events with version `>= from`, in version order.
    fn events(&self, actor: ActorId, from: Version) -> Vec<Event>;
    /// The actor's event at `version`, if stored.
    fn event_at(&self, actor: ActorId, version: Version) -> Option<Event>;
    /// Events stored, all actors.
    fn event_count(&self) -> u64;
    /// Every actor with at least one event, in any order.
    fn actors(&self) -> Vec<ActorId>;
}

/// One contract case: checks a fresh, empty store, panicking on the first difference.
pub(crate) type Case = fn(&dyn ContractStore);

/// Defines one `#[test]` per contract case in the invoking file. `$run` is a function
/// `fn(test: &str, case: Case)` that gives `case` a fresh store of every kind that side has,
/// one after another; it must run the case at least once, or say loudly why it did not.
macro_rules! contract_tests {
    ($run:path) => {
        $crate::contract_support::contract_tests!(
            @each $run;
            appends_in_order_and_rejects_stale_and_too_new_versions_exactly,
            conflicts_are_recognisable_and_describe_the_gap,
            unknown_actors_have_version_zero_and_no_events,
            events_honour_their_lower_bound_and_round_trip_every_bit,
            counts_and_actors_cover_every_stream,
        );
    };
    (@each $run:path; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                $run(stringify!($case), $crate::contract_support::$case);
            }
        )+
    };
}
pub(crate) use contract_tests;

/// An event of `actor` at `version` whose payload names both, so a mixed-up event shows.
pub(crate) fn event(actor: ActorId, version: Version) -> Event {
    Event {
        actor,
        version,
        event_type: 7,
        payload: actor.wrapping_mul(1000).wrapping_add(version),
        timestamp_ns: version,
    }
}

/// The conflict a store must return for `attempted` on a stream at `current`.
pub(crate) const fn conflict(actor: ActorId, current: Version, attempted: Version) -> SaveError {
    SaveError::Conflict(VersionConflict {
        actor,
        current,
        attempted,
    })
}

/// Appends to actor 5, in order: (version attempted, the outcome the store must return).
pub(crate) const APPEND_STEPS: &[(Version, Result<(), SaveError>)] = &[
    (2, Err(conflict(5, 0, 2))), // too new on an unknown actor
    (1, Ok(())),
    (1, Err(conflict(5, 1, 1))), // stale
    (3, Err(conflict(5, 1, 3))), // too new
    (2, Ok(())),
    (3, Ok(())),
    (2, Err(conflict(5, 3, 2))),
    (1, Err(conflict(5, 3, 1))),
    (9, Err(conflict(5, 3, 9))),
    // Too new for any stream (and past PostgreSQL's bigint): still a conflict with the facts.
    (Version::MAX, Err(conflict(5, 3, Version::MAX))),
    (0, Err(SaveError::InvalidVersion { actor: 5 })),
    (4, Ok(())),
];

pub(crate) fn appends_in_order_and_rejects_stale_and_too_new_versions_exactly(
    store: &dyn ContractStore,
) {
    let name = store.name();
    for (i, (version, expected)) in APPEND_STEPS.iter().enumerate() {
        assert_eq!(store.save(event(5, *version)), *expected, "{name} step {i}");
    }
    assert_eq!(store.latest_version(5), 4, "{name}");
    assert_eq!(
        store.events(5, 1),
        (1..=4).map(|v| event(5, v)).collect::<Vec<_>>(),
        "{name}: only the accepted appends are stored"
    );
}

pub(crate) fn conflicts_are_recognisable_and_describe_the_gap(store: &dyn ContractStore) {
    let name = store.name();
    store.save(event(1, 1)).unwrap();
    store.save(event(1, 2)).unwrap();
    let stale = store.save(event(1, 1)).unwrap_err();
    let c = stale
        .as_conflict()
        .unwrap_or_else(|| panic!("{name}: {stale:?}"));
    assert_eq!(
        (
            c.actor,
            c.current,
            c.attempted,
            c.staleness(),
            c.next_version()
        ),
        (1, 2, 1, 2, 3),
        "{name}"
    );
    let too_new = store.save(event(1, 5)).unwrap_err();
    assert_eq!(
        too_new.as_conflict().map(|c| c.staleness()),
        Some(-2),
        "{name}"
    );
    assert_eq!(SaveError::InvalidVersion { actor: 1 }.as_conflict(), None);
    assert_eq!(SaveError::Unavailable.as_conflict(), None);
    assert_eq!(
        store.save(event(1, 0)),
        Err(SaveError::InvalidVersion { actor: 1 }),
        "{name}"
    );
    assert_eq!(store.latest_version(1), 2, "{name}");
}

pub(crate) fn unknown_actors_have_version_zero_and_no_events(store: &dyn ContractStore) {
    let name = store.name();
    assert_eq!(store.latest_version(42), 0, "{name}");
    assert!(store.events(42, 0).is_empty(), "{name}");
    assert!(store.events(42, 1).is_empty(), "{name}");
    assert_eq!(store.event_at(42, 1), None, "{name}");
    // A rejected save must not make the actor appear.
    assert_eq!(store.save(event(42, 3)), Err(conflict(42, 0, 3)), "{name}");
    assert_eq!(
        store.save(event(42, 0)),
        Err(SaveError::InvalidVersion { actor: 42 }),
        "{name}"
    );
    assert_eq!(store.latest_version(42), 0, "{name}");
    assert!(store.actors().is_empty(), "{name}");
    assert_eq!(store.event_count(), 0, "{name}");
}

pub(crate) fn events_honour_their_lower_bound_and_round_trip_every_bit(store: &dyn ContractStore) {
    let name = store.name();
    // Actors, payloads and timestamps past i64::MAX must come back as written; 40 events cross
    // several of the lock-free store's segments (8, 16, 32 slots).
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
        assert_eq!(store.events(actor, *from), *expected, "{name} from {from}");
    }
    assert_eq!(store.event_at(actor, 17), Some(all[16]), "{name}");
    assert_eq!(store.event_at(actor, 40), Some(all[39]), "{name}");
    assert_eq!(store.event_at(actor, 0), None, "{name}");
    assert_eq!(store.event_at(actor, 41), None, "{name}");
    assert_eq!(store.event_at(actor, Version::MAX), None, "{name}");
}

pub(crate) fn counts_and_actors_cover_every_stream(store: &dyn ContractStore) {
    let name = store.name();
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
    assert_eq!(actors, expected, "{name}");
    assert_eq!(store.event_count(), 20, "{name}");
    for (actor, length) in lengths {
        assert_eq!(store.latest_version(actor), length, "{name}");
        assert_eq!(
            store.event_at(actor, length),
            Some(event(actor, length)),
            "{name}"
        );
    }
}
