//! One writer operation performed for real: the threaded engine's inner loop, kept on its own so
//! the recording benchmark measures exactly what the engine runs.
//!
//! The writer's state machine says what to do; this performs it against the store and reads
//! the clock after every store call (the state machine never reads one). A zero wait reads no
//! clock: no time passes, and in a closed loop with no think time a clock read is most of
//! what measuring costs.

use std::sync::atomic::AtomicBool;

use super::wait::{PreciseWaiter, WaitEnd};
use crate::clock::Nanos;
use crate::metrics::recorder::Recorder;
use crate::store::{ActorId, Event, EventStore, Version};
use crate::workload::protocol::{Action, Input, OpEnd, Writer};

/// The stop flag was raised while the operation waited; it was left unfinished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stopped;

/// Performs `writer`'s next operation, meant to start at `intended` (the time is `now`), and
/// returns how it ended and the time it ended. `buf` is reused for stream reads.
#[allow(clippy::too_many_arguments)] // the engine's per-writer state, passed apart to stay borrowable
pub fn perform(
    store: &dyn EventStore,
    writer: &mut Writer,
    rec: &mut Recorder,
    waiter: &mut PreciseWaiter,
    stop: &AtomicBool,
    buf: &mut Vec<Event>,
    intended: Nanos,
    mut now: Nanos,
) -> Result<(OpEnd, Nanos), Stopped> {
    let clock = waiter.clock();
    let mut action = writer.begin(intended, now, rec);
    loop {
        let input = match action {
            Action::Done(end) => return Ok((end, now)),
            Action::ReadVersion(actor) => {
                let version = store.latest_version(actor);
                now = clock.now();
                Input::Version(version)
            }
            Action::ReadEvents { actor, from } => {
                let read = rebuild(store, actor, from, buf);
                now = clock.now();
                read
            }
            Action::ReadEventAt { actor, version } => {
                // Only timed-out appends ask this (the simulator's client timeouts); done for
                // real all the same, so the protocol needs no engine-specific branch.
                buf.clear();
                store.events_into(actor, version, buf);
                let latest = store.latest_version(actor);
                now = clock.now();
                Input::EventAt {
                    event: buf.first().copied(),
                    latest,
                }
            }
            Action::Save(event) => {
                let saved = store.save(event);
                now = clock.now();
                Input::Saved(saved)
            }
            // No time passes: no clock read.
            Action::Wait(0) => Input::Waited,
            Action::Wait(ns) => match waiter.wait_for(ns, stop) {
                WaitEnd::Reached(t) => {
                    now = t;
                    Input::Waited
                }
                WaitEnd::Stopped => return Err(Stopped),
            },
        };
        action = writer.resume(input, now, rec);
    }
}

/// Reads the stream into the reused buffer and folds over it, so a rebuild costs what
/// replaying an aggregate's events costs, not just a copy.
fn rebuild(store: &dyn EventStore, actor: ActorId, from: Version, buf: &mut Vec<Event>) -> Input {
    buf.clear();
    store.events_into(actor, from, buf);
    let state = buf
        .iter()
        .fold(0u64, |acc, e| acc.rotate_left(5) ^ e.payload ^ e.version);
    std::hint::black_box(state);
    Input::Events {
        count: buf.len() as u64,
        last: buf.last().map_or(0, |e| e.version),
    }
}
