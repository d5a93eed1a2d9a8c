//! Baseline: every actor's stream behind one global `Mutex`. What collapse under contention looks
//! like, and the simplest correct store: the reference the others are checked against.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::{ActorId, Event, EventStore, SaveError, Version, VersionConflict};

/// All streams in one `HashMap` behind one `Mutex`.
#[derive(Debug, Default)]
pub struct GlobalMutexStore {
    streams: Mutex<HashMap<ActorId, Vec<Event>>>,
}

impl GlobalMutexStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<ActorId, Vec<Event>>> {
        // A writer that panicked mid-append cannot leave a stream half-written (the push is the
        // only mutation), so the data behind a poisoned lock is still consistent.
        self.streams
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl EventStore for GlobalMutexStore {
    fn name(&self) -> &'static str {
        "global-mutex"
    }

    fn save(&self, event: Event) -> Result<(), SaveError> {
        if event.version == 0 {
            return Err(SaveError::InvalidVersion { actor: event.actor });
        }
        let mut streams = self.lock();
        let stream = streams.entry(event.actor).or_default();
        let current = stream.len() as Version;
        if event.version != current + 1 {
            return Err(SaveError::Conflict(VersionConflict {
                actor: event.actor,
                current,
                attempted: event.version,
            }));
        }
        stream.push(event);
        Ok(())
    }

    fn latest_version(&self, actor: ActorId) -> Version {
        self.lock().get(&actor).map_or(0, |s| s.len() as Version)
    }

    fn events_into(&self, actor: ActorId, from_version: Version, out: &mut Vec<Event>) {
        let streams = self.lock();
        if let Some(stream) = streams.get(&actor) {
            let skip = from_version.saturating_sub(1) as usize;
            out.extend_from_slice(stream.get(skip..).unwrap_or(&[]));
        }
    }

    fn event_count(&self) -> u64 {
        self.lock().values().map(|s| s.len() as u64).sum()
    }

    fn actors(&self) -> Vec<ActorId> {
        self.lock()
            .iter()
            .filter(|(_, s)| !s.is_empty())
            .map(|(a, _)| *a)
            .collect()
    }

    fn heap_bytes(&self) -> usize {
        let streams = self.lock();
        let entry = std::mem::size_of::<(ActorId, Vec<Event>)>() + 1;
        streams.capacity() * entry
            + streams
                .values()
                .map(|s| s.capacity() * std::mem::size_of::<Event>())
                .sum::<usize>()
    }
}
