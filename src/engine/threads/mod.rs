//! The threaded driver: one OS thread per writer, against the real store, on the real clock.
//!
//! Each writer owns its [`Writer`] state machine, its [`Recorder`], its random streams and its
//! [`Performer`]; the only shared things it touches are the store (what is measured) and a
//! stop flag that is only ever read on the hot path. All writers start together at a
//! start gate; recorders are merged after the last thread is joined. The schedule (closed
//! or open loop, start spread, operation counts, the run's end) is the shell's
//! (`engine::schedule`), so this file only says how an operation is performed for real.

use std::io::IsTerminal;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use self::gate::{GateOpened, StartGate};
use self::operation::{Performed, Performer};
use self::wait::PreciseWaiter;
use super::assemble::{DriverReport, LatencySinks, WriterOutcome, WriterTally};
use super::plan::{RunPlan, WriterSetup};
use super::schedule::Schedule;
use super::{EngineError, RunOptions};

pub(crate) mod gate;
pub mod operation;
pub mod wait;
use crate::clock::{MILLIS, MonotonicClock, Nanos};
use crate::metrics::recorder::Recorder;
use crate::store::EventStore;
use crate::workload::protocol::Writer;

/// The most writer threads one run may start; beyond it, use the simulated engine. Checked at
/// validation ([`crate::workload::scenario::Scenario::check_for_engine`]).
pub const MAX_WRITER_THREADS: u64 = 4096;

/// The payload of an injected panic (raised with `resume_unwind`, so no panic message is
/// printed for a fault the scenario asked for).
#[derive(Debug)]
struct InjectedPanic;

/// What every writer thread shares, read-only.
struct Shared<'p, 's> {
    plan: &'p RunPlan<'s>,
    store: &'p dyn EventStore,
    stop: &'p AtomicBool,
    gate: StartGate,
    clock: OnceLock<MonotonicClock>,
    sinks: LatencySinks,
}

/// How a writer's operation loop ended, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LoopEnd {
    /// The run's end or the pool's operation count was reached.
    Finished(Nanos),
    /// The stop flag was raised.
    Stopped(Nanos),
}

/// Drives `plan`'s writers on real threads.
pub(crate) fn drive(plan: &RunPlan<'_>, opts: &RunOptions) -> Result<DriverReport, EngineError> {
    let writers = plan.scenario.total_writers();
    let own_stop = Arc::new(AtomicBool::new(false));
    let shared = Shared {
        plan,
        store: plan.memory()?.as_ref(),
        stop: opts.stop.as_ref().unwrap_or(&own_stop),
        gate: StartGate::new(),
        clock: OnceLock::new(),
        sinks: LatencySinks::of(plan),
    };
    let outcomes = std::thread::scope(|s| -> Result<Vec<WriterOutcome>, EngineError> {
        let mut handles = Vec::with_capacity(writers as usize);
        for setup in plan.writers() {
            let shared = &shared;
            let name = format!(
                "{}-{}",
                plan.pools[setup.pool as usize].plan.name,
                setup.writer.index()
            );
            let spawned = std::thread::Builder::new()
                .name(name)
                .spawn_scoped(s, move || writer_thread(shared, setup));
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(source) => {
                    shared.gate.open(GateOpened::Abort);
                    return Err(EngineError::Spawn { source });
                }
            }
        }
        let clock = *shared.clock.get_or_init(MonotonicClock::start);
        shared.gate.open(GateOpened::Go);
        if let Some(bar) = progress_bar(opts, plan) {
            while handles.iter().any(|h| !h.is_finished()) {
                std::thread::sleep(std::time::Duration::from_millis(50));
                bar.set_position(clock.now() / MILLIS);
            }
            bar.finish_and_clear();
        }
        Ok(handles
            .into_iter()
            .map(|h| {
                h.join()
                    .expect("writer threads catch their own panics and always return")
            })
            .collect())
    })?;
    Ok(DriverReport::of_writers(plan, outcomes, &shared.sinks))
}

