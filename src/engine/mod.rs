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
pub mod sim;

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
}
