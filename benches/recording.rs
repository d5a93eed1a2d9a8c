//! What does measuring cost? The threaded engine's instrumented loop (its own per-operation
//! function: writer protocol, policy, per-writer recorder, a clock read after each store call)
//! against a bare store loop (`latest_version` + `save`, nothing recorded), single thread, same
//! store kind and key distribution, in the same run.
//!
//! The rows:
//! - `bare_store_loop` and `instrumented_loop`: an in-memory store and no think time, the worst
//!   case for the harness, where a whole operation is two calls of a few tens of nanoseconds.
//! - `instrumented_loop_not_recording`: the same loop with the recorder idle (what recording
//!   itself costs).
//! - `clock_read` and `clock_read_os`: one read of the run clock (TSC) and of `Instant::now`.
//! - `*_remote_1us`: both loops against the same store with a 1 µs injected latency on each
//!   leg of every call (request and response), as a scenario with `[store] latency` emulates a
//!   remote store: the harness's fixed cost next to an operation of realistic length.
//!
//! `cargo bench --bench recording -- --warm-up-time 1 --measurement-time 2`

// `criterion_group!` generates a public function without a doc comment.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng;
use retrylab::clock::{MICROS, MonotonicClock};
use retrylab::engine::operation::{Performed, Performer};
use retrylab::engine::wait::{PreciseWaiter, precise_sleep};
use retrylab::metrics::recorder::{Recorder, RecordingWindow};
use retrylab::rng::{engine_rng, writer_rng};
use retrylab::store::{Event, EventStore, StoreKind};
use retrylab::units;
use retrylab::workload::dist::TimeDist;
use retrylab::workload::protocol::{PoolPlan, Writer};
use retrylab::workload::scenario::Scenario;

const ACTORS: u64 = 1_000;

/// A fresh in-memory store.
fn fresh_store() -> Arc<dyn EventStore> {
    StoreKind::default().build(64, ACTORS as usize)
}

/// A remote call's two legs, as the engine waits them out.
fn legs(latency_ns: u64) {
    if latency_ns > 0 {
        precise_sleep(latency_ns);
        precise_sleep(latency_ns);
    }
}

/// Append-only, uniform keys, no think time, immediate retries: the protocol's shortest path.
fn plan() -> Arc<PoolPlan> {
    let text = format!(
        "name = \"bench\"\n[run]\nactors = {ACTORS}\nduration = \"1s\"\n\
         [[pools]]\nname = \"p\"\nwriters = 1\npolicy = \"immediate\"\n"
    );
    let scenario = Scenario::from_toml(&text, "bench").expect("the bench scenario is valid");
    Arc::new(PoolPlan::new(0, &scenario.pools[0], ACTORS).expect("uniform keys build"))
}

/// `iters` operations of the bare loop on a fresh store.
fn bare(iters: u64, latency_ns: u64) -> Duration {
    let store = fresh_store();
    let mut rng = writer_rng(1, 0, 0);
    let started = Instant::now();
    for i in 0..iters {
        let actor = rng.random_range(0..ACTORS);
        legs(latency_ns);
        let version = store.latest_version(actor) + 1;
        legs(latency_ns);
        let saved = store.save(Event {
            actor,
            version,
            event_type: 1,
            payload: i,
            timestamp_ns: 0,
        });
        black_box(saved.is_ok());
    }
    started.elapsed()
}

/// `iters` operations of the instrumented loop on a fresh store: the engine's own
/// [`Performer`], closed loop (each operation starts when the last one ended).
///
/// With `recording` false, every operation counts as warm-up (the warm-up never ends), so the
/// recorder skips its histograms and counters: the same loop, minus what recording costs.
fn instrumented(iters: u64, plan: &Arc<PoolPlan>, recording: bool, latency_ns: u64) -> Duration {
    let store = fresh_store();
    let stop = AtomicBool::new(false);
    let latency = (latency_ns > 0).then_some(TimeDist::Constant {
        value: units::Duration(latency_ns),
    });
    let waiter = PreciseWaiter::new(MonotonicClock::start());
    let clock = waiter.clock();
    let mut performer = Performer::new(
        store.as_ref(),
        latency,
        0.0,
        engine_rng(1, 0, 0),
        waiter,
        &stop,
        u64::MAX,
    );
    let mut rec = Recorder::new(RecordingWindow {
        warmup_end_ns: if recording { 0 } else { u64::MAX },
        window_ns: 100_000_000,
    });
    let mut writer = Writer::new(plan.clone(), 0, writer_rng(1, 0, 0));
    let started = Instant::now();
    let mut now = clock.now();
    for _ in 0..iters {
        match performer.perform(&mut writer, &mut rec, now, now) {
            Performed::Done(_, t) => now = t,
            Performed::Cut(_) => unreachable!("no end and no stop"),
        }
    }
    let elapsed = started.elapsed();
    black_box(&rec);
    elapsed
}

/// `iters` reads of the run clock (what the instrumented loop pays after each store call).
fn clock_reads(iters: u64) -> Duration {
    let clock = MonotonicClock::start();
    let started = Instant::now();
    for _ in 0..iters {
        black_box(clock.now());
    }
    started.elapsed()
}

/// `iters` reads of the OS monotonic clock, for comparison.
fn os_clock_reads(iters: u64) -> Duration {
    let started = Instant::now();
    for _ in 0..iters {
        black_box(Instant::now());
    }
    started.elapsed()
}

fn recording(c: &mut Criterion) {
    let plan = plan();
    let mut group = c.benchmark_group("recording");
    group.throughput(Throughput::Elements(1));
    group.bench_function("bare_store_loop", |b| b.iter_custom(|n| bare(n, 0)));
    group.bench_function("instrumented_loop", |b| {
        b.iter_custom(|n| instrumented(n, &plan, true, 0))
    });
    group.bench_function("instrumented_loop_not_recording", |b| {
        b.iter_custom(|n| instrumented(n, &plan, false, 0))
    });
    group.bench_function("clock_read", |b| b.iter_custom(clock_reads));
    group.bench_function("clock_read_os", |b| b.iter_custom(os_clock_reads));
    group.bench_function("bare_store_loop_remote_1us", |b| {
        b.iter_custom(|n| bare(n, MICROS))
    });
    group.bench_function("instrumented_loop_remote_1us", |b| {
        b.iter_custom(|n| instrumented(n, &plan, true, MICROS))
    });
    group.finish();
}

criterion_group!(benches, recording);
criterion_main!(benches);
