//! The actor index: actor id → stream, sharded, insert-only, lock-free.
//!
//! Each shard is a chain of open-addressing tables of stream pointers. An actor's *probe
//! sequence* is fixed: up to `probe_limit` slots of the first table from its hash, then the same
//! in the next (twice as large) table, and so on. An actor is inserted at the first null slot of
//! its sequence by a compare-and-swap; slots never change once filled, so two threads inserting
//! the same actor walk the same filled prefix, race for the same null slot, and the loser finds
//! the winner there: an actor is never indexed twice. A lookup that meets a null slot knows the
//! actor is absent (it would sit at or before that slot).
//!
//! Invariants the `unsafe` below relies on: a non-null table slot points to a live `Stream`
//! and a non-null `next` to a live `Table`; both are installed once and freed only by `Drop`.

use std::ptr;

use crossbeam_utils::CachePadded;

use super::stream::Stream;
use crate::rng::mix64;
use crate::store::ActorId;
use crate::sync::{AtomicPtr, Ordering};

/// Longest run of slots probed in one table before moving to the next table.
#[cfg(not(loom))]
const PROBE_LIMIT: usize = 32;
/// Smallest table (slots).
#[cfg(not(loom))]
const MIN_TABLE: usize = 16;
/// Largest first table per shard (slots): bounds the up-front allocation whatever the caller
/// expects; beyond it tables chain.
#[cfg(not(loom))]
const MAX_FIRST_TABLE: usize = 1 << 22;
// Under loom: tiny tables so that two actors already force a chained table.
#[cfg(loom)]
const PROBE_LIMIT: usize = 1;
#[cfg(loom)]
const MIN_TABLE: usize = 1;
#[cfg(loom)]
const MAX_FIRST_TABLE: usize = 1;

/// One open-addressing table and the link to the next, larger one.
struct Table {
    slots: Box<[AtomicPtr<Stream>]>,
    next: AtomicPtr<Table>,
}

