//! Test support: real `Results` from the simulator (deterministic, and fast enough for a sweep
//! per test), and a ready two-pool contention scenario.
#![allow(dead_code, unreachable_pub)]

use retrylab::engine::{self, EngineKind, RunOptions};
use retrylab::metrics::results::Results;
use retrylab::workload::scenario::Scenario;

/// Runs `scenario` on the simulator, with every check and summary a run gets.
pub fn drive(scenario: &Scenario) -> Results {
    engine::run(scenario, EngineKind::Sim, &RunOptions::default())
        .expect("the simulator runs the test scenario")
}

/// A two-pool contention scenario: both pools retry at once, one until it commits (up to 50
/// attempts), one gives up after two; every store call takes 1 µs, so writers overlap.
pub const TWO_POOLS: &str = r#"
name = "two-pools"
seed = 7
[store]
latency = { kind = "constant", value = "1us" }
[run]
actors = 4
duration = "20ms"
warmup = "2ms"
window = "1ms"
[[pools]]
name = "patient"
writers = 6
policy = { name = "patient", backoff = { kind = "immediate" }, max_attempts = 50 }
[[pools]]
name = "give-up-fast"
writers = 6
policy = { name = "give-up-fast", backoff = { kind = "immediate" }, max_attempts = 2 }
"#;

/// Results of [`TWO_POOLS`], driven.
pub fn two_pool_results() -> Results {
    drive(&Scenario::from_toml(TWO_POOLS, "two-pools.toml").unwrap())
}
