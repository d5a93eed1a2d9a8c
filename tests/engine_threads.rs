//! Short real runs of the engines on the real clock, threads and async tasks, the same tests
//! for each (fractions of a second each).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use retrylab::clock::MILLIS;
use retrylab::engine::{self, EngineKind, RunOptions};
use retrylab::metrics::results::{PoolResult, Results};
use retrylab::workload::scenario::Scenario;

/// A scenario with one pool of `writers` on a single actor (uniform over one actor is the hot
/// actor under every key-distribution naming) with `immediate` retries; `run` and `pool` add lines.
fn scenario(writers: u32, run: &str, pool: &str) -> Scenario {
    let text = format!(
        "name = \"t\"\nseed = 7\n[run]\nactors = 1\n{run}\n[[pools]]\nname = \"p\"\n\
         writers = {writers}\npolicy = \"immediate\"\n{pool}\n"
    );
    Scenario::from_toml(&text, "test").unwrap()
}

/// Every measured operation ends exactly one way; every attempt has exactly one outcome.
fn assert_consistent(p: &PoolResult) {
    let c = &p.counters;
    assert_eq!(
        c.operations,
        c.committed + c.give_ups() + c.rejections() + c.unfinished,
        "operations = committed + give-ups + rejections + cut by the end: {c:?}"
    );
    assert_eq!(
        c.attempts,
        c.committed + c.conflicts + c.other_errors,
        "attempts = committed + conflicts + other errors: {c:?}"
    );
    assert!(
        (0.0..=1.0).contains(&p.conflict_rate),
        "{}",
        p.conflict_rate
    );
    assert_eq!(p.op_latency.count, c.committed);
    assert_eq!(p.commits_per_writer.iter().sum::<u64>(), c.committed);
}

