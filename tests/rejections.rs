//! An open circuit must not freeze a run. A closed-loop writer whose operation a gate rejects
//! before it touches the store reads no clock and spends no virtual time; without the pool's
//! `rejection_pause` the writer spun at a standstill, the breaker never saw time pass, and the
//! run never ended (found with a breaker pool beside an aggressive one).

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use retrylab::engine::{self, EngineKind, RunOptions};
use retrylab::metrics::results::Results;
use retrylab::policy::BreakerState;
use retrylab::workload::scenario::Scenario;

/// Every writer on one actor; a breaker that opens on any failure rate above 10% and stays open
/// 2 ms; a retry-at-once pool beside it keeps the conflict rate high.
const SCENARIO: &str = r#"
name = "breaker-opens"
seed = 3
[store]
latency = { kind = "constant", value = "2us" }
[run]
actors = 1
duration = "300ms"
[[pools]]
name = "aggressive"
writers = 3
policy = "immediate"
keys = { kind = "hot-actor" }
[[pools]]
name = "guarded"
writers = 3
keys = { kind = "hot-actor" }
rejection_pause = "50us"
[pools.policy]
backoff = { kind = "constant", delay = "5us" }
max_retries = 3
breaker = { window = { kind = "count", size = 20 }, failure_rate_threshold = 0.1, minimum_calls = 5, open_duration = "2ms", half_open_probes = 1 }
"#;

/// Runs on another thread so a regression fails the test instead of hanging it.
fn run_with_deadline(engine: EngineKind) -> Results {
    let scenario = Scenario::from_toml(SCENARIO, "breaker-opens").unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(engine::run(&scenario, engine, &RunOptions::default()));
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("the {} run did not finish within 60 s", engine.name()))
        .unwrap()
}

fn check(results: &Results) {
    let guarded = &results.pools[1];
    assert!(
        guarded.counters.rejected_circuit_open > 0,
        "the breaker should have opened: {:?}",
        guarded.counters
    );
    assert!(
        guarded.counters.committed > 0,
        "and closed again to let commits through"
    );
    // The results carry the breaker's state changes, for the time-series chart.
    assert!(
        !guarded.breaker_transitions.is_empty(),
        "a breaker that opened logged it"
    );
    assert!(
        results.pools[0].breaker_transitions.is_empty(),
        "no breaker, no log"
    );
    assert!(results.integrity.ok, "{:?}", results.integrity.problems);
}

#[test]
fn an_open_circuit_does_not_freeze_the_simulator() {
    let results = run_with_deadline(EngineKind::Sim);
    check(&results);
    // One thread in virtual time: the log is in causal order, each change starting where the
    // last one ended. (Threads log after their compare-and-swap, so they may interleave.)
    let log = &results.pools[1].breaker_transitions;
    assert_eq!(
        (log[0].from, log[0].to),
        (BreakerState::Closed, BreakerState::Open)
    );
    assert!(
        log.windows(2)
            .all(|w| w[0].at_ns <= w[1].at_ns && w[0].to == w[1].from)
    );
    // Each rejection costs its writer at least the pause: 3 writers × 300 ms / 50 µs bounds them.
    assert!(results.pools[1].counters.rejected_circuit_open <= 3 * 300_000 / 50);
}

#[test]
fn an_open_circuit_does_not_freeze_the_threaded_engine() {
    check(&run_with_deadline(EngineKind::Threads));
}

/// `scenarios/breaker-under-faults.toml` does what its comment says: run as documented
/// (`compare --scenario …`, here quick and simulated), its breaker opens and rejects.
#[test]
fn the_breaker_scenario_shows_the_breaker_opening() {
    use retrylab::engine::sequential::run_each_pool;
    use retrylab::engine::{EngineKind, RunOptions};
    use retrylab::workload::scenario::Scenario;

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join("breaker-under-faults.toml");
    let s = Scenario::from_file(&path).unwrap().quick();
    for engine in [EngineKind::Sim, EngineKind::Threads] {
        let r = run_each_pool(&s, engine, &RunOptions::default(), |_| {})
            .unwrap()
            .results;
        let breaker = r
            .pools
            .iter()
            .find(|p| p.name == "circuit-breaker")
            .unwrap();
        assert!(
            breaker.counters.rejected_circuit_open > 0,
            "{engine:?}: the breaker opened: {:?}",
            breaker.counters
        );
        assert!(!breaker.breaker_transitions.is_empty(), "{engine:?}");
        assert!(r.integrity.ok, "{engine:?}: {:?}", r.integrity.problems);
    }
}
