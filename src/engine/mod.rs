//! The engines that drive writer pools against a store: real threads, or virtual time.
//!
//! Both take a [`Scenario`] and produce the same [`Results`]; both drive the same writer
//! protocol ([`crate::workload::protocol`]), so a report cannot tell which engine ran except by
//! the `engine` field.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::metrics::results::Results;
use crate::workload::scenario::Scenario;

pub mod audit;
pub mod gate;
pub mod injected;
pub mod operation;
pub mod sequential;
pub mod sim;
pub mod threads;
pub mod wait;

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
}

impl EngineKind {
    /// The name used on the command line and in results.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Threads => "threads",
            EngineKind::Sim => "sim",
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
pub fn run(
    scenario: &Scenario,
    engine: EngineKind,
    opts: &RunOptions,
) -> Result<Results, EngineError> {
    run_full(scenario, engine, opts).map(|out| out.results)
}

/// Runs `scenario` on the chosen engine and keeps the latency histograms too.
pub fn run_full(
    scenario: &Scenario,
    engine: EngineKind,
    opts: &RunOptions,
) -> Result<RunOutput, EngineError> {
    match engine {
        EngineKind::Threads => threads::run(scenario, opts),
        EngineKind::Sim => sim::run_full(scenario, opts).map(|out| RunOutput {
            results: out.results,
            op_latency: out.op_latency,
            // Virtual time waits exactly as long as asked: there is no overshoot to report.
            wait_overshoot: hdrhistogram::Histogram::new(3)
                .expect("3 significant figures is a valid precision"),
        }),
    }
}