/// The tests every engine on the real clock must pass, for `$engine`.
macro_rules! real_clock_tests {
    ($engine:expr) => {
        use super::*;

        const ENGINE: EngineKind = $engine;

        fn run(s: &Scenario) -> Results {
            let r = engine::run(s, ENGINE, &RunOptions::default()).unwrap();
            assert_eq!(r.engine, ENGINE.name());
            r
        }

            #[test]
            fn a_hot_actor_run_commits_conflicts_and_passes_the_audit() {
                let s = scenario(
                    4,
                    "duration = \"200ms\"\nwarmup = \"50ms\"",
                    "think = { kind = \"constant\", value = \"5us\" }",
                );
                let r = run(&s);
                assert!(r.integrity.ok, "{:?}", r.integrity.problems);
                assert!(!r.partial);
                let p = &r.pools[0];
                assert!(p.counters.committed > 0);
                assert!(
                    p.counters.conflicts > 0,
                    "4 writers on one actor must conflict"
                );
                assert_consistent(p);
                assert_eq!(r.measured_ns, 200 * MILLIS);
                assert!(
                    p.op_latency.p50 >= 5_000,
                    "latency includes the 5 µs think time"
                );
                // Warm-up operations are committed and stored but not measured.
                let in_series: u64 = p.time_series.iter().map(|w| w.commits).sum();
                assert!(r.integrity.acknowledged_events > p.counters.committed);
                assert!(
                    in_series > p.counters.committed,
                    "the time series shows warm-up too"
                );
                assert!(r.wait_overshoot.is_some());
                // The scenario as run is stored so the run can be repeated.
                let again = Scenario::from_toml(&r.scenario_toml, "results").unwrap();
                assert_eq!((again.seed, again.pools[0].writers), (7, 4));
            }

            #[test]
            fn operation_limited_pools_stop_after_exactly_their_operations() {
                let s = scenario(3, "", "operations = 50");
                let r = run(&s);
                let p = &r.pools[0];
                assert_eq!(p.counters.operations, 3 * 50);
                assert_consistent(p);
                assert!(r.integrity.ok, "{:?}", r.integrity.problems);
                assert!(r.makespan_ns.is_some());
                assert_eq!(r.integrity.acknowledged_events, p.counters.committed);
            }

            #[test]
            fn panicking_writers_are_counted_and_the_store_stays_whole() {
                let s = scenario(4, "", "operations = 400\npanic_probability = 0.05");
                let started = Instant::now();
                let r = run(&s);
                assert!(started.elapsed() < Duration::from_secs(20));
                let p = &r.pools[0];
                assert!(
                    p.panicked_writers > 0,
                    "at 5% a panic per op, 400 ops cannot all pass"
                );
                assert!(r.integrity.ok, "{:?}", r.integrity.problems);
                assert!(p.counters.operations < 4 * 400);
            }

            #[test]
            fn raising_the_stop_flag_returns_partial_results() {
                let s = scenario(2, "duration = \"60s\"", "");
                let stop = Arc::new(AtomicBool::new(false));
                let opts = RunOptions {
                    progress: false,
                    stop: Some(stop.clone()),
                    ..RunOptions::default()
                };
                let raiser = std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(150));
                    stop.store(true, Ordering::SeqCst);
                });
                let started = Instant::now();
                let r = engine::run(&s, ENGINE, &opts).unwrap();
                raiser.join().unwrap();
                assert!(started.elapsed() < Duration::from_secs(10));
                assert!(r.partial);
                assert!(r.integrity.ok, "{:?}", r.integrity.problems);
                assert!(r.pools[0].counters.committed > 0);
                assert!(
                    r.measured_ns < 10_000 * MILLIS,
                    "measured time is what ran, not 60 s"
                );
            }

            #[test]
            fn open_loop_latency_counts_from_the_intended_start() {
                // One writer scheduled every 1 ms, but each operation thinks for 2 ms: it falls further
                // behind with every operation, and coordinated-omission-correct latency shows the backlog.
                let think = "think = { kind = \"constant\", value = \"2ms\" }";
                let open = scenario(
                    1,
                    "duration = \"300ms\"",
                    &format!("{think}\narrival = {{ kind = \"open\", rate = 1000.0, process = \"constant\" }}"),
                );
                let closed = scenario(1, "duration = \"300ms\"", think);
                let (open, closed) = (run(&open), run(&closed));
                let (o, c) = (&open.pools[0].op_latency, &closed.pools[0].op_latency);
                // Only lower bounds on real time: a loaded machine can make any wait longer, never shorter.
                assert!(
                    c.p50 >= 2 * MILLIS,
                    "closed p50 {} below the think time",
                    c.p50
                );
                assert!(
                    o.p50 > 3 * c.p50,
                    "open p50 {} should far exceed the closed loop's {} (the backlog counts)",
                    o.p50,
                    c.p50
                );
                assert!(o.max > o.p50);
            }

            #[test]
            fn injected_faults_are_other_errors_not_conflicts() {
                let s = Scenario::from_toml(
                    "name = \"f\"\n[store]\nfault_probability = 0.3\n[run]\nactors = 100\n\
                     [[pools]]\nname = \"p\"\nwriters = 2\npolicy = \"immediate\"\noperations = 200\n",
                    "test",
                )
                .unwrap();
                let r = run(&s);
                let p = &r.pools[0];
                assert!(p.counters.other_errors > 0);
                assert_consistent(p);
                assert!(r.integrity.ok, "{:?}", r.integrity.problems);
            }

            #[test]
            fn prefilled_streams_are_read_and_audited() {
                let s = Scenario::from_toml(
                    "name = \"r\"\n[store]\nprefill_events = 20\n[run]\nactors = 5\n\
                     [[pools]]\nname = \"p\"\nwriters = 2\npolicy = \"immediate\"\noperations = 100\n\
                     mix = { append = 1.0, read_events = 1.0 }\n",
                    "test",
                )
                .unwrap();
                let r = run(&s);
                let p = &r.pools[0];
                assert!(p.counters.reads > 0 && p.counters.committed > 0);
                assert_eq!(p.counters.reads + p.counters.operations, 200);
                assert!(r.integrity.ok, "{:?}", r.integrity.problems);
                assert_eq!(
                    r.integrity.stored_events,
                    100 + p.counters.committed,
                    "prefill plus commits"
                );
            }

            #[test]
            fn injected_latency_slows_every_attempt() {
                let s = Scenario::from_toml(
                    "name = \"l\"\n[store]\nlatency = { kind = \"constant\", value = \"300us\" }\n\
                     [run]\nactors = 1000\n[[pools]]\nname = \"p\"\nwriters = 2\npolicy = \"immediate\"\n\
                     operations = 20\n",
                    "test",
                )
                .unwrap();
                let r = run(&s);
                let p = &r.pools[0];
                assert!(p.attempt_latency.p50 >= 300_000, "{:?}", p.attempt_latency);
                // A read and a save, each delayed.
                assert!(p.op_latency.p50 >= 600_000, "{:?}", p.op_latency);
            }
    };
}

