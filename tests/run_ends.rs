//! Every run ends at its deadline, whatever the policy: waits are cut at the end, an operation
//! still in flight is counted unfinished (not left running), and the audit still balances.

use std::time::{Duration, Instant};

use retrylab::engine::{self, EngineError, EngineKind, RunOptions};
use retrylab::metrics::results::Results;
use retrylab::workload::scenario::Scenario;

fn scenario(text: &str) -> Scenario {
    Scenario::from_toml(text, "test").expect("the test scenario is valid")
}

/// Runs `s` on `engine` and returns the results with the wall time the run took.
fn timed(s: &Scenario, engine: EngineKind) -> (Results, Duration) {
    let started = Instant::now();
    let r = engine::run(s, engine, &RunOptions::default()).expect("the run starts");
    (r, started.elapsed())
}

/// The slack this test allows past a run's length: twice the issue's bound ("duration plus one
/// second"), for a machine that is shared and noisy.
const SLACK: Duration = Duration::from_secs(2);

/// Every save fails and the policy retries errors without limit: before the deadline cut,
/// the threaded engine never finished an operation and so never looked at the clock's end.
#[test]
fn retrying_a_store_that_always_fails_ends_at_the_deadline_on_both_engines() {
    let s = scenario(
        r#"
name = "always-failing"
[store]
fault_probability = 1.0
latency = { kind = "constant", value = "20us" }
[run]
actors = 10
duration = "200ms"
[[pools]]
name = "p"
writers = 2
[pools.policy]
backoff = { kind = "constant", delay = "50us" }
on_error = "retry"
"#,
    );
    for engine in [EngineKind::Threads, EngineKind::Sim] {
        let (r, took) = timed(&s, engine);
        assert!(
            took < Duration::from_millis(200) + SLACK,
            "{engine:?} took {took:?}"
        );
        let c = r.pools[0].counters;
        assert_eq!(c.committed, 0, "{engine:?}: nothing can commit");
        assert!(c.other_errors > 0, "{engine:?}: {c:?}");
        assert_eq!(
            c.unfinished, 2,
            "{engine:?}: each writer's one operation was cut at the end: {c:?}"
        );
        assert!(r.integrity.ok, "{engine:?}: {:?}", r.integrity.problems);
        assert!(!r.partial);
    }
}

/// `polly-default` waits 2 s between tries: a 100 ms run took six seconds before waits were
/// cut at the deadline.
#[test]
fn a_seconds_scale_backoff_does_not_outlast_a_short_run() {
    let s = scenario(
        r#"
name = "polly-hot"
[run]
actors = 1
duration = "100ms"
[[pools]]
name = "p"
writers = 4
policy = "polly-default"
keys = { kind = "hot-actor" }
think = { kind = "constant", value = "10us" }
"#,
    );
    let (r, took) = timed(&s, EngineKind::Threads);
    assert!(took < Duration::from_millis(100) + SLACK, "took {took:?}");
    let c = r.pools[0].counters;
    assert!(c.conflicts > 0, "{c:?}");
    assert!(c.unfinished > 0, "writers backing off 2 s were cut: {c:?}");
    assert_eq!(
        c.operations,
        c.committed + c.give_ups() + c.rejections() + c.unfinished
    );
    assert!(r.integrity.ok, "{:?}", r.integrity.problems);
}

/// A think time far longer than the run: the simulator once drained it, growing the time
/// series to the think time's end (terabytes for a long enough one).
#[test]
fn a_think_time_longer_than_the_run_is_cut_in_the_simulator() {
    let s = scenario(
        r#"
name = "long-think"
[store]
latency = { kind = "constant", value = "10us" }
[run]
actors = 10
duration = "1s"
window = "10ms"
[[pools]]
name = "p"
writers = 3
policy = "immediate"
think = { kind = "constant", value = "30m" }
"#,
    );
    let (r, _) = timed(&s, EngineKind::Sim);
    let sim = r.sim.as_ref().expect("sim figures");
    assert!(
        sim.virtual_end_ns <= 1_000_000_000,
        "nothing runs past the end: {}",
        sim.virtual_end_ns
    );
    let p = &r.pools[0];
    assert_eq!(p.counters.unfinished, 3, "{:?}", p.counters);
    assert!(
        p.time_series.len() <= 101,
        "{} windows",
        p.time_series.len()
    );
}

/// A run with no duration whose operation can never finish (every append fails, the policy
/// retries without limit) would simulate for ever: refused with the fix named, not a hang.
#[test]
fn an_endless_retry_loop_in_a_run_without_a_duration_is_refused() {
    let s = scenario(
        r#"
name = "endless"
[store]
fault_probability = 1.0
[run]
actors = 10
[[pools]]
name = "p"
writers = 1
operations = 1
[pools.policy]
backoff = { kind = "immediate" }
on_error = "retry"
"#,
    );
    let started = Instant::now();
    match engine::run(&s, EngineKind::Sim, &RunOptions::default()) {
        Err(EngineError::Unsupported(msg)) => {
            assert!(msg.contains("without finishing"), "{msg}");
            assert!(
                msg.contains("max_retries") && msg.contains("run.duration"),
                "names the fix: {msg}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// Operations that take no virtual time at all (reads charged nothing, no think, no latency)
/// would freeze the simulated clock: refused with the fix named, not a hang.
#[test]
fn operations_where_no_virtual_time_passes_are_refused() {
    let s = scenario(
        r#"
name = "stall"
[sim.store_cost]
read = "0"
[run]
actors = 10
[[pools]]
name = "p"
writers = 1
operations = 2000000
policy = "no-retry"
mix = { read_latest = 1.0 }
"#,
    );
    let started = Instant::now();
    match engine::run(&s, EngineKind::Sim, &RunOptions::default()) {
        Err(EngineError::Unsupported(msg)) => {
            assert!(msg.contains("virtual time"), "{msg}");
            assert!(msg.contains("store_cost"), "names the fix: {msg}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// A population run records each pool's own completion time, and the run's is the latest.
/// (200 times the work, so a busy machine's thread scheduling cannot swap the two.)
#[test]
fn each_pool_has_its_own_makespan() {
    let s = scenario(
        r#"
name = "two-populations"
[store]
latency = { kind = "constant", value = "10us" }
[run]
actors = 100
[[pools]]
name = "short"
writers = 2
operations = 10
policy = "immediate"
[[pools]]
name = "long"
writers = 2
operations = 2000
policy = "immediate"
"#,
    );
    for engine in [EngineKind::Sim, EngineKind::Threads] {
        let (r, _) = timed(&s, engine);
        let (short, long) = (
            r.pools[0].makespan_ns.expect("short's makespan"),
            r.pools[1].makespan_ns.expect("long's makespan"),
        );
        assert!(short < long, "{engine:?}: {short} vs {long}");
        assert_eq!(r.makespan_ns, Some(long), "{engine:?}");
        assert_eq!(r.pools[0].counters.committed, 20, "{engine:?}");
        assert_eq!(r.pools[1].counters.committed, 4000, "{engine:?}");
    }
}
