//! The simulated engine against figures that follow from its model exactly, and each of its
//! features (capacity, timeouts, populations, open loop, faults, stopping).

mod sim_support;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use retrylab::engine::{self, EngineError, EngineKind, RunOptions};
use retrylab::workload::store_cost::StoreCost;
use sim_support::{scenario, simulate};

/// One writer, no contention, constant latency `l` per leg, no think: every operation is a
/// version read and an append, two calls of two legs each plus the store's work on each, so
/// exactly `4l + read + append` apiece.
#[test]
fn one_writer_takes_exactly_four_legs_per_operation() {
    for l_us in [5u64, 20, 125] {
        let s = scenario(&format!(
            r#"
name = "one"
[store]
latency = {{ kind = "constant", value = "{l_us}us" }}
[run]
actors = 1000
duration = "1s"
[[pools]]
name = "p"
writers = 1
policy = "immediate"
"#
        ));
        let r = simulate(&s);
        let p = &r.pools[0];
        let (read, append) = (StoreCost::MEASURED.read.0, StoreCost::MEASURED.append.0);
        let op_ns = 4 * l_us * 1_000 + read + append;
        // An operation the end cuts does not commit.
        let expected_ops = 1_000_000_000u64 / op_ns;
        assert_eq!(p.counters.committed, expected_ops, "L = {l_us}us");
        assert_eq!(p.counters.conflicts, 0);
        let want = 1e9 / op_ns as f64;
        assert!(
            (p.goodput_ops_s - expected_ops as f64).abs() < 1e-6
                && (p.goodput_ops_s - want).abs() / want < 1e-3,
            "goodput {} vs 1/(4L) = {want}",
            p.goodput_ops_s
        );
        // Attempt latency is the two legs of the append and the append itself.
        let two_legs = 2 * l_us * 1_000 + append;
        assert!(p.attempt_latency.max.abs_diff(two_legs) * 1000 <= two_legs);
        assert!(p.op_latency.max.abs_diff(op_ns) * 1000 <= op_ns);
    }
}

#[test]
fn two_writers_on_a_hot_actor_conflict_and_stay_consistent() {
    let s = scenario(
        r#"
name = "hot"
[store]
latency = { kind = "exponential", mean = "10us" }
[run]
actors = 1
duration = "50ms"
[[pools]]
name = "p"
writers = 2
policy = "immediate"
keys = { kind = "hot-actor" }
"#,
    );
    let r = simulate(&s);
    let c = r.pools[0].counters;
    assert!(c.conflicts > 0, "{c:?}");
    assert!(c.committed > 100, "{c:?}");
    assert_eq!(r.integrity.stored_events, r.integrity.acknowledged_events);
    assert_eq!(r.engine, "sim");
    assert!(r.sim.is_some());
}

/// A store that serves one call at a time, each for `s`, caps calls at `1/s`; with no
/// conflicts an operation is two calls, so goodput is at most `1/(2s)`, and with enough
/// writers queueing it reaches it.
#[test]
fn capacity_one_caps_throughput_at_one_over_service_time() {
    let s = scenario(
        r#"
name = "cap"
[run]
actors = 1000000
duration = "200ms"
[[pools]]
name = "p"
writers = 16
policy = "immediate"
[sim]
capacity = 1
service_time = { kind = "constant", value = "10us" }
"#,
    );
    let r = simulate(&s);
    let p = &r.pools[0];
    let calls = p.counters.operations + p.counters.attempts;
    let ceiling = 0.2 / 10e-6; // 20,000 calls in 200 ms
    assert!(
        calls as f64 <= ceiling + 2.0 * 16.0,
        "{calls} calls above the ceiling {ceiling} (+ the drain)"
    );
    assert!(
        calls as f64 >= 0.99 * ceiling,
        "{calls} calls: not saturated"
    );
    // Operations in flight at the end drain and count: at most one per writer beyond the cap.
    assert!(
        p.counters.committed <= 10_000 + 16,
        "{}",
        p.counters.committed
    );
    let stats = r.sim.as_ref().unwrap();
    assert!(stats.max_queue_length >= 14, "{stats:?}");
    assert!(stats.store_utilisation > 0.98 && stats.store_utilisation <= 1.0 + 1e-9);

    // Twice the capacity, twice the calls.
    let two = scenario(
        &toml::to_string(&s)
            .unwrap()
            .replace("capacity = 1", "capacity = 2"),
    );
    let r2 = simulate(&two);
    let calls2 = r2.pools[0].counters.operations + r2.pools[0].counters.attempts;
    assert!(calls2 as f64 >= 1.98 * ceiling, "{calls2}");
}