mod threads {
    real_clock_tests!(EngineKind::Threads);
}

mod tasks {
    real_clock_tests!(EngineKind::Async);
}

#[test]
fn the_simulated_engine_runs_or_refuses_politely() {
    // Before the simulator is wired in, `sim` is refused with a pointer to `threads`; after,
    // the same scenario (with a think time, so virtual time advances) runs and says so.
    let s = scenario(
        2,
        "",
        "operations = 20\nthink = { kind = \"constant\", value = \"10us\" }",
    );
    match engine::run(&s, EngineKind::Sim, &RunOptions::default()) {
        Ok(r) => {
            assert_eq!(r.engine, "sim");
            assert!(r.integrity.ok, "{:?}", r.integrity.problems);
            assert_eq!(r.pools[0].counters.operations, 40);
        }
        Err(e) => assert!(e.to_string().contains("--engine threads"), "{e}"),
    }
}

/// Threads of this process now (Linux; `None` elsewhere).
fn os_threads() -> Option<usize> {
    std::fs::read_dir("/proc/self/task").ok().map(|d| d.count())
}

#[test]
fn the_async_engine_runs_two_thousand_writers_on_a_few_threads() {
    let s = Scenario::from_toml(
        "name = \"many\"\nseed = 5\n[run]\nactors = 100000\nduration = \"500ms\"\n\
         warmup = \"1s\"\n[[pools]]\nname = \"p\"\nwriters = 2000\npolicy = \"immediate\"\n\
         think = { kind = \"uniform\", low = \"10ms\", high = \"30ms\" }\n",
        "test",
    )
    .unwrap();
    let before = os_threads();
    let done = Arc::new(AtomicBool::new(false));
    let most = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut most = 0;
            while !done.load(Ordering::Relaxed) {
                most = most.max(os_threads().unwrap_or(0));
                std::thread::sleep(Duration::from_millis(5));
            }
            most
        })
    };
    let r = engine::run(&s, EngineKind::Async, &RunOptions::default()).unwrap();
    done.store(true, Ordering::Relaxed);
    let most = most.join().unwrap();
    assert!(r.integrity.ok, "{:?}", r.integrity.problems);
    let p = &r.pools[0];
    let active = p.commits_per_writer.iter().filter(|&&c| c > 0).count();
    // Each writer has about 25 operations in the measured half second. Writers used to grow
    // histograms of their own at their first operations (page faults, a second for 4,000
    // writers), and then only 518 of 2,000 committed on a loaded CI machine; now they send
    // latencies to their pool's and all 2,000 commit here even beside four busy loops. The
    // ten spared are for a neighbour that takes the CPU for the whole window.
    assert!(active >= 1_990, "{active} of 2000 writers committed");
    if let Some(before) = before {
        assert!(
            most < before + 64,
            "2000 writers took {most} threads (there were {before} before)"
        );
    }
}
