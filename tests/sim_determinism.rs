//! The simulator is a pure function of scenario and seed: the same seed gives byte-identical
//! results; different seeds give different runs that agree statistically.

mod sim_support;

use sim_support::{scenario, simulate};

/// A small scenario that exercises every source of randomness: key choice, think time, latency
/// legs, service times, timeouts, faults, crashes, start spread and Poisson arrivals.
fn busy_scenario(seed: u64) -> String {
    format!(
        r#"
name = "busy"
seed = {seed}
[store]
latency = {{ kind = "lognormal", median = "20us", sigma = 0.8 }}
fault_probability = 0.01
[run]
actors = 8
duration = "20ms"
warmup = "2ms"
window = "1ms"
[[pools]]
name = "closed"
writers = 6
policy = "immediate"
think = {{ kind = "exponential", mean = "10us" }}
start_spread = "1ms"
panic_probability = 0.001
[[pools]]
name = "open"
writers = 4
policy = "immediate"
keys = {{ kind = "hot-actor" }}
arrival = {{ kind = "open", rate = 40000.0, process = "poisson" }}
[sim]
capacity = 3
service_time = {{ kind = "uniform", low = "2us", high = "12us" }}
timeout = "100us"
"#
    )
}

#[test]
fn the_same_seed_gives_byte_identical_results() {
    let mut distinct = std::collections::HashSet::new();
    for seed in 0..20 {
        let s = scenario(&busy_scenario(seed));
        let first = serde_json::to_string(&simulate(&s)).unwrap();
        let second = serde_json::to_string(&simulate(&s)).unwrap();
        assert!(first == second, "seed {seed}: two runs differ");
        distinct.insert(first);
    }
    assert_eq!(distinct.len(), 20, "every seed gives a different run");
}

#[test]
fn the_busy_scenario_exercises_what_it_claims_to() {
    let r = simulate(&scenario(&busy_scenario(3)));
    let closed = r.pools[0].counters;
    let open = r.pools[1].counters;
    assert!(closed.conflicts > 0 && open.conflicts > 0);
    assert!(closed.timeouts + open.timeouts > 0);
    assert!(closed.other_errors + open.other_errors > 0);
    assert!(r.sim.as_ref().unwrap().max_queue_length > 0);
}

#[test]
fn different_seeds_agree_statistically() {
    let text = |seed: u64| {
        format!(
            r#"
name = "stats"
seed = {seed}
[store]
latency = {{ kind = "exponential", mean = "10us" }}
[run]
actors = 50
duration = "300ms"
[[pools]]
name = "p"
writers = 20
policy = "immediate"
think = {{ kind = "uniform", low = "10us", high = "50us" }}
"#
        )
    };
    let rates: Vec<f64> = (1..=4)
        .map(|seed| simulate(&scenario(&text(seed))).pools[0].conflict_rate)
        .collect();
    let mean = rates.iter().sum::<f64>() / rates.len() as f64;
    assert!(mean > 0.05, "the scenario should conflict: {rates:?}");
    for r in &rates {
        assert!((r - mean).abs() / mean < 0.03, "{rates:?}");
    }
    assert!(
        rates.windows(2).any(|w| w[0] != w[1]),
        "seeds must differ: {rates:?}"
    );
}

#[test]
fn runs_in_parallel_match_runs_in_sequence() {
    use rayon::prelude::*;
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<retrylab::workload::scenario::Scenario>();
    send_and_sync::<retrylab::metrics::results::Results>();

    let scenarios: Vec<_> = (100..108)
        .map(|seed| scenario(&busy_scenario(seed)))
        .collect();
    let parallel: Vec<String> = scenarios
        .par_iter()
        .map(|s| serde_json::to_string(&simulate(s)).unwrap())
        .collect();
    let sequential: Vec<String> = scenarios
        .iter()
        .map(|s| serde_json::to_string(&simulate(s)).unwrap())
        .collect();
    assert!(
        parallel == sequential,
        "a run must not depend on its neighbours"
    );
}
