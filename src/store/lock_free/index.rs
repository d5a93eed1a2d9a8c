//! The actor index: actor id → stream, sharded, insert-only, lock-free. Stream headers live in
//! place in the index tables, so finding an actor's stream costs one cache line.
//!
//! Each shard is a chain of open-addressing tables of stream headers, all created vacant. An
//! actor's *probe sequence* is fixed: up to `PROBE_LIMIT` slots of the first table from its
//! hash, then the same in the next (twice as large) table, and so on. An actor claims the first
//! vacant header of its sequence with one CAS on the header's key; keys never change once
//! claimed, so two threads inserting the same actor walk the same claimed prefix, race for the
//! same vacant header, and the loser finds the winner there: an actor is never indexed twice.
//! A lookup that meets a vacant header knows the actor is absent (it would sit at or before it).
//!
//! The one id that doubles as the vacant key, `ActorId::MAX`, has its own header outside the
//! tables.
//!
//! Invariant the `unsafe` below relies on: a non-null `next` points to a live `Table`, installed
//! once by CAS and freed only by `Drop`.

use std::ptr;

use crossbeam_utils::CachePadded;

use super::stream::{Stream, VACANT};
use crate::rng::mix64;
use crate::store::ActorId;
use crate::sync::{AtomicPtr, Ordering};

/// Longest run of slots probed in one table before moving to the next table.
#[cfg(not(loom))]
const PROBE_LIMIT: usize = 32;
/// Smallest table (slots).
#[cfg(not(loom))]
const MIN_TABLE: usize = 16;
/// Most first-table slots over all shards (64 bytes each, so 256 MiB): bounds the up-front
/// allocation whatever the caller expects; beyond it tables chain as actors arrive.
#[cfg(not(loom))]
const MAX_FIRST_SLOTS: usize = 1 << 22;
// Under loom: one-slot tables so that two actors already force a chained table.
#[cfg(loom)]
const PROBE_LIMIT: usize = 1;
#[cfg(loom)]
const MIN_TABLE: usize = 1;
#[cfg(loom)]
const MAX_FIRST_SLOTS: usize = 1;

/// One open-addressing table of stream headers and the link to the next, larger one.
struct Table {
    streams: Box<[Stream]>,
    next: AtomicPtr<Table>,
}

