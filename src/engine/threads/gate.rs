//! A start gate: writer threads wait at it until the engine opens it, so all start together.
//!
//! `std::sync::Barrier` needs its party count up front and waits forever if one party never
//! arrives; if spawning the 300th writer thread fails, the 299 already waiting would hang the
//! run. A gate opened by the engine (or opened with `abort` set, after a failed spawn) cannot.

use std::sync::{Condvar, Mutex, PoisonError};

/// What the waiting threads learn when the gate opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GateOpened {
    /// Start the run.
    Go,
    /// The run was abandoned before it started: return at once.
    Abort,
}

/// A one-shot latch that many threads wait on and one thread opens.
#[derive(Debug, Default)]
pub(crate) struct StartGate {
    state: Mutex<Option<GateOpened>>,
    opened: Condvar,
}

impl StartGate {
    /// A closed gate.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Blocks until the gate is opened; returns how.
    pub(crate) fn wait(&self) -> GateOpened {
        // The critical sections below cannot panic, so a poisoned lock still holds a valid state.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(how) = *state {
                return how;
            }
            state = self
                .opened
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Opens the gate for every waiter, present and future.
    pub(crate) fn open(&self, how: GateOpened) {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = Some(how);
        self.opened.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_waiter_is_released_with_the_same_word() {
        let gate = StartGate::new();
        std::thread::scope(|s| {
            let waiters: Vec<_> = (0..4).map(|_| s.spawn(|| gate.wait())).collect();
            gate.open(GateOpened::Abort);
            for w in waiters {
                assert_eq!(w.join().unwrap(), GateOpened::Abort);
            }
        });
        assert_eq!(gate.wait(), GateOpened::Abort, "a late waiter passes too");
    }
}
