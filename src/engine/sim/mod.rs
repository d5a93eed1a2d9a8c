//! The simulated engine: the same scenarios in virtual time, deterministic, at any scale.
//!
//! A discrete-event simulation on one thread. Each writer runs the very protocol machine the
//! threaded engine runs ([`crate::workload::protocol::Writer`]); the engine schedules each step
//! in virtual time (nanoseconds, a `u64`) on an event queue ordered by (time, scheduling order),
//! against one real store instance built by [`crate::store::StoreKind::build`].
//!
//! # The model
//!
//! - **Store calls** have a request leg and a response leg, each drawn from `store.latency`
//!   (zero if none). The call *takes effect* at the store between the two, so a writer's
//!   version can be stale by the time its append lands.
//! - **Capacity** (`[sim] capacity`, `service_time`): at most that many calls are served at
//!   once, each for a drawn service time, a FIFO queue behind; a call takes effect when its
//!   service ends. Retries add load and queueing widens every writer's stale window, so a
//!   retry storm can be seen feeding itself: [`SimStats::queue_length_per_window`] pinned near
//!   the writer count, utilisation near 1, open-loop latency growing with the backlog.
//! - **Client timeouts** (`[sim] timeout`): an append whose response is later than that has an
//!   unknown outcome; the writer reads back the version it attempted until it is filled, and
//!   counts a commit if the event there is its own (`timeouts_committed`), else a conflict.
//! - **Waits** (think time, policy delays) are exact. Open-loop arrivals follow the pool's rate
//!   split over its writers, latency counted from the intended start.
//! - **Faults**: `fault_probability` answers a save with `SaveError::Unavailable` without
//!   touching the store; `panic_probability` stops a writer at an operation's start (counted in
//!   `panicked_writers`; nothing actually panics).
//! - **Randomness**: each writer's own stream is `rng::writer_rng(seed, pool, writer)` and the
//!   engine's draws (legs, service, faults, crashes) come from `rng::engine_rng(seed, pool,
//!   writer)`, the same rule in every engine. The same scenario and seed give byte-identical
//!   results.
//! - **Ending**: no operation starts at or after the end of the run (warm-up + duration, or a
//!   stop request), and none is left running past it: a wait that would end after it, a call
//!   sent at it or an answer that arrives after it cuts the operation, counted `unfinished`
//!   (an append sent and not answered is an `unknown_outcome`, which the audit allows for).
//!   Pools with `operations` stop after them, and the results carry the makespan.
//!
//! Memory stays small at scale: one recorder per pool (not per writer), a few dozen bytes of
//! engine state per writer beyond the protocol machine.
//!
//! # When to trust which engine
//!
//! Trust the **threaded engine** for what the hardware does: the real cost of the store's
//! synchronisation, cache-line contention, the scheduler, and how long a backoff really sleeps
//! (it cannot wait less than tens of microseconds). Its numbers are what a service on this
//! machine would see, noise included. Trust the **simulator** for what the *policy* does, free of
//! that noise: exact short delays, thousands of writers, a remote store's latency, a capacity
//! limit, timeouts, and runs that repeat bit for bit, so one change can be compared against
//! another without statistics. Its time is only the time the model says: store work itself is
//! free unless `store.latency` or `[sim] service_time` says otherwise, so it cannot tell which
//! store implementation is faster. Where both are meaningful (think times well above scheduling
//! noise, modest contention) their conflict rates should agree; when they do not, suspect the
//! model's missing costs first.

use crate::engine::assemble::DriverReport;
use crate::engine::plan::RunPlan;
use crate::engine::{EngineError, RunOptions};

pub use crate::metrics::results::SimStats;

mod calls;
mod queue;
mod server;
mod simulation;
mod streams;

/// Drives `plan`'s writers in virtual time.
///
/// Deterministic: the same scenario (seed included) gives the same results, byte for byte once
/// serialised. Thread-safe to call from many threads at once (sweeps run it under rayon): it
/// holds no global state. `opts.stop` ends the run early (checked every few thousand events;
/// the results are then marked partial); `opts.progress` is ignored, since runs take seconds.
///
/// # Errors
///
/// [`EngineError::Unsupported`] when the scenario cannot advance virtual time (a closed loop
/// where nothing takes any time, or retries that take none).
pub(crate) fn drive(plan: &RunPlan<'_>, opts: &RunOptions) -> Result<DriverReport, EngineError> {
    simulation::Simulation::new(plan, opts.stop.clone())?.run()
}
