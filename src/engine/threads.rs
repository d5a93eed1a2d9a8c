//! The threaded engine: one OS thread per writer, against the real store, on the real clock.
//!
//! Each writer owns its [`Writer`] state machine, its [`Recorder`], its random stream and its
//! [`PreciseWaiter`]; the only shared things it touches are the store (what is measured) and a
//! stop flag that is only ever read on the hot path. All writers start together at a
//! [`StartGate`]; recorders are merged after the last thread is joined.
//!
//! Per operation: the intended start is `now` in closed loop, or the writer's next scheduled
//! arrival in open loop (the pool's rate split evenly over its writers, with constant or
//! exponential gaps), so open-loop latency counts the time an operation waited behind a slow
//! predecessor (coordinated-omission correct).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::Rng;

use super::gate::{GateOpened, StartGate};
use super::injected::InjectedStore;
use super::operation::{Stopped, perform};
use super::wait::{PreciseWaiter, WaitEnd};
use super::{EngineError, RunOptions, RunOutput};
use crate::clock::{MILLIS, MonotonicClock, Nanos};
use crate::engine::audit::{PREFILL_TAG, audit};
use crate::metrics::recorder::{Recorder, RecordingWindow};
use crate::metrics::results::{LatencySummary, Machine, PoolResult, Results, SCHEMA_VERSION};
use crate::rng::{derive_seed, writer_rng};
use crate::store::{Event, EventStore};
use crate::workload::protocol::{OpEnd, PoolPlan, Writer};
use crate::workload::scenario::{Arrival, ArrivalProcess, PoolSpec, Scenario};

/// The most writer threads one run may start; beyond it, use the simulated engine.
pub const MAX_WRITER_THREADS: u64 = 4096;

/// Stream numbers at and above this are the engine's own (store decorators), never a writer's.
const ENGINE_STREAMS: u32 = 1 << 31;

/// The payload of an injected panic (raised with `resume_unwind`, so no panic message is
/// printed for a fault the scenario asked for).
#[derive(Debug)]
struct InjectedPanic;

/// What every writer thread shares, read-only.
struct Shared<'a> {
    scenario: &'a Scenario,
    store: Arc<dyn EventStore>,
    window: RecordingWindow,
    end_ns: Option<Nanos>,
    stop: &'a AtomicBool,
    gate: StartGate,
    clock: OnceLock<MonotonicClock>,
}

/// What one writer thread hands back.
struct WriterOutcome {
    pool: usize,
    index: u32,
    recorder: Recorder,
    committed: u64,
    acknowledged: u64,
    panicked: bool,
    stopped: bool,
    finished_ns: Nanos,
    overshoot: Histogram<u64>,
}

/// How a writer's operation loop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LoopEnd {
    /// The run's length or the pool's operation count was reached.
    Finished,
    /// The stop flag was raised.
    Stopped,
}