impl Table {
    fn with_capacity(capacity: usize) -> Self {
        debug_assert!(capacity.is_power_of_two());
        Self {
            slots: (0..capacity)
                .map(|_| AtomicPtr::new(ptr::null_mut()))
                .collect(),
            next: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The slots of `hash`'s probe run in this table.
    #[inline]
    fn probe_run(&self, hash: u64) -> impl Iterator<Item = &AtomicPtr<Stream>> {
        let mask = self.slots.len() - 1;
        let start = hash as usize & mask;
        (0..PROBE_LIMIT.min(self.slots.len())).map(move |i| &self.slots[(start + i) & mask])
    }

    /// The next table, if one has been installed.
    #[inline]
    fn next(&self) -> Option<&Table> {
        // Acquire pairs with the installing CAS's Release: the table's slots are initialised.
        let next = self.next.load(Ordering::Acquire);
        // SAFETY: a non-null `next` points to a live table, installed once, freed only in Drop.
        (!next.is_null()).then(|| unsafe { &*next })
    }

    /// The next table, installing a twice-larger one if there is none.
    fn next_or_grow(&self) -> &Table {
        if let Some(next) = self.next() {
            return next;
        }
        let fresh = Box::into_raw(Box::new(Table::with_capacity(self.slots.len() * 2)));
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
        std::mem::size_of::<Table>() + self.slots.len() * std::mem::size_of::<AtomicPtr<Stream>>()
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        for slot in self.slots.iter() {
            let stream = slot.load(Ordering::Acquire);
            if !stream.is_null() {
                // SAFETY: `&mut self`: nobody else can reach this table. A non-null slot came
                // from `Box::into_raw` in `get_or_insert`, is never overwritten, and is freed
                // only here, once.
                drop(unsafe { Box::from_raw(stream) });
            }
        }
        let next = self.next.load(Ordering::Acquire);
        if !next.is_null() {
            // SAFETY: as above: installed once from `Box::into_raw`, freed only here. Chains are
            // short (each table doubles), so the recursion is shallow.
            drop(unsafe { Box::from_raw(next) });
        }
    }
}

/// The sharded index. Shards are cache-padded so that inserts in one do not slow lookups in
/// another.
pub(super) struct Index {
    shards: Box<[CachePadded<Table>]>,
}

impl Index {
    /// An index of `shards` shards (a power of two), each sized for `expected_actors / shards`
    /// actors at most half full.
    pub(super) fn new(shards: usize, expected_actors: usize) -> Self {
        debug_assert!(shards.is_power_of_two());
        let per_shard = expected_actors.div_ceil(shards).saturating_mul(2);
        let capacity = per_shard
            .clamp(MIN_TABLE, MAX_FIRST_TABLE)
            .next_power_of_two();
        Self {
            shards: (0..shards)
                .map(|_| CachePadded::new(Table::with_capacity(capacity)))
                .collect(),
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

    /// The actor's stream, if it has one.
    #[inline]
    pub(super) fn get(&self, actor: ActorId) -> Option<&Stream> {
        let (hash, mut table) = self.first_table(actor);
        loop {
            for slot in table.probe_run(hash) {
                // Acquire pairs with the inserting CAS: the stream header is initialised.
                let stream = slot.load(Ordering::Acquire);
                if stream.is_null() {
                    return None;
                }
                // SAFETY: non-null slots point to live streams, freed only in Drop.
                let stream = unsafe { &*stream };
                if stream.actor() == actor {
                    return Some(stream);
                }
            }
            table = table.next()?;
        }
    }

    /// The actor's stream, created if it has none.
    pub(super) fn get_or_insert(&self, actor: ActorId) -> &Stream {
        let (hash, mut table) = self.first_table(actor);
        // Allocated at most once, on the first null slot, and reused if that CAS is lost to
        // another actor.
        let mut candidate: *mut Stream = ptr::null_mut();
        loop {
            for slot in table.probe_run(hash) {
                let mut current = slot.load(Ordering::Acquire);
                if current.is_null() {
                    if candidate.is_null() {
                        candidate = Box::into_raw(Box::new(Stream::new(actor)));
                    }
                    // Release publishes the header; Acquire on failure reads the winner's.
                    match slot.compare_exchange(
                        ptr::null_mut(),
                        candidate,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        // SAFETY: installed just now; installed streams live until Drop.
                        Ok(_) => return unsafe { &*candidate },
                        Err(winner) => current = winner,
                    }
                }
                // SAFETY: `current` is non-null here, and installed streams live until Drop.
                let stream = unsafe { &*current };
                if stream.actor() == actor {
                    if !candidate.is_null() {
                        // SAFETY: `candidate` came from `Box::into_raw` and was never
                        // installed (every CAS with it failed): we still own it.
                        drop(unsafe { Box::from_raw(candidate) });
                    }
                    return stream;
                }
            }
            table = table.next_or_grow();
        }
    }

    /// Calls `f` on every indexed stream (a snapshot that may miss concurrent inserts).
    pub(super) fn for_each_stream(&self, mut f: impl FnMut(&Stream)) {
        for shard in self.shards.iter() {
            let mut table: Option<&Table> = Some(shard);
            while let Some(t) = table {
                for slot in t.slots.iter() {
                    let stream = slot.load(Ordering::Acquire);
                    if !stream.is_null() {
                        // SAFETY: non-null slots point to live streams, freed only in Drop.
                        f(unsafe { &*stream });
                    }
                }
                table = t.next();
            }
        }
    }

    /// Heap bytes of the index itself (shards and tables, not the streams).
    pub(super) fn heap_bytes(&self) -> usize {
        let mut bytes = self.shards.len() * std::mem::size_of::<CachePadded<Table>>();
        for shard in self.shards.iter() {
            bytes += shard.heap_bytes() - std::mem::size_of::<Table>();
            let mut table = shard.next();
            while let Some(t) = table {
                bytes += t.heap_bytes();
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
        let mut seen = 0;
        index.for_each_stream(|_| seen += 1);
        assert_eq!(seen, 5_000);
        assert!(
            index.shards[0].next().is_some(),
            "the test must exercise chaining"
        );
    }
}
