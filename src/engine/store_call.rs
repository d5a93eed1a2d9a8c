//! A store call performed: the one place an [`Action`] meets the store, with the faults a
//! scenario injects. Every engine answers store calls through here, so none can differ in what
//! a read returns, what a rebuild costs or how a fault is drawn.

use rand::Rng;

use crate::rng::WriterRng;
use crate::store::{ActorId, Event, EventStore, SaveError, Version};
use crate::workload::dist::TimeDist;
use crate::workload::protocol::{Action, Input};

/// What a scenario does to every store call: latency legs and transient save failures.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Injected {
    /// Drawn once for the request leg and once for the response leg of every call (none when
    /// unset or zero).
    pub(crate) latency: Option<TimeDist>,
    /// Probability that a save fails with [`SaveError::Unavailable`] without reaching the store.
    pub(crate) fault_probability: f64,
}

impl Injected {
    /// The faults of a scenario's `[store]` table.
    pub(crate) fn of(store: &crate::workload::scenario::StoreSpec) -> Self {
        Self {
            latency: store.latency.filter(|d| !d.is_zero()),
            fault_probability: store.fault_probability,
        }
    }

    /// One leg of a call, drawn from the engine's stream (0 without latency).
    #[inline]
    pub(crate) fn leg(&self, rng: &mut WriterRng) -> u64 {
        self.latency.map_or(0, |d| d.sample(rng))
    }

    /// True when no call is delayed.
    pub(crate) fn no_latency(&self) -> bool {
        self.latency.is_none()
    }
}

/// Performs store call `action` against `store` now and returns what the writer observes.
/// `buf` is reused for stream reads; `rng` is the engine's stream for this writer.
///
/// # Panics
///
/// On [`Action::Wait`] or [`Action::Done`]: those are not store calls.
#[inline]
pub(crate) fn perform_call(
    store: &dyn EventStore,
    action: Action,
    injected: &Injected,
    rng: &mut WriterRng,
    buf: &mut Vec<Event>,
) -> Input {
    match action {
        Action::ReadVersion(actor) => Input::Version(store.latest_version(actor)),
        Action::ReadEvents { actor, from } => rebuild(store, actor, from, buf),
        Action::ReadEventAt { actor, version } => {
            buf.clear();
            store.events_into(actor, version, buf);
            Input::EventAt {
                event: buf.first().copied(),
                latest: store.latest_version(actor),
            }
        }
        Action::Save(event) => {
            if injected.fault_probability > 0.0 && rng.random::<f64>() < injected.fault_probability
            {
                Input::Saved(Err(SaveError::Unavailable))
            } else {
                Input::Saved(store.save(event))
            }
        }
        Action::Wait(_) | Action::Done(_) => {
            unreachable!("only store calls are performed here, not {action:?}")
        }
    }
}

/// Reads the stream into the reused buffer and folds over it.
fn rebuild(store: &dyn EventStore, actor: ActorId, from: Version, buf: &mut Vec<Event>) -> Input {
    buf.clear();
    store.events_into(actor, from, buf);
    replayed(buf)
}

/// What a writer observes of `events` read from its stream, after folding over them, so a
/// rebuild costs what replaying an aggregate's events costs, not just a copy.
pub(crate) fn replayed(events: &[Event]) -> Input {
    let state = events
        .iter()
        .fold(0u64, |acc, e| acc.rotate_left(5) ^ e.payload ^ e.version);
    std::hint::black_box(state);
    Input::Events {
        count: events.len() as u64,
        last: events.last().map_or(0, |e| e.version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::engine_rng;
    use crate::store::GlobalMutexStore;

    fn event(version: u64) -> Event {
        Event {
            actor: 1,
            version,
            event_type: 1,
            payload: 0,
            timestamp_ns: 0,
        }
    }

    #[test]
    fn faults_fail_about_the_asked_share_and_store_nothing() {
        let store = GlobalMutexStore::new();
        let injected = Injected {
            latency: None,
            fault_probability: 0.3,
        };
        let (mut rng, mut buf) = (engine_rng(9, 0, 0), Vec::new());
        let mut failed = 0;
        for _ in 0..10_000 {
            let save = Action::Save(event(store.latest_version(1) + 1));
            let input = perform_call(&store, save, &injected, &mut rng, &mut buf);
            if input == Input::Saved(Err(SaveError::Unavailable)) {
                failed += 1;
            }
        }
        assert!((2_700..3_300).contains(&failed), "{failed} of 10000 failed");
        assert_eq!(store.event_count(), 10_000 - failed);
    }

    #[test]
    fn reads_answer_what_the_store_holds() {
        let store = GlobalMutexStore::new();
        for v in 1..=3 {
            store.save(event(v)).unwrap();
        }
        let (inj, mut rng, mut buf) = (Injected::default(), engine_rng(1, 0, 0), Vec::new());
        let mut call = |a| perform_call(&store, a, &inj, &mut rng, &mut buf);
        assert_eq!(call(Action::ReadVersion(1)), Input::Version(3));
        assert_eq!(
            call(Action::ReadEvents { actor: 1, from: 2 }),
            Input::Events { count: 2, last: 3 }
        );
        assert_eq!(
            call(Action::ReadEventAt {
                actor: 1,
                version: 4
            }),
            Input::EventAt {
                event: None,
                latest: 3
            }
        );
    }
}