/// A progress bar on the terminal, in milliseconds of the run, if asked for and on a terminal.
pub(crate) fn progress_bar(opts: &RunOptions, plan: &RunPlan<'_>) -> Option<ProgressBar> {
    if !opts.progress || !std::io::stderr().is_terminal() {
        return None;
    }
    let length_ms = (plan.end_ns != Nanos::MAX).then_some(plan.end_ns / MILLIS);
    let bar = ProgressBar::with_draw_target(length_ms, ProgressDrawTarget::stderr());
    let template = if length_ms.is_some() {
        "{spinner} {msg} [{bar:30}] {pos}/{len} ms"
    } else {
        "{spinner} {msg} {pos} ms"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_message(plan.scenario.name.clone());
    Some(bar)
}

/// The body of one writer thread: set up, wait at the gate, run the loop, catch a panic.
fn writer_thread(shared: &Shared<'_, '_>, setup: WriterSetup) -> WriterOutcome {
    let plan = shared.plan;
    let WriterSetup {
        pool,
        mut writer,
        engine_rng,
    } = setup;
    let mut recorder = shared.sinks.recorder(plan, pool);
    let opened = shared.gate.wait();
    let clock = *shared.clock.get_or_init(MonotonicClock::start);
    let mut performer = Performer::new(
        shared.store,
        plan.scenario.store.latency,
        plan.scenario.store.fault_probability,
        engine_rng,
        PreciseWaiter::sending_to(clock, &shared.sinks.overshoot),
        shared.stop,
        plan.end_ns,
    );
    let mut ended = LoopEnd::Finished(0);
    let mut panicked = false;
    if opened == GateOpened::Go {
        let result = catch_unwind(AssertUnwindSafe(|| {
            operation_loop(shared, pool, &mut performer, &mut writer, &mut recorder)
        }));
        match result {
            Ok(end) => ended = end,
            Err(_) => {
                panicked = true;
                ended = LoopEnd::Finished(clock.now());
            }
        }
    }
    let (finished_ns, stopped) = match ended {
        LoopEnd::Finished(t) => (t, false),
        LoopEnd::Stopped(t) => (t, true),
    };
    WriterOutcome {
        tally: WriterTally::of(&writer, pool, panicked, finished_ns),
        recorder,
        stopped,
    }
}

/// Runs operations until the schedule ends (the run's end, or the pool's operation count) or
/// the stop flag is raised.
///
/// An injected panic comes only between two operations, and a save is always followed by its
/// `resume`, so the writer's acknowledged count stays exact for the audit. (A panic from a bug
/// between a save and its `resume` would lose one acknowledgement, and the audit would say so.)
fn operation_loop(
    shared: &Shared<'_, '_>,
    pool: u32,
    performer: &mut Performer<'_>,
    writer: &mut Writer,
    rec: &mut Recorder,
) -> LoopEnd {
    let run = &shared.plan.pools[pool as usize];
    let end = shared.plan.end_ns;
    let clock = performer.waiter().clock();
    let mut schedule = Schedule::new(run, writer.rng());
    let mut due = schedule.first(end);
    let mut now = clock.now();
    loop {
        let Some(at) = due else {
            return LoopEnd::Finished(now);
        };
        // Closed loop: the next operation starts when the last ended, so the clock read that
        // ended it starts this one (every clock read is ~20-80 ns of measuring overhead).
        if at > now {
            match performer.wait_until(at) {
                Ok(t) => now = t,
                Err(t) => return ended(performer, t),
            }
        }
        if performer.stop_requested() {
            return LoopEnd::Stopped(now);
        }
        if now >= end {
            return LoopEnd::Finished(end);
        }
        if run.crashes(performer.rng()) {
            std::panic::resume_unwind(Box::new(InjectedPanic));
        }
        let intended = schedule.intended(at, now);
        match performer.perform(writer, rec, intended, now) {
            Performed::Done(op_end, t) => {
                now = t;
                due = schedule.after(op_end, now, end, writer.rng());
            }
            Performed::Cut(t) => return ended(performer, t),
        }
    }
}

/// A loop cut at `t`: by a stop request, or by the run's end.
fn ended(performer: &Performer<'_>, t: Nanos) -> LoopEnd {
    if performer.stop_requested() {
        LoopEnd::Stopped(t)
    } else {
        LoopEnd::Finished(t)
    }
}
