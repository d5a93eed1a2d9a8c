//! The simulator and the threaded engine agree where both are meaningful.
//!
//! The scenario keeps both engines honest: two writers, modest contention (uniform over four
//! actors), and think times of 200 µs to 1 ms, well above the threaded engine's scheduling noise
//! (a sleep overshoots by tens of µs) and far above the real store's cost (tens of ns), which
//! the simulator leaves out. Conflicts then depend on the ratio of the think window to the
//! cycle time, which both engines reproduce; sleep overshoot stretches both alike.
//!
//! Tolerance: conflict rates within 0.05 absolute or 25% relative of each other, whichever is
//! looser. The statistical error alone is about ±0.01 (some 3,000 attempts a run at a rate near
//! 0.2), so a gap beyond the tolerance means a modelling difference, not noise.

mod sim_support;

use retrylab::engine::{EngineKind, RunOptions};
use sim_support::scenario;

#[test]
fn conflict_rates_agree_between_engines() {
    let s = scenario(
        r#"
name = "agreement"
seed = 7
[run]
actors = 4
duration = "1s"
warmup = "100ms"
[[pools]]
name = "p"
writers = 2
policy = "immediate"
think = { kind = "uniform", low = "200us", high = "1ms" }
"#,
    );
    let opts = RunOptions::default();
    let threads = retrylab::engine::run(&s, EngineKind::Threads, &opts).expect("threads run");
    let sim = retrylab::engine::run(&s, EngineKind::Sim, &opts).expect("sim run");
    assert!(threads.integrity.ok && sim.integrity.ok);
    assert_eq!(
        (threads.engine.as_str(), sim.engine.as_str()),
        ("threads", "sim")
    );
    let (a, b) = (threads.pools[0].conflict_rate, sim.pools[0].conflict_rate);
    assert!(
        b > 0.05,
        "the scenario must conflict to say anything: sim {b}"
    );
    let tolerance = 0.05f64.max(0.25 * a.max(b));
    assert!(
        (a - b).abs() <= tolerance,
        "threads {a:.4} vs sim {b:.4}: differ by more than {tolerance:.4}"
    );
    // Throughput: the cycle is think plus (in the threaded engine) overhead, so real threads
    // can never beat the model. No lower bound: on a loaded machine the threads get less CPU
    // than they ask for, and a timed bound would fail for the machine's sake, not the model's.
    let (ga, gb) = (threads.pools[0].goodput_ops_s, sim.pools[0].goodput_ops_s);
    assert!(
        ga <= gb * 1.05,
        "goodput threads {ga:.0}/s vs sim {gb:.0}/s"
    );
}