#[test]
fn timed_out_appends_are_resolved_and_some_had_committed() {
    let s = scenario(
        r#"
name = "timeouts"
[store]
latency = { kind = "lognormal", median = "50us", sigma = 1.0 }
[run]
actors = 4
duration = "200ms"
[[pools]]
name = "p"
writers = 8
policy = "immediate"
[sim]
timeout = "150us"
"#,
    );
    let r = simulate(&s);
    let c = r.pools[0].counters;
    assert!(c.timeouts > 50, "{c:?}");
    assert!(
        c.timeouts_committed > 0 && c.timeouts_committed < c.timeouts,
        "{c:?}"
    );
    // Without the timeout, none are counted.
    let plain = scenario(
        &toml::to_string(&s)
            .unwrap()
            .replace("timeout = \"150us\"", ""),
    );
    assert_eq!(simulate(&plain).pools[0].counters.timeouts, 0);
}

#[test]
fn a_population_stops_after_its_operations_and_reports_the_makespan() {
    let s = scenario(
        r#"
name = "pop"
[store]
latency = { kind = "uniform", low = "5us", high = "15us" }
[run]
actors = 10
[[pools]]
name = "p"
writers = 20
policy = "immediate"
operations = 50
start_spread = "1ms"
"#,
    );
    let r = simulate(&s);
    let c = r.pools[0].counters;
    assert_eq!(c.operations, 20 * 50);
    assert_eq!(c.committed + c.give_ups() + c.rejections(), 20 * 50);
    let makespan = r.makespan_ns.expect("a population run has a makespan");
    assert!(makespan > 1_000_000 / 2, "{makespan}");
    assert_eq!(r.measured_ns, makespan);
    assert!(r.pools[0].commits_per_writer.iter().all(|&n| n <= 50));
}

#[test]
fn open_loop_runs_at_the_pools_rate() {
    for process in ["constant", "poisson"] {
        let s = scenario(&format!(
            r#"
name = "open"
[store]
latency = {{ kind = "constant", value = "10us" }}
[run]
actors = 100000
duration = "1s"
[[pools]]
name = "p"
writers = 10
policy = "immediate"
arrival = {{ kind = "open", rate = 20000.0, process = "{process}" }}
"#
        ));
        let r = simulate(&s);
        let ops = r.pools[0].counters.operations as f64;
        assert!((ops - 20_000.0).abs() < 20_000.0 * 0.02, "{process}: {ops}");
        // Far below saturation, latency is the 4 legs.
        assert!(r.pools[0].op_latency.p50.abs_diff(40_000) < 100);
    }
}

#[test]
fn open_loop_latency_counts_from_the_intended_start() {
    // Rate above what one writer can do (an op takes 40us, arrivals every 20us): the backlog
    // grows, and latency from the intended start grows with it.
    let s = scenario(
        r#"
name = "overload"
[store]
latency = { kind = "constant", value = "10us" }
[run]
actors = 100000
duration = "100ms"
[[pools]]
name = "p"
writers = 1
policy = "immediate"
arrival = { kind = "open", rate = 50000.0, process = "constant" }
"#,
    );
    let r = simulate(&s);
    let p = &r.pools[0];
    assert!(p.op_latency.max > 40_000_000, "{:?}", p.op_latency);
    assert!(p.goodput_ops_s < 26_000.0, "{}", p.goodput_ops_s);
}