impl Table {
    fn with_capacity(capacity: usize) -> Self {
        debug_assert!(capacity.is_power_of_two());
        Self {
            streams: (0..capacity).map(|_| Stream::new(VACANT)).collect(),
            next: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The headers of `hash`'s probe run in this table.
    #[inline]
    fn probe_run(&self, hash: u64) -> impl Iterator<Item = &Stream> {
        let mask = self.streams.len() - 1;
        let start = hash as usize & mask;
        (0..PROBE_LIMIT.min(self.streams.len())).map(move |i| &self.streams[(start + i) & mask])
    }

    /// The next table, if one has been installed.
    #[inline]
    fn next(&self) -> Option<&Table> {
        // Acquire pairs with the installing CAS's Release: the table's headers are initialised.
        let next = self.next.load(Ordering::Acquire);
        // SAFETY: a non-null `next` points to a live table, installed once, freed only in Drop.
        (!next.is_null()).then(|| unsafe { &*next })
    }

    /// The next table, installing a twice-larger one if there is none.
    fn next_or_grow(&self) -> &Table {
        if let Some(next) = self.next() {
            return next;
        }
        let fresh = Box::into_raw(Box::new(Table::with_capacity(self.streams.len() * 2)));
        match self.next.compare_exchange(
            ptr::null_mut(),
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            // SAFETY: we just installed `fresh`; installed tables live until Drop.
            Ok(_) => unsafe { &*fresh },
            Err(winner) => {
                // SAFETY: the CAS failed, so `fresh` was never shared: we still own it.
                drop(unsafe { Box::from_raw(fresh) });
                // SAFETY: `winner` is non-null and installed tables live until Drop.
                unsafe { &*winner }
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        self.streams.len() * std::mem::size_of::<Stream>()
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        let next = self.next.load(Ordering::Acquire);
        if !next.is_null() {
            // SAFETY: `&mut self`: nobody else can reach this table; `next` was installed once
            // from `Box::into_raw` and is freed only here. Chains are short (each table
            // doubles), so the recursion is shallow. The headers drop with `streams`.
            drop(unsafe { Box::from_raw(next) });
        }
    }
}

/// The sharded index. Shards are cache-padded so that inserts in one do not slow lookups in
/// another.
pub(super) struct Index {
    shards: Box<[CachePadded<Table>]>,
    /// The stream of `ActorId::MAX`, the id that marks vacant headers in the tables.
    max_actor: Stream,
}

impl Index {
    /// An index of `shards` shards (a power of two), each sized for `expected_actors / shards`
    /// actors at most half full (up to `MAX_FIRST_SLOTS` slots in all; beyond, tables chain).
    pub(super) fn new(shards: usize, expected_actors: usize) -> Self {
        debug_assert!(shards.is_power_of_two());
        let per_shard = expected_actors.div_ceil(shards).saturating_mul(2);
        // `largest >= MIN_TABLE`, so the clamp cannot panic.
        let largest = (MAX_FIRST_SLOTS / shards).max(MIN_TABLE);
        let capacity = per_shard.clamp(MIN_TABLE, largest).next_power_of_two();
        Self {
            shards: (0..shards)
                .map(|_| CachePadded::new(Table::with_capacity(capacity)))
                .collect(),
            max_actor: Stream::new(VACANT),
        }
    }

    /// The shard count.
    pub(super) fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// The actor's hash and the first table of its shard. Bits 32 and up pick the shard, the low
    /// bits the slot, so the two choices are independent.
    #[inline]
    fn first_table(&self, actor: ActorId) -> (u64, &Table) {
        let hash = mix64(actor);
        let shard = (hash >> 32) as usize & (self.shards.len() - 1);
        (hash, &self.shards[shard])
    }

    /// The actor's stream, if it has one (always, for `ActorId::MAX`: an empty stream answers
    /// like an absent one).
    #[inline]
    pub(super) fn get(&self, actor: ActorId) -> Option<&Stream> {
        if actor == VACANT {
            return Some(&self.max_actor);
        }
        let (hash, mut table) = self.first_table(actor);
        loop {
            for stream in table.probe_run(hash) {
                match stream.actor() {
                    owner if owner == actor => return Some(stream),
                    VACANT => return None,
                    _ => {}
                }
            }
            table = table.next()?;
        }
    }

    /// The actor's stream, claimed if it has none.
    pub(super) fn get_or_insert(&self, actor: ActorId) -> &Stream {
        if actor == VACANT {
            return &self.max_actor;
        }
        let (hash, mut table) = self.first_table(actor);
        loop {
            for stream in table.probe_run(hash) {
                let mut owner = stream.actor();
                if owner == VACANT {
                    match stream.claim(actor) {
                        Ok(()) => return stream,
                        Err(winner) => owner = winner,
                    }
                }
                if owner == actor {
                    return stream;
                }
            }
            table = table.next_or_grow();
        }
    }

    /// Calls `f` on every claimed stream (a snapshot that may miss concurrent inserts), and on
    /// the stream of `ActorId::MAX`.
    pub(super) fn for_each_stream(&self, mut f: impl FnMut(&Stream)) {
        f(&self.max_actor);
        for shard in self.shards.iter() {
            let mut table: Option<&Table> = Some(shard);
            while let Some(t) = table {
                t.streams
                    .iter()
                    .filter(|s| s.actor() != VACANT)
                    .for_each(&mut f);
                table = t.next();
            }
        }
    }

    /// Heap bytes of the index: shards, tables and the headers in them.
    pub(super) fn heap_bytes(&self) -> usize {
        let mut bytes = self.shards.len() * std::mem::size_of::<CachePadded<Table>>();
        for shard in self.shards.iter() {
            bytes += shard.heap_bytes();
            let mut table = shard.next();
            while let Some(t) = table {
                bytes += std::mem::size_of::<Table>() + t.heap_bytes();
                table = t.next();
            }
        }
        bytes
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn inserts_chain_into_larger_tables_and_stay_findable() {
        // One shard sized for 1 actor: 16 slots, so 5,000 actors need several chained tables.
        let index = Index::new(1, 1);
        for actor in 0..5_000u64 {
            assert_eq!(index.get_or_insert(actor).actor(), actor);
        }
        for actor in 0..5_000u64 {
            assert_eq!(index.get(actor).map(Stream::actor), Some(actor));
            assert!(ptr::eq(
                index.get(actor).unwrap(),
                index.get_or_insert(actor)
            ));
        }
        assert!(index.get(5_000).is_none());
        assert!(ptr::eq(
            index.get_or_insert(VACANT),
            index.get(VACANT).unwrap()
        ));
        let mut seen = 0;
        index.for_each_stream(|_| seen += 1);
        assert_eq!(seen, 5_001);
        assert!(
            index.shards[0].next().is_some(),
            "the test must exercise chaining"
        );
    }
}
