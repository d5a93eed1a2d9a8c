//! The event queue, which is also the simulation's clock: pending events ordered by virtual time,
//! ties broken by the order they were scheduled, so a run is a pure function of its seed.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::clock::Nanos;

/// What happens when an event comes due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EventKind {
    /// A writer's next operation is due to start (subject: writer).
    Start,
    /// A writer's wait (think time or policy delay) is over (subject: writer).
    WaitDone,
    /// A call's request reaches the store (subject: call).
    Arrive,
    /// The store finishes serving a call (subject: call).
    Served,
    /// A call's response reaches its writer (subject: call).
    Respond,
    /// A writer's append timeout expires (subject: writer; token: the append's call token).
    Timeout,
}

impl EventKind {
    const ALL: [EventKind; 6] = [
        EventKind::Start,
        EventKind::WaitDone,
        EventKind::Arrive,
        EventKind::Served,
        EventKind::Respond,
        EventKind::Timeout,
    ];
}

/// An event as handed out by [`EventQueue::pop`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Due {
    /// Its virtual time (now, once popped).
    pub(super) time: Nanos,
    /// What happens.
    pub(super) kind: EventKind,
    /// The writer or call concerned (see [`EventKind`]).
    pub(super) subject: u32,
    /// A call token, for events that can go stale.
    pub(super) token: u32,
}

/// A heap entry: 24 bytes, compared on two integers. `order` is the scheduling sequence number
/// shifted left 8 bits with the kind in the low byte; sequence numbers are unique, so the kind
/// never decides an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    time: Nanos,
    order: u64,
    subject: u32,
    token: u32,
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: `BinaryHeap` is a max-heap and the earliest event must come out first.
        other
            .time
            .cmp(&self.time)
            .then_with(|| other.order.cmp(&self.order))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Pending events, earliest first; ties in time come out in scheduling order.
#[derive(Debug, Default)]
pub(super) struct EventQueue {
    heap: BinaryHeap<Entry>,
    next_seq: u64,
    now: Nanos,
}

impl EventQueue {
    /// An empty queue at time zero.
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// The virtual time of the event last popped (0 before the first).
    #[inline]
    pub(super) fn now(&self) -> Nanos {
        self.now
    }

    /// Schedules an event at `time`, which must not be in the past.
    #[inline]
    pub(super) fn push(&mut self, time: Nanos, kind: EventKind, subject: u32, token: u32) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let order = (self.next_seq << 8) | kind as u64;
        self.next_seq += 1;
        self.heap.push(Entry {
            time,
            order,
            subject,
            token,
        });
    }

    /// Removes the earliest event and advances the clock to it.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<Due> {
        let e = self.heap.pop()?;
        self.now = e.time;
        Some(Due {
            time: e.time,
            kind: EventKind::ALL[(e.order & 0xFF) as usize],
            subject: e.subject,
            token: e.token,
        })
    }

    /// Events pending.
    pub(super) fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Against a simple model: a stable sort by time of the scheduled events.
        #[test]
        fn pops_in_time_then_scheduling_order(times in proptest::collection::vec(0u64..20, 0..200)) {
            let mut q = EventQueue::new();
            for (i, &t) in times.iter().enumerate() {
                q.push(t, EventKind::ALL[i % 6], i as u32, 0);
            }
            let mut model: Vec<(u64, u32)> =
                times.iter().enumerate().map(|(i, &t)| (t, i as u32)).collect();
            model.sort_by_key(|&(t, _)| t); // stable: equal times keep scheduling order
            let mut got = Vec::new();
            while let Some(d) = q.pop() {
                prop_assert_eq!(d.kind, EventKind::ALL[d.subject as usize % 6]);
                prop_assert_eq!(q.now(), d.time);
                got.push((d.time, d.subject));
            }
            prop_assert_eq!(got, model);
        }
    }
}
