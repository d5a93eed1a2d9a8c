//! Baseline: actors spread over cache-padded shards, each one `RwLock<HashMap>` of streams. The
//! common, well-built lock-based design: the thing the lock-free store has to beat.

use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crossbeam_utils::CachePadded;

use super::actor_hash::{ActorHash, shard_of};
use super::shards::MAX_PRESIZED_ACTORS;
use super::{ActorId, Event, EventStore, SaveError, ShardCount, Version, VersionConflict};

type Streams = HashMap<ActorId, Vec<Event>, ActorHash>;

/// Streams in `shards` `RwLock<HashMap>`s; saves take one shard's write lock, reads its read
/// lock.
#[derive(Debug)]
pub struct RwLockShardedStore {
    shards: Box<[CachePadded<RwLock<Streams>>]>,
}

impl RwLockShardedStore {
    /// An empty store with `shards` shards, each map pre-sized for its share of
    /// `expected_actors`.
    pub fn new(shards: ShardCount, expected_actors: usize) -> Self {
        let per_shard = expected_actors
            .min(MAX_PRESIZED_ACTORS)
            .div_ceil(shards.get());
        Self {
            shards: (0..shards.get())
                .map(|_| {
                    CachePadded::new(RwLock::new(Streams::with_capacity_and_hasher(
                        per_shard, ActorHash,
                    )))
                })
                .collect(),
        }
    }

    fn shard(&self, actor: ActorId) -> &RwLock<Streams> {
        &self.shards[shard_of(actor, self.shards.len())]
    }

    // A writer that panicked mid-append cannot leave a stream half-written (the push is the only
    // mutation), so the data behind a poisoned lock is still consistent.
    fn read(&self, actor: ActorId) -> RwLockReadGuard<'_, Streams> {
        self.shard(actor).read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self, actor: ActorId) -> RwLockWriteGuard<'_, Streams> {
        self.shard(actor).write().unwrap_or_else(|p| p.into_inner())
    }

    fn each_shard(&self) -> impl Iterator<Item = RwLockReadGuard<'_, Streams>> {
        self.shards
            .iter()
            .map(|s| s.read().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Default for RwLockShardedStore {
    fn default() -> Self {
        Self::new(ShardCount::DEFAULT, 1024)
    }
}

impl EventStore for RwLockShardedStore {
    fn name(&self) -> &'static str {
        "rwlock-sharded"
    }

    fn save(&self, event: Event) -> Result<(), SaveError> {
        if event.version == 0 {
            return Err(SaveError::InvalidVersion { actor: event.actor });
        }
        let mut streams = self.write(event.actor);
        // Only version 1 creates a stream, so failed saves leave no empty streams behind.
        let current = match streams.get_mut(&event.actor) {
            Some(stream) if stream.len() as Version == event.version - 1 => {
                stream.push(event);
                return Ok(());
            }
            Some(stream) => stream.len() as Version,
            None if event.version == 1 => {
                streams.insert(event.actor, vec![event]);
                return Ok(());
            }
            None => 0,
        };
        Err(SaveError::Conflict(VersionConflict {
            actor: event.actor,
            current,
            attempted: event.version,
        }))
    }

    fn latest_version(&self, actor: ActorId) -> Version {
        self.read(actor)
            .get(&actor)
            .map_or(0, |s| s.len() as Version)
    }

    fn events_into(&self, actor: ActorId, from_version: Version, out: &mut Vec<Event>) {
        if let Some(stream) = self.read(actor).get(&actor) {
            let skip = usize::try_from(from_version.saturating_sub(1)).unwrap_or(usize::MAX);
            out.extend_from_slice(stream.get(skip..).unwrap_or(&[]));
        }
    }

    fn event_count(&self) -> u64 {
        self.each_shard()
            .map(|s| s.values().map(|v| v.len() as u64).sum::<u64>())
            .sum()
    }

    fn actors(&self) -> Vec<ActorId> {
        self.each_shard()
            .flat_map(|s| s.keys().copied().collect::<Vec<_>>())
            .collect()
    }

    fn heap_bytes(&self) -> usize {
        let entry = std::mem::size_of::<(ActorId, Vec<Event>)>() + 1; // + hashbrown's tag byte
        self.shards.len() * std::mem::size_of::<CachePadded<RwLock<Streams>>>()
            + self
                .each_shard()
                .map(|s| {
                    s.capacity() * entry
                        + s.values()
                            .map(|v| v.capacity() * std::mem::size_of::<Event>())
                            .sum::<usize>()
                })
                .sum::<usize>()
    }
}
