//! Helpers shared by the simulator's test files (included with `mod`).
#![allow(dead_code, unreachable_pub)]

use retrylab::engine::{self, EngineKind, RunOptions};
use retrylab::metrics::results::Results;
use retrylab::workload::scenario::Scenario;

/// Parses scenario text (panics with the parser's message: a test bug).
pub fn scenario(text: &str) -> Scenario {
    Scenario::from_toml(text, "test").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Runs a scenario in the simulator; the audit must pass.
pub fn simulate(s: &Scenario) -> Results {
    let r = engine::run(s, EngineKind::Sim, &RunOptions::default()).expect("the simulation runs");
    assert!(r.integrity.ok, "audit failed: {:?}", r.integrity.problems);
    r
}
