//! One actor's stream: a segmented array of pointer-sized slots, each null until its event is
//! published by the single compare-and-swap that also claims it.
//!
//! Version `v` lives at slot index `v - 1`. Segment `k` holds `BASE << k` slots and is allocated
//! on first use, so the header is a fixed array of segment pointers and nothing ever moves.
//!
//! Invariants the `unsafe` below relies on:
//! - a non-null segment pointer points to a live, fully initialised slice of
//!   `segment_len(k)` slots, installed once and freed only by `Drop`;
//! - a non-null slot points to a live `Event` boxed by `append`, written once and freed only by
//!   `Drop`; slots are never cleared or overwritten while the stream lives (so no ABA);
//! - slot `i` is filled only after slot `i - 1` was observed filled, so filled slots form a
//!   prefix (the stream is gapless).

use std::ptr;

use crate::store::{ActorId, Event, Version};
use crate::sync::{AtomicPtr, AtomicU64, Ordering, Published};

/// log2 of the first segment's slot count.
#[cfg(not(loom))]
const BASE_SHIFT: u32 = 3;
/// Segments per stream: with 8 slots in the first, 32 segments hold about 34 billion events,
/// more than any machine's memory, so the capacity limit below is never met in practice.
#[cfg(not(loom))]
const SEGMENTS: usize = 32;
// Under loom every atomic is modelled: a stream of 1 + 2 + 4 slots keeps the state space small.
#[cfg(loom)]
const BASE_SHIFT: u32 = 0;
#[cfg(loom)]
const SEGMENTS: usize = 3;

const BASE: u64 = 1 << BASE_SHIFT;

/// The most events one stream can hold; an append beyond it reports a conflict (it cannot be
/// stored) rather than panicking.
pub(crate) const CAPACITY: u64 = BASE * ((1u64 << SEGMENTS) - 1);

/// Slots in segment `k`.
fn segment_len(k: usize) -> usize {
    (BASE as usize) << k
}

/// Segment number and offset of slot `index` (`index < CAPACITY`).
#[inline]
fn locate(index: u64) -> (usize, usize) {
    let j = (index >> BASE_SHIFT) + 1;
    let k = (63 - j.leading_zeros()) as usize;
    let start = BASE * ((1u64 << k) - 1);
    (k, (index - start) as usize)
}

/// A slot: null until it points to its published event.
type Slot = AtomicPtr<Published<Event>>;

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

/// One actor's stream header. Allocated once by the index, freed when the store drops.
pub(super) struct Stream {
    actor: ActorId,
    /// A committed version (a lower bound of the latest): the stream is gapless, so scanning
    /// forward from any committed version finds the latest.
    committed_hint: AtomicU64,
    /// Segment `k` points to the first of `segment_len(k)` slots, or is null until needed.
    segments: [AtomicPtr<Slot>; SEGMENTS],
}

impl Stream {
    /// An empty stream for `actor`.
    pub(super) fn new(actor: ActorId) -> Self {
        Self {
            actor,
            committed_hint: AtomicU64::new(0),
            segments: std::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
        }
    }

    /// The actor this stream belongs to.
    #[inline]
    pub(super) fn actor(&self) -> ActorId {
        self.actor
    }

    /// The slots of segment `k`, if it has been allocated.
    #[inline]
    fn segment(&self, k: usize) -> Option<&[Slot]> {
        // Acquire pairs with the Release of the installing CAS: the slots' initialisation
        // (all null) is visible before we read them.
        let base = self.segments[k].load(Ordering::Acquire);
        if base.is_null() {
            return None;
        }
        // SAFETY: a non-null segment pointer points to a live, initialised slice of
        // `segment_len(k)` slots that is freed only in `Drop`, which needs `&mut self`.
        Some(unsafe { std::slice::from_raw_parts(base, segment_len(k)) })
    }

