//! The event queue, which is also the simulation's clock: pending events ordered by virtual time,
//! ties broken by the order they were scheduled, so a run is a pure function of its seed.

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
    /// The store's own work on a call is done: it takes effect (subject: call).
    Worked,
    /// A call's response reaches its writer (subject: call).
    Respond,
    /// A writer's append timeout expires (subject: writer; token: the append's call token).
    Timeout,
}

impl EventKind {
    const ALL: [EventKind; 7] = [
        EventKind::Start,
        EventKind::WaitDone,
        EventKind::Arrive,
        EventKind::Served,
        EventKind::Worked,
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

/// A heap entry: 24 bytes. `order` is the scheduling sequence number shifted left 8 bits with
/// the kind in the low byte; sequence numbers are unique, so the kind never decides an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    time: Nanos,
    order: u64,
    subject: u32,
    token: u32,
}

impl Entry {
    /// (time, order) as one integer: a single branch-free comparison.
    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.time) << 64) | u128::from(self.order)
    }
}

/// Children per node. A 4-ary heap is half as deep as a binary one and its children share a
/// cache line or two; popping, the simulator's hottest step, does fewer dependent comparisons.
const ARITY: usize = 4;

/// Pending events, earliest first; ties in time come out in scheduling order.
#[derive(Debug, Default)]
pub(super) struct EventQueue {
    heap: Vec<Entry>,
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
        let entry = Entry {
            time,
            order: (self.next_seq << 8) | kind as u64,
            subject,
            token,
        };
        self.next_seq += 1;
        // Sift up: move parents down into the hole until the entry's place is found.
        let key = entry.key();
        let mut i = self.heap.len();
        self.heap.push(entry);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if key >= self.heap[parent].key() {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = entry;
    }

    /// Removes the earliest event and advances the clock to it.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<Due> {
        let last = self.heap.pop()?;
        let top = match self.heap.first() {
            None => last,
            Some(&top) => {
                // Sift the last entry down from the root: move the least child up into the
                // hole until the entry is no later than every child.
                let n = self.heap.len();
                let key = last.key();
                let mut i = 0;
                loop {
                    let first = i * ARITY + 1;
                    if first >= n {
                        break;
                    }
                    let mut least = first;
                    let mut least_key = self.heap[first].key();
                    for c in first + 1..(first + ARITY).min(n) {
                        let k = self.heap[c].key();
                        if k < least_key {
                            least = c;
                            least_key = k;
                        }
                    }
                    if key <= least_key {
                        break;
                    }
                    self.heap[i] = self.heap[least];
                    i = least;
                }
                self.heap[i] = last;
                top
            }
        };
        self.now = top.time;
        Some(Due {
            time: top.time,
            kind: EventKind::ALL[(top.order & 0xFF) as usize],
            subject: top.subject,
            token: top.token,
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
