//! The engines that drive writer pools against a store: real threads, or virtual time.
//!
//! One run shell, many drivers:
//!
//! ```text
//! Scenario ─▶ RunPlan (plan.rs: pool plans, prefilled store, writer streams, the end)
//!               │
//!               ▼ per writer: Schedule (schedule.rs) ─▶ Writer protocol ─▶ Action
//!          driver: threads/ (real threads, real clock) | sim/ (virtual time)
//!                  | tasks/ (tokio tasks, real clock, stores across a network)
//!               │        performs each Action through store_call.rs, cuts it at the end
//!               ▼
//!          DriverReport ─▶ assemble.rs (audit, per-pool summaries) ─▶ RunOutput / Results
//! ```
//!
//! Everything but performing an action and telling the time is written once: prefill, arrival
//! schedules, the run's end, fault injection, seed derivation and results assembly. Both
//! drivers produce the same [`Results`], so a report cannot tell which engine ran except by the
//! `engine` field. The async engine (tasks/), for stores across a network, is the third driver.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::metrics::results::Results;
use crate::workload::scenario::Scenario;

pub(crate) mod arrivals;
pub(crate) mod assemble;
pub mod audit;
pub(crate) mod plan;
pub(crate) mod schedule;
pub mod sequential;
pub mod sim;
pub(crate) mod store_call;
pub mod tasks;
pub mod threads;

/// The threaded driver's inner loop and waits, at their old paths (benches use them).
pub use threads::{operation, wait};

/// Which engine runs a scenario.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum EngineKind {
    /// Real threads against the real store, on the real clock.
    #[default]
    Threads,
    /// A discrete-event simulation in virtual time on one thread: deterministic, any scale.
    Sim,
    /// One tokio task per writer, on the real clock: the engine for stores across a network
    /// (PostgreSQL), which also runs the in-memory stores.
    Async,
}

impl EngineKind {
    /// The name used on the command line and in results.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Threads => "threads",
            EngineKind::Sim => "sim",
            EngineKind::Async => "async",
        }
    }

    /// The engine a scenario runs on when none is named: `async` for a store across a
    /// network, else `threads`.
    pub fn default_for(scenario: &Scenario) -> Self {
        if scenario.store.kind.memory().is_some() {
            EngineKind::Threads
        } else {
            EngineKind::Async
        }
    }
}

/// How to run, beyond what the scenario says.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Show a progress bar on the terminal.
    pub progress: bool,
    /// Set to `true` (by a Ctrl-C handler) to stop the run early; results are then marked
    /// partial.
    pub stop: Option<Arc<AtomicBool>>,
    /// Keep a network store's data after the run (PostgreSQL: its schema) instead of dropping
    /// it after the audit.
    pub keep_store: bool,
}

/// Why a run could not be carried out (bad scenarios are caught earlier, while parsing).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The scenario asks for something this engine cannot do. The message says what and which
    /// engine can.
    #[error("{0}")]
    Unsupported(String),
    /// A key distribution could not be built for this actor count. Fix the `keys` table.
    #[error("pool `{pool}`: {message}")]
    Keys {
        /// The pool at fault.
        pool: String,
        /// What is wrong.
        message: String,
    },
    /// The store could not be opened before the run (no server at the address, login
    /// refused, no url): nothing was written. The message names the fix.
    #[error("{0}")]
    StoreRefused(String),
    /// The store failed during the run, its prefill or its audit.
    #[error("{0}")]
    StoreFailed(String),
    /// The operating system refused to start a writer thread (too many threads, or out of
    /// memory). Use fewer writers, or `--engine sim`.
    #[error("could not start a writer thread: {source}")]
    Spawn {
        /// The error from `std::thread::Builder::spawn`.
        #[source]
        source: std::io::Error,
    },
}

/// A run's results, with the merged per-pool latency histograms the results file only
/// summarises (the run folder writes them out as HdrHistogram interval logs).
#[derive(Debug)]
pub struct RunOutput {
    /// The results, as written to `results.json`.
    pub results: Results,
    /// Each pool's committed-operation latency histogram (ns), in pool order; may be empty
    /// when an engine does not keep them.
    pub op_latency: Vec<hdrhistogram::Histogram<u64>>,
    /// How late the engine's waits returned (ns), all writers merged; empty when unknown.
    pub wait_overshoot: hdrhistogram::Histogram<u64>,
}

