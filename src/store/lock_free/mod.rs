//! The lock-free sharded store: the safe façade over [`index`] (actor → stream) and [`stream`]
//! (one actor's slots).
//!
//! # The append protocol
//!
//! A stream is a segmented array of pointer-sized slots, null until filled; version `v` lives
//! at slot `v - 1`. Appending version `v` checks that slot `v - 2` is filled (else the attempt
//! is too new), then compare-and-swaps slot `v - 1` from null to the boxed event. That one CAS
//! both claims the version and publishes the event: there is no window where a version is
//! claimed but unwritten, slots are never cleared (no ABA) and nothing is reclaimed before the
//! store drops. A failed CAS or a too-new version returns a [`VersionConflict`] whose `current`
//! is the latest version read right after the failure.
//!
//! # Progress
//!
//! Saves are lock-free: a save's CAS fails only because another thread's CAS on the same slot
//! succeeded, and a failed save returns at once (retrying is the caller's policy). Segment and
//! table installation is lock-free the same way (the loser frees its allocation and uses the
//! winner's). Reads never write and never wait for a writer: `latest_version` and `events` take
//! a bounded number of loads (the index chain, then a forward scan from a recent committed
//! version, bounded by the appends that raced with it).
//!
//! # Memory orderings
//!
//! - Publishing CAS (event into slot, stream into index, segment or table installed): `Release`
//!   on success, so the pointee's initialisation happens-before any thread that sees the pointer.
//! - Every load of such a pointer: `Acquire`, pairing with that `Release`. Because a writer
//!   Acquire-loads slot `v - 2` before it Release-publishes slot `v - 1`, a reader that sees a
//!   slot filled also sees every earlier slot filled (happens-before is transitive): reads never
//!   see a gap or a torn event.
//! - The committed-version hint: `Release` store after the CAS, `Acquire` load, so a reader that
//!   starts from the hint also sees the events up to it.
//! - CAS failures need no ordering beyond what the reload after them does.
//!
//! # Send and Sync
//!
//! The store holds only atomics (`AtomicPtr`, `AtomicU64`) and immutable data, so `Send` and
//! `Sync` are derived automatically, and that is sound: every pointee (streams, segments, `Copy`
//! events) is `Send + Sync`, is owned by the store alone, is only mutated through atomics before
//! publication and is freed only by `Drop`, which has exclusive access. No `unsafe impl` needed.

mod index;
mod stream;

use std::fmt;

use self::index::Index;
use self::stream::AppendOutcome;
use super::{ActorId, Event, EventStore, SaveError, ShardCount, Version, VersionConflict};

/// The lock-free sharded event store (the default). See the [module docs](self) for the
/// protocol, its progress guarantee and its memory orderings.
///
/// # Examples
///
/// ```
/// use retrylab::store::{Event, EventStore, LockFreeStore};
///
/// let store = LockFreeStore::new();
/// let event = Event { actor: 1, version: 1, event_type: 0, payload: 42, timestamp_ns: 0 };
/// store.save(event).unwrap();
/// let stale = store.save(event).unwrap_err();
/// assert_eq!(stale.as_conflict().unwrap().current, 1);
/// assert_eq!(store.events(1, 1), vec![event]);
/// ```
pub struct LockFreeStore {
    index: Index,
}

impl LockFreeStore {
    /// An empty store with [`ShardCount::DEFAULT`] shards, sized for about 1,024 actors (it
    /// grows beyond that, a little slower).
    pub fn new() -> Self {
        Self::with_shards(ShardCount::DEFAULT, 1024)
    }

    /// An empty store with `shards` shards whose index is sized for `expected_actors` actors,
    /// so that a measured run does not pay for growth.
    pub fn with_shards(shards: ShardCount, expected_actors: usize) -> Self {
        Self {
            index: Index::new(shards.get(), expected_actors),
        }
    }
}

impl Default for LockFreeStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for LockFreeStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockFreeStore")
            .field("shards", &self.index.shard_count())
            .finish_non_exhaustive()
    }
}

impl EventStore for LockFreeStore {
    fn name(&self) -> &'static str {
        "lock-free"
    }

    fn save(&self, event: Event) -> Result<(), SaveError> {
        if event.version == 0 {
            return Err(SaveError::InvalidVersion { actor: event.actor });
        }
        // Only version 1 may create a stream: any other version for an unknown actor is too new,
        // and answering that needs no allocation.
        let stream = if event.version == 1 {
            Some(self.index.get_or_insert(event.actor))
        } else {
            self.index.get(event.actor)
        };
        let outcome = match stream {
            Some(stream) => stream.append(event),
            None => AppendOutcome::Conflict { current: 0 },
        };
        match outcome {
            AppendOutcome::Committed => Ok(()),
            AppendOutcome::Conflict { current } => Err(SaveError::Conflict(VersionConflict {
                actor: event.actor,
                current,
                attempted: event.version,
            })),
        }
    }

    fn latest_version(&self, actor: ActorId) -> Version {
        self.index.get(actor).map_or(0, |s| s.latest_version())
    }

    fn events_into(&self, actor: ActorId, from_version: Version, out: &mut Vec<Event>) {
        if let Some(stream) = self.index.get(actor) {
            stream.events_into(from_version, out);
        }
    }

    fn event_count(&self) -> u64 {
        let mut count = 0;
        self.index.for_each_stream(|s| count += s.latest_version());
        count
    }

    fn actors(&self) -> Vec<ActorId> {
        let mut actors = Vec::new();
        // A stream is created just before its first append, so a snapshot may catch it empty.
        self.index.for_each_stream(|s| {
            if s.latest_version() > 0 {
                actors.push(s.actor());
            }
        });
        actors
    }

    fn heap_bytes(&self) -> usize {
        let mut bytes = self.index.heap_bytes();
        self.index
            .for_each_stream(|s| bytes += s.heap_bytes_beyond_header());
        bytes
    }
}
