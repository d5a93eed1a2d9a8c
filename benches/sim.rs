//! The simulator's own speed: simulated append attempts per second of wall time, on one core.
//!
//! Each run is deterministic, so the attempts of one run are counted once and handed to
//! criterion as the throughput unit: the `thrpt` line reads as simulated attempts per second.
//! Target: at least 5 million per second. `sim-fixed` times a run of one operation: the cost
//! of a run beyond its events.
//!
//! The `-old-model` case is the model before store costs and re-deciding retries (blind
//! retries, store work free): a baseline in the same run for what the honest model costs the
//! simulator per attempt (a re-read call per retry, and a store-work event per call).

// `criterion_group!` generates a public function without docs.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use retrylab::engine::{self, EngineKind, RunOptions};
use retrylab::workload::scenario::Scenario;
use retrylab::workload::store_cost::StoreCost;

fn scenario(name: &str, latency: &str, actors: u64) -> Scenario {
    with_policy(name, latency, actors, "immediate")
}

fn with_policy(name: &str, latency: &str, actors: u64, policy: &str) -> Scenario {
    let text = format!(
        r#"
name = "{name}"
[store]
latency = {latency}
[run]
actors = {actors}
duration = "20ms"
[[pools]]
name = "p"
writers = 100
policy = "{policy}"
"#
    );
    Scenario::from_toml(&text, "bench").expect("bench scenario parses")
}

/// Blind retries against a store whose work is free: set past the parser, which refuses a
/// free append in a scenario file.
fn old_model(name: &str, latency: &str, actors: u64) -> Scenario {
    let mut s = with_policy(name, latency, actors, "immediate-blind");
    let zero = retrylab::units::Duration(0);
    s.sim.store_cost = StoreCost {
        read: zero,
        append: zero,
        scan: zero,
        scan_per_event: zero,
    };
    s
}

fn attempts_per_second(c: &mut Criterion) {
    let cases = [
        scenario(
            "constant-latency-10-actors",
            r#"{ kind = "constant", value = "10us" }"#,
            10,
        ),
        old_model(
            "constant-latency-10-actors-old-model",
            r#"{ kind = "constant", value = "10us" }"#,
            10,
        ),
        scenario(
            "exponential-latency-10-actors",
            r#"{ kind = "exponential", mean = "10us" }"#,
            10,
        ),
        scenario(
            "exponential-latency-hot-actor",
            r#"{ kind = "exponential", mean = "10us" }"#,
            1,
        ),
    ];
    let mut group = c.benchmark_group("sim");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(2));
    for s in &cases {
        let once =
            engine::run(s, EngineKind::Sim, &RunOptions::default()).expect("bench scenario runs");
        let attempts: u64 = once.pools.iter().map(|p| p.counters.attempts).sum();
        let events = once.sim.as_ref().map_or(0, |sim| sim.events_processed);
        // Attempts/s times this is the event loop's events/s.
        eprintln!(
            "{}: {attempts} attempts, {:.2} events per attempt",
            s.name,
            events as f64 / attempts.max(1) as f64
        );
        group.throughput(Throughput::Elements(attempts));
        group.bench_function(&s.name, |b| {
            b.iter(|| {
                black_box(
                    engine::run(black_box(s), EngineKind::Sim, &RunOptions::default()).unwrap(),
                )
            })
        });
    }
    group.finish();
}

/// What one run costs beyond its events: a single writer's single operation (two calls, six
/// events), so the time is the plan, the store, the recorders and the results. A sweep or a
/// tuner pays it once per point and repeat.
fn fixed_cost_per_run(c: &mut Criterion) {
    let s = Scenario::from_toml(
        r#"
name = "one-operation"
[store]
latency = { kind = "constant", value = "10us" }
[run]
actors = 1
[[pools]]
name = "p"
writers = 1
operations = 1
policy = "immediate"
"#,
        "bench",
    )
    .expect("bench scenario parses");
    let mut group = c.benchmark_group("sim-fixed");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(2));
    group.bench_function("one-operation-run", |b| {
        b.iter(|| {
            black_box(engine::run(black_box(&s), EngineKind::Sim, &RunOptions::default()).unwrap())
        })
    });
    group.finish();
}

criterion_group!(benches, attempts_per_second, fixed_cost_per_run);
criterion_main!(benches);