/// Runs `scenario` on the chosen engine.
///
/// # Errors
///
/// As [`run_full`].
pub fn run(
    scenario: &Scenario,
    engine: EngineKind,
    opts: &RunOptions,
) -> Result<Results, EngineError> {
    run_full(scenario, engine, opts).map(|out| out.results)
}

/// Runs `scenario` on the chosen engine and keeps the latency histograms too: the shell
/// compiles the plan, the engine's driver runs the writers, the assembler writes the results.
///
/// # Errors
///
/// [`EngineError::Keys`] when a pool's key distribution does not fit the actor count,
/// [`EngineError::Unsupported`] when the engine cannot run the scenario (the message says
/// which can), [`EngineError::Spawn`] when the threaded engine cannot start a thread.
pub fn run_full(
    scenario: &Scenario,
    engine: EngineKind,
    opts: &RunOptions,
) -> Result<RunOutput, EngineError> {
    let mut out = run_without_scenario_text(scenario, engine, opts)?;
    out.results.scenario_toml = assemble::scenario_toml(scenario);
    Ok(out)
}

/// As [`run_full`], leaving the results' `scenario_toml` empty for a caller that sets it
/// once for many runs (each pool alone): writing a scenario as TOML costs about as much as
/// simulating a short run.
pub(crate) fn run_without_scenario_text(
    scenario: &Scenario,
    engine: EngineKind,
    opts: &RunOptions,
) -> Result<RunOutput, EngineError> {
    // What validation checks for this engine, checked again here for library callers that
    // built or changed a scenario in code.
    scenario
        .check_for_engine(engine)
        .map_err(|e| EngineError::Unsupported(e.to_string()))?;
    let plan = plan::RunPlan::new(scenario)?;
    let report = match engine {
        EngineKind::Threads => threads::drive(&plan, opts)?,
        EngineKind::Sim => sim::drive(&plan, opts)?,
        EngineKind::Async => tasks::session::run(&plan, opts)?,
    };
    Ok(assemble::assemble(&plan, engine, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::EventStore;

    /// What a run left in its store: each actor's events as (version, payload).
    fn contents(store: &dyn EventStore) -> Vec<(u64, Vec<(u64, u64)>)> {
        let mut actors = store.actors();
        actors.sort_unstable();
        actors
            .into_iter()
            .map(|a| {
                let events = store.events(a, 1);
                (a, events.iter().map(|e| (e.version, e.payload)).collect())
            })
            .collect()
    }

    /// One writer, a fixed number of operations, no contention: whatever the engine's clock,
    /// the writer's own stream alone decides each operation's kind and actor, so both engines
    /// must leave the very same store.
    #[test]
    fn the_same_seed_gives_every_engine_the_same_writer_streams() {
        let s = Scenario::from_toml(
            r#"
name = "streams"
seed = 11
[run]
actors = 40
[[pools]]
name = "a"
writers = 1
operations = 300
policy = "immediate"
keys = { kind = "zipf", exponent = 1.1 }
think = { kind = "exponential", mean = "1us" }
mix = { append = 2.0, read_latest = 1.0 }
start_spread = "5us"
"#,
            "test",
        )
        .unwrap();
        let mut stores = Vec::new();
        for engine in [EngineKind::Threads, EngineKind::Sim, EngineKind::Async] {
            let plan = plan::RunPlan::new(&s).unwrap();
            let report = match engine {
                EngineKind::Threads => threads::drive(&plan, &RunOptions::default()),
                EngineKind::Sim => sim::drive(&plan, &RunOptions::default()),
                EngineKind::Async => tasks::session::run(&plan, &RunOptions::default()),
            }
            .unwrap();
            let out = assemble::assemble(&plan, engine, report);
            assert!(out.results.integrity.ok, "{engine:?}");
            stores.push(contents(plan.memory().unwrap().as_ref()));
        }
        let appended: usize = stores[0].iter().map(|(_, e)| e.len()).sum();
        assert!(
            (150..300).contains(&appended),
            "{appended} appends of 300 operations"
        );
        assert_eq!(
            stores[0], stores[1],
            "each event went to the same actor in threads and sim"
        );
        assert_eq!(
            stores[0], stores[2],
            "each event went to the same actor in threads and async"
        );
    }
}
