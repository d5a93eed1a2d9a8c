//! One actor's stream: pointer-sized slots, each null until its event is published by the
//! single compare-and-swap that also claims it.
//!
//! Version `v` lives at slot index `v - 1`. The first `INLINE` slots sit in the stream header
//! itself, which is one cache line, so a version read of a short stream costs one line. Later
//! slots live in segments: segment `k` holds `BASE << k` slots and is allocated on first use, so
//! nothing ever moves. Segment 0's pointer sits in the header too; segments 1 and up are reached
//! through a lazily installed directory, so a stream of up to `INLINE + BASE` events needs none.
//!
//! Invariants the `unsafe` below relies on:
//! - a non-null directory or segment pointer points to a live, fully initialised directory or
//!   slice of `segment_len(k)` slots, installed once by CAS and freed only by `Drop`;
//! - a non-null slot points to a live event cell of the store's arena (see `arena`), written
//!   before its publication, never written after it and freed only when the store drops; slots
//!   are never cleared or overwritten while the stream lives (so no ABA);
//! - slot `i` is filled only after slot `i - 1` was observed filled, so filled slots form a
//!   prefix (the stream is gapless).

use std::ptr;

use super::arena::{Arena, EventCell};
use crate::store::{ActorId, Event, Version};
use crate::sync::{AtomicPtr, AtomicU64, Ordering};

/// Slots inside the header: with the actor, the hint, the first segment and the directory
/// pointers, all 64 of its bytes.
#[cfg(not(loom))]
const INLINE: usize = 4;
/// log2 of the first segment's slot count.
#[cfg(not(loom))]
const BASE_SHIFT: u32 = 3;
/// Segments per directory: with 8 slots in the first, 32 segments hold about 34 billion events,
/// more than any machine's memory, so the capacity limit below is never met in practice.
#[cfg(not(loom))]
const SEGMENTS: usize = 32;
// Under loom every atomic is modelled: 1 inline slot and segments of 1 and 2 slots keep the
// state space small while every append past version 1 crosses an install race.
#[cfg(loom)]
const INLINE: usize = 1;
#[cfg(loom)]
const BASE_SHIFT: u32 = 0;
#[cfg(loom)]
const SEGMENTS: usize = 2;

const BASE: u64 = 1 << BASE_SHIFT;

/// The hint moves only at versions that are multiples of this: a hint written on every commit
/// made the header's cache line change hands on every append to a hot stream, and two threads
/// appending to one actor fell into a mode where that cost them 5× in throughput (`cargo bench
/// --bench store`, `append_hot_actor`). Eight slots are one cache line of a segment.
#[cfg(not(loom))]
const HINT_EVERY: u64 = 8;
#[cfg(loom)]
const HINT_EVERY: u64 = 2;

/// The most events one stream can hold; an append beyond it reports a conflict (it cannot be
/// stored) rather than panicking.
pub(crate) const CAPACITY: u64 = INLINE as u64 + BASE * ((1u64 << SEGMENTS) - 1);

/// Slots in segment `k`.
fn segment_len(k: usize) -> usize {
    (BASE as usize) << k
}

/// Segment number and offset of slot `index` counted from the first segment
/// (`index < CAPACITY - INLINE`).
#[inline]
fn locate(index: u64) -> (usize, usize) {
    let j = (index >> BASE_SHIFT) + 1;
    let k = (63 - j.leading_zeros()) as usize;
    let start = BASE * ((1u64 << k) - 1);
    (k, (index - start) as usize)
}

/// A slot: null until it points to its published event.
type Slot = AtomicPtr<EventCell>;

fn empty_slot() -> Slot {
    AtomicPtr::new(ptr::null_mut())
}

/// Appends the events of `slots` to `out` up to the first empty slot; `false` if it met one.
#[inline]
fn push_filled(slots: &[Slot], out: &mut Vec<Event>) -> bool {
    for slot in slots {
        let event = slot.load(Ordering::Acquire);
        if event.is_null() {
            return false;
        }
        // SAFETY: a non-null slot points to a live arena cell, written before its Release
        // publication (which our Acquire load synchronises with), never written after it and
        // freed only when the store drops.
        out.push(unsafe { (*event).read() });
    }
    true
}

