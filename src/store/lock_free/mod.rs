//! The lock-free sharded store: the safe façade over [`index`] (actor → stream), [`stream`]
//! (one actor's slots) and [`arena`] (the blocks the events live in).

mod arena;
mod index;
mod stream;

use std::fmt;

use self::arena::Arena;
use self::index::Index;
use self::stream::AppendOutcome;
use super::{ActorId, Event, EventStore, SaveError, ShardCount, Version, VersionConflict};

/// The lock-free sharded event store (the default).
///
/// # The append protocol
///
/// A stream is an array of pointer-sized slots, null until filled; version `v` lives at slot
/// `v - 1`. Its header (one 64-byte cache line: the actor id, a committed-version hint, the
/// first 4 slots, the first segment's pointer and a directory pointer) sits in place in the
/// sharded actor index; later slots live in segments of 8, 16, 32, … slots (the first reached
/// from the header, the rest through a lazily installed directory), so nothing ever
/// moves or is copied. Appending version `v` checks that slot `v - 2` is filled (else the attempt
/// is too new), writes the event into the appending thread's next free cell of the store's
/// arena (a cell no other thread can reach), then compare-and-swaps slot `v - 1` from null to
/// that cell. That one CAS both claims the version and publishes the event: there is no window
/// where a version is claimed but unwritten, slots are never cleared (no ABA) and nothing is
/// reclaimed before the store drops. A failed CAS or a too-new version returns a
/// [`VersionConflict`] whose `current` is the latest version read right after the failure; the
/// unpublished cell stays with the thread for its next append.
///
/// # Memory layout
///
/// Events live in store-owned blocks of 256 cells (about 10 KiB). Each thread bump-allocates
/// from its own current block of each store (a thread-local cursor keyed by a store id that is
/// never reused, so a cursor left over from another or a dropped store is never followed); a
/// block is registered on the store's push-only list when taken and all blocks are freed when
/// the store drops. The allocator therefore runs once per 256 appends per thread, not per append,
/// and a stream's consecutive events written by one thread sit next to each other.
///
/// # Progress
///
/// Saves are lock-free: a save's CAS fails only because another thread's CAS on the same slot
/// succeeded, and a failed save returns at once (retrying is the caller's policy). Claiming an
/// index header for a new actor (a CAS on its key), and installing a directory, a segment or a
/// chained index table, are lock-free the same way (the loser frees its allocation, if any, and
/// uses the winner's). Taking an arena block is a Treiber push: its CAS fails only when another
/// thread's push succeeded. Reads never write and never wait for a writer: `latest_version` and `events` take
/// a bounded number of loads (the index chain, then a forward scan from a recent committed
/// version, bounded by the appends that raced with it).
///
/// # Memory orderings
///
/// - Publishing CAS (event cell into slot; directory, segment or table installed): `Release` on
///   success, so the pointee's initialisation (for an event: the cell write just before the CAS)
///   happens-before any thread that sees the pointer.
///   Claiming a header's key: `AcqRel` (the header's empty state was published with its table).
/// - Every load of such a pointer: `Acquire`, pairing with that `Release`. Because a writer
///   Acquire-loads slot `v - 2` before it Release-publishes slot `v - 1`, a reader that sees a
///   slot filled also sees every earlier slot filled (happens-before is transitive): reads never
///   see a gap or a torn event.
/// - The committed-version hint: `Release` store after the CAS, `Acquire` load, so a reader that
///   starts from the hint also sees the events up to it.
/// - CAS failures need no ordering beyond what the reload after them does.
/// - Registering an arena block (a CAS on the list head): `AcqRel`, with `Acquire` loads, so a
///   walk of the list (`heap_bytes`) sees every block's link. Cell contents never travel by this
///   list: only by the slot CAS above.
///
/// # Costs
///
/// A committed event costs one arena cell (40 bytes) plus its 8-byte slot; no allocation of its
/// own (the allocator runs once per 256 appends per thread, for a block). A stale attempt that
/// sees its slot taken writes nothing; one that loses the CAS wrote a cell that is reused. Waste:
/// at most one partly used block per thread and store (a thread that alternates among more than
/// 4 stores, or appends while its thread-locals are torn down, takes a new block each time it
/// switches: see `arena`). `benches/store.rs` prints heap bytes per event for every store. The
/// index is pre-sized at most half full for the expected actors: 64 bytes per slot.
///
/// # Send and Sync
///
/// The store holds only atomics (`AtomicPtr`, `AtomicU64`) and immutable data, so `Send` and
/// `Sync` are derived automatically, and that is sound: every pointee is owned by the store
/// alone and freed only by `Drop`, which has exclusive access. Streams, segments and tables are
/// only mutated through atomics. Event cells are plain memory written without atomics, but only
/// by the one thread whose cursor reserves the cell and only before the Release CAS that makes
/// it reachable; after that it is only read. No `unsafe impl` needed.
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
    /// Where the events live; streams' slots point into it.
    arena: Arena,
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
            arena: Arena::new(),
        }
    }
}

// The derived auto traits, checked at compile time (see "Send and Sync" above).
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LockFreeStore>();
};

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
            Some(stream) => stream.append(event, &self.arena),
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
        let mut bytes = self.index.heap_bytes() + self.arena.heap_bytes();
        self.index
            .for_each_stream(|s| bytes += s.heap_bytes_beyond_header());
        bytes
    }
}
