//! Random operation sequences applied to every store and to a trivial sequential model (a `Vec`
//! per actor), compared step by step.

use std::collections::HashMap;

use proptest::prelude::*;
use retrylab::store::{ActorId, Event, SaveError, StoreKind, Version, VersionConflict};

/// How a save picks its version relative to the actor's current one.
#[derive(Clone, Copy, Debug)]
enum Pick {
    Right,
    Stale(u64),
    TooNew(u64),
    Zero,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Save {
        actor: ActorId,
        pick: Pick,
        payload: u64,
    },
    Latest {
        actor: ActorId,
    },
    Events {
        actor: ActorId,
        from: Version,
    },
}

fn op() -> impl Strategy<Value = Op> {
    // Few actors, so streams get long enough to cross segment boundaries.
    let actor = 0..6u64;
    let pick = prop_oneof![
        6 => Just(Pick::Right),
        2 => (1..5u64).prop_map(Pick::Stale),
        2 => (1..5u64).prop_map(Pick::TooNew),
        1 => Just(Pick::Zero),
    ];
    prop_oneof![
        6 => (actor.clone(), pick, any::<u64>())
            .prop_map(|(actor, pick, payload)| Op::Save { actor, pick, payload }),
        1 => actor.clone().prop_map(|actor| Op::Latest { actor }),
        2 => (actor, 0..60u64).prop_map(|(actor, from)| Op::Events { actor, from }),
    ]
}

/// The sequential model: what every store must answer.
#[derive(Default)]
struct Model {
    streams: HashMap<ActorId, Vec<Event>>,
}

impl Model {
    fn current(&self, actor: ActorId) -> Version {
        self.streams.get(&actor).map_or(0, |s| s.len() as Version)
    }

    fn save(&mut self, event: Event) -> Result<(), SaveError> {
        if event.version == 0 {
            return Err(SaveError::InvalidVersion { actor: event.actor });
        }
        let current = self.current(event.actor);
        if event.version != current + 1 {
            return Err(SaveError::Conflict(VersionConflict {
                actor: event.actor,
                current,
                attempted: event.version,
            }));
        }
        self.streams.entry(event.actor).or_default().push(event);
        Ok(())
    }

    fn events(&self, actor: ActorId, from: Version) -> Vec<Event> {
        let skip = from.saturating_sub(1) as usize;
        self.streams
            .get(&actor)
            .map_or(vec![], |s| s.get(skip..).unwrap_or(&[]).to_vec())
    }
}

fn check(kind: StoreKind, ops: &[Op]) -> Result<(), TestCaseError> {
    let store = kind.try_build(2, 4).expect("valid shards");
    let mut model = Model::default();
    for (step, op) in ops.iter().enumerate() {
        match *op {
            Op::Save {
                actor,
                pick,
                payload,
            } => {
                let current = model.current(actor);
                let version = match pick {
                    Pick::Right => current + 1,
                    Pick::Stale(back) => current.saturating_sub(back - 1).max(1).min(current),
                    Pick::TooNew(ahead) => current + 1 + ahead,
                    Pick::Zero => 0,
                };
                let event = Event {
                    actor,
                    version,
                    event_type: 1,
                    payload,
                    timestamp_ns: step as u64,
                };
                prop_assert_eq!(
                    store.save(event),
                    model.save(event),
                    "{:?} step {} {:?}",
                    kind,
                    step,
                    op
                );
            }
            Op::Latest { actor } => {
                prop_assert_eq!(
                    store.latest_version(actor),
                    model.current(actor),
                    "{:?} step {}",
                    kind,
                    step
                );
            }
            Op::Events { actor, from } => {
                prop_assert_eq!(
                    store.events(actor, from),
                    model.events(actor, from),
                    "{:?} step {}",
                    kind,
                    step
                );
            }
        }
    }
    let total: usize = model.streams.values().map(Vec::len).sum();
    prop_assert_eq!(store.event_count(), total as u64);
    let mut actors = store.actors();
    actors.sort_unstable();
    let mut expected: Vec<ActorId> = model.streams.keys().copied().collect();
    expected.sort_unstable();
    prop_assert_eq!(actors, expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_store_behaves_like_the_sequential_model(ops in prop::collection::vec(op(), 1..300)) {
        for kind in StoreKind::ALL {
            check(kind, &ops)?;
        }
    }
}
