//! How fast the simulator runs: simulated append attempts per second of wall time, one core.
//!
//! `cargo run --release --example sim_speed [runs]`. On a shared machine, run it under
//! `perf stat -e task-clock` and divide the attempts by the task clock for a figure that does
//! not depend on what else the machine is doing.

use std::time::Instant;

use retrylab::engine::{self, EngineKind, RunOptions};
use retrylab::workload::scenario::Scenario;

fn main() {
    let runs: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let text = r#"
name = "speed"
[store]
latency = { kind = "exponential", mean = "10us" }
[run]
actors = 10
duration = "20ms"
[[pools]]
name = "p"
writers = 100
policy = "immediate"
"#;
    let scenario = Scenario::from_toml(text, "sim_speed").expect("the built-in scenario parses");
    let began = Instant::now();
    let mut attempts = 0u64;
    let mut events = 0u64;
    for _ in 0..runs {
        let r = engine::run(&scenario, EngineKind::Sim, &RunOptions::default())
            .expect("the built-in scenario runs");
        attempts += r.pools.iter().map(|p| p.counters.attempts).sum::<u64>();
        events += r.sim.map_or(0, |s| s.events_processed);
    }
    let secs = began.elapsed().as_secs_f64();
    println!(
        "{runs} runs: {attempts} attempts, {events} events in {secs:.3} s wall: {:.2} M attempts/s, {:.2} M events/s",
        attempts as f64 / secs / 1e6,
        events as f64 / secs / 1e6
    );
}