#[test]
fn injected_faults_and_crashes_are_counted() {
    let s = scenario(
        r#"
name = "faults"
[store]
latency = { kind = "constant", value = "10us" }
fault_probability = 0.1
[run]
actors = 1000
duration = "100ms"
[[pools]]
name = "p"
writers = 200
policy = "immediate"
panic_probability = 0.002
"#,
    );
    let r = simulate(&s);
    let p = &r.pools[0];
    let c = p.counters;
    let share = c.other_errors as f64 / c.attempts as f64;
    assert!((share - 0.1).abs() < 0.02, "{share}");
    assert_eq!(c.give_up_not_retryable, c.other_errors);
    assert!(
        p.panicked_writers > 0 && p.panicked_writers < 200,
        "{}",
        p.panicked_writers
    );
}

#[test]
fn the_stop_flag_ends_the_run_early_and_marks_it_partial() {
    let s = scenario(
        r#"
name = "long"
[store]
latency = { kind = "constant", value = "1us" }
[run]
actors = 10
duration = "10m"
[[pools]]
name = "p"
writers = 4
policy = "immediate"
"#,
    );
    let opts = RunOptions {
        stop: Some(Arc::new(AtomicBool::new(true))),
        ..RunOptions::default()
    };
    let r = engine::run(&s, EngineKind::Sim, &opts).unwrap();
    assert!(r.partial);
    assert!(r.integrity.ok, "{:?}", r.integrity.problems);
    assert!(r.measured_ns < 1_000_000_000, "{}", r.measured_ns);
}

