//! The store's own work in virtual time: each call costs what `[sim.store_cost]` says, and a
//! stream takes one append at a time, so appends to one actor queue behind each other and one
//! stream can never commit faster than one append per `append` cost, however many writers.
//! Reads do not queue: the lock-free store's readers never wait for each other or for writers.

use std::collections::HashMap;

use crate::clock::Nanos;
use crate::store::{ActorHash, ActorId, EventStore};
use crate::workload::protocol::Action;
use crate::workload::store_cost::StoreCost;

/// When each stream is next free to take an append, and the costs of every call.
#[derive(Debug)]
pub(super) struct StoreWork {
    cost: StoreCost,
    free_at: HashMap<ActorId, Nanos, ActorHash>,
    /// Total time appends waited for their stream (for the results).
    queued_ns: u128,
}

impl StoreWork {
    pub(super) fn new(cost: StoreCost) -> Self {
        Self {
            cost,
            free_at: HashMap::default(),
            queued_ns: 0,
        }
    }

    /// A call reaching the store at `now`: when its work is done and it takes effect. Appends
    /// wait for their stream; an `events` read is charged for the events it will return.
    #[inline]
    pub(super) fn done_at(&mut self, action: Action, now: Nanos, store: &dyn EventStore) -> Nanos {
        match action {
            Action::Save(e) => {
                let free = self.free_at.entry(e.actor).or_insert(0);
                let start = (*free).max(now);
                self.queued_ns += u128::from(start - now);
                *free = start + self.cost.append.0;
                *free
            }
            Action::ReadVersion(_) => now + self.cost.read.0,
            // The event's slot and the latest version: two reads.
            Action::ReadEventAt { .. } => now + 2 * self.cost.read.0,
            Action::ReadEvents { actor, from } => {
                let returned = (store.latest_version(actor) + 1).saturating_sub(from.max(1));
                now + self.cost.scan_of(returned)
            }
            Action::Wait(_) | Action::Done(_) => {
                unreachable!("only store calls reach the store")
            }
        }
    }

    /// Total time appends spent waiting for their stream.
    pub(super) fn queued_ns(&self) -> u128 {
        self.queued_ns
    }
}