/// What an append did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AppendOutcome {
    /// The event is stored and visible to every later read.
    Committed,
    /// The slot was taken or its predecessor empty; `current` was observed right after.
    Conflict {
        /// The stream's latest version, read after the failed attempt.
        current: Version,
    },
}

/// The slots of segment `k` behind `pointer`, if it has been installed.
#[inline]
fn load_segment(pointer: &AtomicPtr<Slot>, k: usize) -> Option<&[Slot]> {
    // Acquire pairs with the Release of the installing CAS: the slots' initialisation (all
    // null) is visible before we read them.
    let base = pointer.load(Ordering::Acquire);
    if base.is_null() {
        return None;
    }
    // SAFETY: a non-null segment pointer points to a live, initialised slice of
    // `segment_len(k)` slots that is freed only by its owner's `Drop`, which needs `&mut`.
    Some(unsafe { std::slice::from_raw_parts(base, segment_len(k)) })
}

/// Segment `k` behind `pointer`, allocating and installing it if it is missing.
fn install_segment(pointer: &AtomicPtr<Slot>, k: usize) -> &[Slot] {
    if let Some(segment) = load_segment(pointer, k) {
        return segment;
    }
    let len = segment_len(k);
    let fresh: Box<[Slot]> = (0..len).map(|_| empty_slot()).collect();
    let fresh = Box::into_raw(fresh) as *mut Slot;
    // Release publishes the initialised slots; Acquire on failure sees the winner's.
    match pointer.compare_exchange(ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire) {
        // SAFETY: we just installed `fresh`, a live slice of `len` slots, freed only in Drop.
        Ok(_) => unsafe { std::slice::from_raw_parts(fresh, len) },
        Err(winner) => {
            // SAFETY: `fresh` came from `Box::into_raw` of a `len`-slot slice above and was
            // never shared (the CAS failed), so we still own it.
            drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(fresh, len)) });
            // SAFETY: `winner` is non-null (the CAS failed against it) and, like every
            // installed segment, live until Drop.
            unsafe { std::slice::from_raw_parts(winner, len) }
        }
    }
}

/// Frees segment `k` behind `pointer`, if installed.
///
/// # Safety
///
/// The caller has exclusive access (it is dropping the pointer's owner), and a non-null
/// pointer came from `install_segment` for the same `k` and is freed nowhere else.
unsafe fn free_segment(pointer: &AtomicPtr<Slot>, k: usize) {
    let base = pointer.load(Ordering::Acquire);
    if !base.is_null() {
        // SAFETY: guaranteed by the caller; the slice is `segment_len(k)` slots from
        // `Box::into_raw`. (The events the slots point to live in the arena.)
        drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(base, segment_len(k))) });
    }
}

/// The segments after the first (which the header holds). Allocated when a stream outgrows
/// its header and first segment.
struct Directory {
    /// Entry `k - 1` points to segment `k`'s first slot, or is null until needed.
    segments: [AtomicPtr<Slot>; SEGMENTS - 1],
}

impl Directory {
    fn new() -> Self {
        Self {
            segments: std::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
        }
    }
}

impl Drop for Directory {
    fn drop(&mut self) {
        for (i, pointer) in self.segments.iter().enumerate() {
            // SAFETY: `&mut self`: no other thread can reach this directory; entry `i` holds
            // segment `i + 1`, installed by `install_segment` and freed only here.
            unsafe { free_segment(pointer, i + 1) };
        }
    }
}

/// The key of a stream no actor has claimed yet. The actor with this id lives outside the
/// index tables (see `index`), so the value never needs to double as a real key.
pub(super) const VACANT: ActorId = ActorId::MAX;

