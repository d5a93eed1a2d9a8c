//! The run plan: everything an engine needs that the scenario decides, built once before any
//! driver starts, so every engine runs the same prefilled store, the same pool plans, the same
//! writer streams and the same schedule rules.

use std::sync::Arc;

use rand::Rng;

use super::EngineError;
use super::arrivals::ArrivalPlan;
use crate::clock::Nanos;
use crate::engine::audit::PREFILL_TAG;
use crate::metrics::recorder::RecordingWindow;
use crate::rng::{WriterRng, engine_rng, writer_rng};
use crate::store::{Event, EventStore};
use crate::workload::protocol::{PoolPlan, Writer};
use crate::workload::scenario::Scenario;

/// One pool's plan plus the rules that say when its writers' operations start.
#[derive(Debug)]
pub(crate) struct PoolRun {
    /// What the pool's writers share (policy, gates, keys, think time).
    pub(crate) plan: Arc<PoolPlan>,
    /// When operations are meant to start.
    pub(crate) arrivals: ArrivalPlan,
    /// Each writer stops after this many operations, if set.
    pub(crate) operations: Option<u64>,
    /// A closed-loop writer pauses this long after a gate rejected it.
    pub(crate) rejection_pause: Nanos,
    /// Writers start at a uniform offset in `0..=start_spread`.
    pub(crate) start_spread: Nanos,
    /// Probability that a writer crashes at an operation's start (fault injection).
    pub(crate) crash_probability: f64,
    /// Writers in the pool.
    pub(crate) writers: u32,
}

impl PoolRun {
    /// Whether a writer crashes at the start of its next operation (fault injection), drawn
    /// from the engine's stream for it: the threaded engine then panics for real, the
    /// simulator retires the writer.
    pub(crate) fn crashes(&self, engine_rng: &mut WriterRng) -> bool {
        self.crash_probability > 0.0 && engine_rng.random::<f64>() < self.crash_probability
    }
}

/// A writer ready to run: its protocol machine and the engine's stream for it.
#[derive(Debug)]
pub(crate) struct WriterSetup {
    /// The pool's index.
    pub(crate) pool: u32,
    /// The protocol machine, on the writer's own stream.
    pub(crate) writer: Writer,
    /// The engine's draws for this writer (latency legs, service, faults, crashes).
    pub(crate) engine_rng: WriterRng,
}

/// A scenario compiled for a run: pools, a prefilled store, the recording window, the end.
pub(crate) struct RunPlan<'a> {
    /// The scenario as run.
    pub(crate) scenario: &'a Scenario,
    /// One entry per pool, in scenario order.
    pub(crate) pools: Vec<PoolRun>,
    /// The in-memory store, already prefilled; `None` for a store across a network, which
    /// its driver opens and prefills.
    pub(crate) store: Option<Arc<dyn EventStore>>,
    /// Events written by the prefill (or to be written, for a store across a network).
    pub(crate) prefilled: u64,
    /// Warm-up end and time-series window.
    pub(crate) window: RecordingWindow,
    /// No operation starts at or after this time, and waits are cut here (`Nanos::MAX` for a
    /// run bounded by operation counts only).
    pub(crate) end_ns: Nanos,
    /// Every pool has a fixed number of operations (a population run with a makespan).
    pub(crate) bounded: bool,
}

impl std::fmt::Debug for RunPlan<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunPlan")
            .field("scenario", &self.scenario.name)
            .field("store", &self.scenario.store.kind.name())
            .field("pools", &self.pools.len())
            .field("end_ns", &self.end_ns)
            .finish_non_exhaustive()
    }
}

impl<'a> RunPlan<'a> {
    /// Compiles `scenario`: builds each pool's plan, the store, and prefills it.
    ///
    /// # Errors
    ///
    /// [`EngineError::Keys`] when a pool's key distribution does not fit the actor count;
    /// [`EngineError::Unsupported`] for an open-loop rate that is not a positive number.
    pub(crate) fn new(scenario: &'a Scenario) -> Result<Self, EngineError> {
        let actors = scenario.run.actors;
        let mut pools = Vec::with_capacity(scenario.pools.len());
        for (i, spec) in scenario.pools.iter().enumerate() {
            let plan = PoolPlan::new(i as u32, spec, actors).map_err(|e| EngineError::Keys {
                pool: spec.name.clone(),
                message: e.to_string(),
            })?;
            pools.push(PoolRun {
                plan: Arc::new(plan),
                arrivals: ArrivalPlan::of(spec)?,
                operations: spec.operations,
                rejection_pause: spec.rejection_pause.nanos(),
                start_spread: spec.start_spread.0,
                crash_probability: spec.panic_probability,
                writers: spec.writers,
            });
        }
        let per_actor = scenario.store.prefill_events;
        let store = scenario.store.kind.memory().map(|kind| {
            let store = kind.build(
                scenario.store.shards,
                usize::try_from(actors).unwrap_or(usize::MAX),
            );
            prefill(store.as_ref(), actors, per_actor);
            store
        });
        let warmup = scenario.run.warmup.0;
        Ok(Self {
            scenario,
            pools,
            store,
            prefilled: actors * per_actor,
            window: RecordingWindow {
                warmup_end_ns: warmup,
                window_ns: scenario.run.window.0,
            },
            end_ns: scenario
                .run
                .duration
                .map_or(Nanos::MAX, |d| warmup.saturating_add(d.0)),
            bounded: scenario.pools.iter().all(|p| p.operations.is_some()),
        })
    }

    /// The in-memory store, for the drivers that run only those.
    ///
    /// # Errors
    ///
    /// [`EngineError::Unsupported`] for a store across a network (validation refuses it
    /// earlier, for every engine but `async`).
    pub(crate) fn memory(&self) -> Result<&Arc<dyn EventStore>, EngineError> {
        self.store.as_ref().ok_or_else(|| {
            EngineError::Unsupported(format!(
                "the {} store is across a network: run it with --engine async",
                self.scenario.store.kind.name()
            ))
        })
    }

    /// Writer `index` of pool `pool`, with the streams every engine derives the same way.
    pub(crate) fn writer(&self, pool: u32, index: u32) -> WriterSetup {
        let seed = self.scenario.seed;
        let plan = self.pools[pool as usize].plan.clone();
        WriterSetup {
            pool,
            writer: Writer::new(plan, index, writer_rng(seed, pool, index)),
            engine_rng: engine_rng(seed, pool, index),
        }
    }

    /// Every writer of every pool, pool by pool.
    pub(crate) fn writers(&self) -> impl Iterator<Item = WriterSetup> + '_ {
        self.pools
            .iter()
            .enumerate()
            .flat_map(move |(p, pool)| (0..pool.writers).map(move |i| self.writer(p as u32, i)))
    }
}

/// Writes `per_actor` events to every actor before the run, tagged as prefill for the audit.
fn prefill(store: &dyn EventStore, actors: u64, per_actor: u64) {
    for actor in 0..actors {
        for version in 1..=per_actor {
            // A fresh store accepts these in order; a refusal would be a store bug the audit
            // reports (prefill written vs stored).
            let _ = store.save(Event {
                actor,
                version,
                event_type: 0,
                payload: PREFILL_TAG,
                timestamp_ns: 0,
            });
        }
    }
}