/// Reads charged nothing, no think, no latency: a closed loop of reads would never advance the
/// clock, so it is refused with the fix named.
#[test]
fn a_scenario_where_no_time_passes_is_refused() {
    let s = scenario(
        r#"
name = "zero"
[sim.store_cost]
read = "0"
[run]
actors = 10
duration = "1s"
[[pools]]
name = "p"
writers = 4
policy = "immediate"
mix = { read_latest = 1.0 }
"#,
    );
    match engine::run(&s, EngineKind::Sim, &RunOptions::default()) {
        Err(EngineError::Unsupported(msg)) => {
            assert!(
                msg.contains("store_cost") && msg.contains("latency"),
                "{msg}"
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// With nothing set, the store's work is charged: on one hot actor with no think and no
/// latency, blind retries commit at most one append per `append` cost (the stream takes one
/// at a time), and adding writers does not lift that bound.
#[test]
fn a_zero_cost_hot_actor_is_charged_and_one_stream_is_bounded_by_its_append_cost() {
    let run = |writers: u32| {
        let s = scenario(&format!(
            r#"
name = "free"
[run]
actors = 1
duration = "2ms"
[[pools]]
name = "p"
writers = {writers}
policy = "immediate-blind"
keys = {{ kind = "hot-actor" }}
"#
        ));
        simulate(&s).pools[0].goodput_ops_s
    };
    let bound = 1e9 / StoreCost::MEASURED.append.0 as f64;
    let (one, many) = (run(1), run(32));
    assert!(many <= bound * 1.001, "{many} commits/s above {bound}");
    assert!(one <= bound * 1.001, "{one} above {bound}");
    assert!(
        many < 1.5 * one,
        "one stream does not scale with writers: {one} vs {many}"
    );
}

/// Capacity makes retries cost everyone: an open-loop load the store handles easily without
/// conflicts (60% utilisation) turns, on a hot actor, into a saturated store with nearly every
/// writer queued, because queueing widens every writer's stale window, which makes more
/// conflicts, which make more calls; the open loop's backlog then shows in latency.
#[test]
fn a_retry_storm_feeds_itself_through_the_store_queue() {
    let text = |keys: &str, actors: u64| {
        format!(
            r#"
name = "storm"
[run]
actors = {actors}
duration = "60ms"
window = "10ms"
[[pools]]
name = "p"
writers = 50
policy = "immediate"
keys = {{ kind = "{keys}" }}
arrival = {{ kind = "open", rate = 30000.0, process = "poisson" }}
[sim]
capacity = 1
service_time = {{ kind = "constant", value = "10us" }}
"#
        )
    };
    let calm = simulate(&scenario(&text("uniform", 100_000)));
    let storm = simulate(&scenario(&text("hot-actor", 1)));
    let calm_q = calm.sim.as_ref().unwrap();
    let storm_q = storm.sim.as_ref().unwrap();
    assert!(calm_q.max_queue_length < 15, "{calm_q:?}");
    assert!((calm_q.store_utilisation - 0.6).abs() < 0.05, "{calm_q:?}");
    assert!(storm_q.max_queue_length >= 45, "{storm_q:?}");
    assert!(storm_q.store_utilisation > 0.95, "{storm_q:?}");
    assert!(
        storm.pools[0].goodput_ops_s < 0.5 * 30_000.0,
        "{}",
        storm.pools[0].goodput_ops_s
    );
    let (calm_p50, storm_p50) = (calm.pools[0].op_latency.p50, storm.pools[0].op_latency.p50);
    assert!(storm_p50 > 50 * calm_p50, "{calm_p50} vs {storm_p50}");
    assert!(storm.pools[0].retries_per_commit > 0.5);
}

#[test]
fn reads_and_prefilled_streams_are_simulated_and_audited() {
    let s = scenario(
        r#"
name = "mix"
[store]
latency = { kind = "constant", value = "5us" }
prefill_events = 3
[run]
actors = 20
duration = "20ms"
[[pools]]
name = "p"
writers = 8
policy = "immediate"
mix = { append = 2.0, read_latest = 1.0, read_events = 1.0 }
"#,
    );
    let r = simulate(&s);
    let c = r.pools[0].counters;
    assert!(c.reads > 0 && c.operations > 0, "{c:?}");
    let share = c.reads as f64 / (c.reads + c.operations) as f64;
    assert!((share - 0.5).abs() < 0.05, "{share}");
    // A read is one call: two legs, and the store's work (a scan of at most a few hundred
    // events here: 6 ns and 5 ns per event).
    let read = r.pools[0].read_latency;
    assert!(read.p50 >= 10_000 && read.max <= 10_000 + 2_000, "{read:?}");
    // The audit counts the 60 prefilled events as written before the run.
    assert!(r.integrity.stored_events >= 60 + c.committed);
    // Appends cut at the end may or may not have landed; nothing else is unaccounted for.
    let i = &r.integrity;
    assert!(i.ok, "{:?}", i.problems);
    assert!(
        (i.acknowledged_events..=i.acknowledged_events + i.unknown_outcomes)
            .contains(&i.stored_events),
        "{i:?}"
    );
}

#[test]
fn run_full_hands_back_the_histograms_the_results_summarise() {
    let s = scenario(
        r#"
name = "hist"
[store]
latency = { kind = "exponential", mean = "10us" }
[run]
actors = 5
duration = "10ms"
[[pools]]
name = "a"
writers = 3
policy = "immediate"
[[pools]]
name = "b"
writers = 2
policy = "immediate"
"#,
    );
    let out = engine::run_full(&s, EngineKind::Sim, &RunOptions::default()).unwrap();
    assert_eq!(out.op_latency.len(), 2);
    for (h, p) in out.op_latency.iter().zip(&out.results.pools) {
        assert_eq!(h.len(), p.op_latency.count);
        assert_eq!(h.max(), p.op_latency.max);
        assert!(!h.is_empty());
    }
}
