//! Baseline: `dashmap`, the concurrent map a Rust user would reach for instead of writing a
//! store. Uses the same fast actor hasher as the other stores so only coordination differs.

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;

use super::actor_hash::ActorHash;
use super::shards::MAX_PRESIZED_ACTORS;
use super::{ActorId, Event, EventStore, SaveError, ShardCount, Version, VersionConflict};

/// Streams in a `DashMap<ActorId, Vec<Event>>`.
#[derive(Debug)]
pub struct DashMapStore {
    streams: DashMap<ActorId, Vec<Event>, ActorHash>,
}

impl DashMapStore {
    /// An empty store pre-sized for `expected_actors`, with `shards` shards (`dashmap` needs at
    /// least 2, so 1 is raised to 2).
    pub fn new(shards: ShardCount, expected_actors: usize) -> Self {
        Self {
            streams: DashMap::with_capacity_and_hasher_and_shard_amount(
                expected_actors.min(MAX_PRESIZED_ACTORS),
                ActorHash,
                shards.get().max(2),
            ),
        }
    }
}

impl Default for DashMapStore {
    fn default() -> Self {
        Self::new(ShardCount::DEFAULT, 1024)
    }
}

impl EventStore for DashMapStore {
    fn name(&self) -> &'static str {
        "dashmap"
    }

    fn save(&self, event: Event) -> Result<(), SaveError> {
        if event.version == 0 {
            return Err(SaveError::InvalidVersion { actor: event.actor });
        }
        let current = if event.version == 1 {
            // Only version 1 may create a stream (failed saves leave no empty streams).
            match self.streams.entry(event.actor) {
                Entry::Vacant(vacant) => {
                    vacant.insert(vec![event]);
                    return Ok(());
                }
                Entry::Occupied(occupied) => occupied.get().len() as Version,
            }
        } else {
            match self.streams.get_mut(&event.actor) {
                Some(mut stream) if stream.len() as Version == event.version - 1 => {
                    stream.push(event);
                    return Ok(());
                }
                Some(stream) => stream.len() as Version,
                None => 0,
            }
        };
        Err(SaveError::Conflict(VersionConflict {
            actor: event.actor,
            current,
            attempted: event.version,
        }))
    }

    fn latest_version(&self, actor: ActorId) -> Version {
        self.streams.get(&actor).map_or(0, |s| s.len() as Version)
    }

    fn events_into(&self, actor: ActorId, from_version: Version, out: &mut Vec<Event>) {
        if let Some(stream) = self.streams.get(&actor) {
            let skip = usize::try_from(from_version.saturating_sub(1)).unwrap_or(usize::MAX);
            out.extend_from_slice(stream.get(skip..).unwrap_or(&[]));
        }
    }

    fn event_count(&self) -> u64 {
        self.streams.iter().map(|s| s.len() as u64).sum()
    }

    fn actors(&self) -> Vec<ActorId> {
        self.streams.iter().map(|s| *s.key()).collect()
    }

    fn heap_bytes(&self) -> usize {
        let entry = std::mem::size_of::<(ActorId, Vec<Event>)>() + 1; // + hashbrown's tag byte
        self.streams.capacity() * entry
            + self
                .streams
                .iter()
                .map(|s| s.capacity() * std::mem::size_of::<Event>())
                .sum::<usize>()
    }
}
