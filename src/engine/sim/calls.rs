//! Store calls in flight: from a writer's request to its response. A writer usually has one,
//! but an append that timed out stays in flight while its writer reads back, so calls live in a
//! slab of their own, reused without allocating once the run is warm.

use crate::workload::protocol::{Action, Input};

/// One store call on its way to the store, queued there, or on its way back.
#[derive(Clone, Copy, Debug)]
pub(super) struct Call {
    /// The writer that made it.
    pub(super) writer: u32,
    /// What it asks of the store.
    pub(super) action: Action,
    /// The writer's token for it: a response is delivered only while the writer still awaits
    /// this token (a timed-out append's late response is dropped).
    pub(super) token: u32,
    /// The store's answer, once the call has taken effect.
    pub(super) result: Option<Input>,
}

/// A slab of calls addressed by `u32` ids, with a free list.
#[derive(Debug, Default)]
pub(super) struct Calls {
    slots: Vec<Call>,
    free: Vec<u32>,
}

impl Calls {
    /// Stores `call`, returning its id.
    #[inline]
    pub(super) fn insert(&mut self, call: Call) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.slots[id as usize] = call;
                id
            }
            None => {
                self.slots.push(call);
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// The call with this id (which must be live).
    #[inline]
    pub(super) fn get_mut(&mut self, id: u32) -> &mut Call {
        &mut self.slots[id as usize]
    }

    /// Frees the id and returns its call.
    #[inline]
    pub(super) fn remove(&mut self, id: u32) -> Call {
        self.free.push(id);
        self.slots[id as usize]
    }

    /// Calls in flight.
    pub(super) fn live(&self) -> usize {
        self.slots.len() - self.free.len()
    }
}