    /// Segment `k`, allocating and installing it if it is missing.
    fn segment_or_grow(&self, k: usize) -> &[Slot] {
        if let Some(segment) = self.segment(k) {
            return segment;
        }
        let len = segment_len(k);
        let fresh: Box<[Slot]> = (0..len).map(|_| AtomicPtr::new(ptr::null_mut())).collect();
        let fresh = Box::into_raw(fresh) as *mut Slot;
        // Release publishes the initialised slots; Acquire on failure sees the winner's.
        match self.segments[k].compare_exchange(
            ptr::null_mut(),
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
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

    /// Whether slot `index` holds an event (Acquire: its contents and every earlier slot's
    /// are then visible).
    #[inline]
    fn is_filled(&self, index: u64) -> bool {
        if index >= CAPACITY {
            return false;
        }
        let (k, offset) = locate(index);
        self.segment(k)
            .is_some_and(|s| !s[offset].load(Ordering::Acquire).is_null())
    }

    /// The latest committed version: scan forward from the hint to the first empty slot.
    pub(super) fn latest_version(&self) -> Version {
        // Acquire pairs with the Release store in `raise_hint`, so the slots up to the hint are
        // visible to the caller's later reads.
        let mut version = self.committed_hint.load(Ordering::Acquire);
        // Slot index `version` holds version `version + 1`.
        while self.is_filled(version) {
            version += 1;
        }
        version
    }

    /// Appends `event` (whose `version` is at least 1) if its predecessor is stored and its own
    /// slot is free.
    pub(super) fn append(&self, event: Event) -> AppendOutcome {
        debug_assert!(event.version >= 1, "the façade rejects version 0");
        let index = event.version - 1;
        if index >= CAPACITY || (index >= 1 && !self.is_filled(index - 1)) {
            // Too new (or beyond capacity): the predecessor is not stored.
            return AppendOutcome::Conflict {
                current: self.latest_version(),
            };
        }
        let (k, offset) = locate(index);
        let slot = &self.segment_or_grow(k)[offset];
        // Cheap early exit for the common stale case: no allocation when the slot is taken.
        if !slot.load(Ordering::Relaxed).is_null() {
            return AppendOutcome::Conflict {
                current: self.latest_version(),
            };
        }
        let boxed = Box::into_raw(Box::new(Published::new(event)));
        // Release publishes the event's fields with the pointer: a reader that Acquire-loads the
        // slot sees a complete event. Failure needs no ordering: we only learn "taken".
        match slot.compare_exchange(ptr::null_mut(), boxed, Ordering::Release, Ordering::Relaxed) {
            Ok(_) => {
                self.raise_hint(event.version);
                AppendOutcome::Committed
            }
            Err(_) => {
                // SAFETY: `boxed` came from `Box::into_raw` above and the CAS failed, so it was
                // never published: we are its only owner.
                drop(unsafe { Box::from_raw(boxed) });
                AppendOutcome::Conflict {
                    current: self.latest_version(),
                }
            }
        }
    }

    /// Moves the hint up to `version` (committed). A racing writer may store a smaller
    /// committed version afterwards; that only lengthens the next scan, since any committed
    /// version is a valid starting point. A plain store is cheaper than `fetch_max`'s loop.
    #[inline]
    fn raise_hint(&self, version: Version) {
        if self.committed_hint.load(Ordering::Relaxed) < version {
            // Release: a reader that sees this hint also sees the slots up to `version`.
            self.committed_hint.store(version, Ordering::Release);
        }
    }

    /// Appends the events with version `>= from_version` to `out`, in order, up to the first
    /// empty slot.
    pub(super) fn events_into(&self, from_version: Version, out: &mut Vec<Event>) {
        let mut index = from_version.max(1) - 1;
        if index >= CAPACITY {
            return;
        }
        let (mut k, mut offset) = locate(index);
        while k < SEGMENTS {
            let Some(segment) = self.segment(k) else {
                return;
            };
            for slot in &segment[offset..] {
                let event = slot.load(Ordering::Acquire);
                if event.is_null() {
                    return;
                }
                // SAFETY: a non-null slot points to a live event, written before its Release
                // publication (which our Acquire load synchronises with), never mutated and
                // freed only in Drop.
                out.push(unsafe { (*event).get() });
                index += 1;
            }
            k += 1;
            offset = 0;
        }
        debug_assert_eq!(index, CAPACITY);
    }

    /// Heap bytes held: the header, the allocated segments and the boxed events.
    pub(super) fn heap_bytes(&self) -> usize {
        let segments: usize = (0..SEGMENTS)
            .filter(|&k| self.segment(k).is_some())
            .map(|k| segment_len(k) * std::mem::size_of::<Slot>())
            .sum();
        std::mem::size_of::<Self>()
            + segments
            + self.latest_version() as usize * std::mem::size_of::<Event>()
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        for k in 0..SEGMENTS {
            let base = self.segments[k].load(Ordering::Acquire);
            if base.is_null() {
                continue;
            }
            let len = segment_len(k);
            // SAFETY: `&mut self` means no other thread can reach this stream; a non-null
            // segment pointer came from `Box::into_raw` of a `len`-slot slice in
            // `segment_or_grow` and is freed only here, once.
            let segment = unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(base, len)) };
            for slot in segment.iter() {
                let event = slot.load(Ordering::Acquire);
                if !event.is_null() {
                    // SAFETY: a non-null slot came from `Box::into_raw` in `append`, was never
                    // freed (slots are never cleared) and is freed only here, once.
                    drop(unsafe { Box::from_raw(event) });
                }
            }
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
            locate(CAPACITY - 1),
            (SEGMENTS - 1, segment_len(SEGMENTS - 1) - 1)
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
        let stream = Stream::new(7);
        for v in 1..=100 {
            assert_eq!(stream.append(event(v)), AppendOutcome::Committed);
            assert_eq!(stream.latest_version(), v);
        }
        assert_eq!(
            stream.append(event(50)),
            AppendOutcome::Conflict { current: 100 }
        );
        assert_eq!(
            stream.append(event(102)),
            AppendOutcome::Conflict { current: 100 }
        );
        let mut out = Vec::new();
        stream.events_into(24, &mut out);
        assert_eq!(
            out.iter().map(|e| e.version).collect::<Vec<_>>(),
            (24..=100).collect::<Vec<_>>()
        );
    }
}
