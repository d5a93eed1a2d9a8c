//! One writer operation performed for real: the threaded engine's inner loop, kept on its own so
//! the recording benchmark measures exactly what the engine runs.
//!
//! The writer's state machine says what to do; [`Performer`] does it against the store through
//! the one store-call switch (`engine::store_call`), waits out think times, policy delays and
//! injected latency legs, and reads the clock after every store call (the state machine never
//! reads one). A zero wait reads no clock: no time passes, and in a closed loop with no think
//! time a clock read is most of what measuring costs.
//!
//! The run's end cuts every operation: no store call is made at or after it, no wait that would
//! end after it is begun, and the operation is then counted unfinished
//! ([`Writer::abandon`]). A stop request does the same at once.

use std::sync::atomic::{AtomicBool, Ordering};

use super::wait::{PreciseWaiter, WaitEnd};
use crate::clock::Nanos;
use crate::engine::store_call::{Injected, perform_call};
use crate::metrics::recorder::Recorder;
use crate::rng::WriterRng;
use crate::store::{Event, EventStore};
use crate::workload::dist::TimeDist;
use crate::workload::protocol::{Action, Input, OpEnd, Writer};

/// How performing one operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Performed {
    /// The operation ended as the protocol says, at this time.
    Done(OpEnd, Nanos),
    /// The run's end or a stop request cut it; it was counted unfinished. The time given is
    /// when it was cut (the run's end when a wait would have passed it).
    Cut(Nanos),
}

/// Performs one writer's operations on a real thread, against a real store, on the real clock.
pub struct Performer<'a> {
    store: &'a dyn EventStore,
    injected: Injected,
    rng: WriterRng,
    waiter: PreciseWaiter,
    stop: &'a AtomicBool,
    end_ns: Nanos,
    buf: Vec<Event>,
}

impl std::fmt::Debug for Performer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Performer")
            .field("store", &self.store.name())
            .field("injected", &self.injected)
            .field("end_ns", &self.end_ns)
            .finish_non_exhaustive()
    }
}

impl<'a> Performer<'a> {
    /// A performer against `store`, delaying each call's request and response legs by a draw of
    /// `latency` and failing a save with probability `fault_probability` (both drawn from
    /// `rng`, the engine's stream for this writer), cutting operations at `end_ns` or when
    /// `stop` is raised.
    pub fn new(
        store: &'a dyn EventStore,
        latency: Option<TimeDist>,
        fault_probability: f64,
        rng: WriterRng,
        waiter: PreciseWaiter,
        stop: &'a AtomicBool,
        end_ns: Nanos,
    ) -> Self {
        Self {
            store,
            injected: Injected {
                latency: latency.filter(|d| !d.is_zero()),
                fault_probability,
            },
            rng,
            waiter,
            stop,
            end_ns,
            buf: Vec::new(),
        }
    }

    /// The waiter, with its overshoot histogram.
    pub fn waiter(&self) -> &PreciseWaiter {
        &self.waiter
    }

    /// The engine's random stream for this writer (crash draws come from it too).
    pub(crate) fn rng(&mut self) -> &mut WriterRng {
        &mut self.rng
    }

    /// True once a stop was requested.
    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Waits until `at`, unless the run ends first: `Err` with the time the wait was cut (the
    /// run's end, without waiting for it, or the time a stop was noticed).
    pub fn wait_until(&mut self, at: Nanos) -> Result<Nanos, Nanos> {
        if at >= self.end_ns {
            return Err(self.end_ns);
        }
        match self.waiter.wait_until(at, self.stop) {
            WaitEnd::Reached(t) => Ok(t),
            WaitEnd::Stopped => Err(self.waiter.clock().now()),
        }
    }

    /// Performs `writer`'s next operation, meant to start at `intended` (the time is `now`).
    pub fn perform(
        &mut self,
        writer: &mut Writer,
        rec: &mut Recorder,
        intended: Nanos,
        mut now: Nanos,
    ) -> Performed {
        let clock = self.waiter.clock();
        let mut action = writer.begin(intended, now, rec);
        loop {
            let input = match action {
                Action::Done(end) => return Performed::Done(end, now),
                // No time passes: no clock read.
                Action::Wait(0) => Input::Waited,
                Action::Wait(ns) => match self.wait_until(now.saturating_add(ns)) {
                    Ok(t) => {
                        now = t;
                        Input::Waited
                    }
                    Err(at) => return cut(writer, rec, at, false),
                },
                call => {
                    if now >= self.end_ns || self.stop_requested() {
                        return cut(writer, rec, now.min(self.end_ns), false);
                    }
                    if !self.injected.no_latency() {
                        let request = self.injected.leg(&mut self.rng);
                        // The call itself reads the clock after it.
                        if let Err(at) = self.wait_until(now.saturating_add(request)) {
                            return cut(writer, rec, at, false);
                        }
                    }
                    let input = perform_call(
                        self.store,
                        call,
                        &self.injected,
                        &mut self.rng,
                        &mut self.buf,
                    );
                    now = clock.now();
                    if !self.injected.no_latency() {
                        let response = self.injected.leg(&mut self.rng);
                        match self.wait_until(now.saturating_add(response)) {
                            Ok(t) => now = t,
                            // The call took effect but its answer is cut: the writer never
                            // hears it (an append's outcome is then unknown).
                            Err(at) => return cut(writer, rec, at, true),
                        }
                    }
                    input
                }
            };
            action = writer.resume(input, now, rec);
        }
    }
}

fn cut(writer: &mut Writer, rec: &mut Recorder, at: Nanos, call_sent: bool) -> Performed {
    writer.abandon(rec, call_sent);
    Performed::Cut(at)
}
