//! The store contract (tests/contract_support, shared with the PostgreSQL store) run against
//! every implementation in `StoreKind::ALL`, and what only the in-memory stores have:
//! `events_into`, shard chaining, sizing hints.

mod contract_support;

use std::sync::Arc;

use contract_support::{Case, ContractStore, event};
use retrylab::store::{ActorId, Event, EventStore, SaveError, StoreKind, Version};

/// An in-memory store seen through the contract's blocking view. `event_at` has no
/// counterpart in [`EventStore`]: it is read through `events`, so it checks that too.
struct InMemory(Arc<dyn EventStore>);

impl ContractStore for InMemory {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn save(&self, event: Event) -> Result<(), SaveError> {
        self.0.save(event)
    }
    fn latest_version(&self, actor: ActorId) -> Version {
        self.0.latest_version(actor)
    }
    fn events(&self, actor: ActorId, from: Version) -> Vec<Event> {
        self.0.events(actor, from)
    }
    fn event_at(&self, actor: ActorId, version: Version) -> Option<Event> {
        if version == 0 {
            return None;
        }
        let first = self.0.events(actor, version).into_iter().next();
        first.filter(|e| e.version == version)
    }
    fn event_count(&self) -> u64 {
        self.0.event_count()
    }
    fn actors(&self) -> Vec<ActorId> {
        self.0.actors()
    }
}

/// Every kind, with a shard count that makes several actors share a shard.
fn stores() -> impl Iterator<Item = (StoreKind, Arc<dyn EventStore>)> {
    StoreKind::ALL
        .into_iter()
        .map(|kind| (kind, kind.try_build(4, 16).expect("valid shards")))
}

/// Runs `case` on a fresh store of every kind, then checks what every store must say of
/// itself after any case: its kind's name, and heap accounting that covers its events.
fn each_store(_test: &str, case: Case) {
    assert!(!StoreKind::ALL.is_empty(), "no store kind to check");
    for (kind, store) in stores() {
        let store = InMemory(store);
        case(&store);
        assert_eq!(store.0.name(), kind.name(), "{kind:?}");
        let events = usize::try_from(store.0.event_count()).unwrap();
        assert!(
            store.0.heap_bytes() >= events * std::mem::size_of::<Event>(),
            "{kind:?} accounts at least for its {events} events"
        );
    }
}

contract_support::contract_tests!(each_store);

#[test]
fn events_into_appends_rather_than_replaces() {
    for (kind, store) in stores() {
        let all: Vec<Event> = (1..=40).map(|v| event(9, v)).collect();
        for e in &all {
            store.save(*e).unwrap();
        }
        let mut out = vec![event(0, 1)];
        store.events_into(9, 39, &mut out);
        assert_eq!(out, [event(0, 1), all[38], all[39]], "{kind:?}");
        store.events_into(9, 41, &mut out);
        assert_eq!(out.len(), 3, "{kind:?}: past the end appends nothing");
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