/// One actor's stream header: one cache line, stored in place in the index tables. A header
/// starts vacant, with every field already in its valid empty state, so claiming it for an
/// actor is one CAS on `actor` and there is never a half-initialised stream.
#[repr(align(64))]
pub(super) struct Stream {
    /// [`VACANT`] until claimed, then the owner's id forever.
    actor: AtomicU64,
    /// A committed version (a lower bound of the latest): the stream is gapless, so scanning
    /// forward from any committed version finds the latest.
    committed_hint: AtomicU64,
    /// Versions 1 to `INLINE`.
    inline: [Slot; INLINE],
    /// Segment 0 (the next `BASE` versions), or null until the stream outgrows `inline`. Kept
    /// in the header so a short stream needs no directory.
    first_segment: AtomicPtr<Slot>,
    /// The later segments, or null until the stream outgrows its first segment.
    directory: AtomicPtr<Directory>,
}

impl Stream {
    /// An empty stream owned by `actor` ([`VACANT`] for an unclaimed table slot).
    pub(super) fn new(actor: ActorId) -> Self {
        Self {
            actor: AtomicU64::new(actor),
            committed_hint: AtomicU64::new(0),
            inline: std::array::from_fn(|_| empty_slot()),
            first_segment: AtomicPtr::new(ptr::null_mut()),
            directory: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The actor this stream belongs to, or [`VACANT`]. Acquire pairs with the claiming CAS.
    #[inline]
    pub(super) fn actor(&self) -> ActorId {
        self.actor.load(Ordering::Acquire)
    }

    /// Claims a vacant header for `actor`; on failure returns the owner found instead.
    #[inline]
    pub(super) fn claim(&self, actor: ActorId) -> Result<(), ActorId> {
        // AcqRel: a claim orders after the table's initialisation (published by the table's
        // install) and before the claimer's appends; Acquire on failure reads the winner's id.
        self.actor
            .compare_exchange(VACANT, actor, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| ())
    }

    /// The directory, if installed.
    #[inline]
    fn directory(&self) -> Option<&Directory> {
        // Acquire pairs with the installing CAS's Release: the directory is initialised.
        let directory = self.directory.load(Ordering::Acquire);
        // SAFETY: a non-null directory is live until Drop, which needs `&mut self`.
        (!directory.is_null()).then(|| unsafe { &*directory })
    }

    /// The directory, installing an empty one if there is none.
    fn directory_or_grow(&self) -> &Directory {
        if let Some(directory) = self.directory() {
            return directory;
        }
        let fresh = Box::into_raw(Box::new(Directory::new()));
        match self.directory.compare_exchange(
            ptr::null_mut(),
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            // SAFETY: installed just now; installed directories live until Drop.
            Ok(_) => unsafe { &*fresh },
            Err(winner) => {
                // SAFETY: the CAS failed, so `fresh` was never shared: we still own it.
                drop(unsafe { Box::from_raw(fresh) });
                // SAFETY: `winner` is non-null and live until Drop.
                unsafe { &*winner }
            }
        }
    }

    /// Slot `index`, if it exists yet.
    #[inline]
    fn slot(&self, index: u64) -> Option<&Slot> {
        if index < INLINE as u64 {
            return Some(&self.inline[index as usize]);
        }
        if index >= CAPACITY {
            return None;
        }
        let (k, offset) = locate(index - INLINE as u64);
        self.segment(k).map(|segment| &segment[offset])
    }

    /// Segment `k`, if installed.
    #[inline]
    fn segment(&self, k: usize) -> Option<&[Slot]> {
        if k == 0 {
            load_segment(&self.first_segment, 0)
        } else {
            load_segment(&self.directory()?.segments[k - 1], k)
        }
    }

    /// Slot `index`, allocating its segment if needed (`index < CAPACITY`).
    fn slot_or_grow(&self, index: u64) -> &Slot {
        if index < INLINE as u64 {
            return &self.inline[index as usize];
        }
        let (k, offset) = locate(index - INLINE as u64);
        let pointer = if k == 0 {
            &self.first_segment
        } else {
            &self.directory_or_grow().segments[k - 1]
        };
        &install_segment(pointer, k)[offset]
    }

    /// Whether slot `index` holds an event (Acquire: its contents and every earlier slot's
    /// are then visible).
    #[inline]
    fn is_filled(&self, index: u64) -> bool {
        self.slot(index)
            .is_some_and(|slot| !slot.load(Ordering::Acquire).is_null())
    }

    /// The latest committed version: scan forward from the hint to the first empty slot.
    pub(super) fn latest_version(&self) -> Version {
        // Acquire pairs with the Release store in `raise_hint`, so the slots up to the hint are
        // visible to the caller's later reads. Slot index `v` holds version `v + 1`, so the
        // first empty slot's index is the latest version.
        self.first_empty_from(self.committed_hint.load(Ordering::Acquire))
    }

    /// The index of the first empty slot at or after `index` (all slots before it are filled),
    /// walking the header's slots and then whole segments as slices: the hint may lag the
    /// latest version by up to [`HINT_EVERY`] slots, which then cost a load each, in one or
    /// two cache lines.
    #[inline]
    fn first_empty_from(&self, mut index: u64) -> u64 {
        // Eight slots at a time, without a branch per slot: how many of them are filled varies
        // from call to call, and a mispredicted exit per scan cost more than the loads.
        let first_empty = |slots: &[Slot]| {
            for (c, chunk) in slots.chunks(8).enumerate() {
                let mut filled = 0u32;
                for (i, slot) in chunk.iter().enumerate() {
                    filled |= u32::from(!slot.load(Ordering::Acquire).is_null()) << i;
                }
                let run = filled.trailing_ones() as usize;
                if run < chunk.len() {
                    return Some(c * 8 + run);
                }
            }
            None
        };
        if index < INLINE as u64 {
            match first_empty(&self.inline[index as usize..]) {
                Some(i) => return index + i as u64,
                None => index = INLINE as u64,
            }
        }
        while index < CAPACITY {
            let (k, offset) = locate(index - INLINE as u64);
            let Some(segment) = self.segment(k) else {
                return index;
            };
            match first_empty(&segment[offset..]) {
                Some(i) => return index + i as u64,
                None => index += (segment.len() - offset) as u64,
            }
        }
        index
    }

    /// Appends `event` (whose `version` is at least 1) if its predecessor is stored and its own
    /// slot is free; the event goes into a cell of `arena`, the store's.
    pub(super) fn append(&self, event: Event, arena: &Arena) -> AppendOutcome {
        debug_assert!(event.version >= 1, "the façade rejects version 0");
        let index = event.version - 1;
        if index >= CAPACITY || (index >= 1 && !self.is_filled(index - 1)) {
            // Too new (or beyond capacity): the predecessor is not stored.
            return AppendOutcome::Conflict {
                current: self.latest_version(),
            };
        }
        let slot = self.slot_or_grow(index);
        // Cheap early exit for the common stale case: no cell written when the slot is taken.
        if !slot.load(Ordering::Relaxed).is_null() {
            return AppendOutcome::Conflict {
                current: self.latest_version(),
            };
        }
        // The arena writes the event into a cell only this thread can reach, then this one CAS
        // claims the version and publishes the cell. Release publishes the event's fields with
        // the pointer: a reader that Acquire-loads the slot sees a complete event. Failure needs
        // no ordering: we only learn "taken", and the arena keeps the unseen cell for reuse.
        let committed = arena.publish(event, |cell| {
            slot.compare_exchange(ptr::null_mut(), cell, Ordering::Release, Ordering::Relaxed)
                .is_ok()
        });
        if committed {
            self.raise_hint(event.version);
            AppendOutcome::Committed
        } else {
            AppendOutcome::Conflict {
                current: self.latest_version(),
            }
        }
    }

    /// Moves the hint up to `version` (committed). A racing writer may store a smaller
    /// committed version afterwards; that only lengthens the next scan, since any committed
    /// version is a valid starting point. A plain store is cheaper than `fetch_max`'s loop.
    #[inline]
    fn raise_hint(&self, version: Version) {
        if version % HINT_EVERY == 0 && self.committed_hint.load(Ordering::Relaxed) < version {
            // Release: a reader that sees this hint also sees the slots up to `version`.
            self.committed_hint.store(version, Ordering::Release);
        }
    }

    /// Appends the events with version `>= from_version` to `out`, in order, up to the first
    /// empty slot.
    pub(super) fn events_into(&self, from_version: Version, out: &mut Vec<Event>) {
        let index = from_version.max(1) - 1;
        if index < INLINE as u64 && !push_filled(&self.inline[index as usize..], out) {
            return;
        }
        if index >= CAPACITY {
            return;
        }
        let (mut k, mut offset) = locate(index.saturating_sub(INLINE as u64));
        while k < SEGMENTS {
            let Some(segment) = self.segment(k) else {
                return;
            };
            if !push_filled(&segment[offset..], out) {
                return;
            }
            k += 1;
            offset = 0;
        }
    }

    /// Heap bytes held beyond the header (which the index table holds): the directory and the
    /// segments (the events are the arena's).
    pub(super) fn heap_bytes_beyond_header(&self) -> usize {
        let directory = self
            .directory()
            .map_or(0, |_| std::mem::size_of::<Directory>());
        let segments: usize = (0..SEGMENTS)
            .map_while(|k| self.segment(k))
            .map(std::mem::size_of_val)
            .sum();
        directory + segments
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: nobody else can reach the header; the first segment was
        // installed by `install_segment` for segment 0 and is freed only here.
        unsafe { free_segment(&self.first_segment, 0) };
        let directory = self.directory.load(Ordering::Acquire);
        if !directory.is_null() {
            // SAFETY: installed once from `Box::into_raw` in `directory_or_grow`, freed only
            // here; its own Drop frees its segments.
            drop(unsafe { Box::from_raw(directory) });
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn locate_maps_indexes_to_consecutive_segments() {
        let mut expected = (0usize, 0usize);
        for index in 0..10_000u64 {
            assert_eq!(locate(index), expected, "index {index}");
            expected.1 += 1;
            if expected.1 == segment_len(expected.0) {
                expected = (expected.0 + 1, 0);
            }
        }
        assert_eq!(
            locate(CAPACITY - INLINE as u64 - 1),
            (SEGMENTS - 1, segment_len(SEGMENTS - 1) - 1)
        );
        assert_eq!(
            std::mem::size_of::<Stream>(),
            64,
            "the header must be one cache line"
        );
    }

    fn event(version: Version) -> Event {
        Event {
            actor: 7,
            version,
            event_type: 0,
            payload: version * 10,
            timestamp_ns: 0,
        }
    }

    #[test]
    fn appends_cross_segment_boundaries_in_order() {
        let (stream, arena) = (Stream::new(7), Arena::new());
        for v in 1..=100 {
            assert_eq!(stream.append(event(v), &arena), AppendOutcome::Committed);
            assert_eq!(stream.latest_version(), v);
        }
        assert_eq!(
            stream.append(event(50), &arena),
            AppendOutcome::Conflict { current: 100 }
        );
        assert_eq!(
            stream.append(event(102), &arena),
            AppendOutcome::Conflict { current: 100 }
        );
        let mut out = Vec::new();
        stream.events_into(24, &mut out);
        for from in [0, 1, 3, 4, 5, 6, 12, 13, 29, 100, 101, 5_000] {
            let mut all = Vec::new();
            stream.events_into(from, &mut all);
            let first = from.max(1);
            assert_eq!(all.len() as u64, 101 - first.min(101), "from {from}");
            assert!(
                all.iter().zip(first..).all(|(e, v)| e.version == v),
                "from {from}"
            );
        }
        for from in [0, 1, 3, 4, 5, 6, 12, 13, 29, 100, 101, 5_000] {
            let mut all = Vec::new();
            stream.events_into(from, &mut all);
            let first = from.max(1);
            assert_eq!(all.len() as u64, 101 - first.min(101), "from {from}");
            assert!(
                all.iter().zip(first..).all(|(e, v)| e.version == v),
                "from {from}"
            );
        }
        assert_eq!(
            out.iter().map(|e| e.version).collect::<Vec<_>>(),
            (24..=100).collect::<Vec<_>>()
        );
    }
}