/// Runs `scenario` on real threads.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<RunOutput, EngineError> {
    let writers = scenario.total_writers();
    if writers > MAX_WRITER_THREADS {
        return Err(EngineError::Unsupported(format!(
            "{writers} writers would need {writers} threads; the threaded engine starts at most \
             {MAX_WRITER_THREADS}: use fewer writers, or --engine sim"
        )));
    }
    let actors = scenario.run.actors;
    let plans = scenario
        .pools
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            PoolPlan::new(i as u32, spec, actors)
                .map(Arc::new)
                .map_err(|e| EngineError::Keys {
                    pool: spec.name.clone(),
                    message: e.to_string(),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;

    let store = scenario.store.kind.build(
        scenario.store.shards,
        usize::try_from(actors).unwrap_or(usize::MAX),
    );
    let prefill = prefill(store.as_ref(), actors, scenario.store.prefill_events);

    let warmup = scenario.run.warmup.0;
    let own_stop = Arc::new(AtomicBool::new(false));
    let stop = opts.stop.as_ref().unwrap_or(&own_stop);
    let shared = Shared {
        scenario,
        store: store.clone(),
        window: RecordingWindow {
            warmup_end_ns: warmup,
            window_ns: scenario.run.window.0,
        },
        end_ns: scenario.run.duration.map(|d| warmup.saturating_add(d.0)),
        stop,
        gate: StartGate::new(),
        clock: OnceLock::new(),
    };

    let outcomes = std::thread::scope(|s| -> Result<Vec<WriterOutcome>, EngineError> {
        let mut handles = Vec::with_capacity(writers as usize);
        for (pool, plan) in plans.iter().enumerate() {
            for index in 0..scenario.pools[pool].writers {
                let (shared, plan) = (&shared, plan.clone());
                let spawned = std::thread::Builder::new()
                    .name(format!("{}-{index}", plan.name))
                    .spawn_scoped(s, move || writer_thread(shared, plan, pool, index));
                match spawned {
                    Ok(handle) => handles.push(handle),
                    Err(source) => {
                        shared.gate.open(GateOpened::Abort);
                        return Err(EngineError::Spawn { source });
                    }
                }
            }
        }
        let clock = *shared.clock.get_or_init(MonotonicClock::start);
        shared.gate.open(GateOpened::Go);
        if let Some(bar) = progress_bar(opts, scenario) {
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

    Ok(assemble(
        scenario,
        &plans,
        store.as_ref(),
        prefill,
        outcomes,
    ))
}

/// Writes `per_actor` events to every actor before the run; returns how many.
fn prefill(store: &dyn EventStore, actors: u64, per_actor: u64) -> u64 {
    if per_actor == 0 {
        return 0;
    }
    for actor in 0..actors {
        for version in 1..=per_actor {
            let event = Event {
                actor,
                version,
                event_type: 0,
                payload: PREFILL_TAG,
                timestamp_ns: 0,
            };
            // A fresh store has nothing to conflict with; an error here is a store bug the
            // audit will report.
            let _ = store.save(event);
        }
    }
    actors * per_actor
}

fn progress_bar(opts: &RunOptions, scenario: &Scenario) -> Option<ProgressBar> {
    if !opts.progress || !std::io::stderr().is_terminal() {
        return None;
    }
    let length_ms = scenario
        .run
        .duration
        .map(|d| (scenario.run.warmup.0 + d.0) / MILLIS);
    let bar = ProgressBar::with_draw_target(length_ms, ProgressDrawTarget::stderr());
    let template = if length_ms.is_some() {
        "{spinner} {msg} [{bar:30}] {pos}/{len} ms"
    } else {
        "{spinner} {msg} {pos} ms"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_message(scenario.name.clone());
    Some(bar)
}

/// The body of one writer thread: set up, wait at the gate, run the loop, catch a panic.
fn writer_thread(
    shared: &Shared<'_>,
    plan: Arc<PoolPlan>,
    pool: usize,
    index: u32,
) -> WriterOutcome {
    let scenario = shared.scenario;
    let spec = &scenario.pools[pool];
    let mut writer = Writer::new(plan, index, writer_rng(scenario.seed, pool as u32, index));
    let mut recorder = Recorder::new(shared.window);
    let injected = InjectedStore::new(
        shared.store.clone(),
        scenario.store.latency,
        scenario.store.fault_probability,
        derive_seed(scenario.seed, pool as u32, ENGINE_STREAMS | index),
    );
    let store: &dyn EventStore = if injected.is_transparent() {
        shared.store.as_ref()
    } else {
        &injected
    };
    let opened = shared.gate.wait();
    let clock = *shared.clock.get_or_init(MonotonicClock::start);
    let mut waiter = PreciseWaiter::new(clock);
    let mut ended = LoopEnd::Finished;
    let mut panicked = false;
    if opened == GateOpened::Go {
        let result = catch_unwind(AssertUnwindSafe(|| {
            operation_loop(shared, spec, store, &mut writer, &mut recorder, &mut waiter)
        }));
        match result {
            Ok(end) => ended = end,
            Err(_) => panicked = true,
        }
    }
    WriterOutcome {
        pool,
        index,
        committed: writer.committed(),
        acknowledged: writer.acknowledged(),
        recorder,
        panicked,
        stopped: ended == LoopEnd::Stopped,
        finished_ns: clock.now(),
        overshoot: waiter.overshoot().clone(),
    }
}

/// Runs operations until the run's end, the pool's operation count, or the stop flag.
///
/// An injected panic comes only between two operations, and a save is always followed by its
/// `resume`, so the writer's acknowledged count stays exact for the audit. (A panic from a bug
/// between a save and its `resume` would lose one acknowledgement, and the audit would say so.)
fn operation_loop(
    shared: &Shared<'_>,
    spec: &PoolSpec,
    store: &dyn EventStore,
    writer: &mut Writer,
    rec: &mut Recorder,
    waiter: &mut PreciseWaiter,
) -> LoopEnd {
    let clock = waiter.clock();
    let stop = shared.stop;
    let spread = spec.start_spread.0;
    let offset = if spread > 0 {
        writer.rng().random_range(0..=spread)
    } else {
        0
    };
    // Open loop: each writer carries an equal share of the pool's rate.
    let gap_ns = match spec.arrival {
        Arrival::Closed {} => None,
        Arrival::Open { rate, process } => Some((
            f64::from(spec.writers) * 1e9 / rate.max(f64::MIN_POSITIVE),
            process,
        )),
    };
    let mut next_start = offset as f64;
    if let Some((gap, _)) = gap_ns {
        // A random phase, so the pool's writers do not all arrive at the same instants.
        next_start += writer.rng().random::<f64>() * gap;
    } else if waiter.wait_until(offset, stop) == WaitEnd::Stopped {
        return LoopEnd::Stopped;
    }
    let mut buf: Vec<Event> = Vec::new();
    let mut done = 0u64;
    let mut now = clock.now();
    loop {
        if stop.load(Ordering::Relaxed) {
            return LoopEnd::Stopped;
        }
        if spec.operations.is_some_and(|limit| done >= limit) {
            return LoopEnd::Finished;
        }
        // Closed loop: the next operation starts when the last ended, so the clock read that
        // ended it starts this one (every clock read is ~20-80 ns of measuring overhead).
        let intended = match gap_ns {
            None => now,
            Some(_) => {
                let at = next_start as Nanos;
                // An arrival after the run's end will not happen: do not wait for it.
                if shared.end_ns.is_some_and(|end| at >= end) {
                    return LoopEnd::Finished;
                }
                match waiter.wait_until(at, stop) {
                    WaitEnd::Reached(t) => now = t,
                    WaitEnd::Stopped => return LoopEnd::Stopped,
                }
                at
            }
        };
        if shared
            .end_ns
            .is_some_and(|end| intended >= end || now >= end)
        {
            return LoopEnd::Finished;
        }
        if spec.panic_probability > 0.0 && writer.rng().random::<f64>() < spec.panic_probability {
            std::panic::resume_unwind(Box::new(InjectedPanic));
        }
        let end = match perform(store, writer, rec, waiter, stop, &mut buf, intended, now) {
            Ok((end, t)) => {
                now = t;
                end
            }
            Err(Stopped) => return LoopEnd::Stopped,
        };
        done += 1;
        // A closed-loop writer does not spin on an open circuit: it pauses, and the wait reads
        // the clock (a rejection on the first attempt touched no store and read no clock).
        if gap_ns.is_none() && matches!(end, OpEnd::Rejected(_)) {
            match waiter.wait_for(spec.rejection_pause.nanos(), stop) {
                WaitEnd::Reached(t) => now = t,
                WaitEnd::Stopped => return LoopEnd::Stopped,
            }
        }
        if let Some((gap, process)) = gap_ns {
            next_start += match process {
                ArrivalProcess::Constant => gap,
                // Inverse CDF of the exponential; 1 - u is in (0, 1].
                ArrivalProcess::Poisson => -(1.0 - writer.rng().random::<f64>()).ln() * gap,
            };
        }
    }
}

/// Merges the writers' recordings into the results schema and audits the store.
fn assemble(
    scenario: &Scenario,
    plans: &[Arc<PoolPlan>],
    store: &dyn EventStore,
    prefill: u64,
    mut outcomes: Vec<WriterOutcome>,
) -> RunOutput {
    outcomes.sort_by_key(|o| (o.pool, o.index));
    let warmup = scenario.run.warmup.0;
    let window = RecordingWindow {
        warmup_end_ns: warmup,
        window_ns: scenario.run.window.0,
    };
    let finished = outcomes.iter().map(|o| o.finished_ns).max().unwrap_or(0);
    let partial = outcomes.iter().any(|o| o.stopped);
    let measured_ns = match scenario.run.duration {
        Some(d) if !partial => d.0,
        _ => finished.saturating_sub(warmup),
    };
    let mut acknowledged = HashMap::new();
    let mut overshoot = Histogram::<u64>::new(3).expect("3 significant figures is valid");
    overshoot.auto(true);
    let mut pools = Vec::with_capacity(plans.len());
    let mut op_latency = Vec::with_capacity(plans.len());
    for (pool, plan) in plans.iter().enumerate() {
        let mut merged = Recorder::new(window);
        let mut commits = Vec::new();
        let mut panicked = 0;
        for o in outcomes.iter().filter(|o| o.pool == pool) {
            merged.merge(&o.recorder);
            commits.push(o.committed);
            panicked += u32::from(o.panicked);
            acknowledged.insert(Writer::payload(pool as u32, o.index, 0), o.acknowledged);
            // Auto-resizing histograms never refuse an add.
            let _ = overshoot.add(&o.overshoot);
        }
        let spec = &scenario.pools[pool];
        let mut result = PoolResult::summarise(
            &spec.name,
            plan.policy.label(),
            &merged,
            commits,
            measured_ns,
        );
        result.panicked_writers = panicked;
        result.breaker_transitions = plan.breaker_transitions();
        pools.push(result);
        op_latency.push(merged.op_latency);
    }
    let integrity = audit(store, &acknowledged, prefill);
    let results = Results {
        sim: None,
        schema_version: SCHEMA_VERSION,
        scenario_name: scenario.name.clone(),
        scenario_toml: toml::to_string(scenario)
            .unwrap_or_else(|e| format!("# the scenario could not be written as TOML: {e}\n")),
        seed: scenario.seed,
        engine: super::EngineKind::Threads.name().to_owned(),
        store: store.name().to_owned(),
        machine: Machine::detect(),
        measured_ns,
        warmup_ns: warmup,
        window_ns: scenario.run.window.0,
        makespan_ns: scenario
            .pools
            .iter()
            .all(|p| p.operations.is_some())
            .then_some(finished),
        partial,
        wait_overshoot: (!overshoot.is_empty()).then(|| LatencySummary::of(&overshoot)),
        pools,
        integrity,
    };
    RunOutput {
        results,
        op_latency,
        wait_overshoot: overshoot,
    }
}
