//! What does measuring cost? The threaded engine's instrumented loop (writer protocol, policy,
//! per-writer recorder, a clock read per step) against a bare store loop (`latest_version` +
//! `save`, nothing recorded), single thread, same store kind, same key distribution, in the same
//! run. The target is that the two stay within 10% of each other, so the figures describe the
//! store and the policy, not the harness. Two more rows split the difference: the same loop
//! with the recorder idle (what recording itself costs), and with the clock frozen (what the
//! clock reads cost).
//!
//! `cargo bench --bench recording -- --warm-up-time 1 --measurement-time 2`

// `criterion_group!` generates a public function without a doc comment.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng;
use retrylab::clock::MonotonicClock;
use retrylab::metrics::recorder::{Recorder, RecordingWindow};
use retrylab::rng::writer_rng;
use retrylab::store::{Event, EventStore, StoreKind};
use retrylab::workload::protocol::{Action, Input, PoolPlan, Writer};
use retrylab::workload::scenario::Scenario;

const ACTORS: u64 = 1_000;

fn fresh_store() -> Arc<dyn EventStore> {
    StoreKind::default().build(64, ACTORS as usize)
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
fn bare(iters: u64) -> Duration {
    let store = fresh_store();
    let mut rng = writer_rng(1, 0, 0);
    let started = Instant::now();
    for i in 0..iters {
        let actor = rng.random_range(0..ACTORS);
        let version = store.latest_version(actor) + 1;
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

/// `iters` operations of the instrumented loop on a fresh store, performed as the threaded
/// engine performs them: every step recorded, the clock read after each store call (a closed
/// loop's next operation starts at the previous one's end; a zero wait reads no clock). With
/// `frozen`, the clock is never read (time stands still), which isolates the protocol and
/// recorder from the clock.
///
/// With `recording` false, every operation counts as warm-up (the warm-up never ends), so the
/// recorder skips its histograms and counters: the same loop, minus what recording costs.
fn instrumented(iters: u64, plan: &Arc<PoolPlan>, frozen: bool, recording: bool) -> Duration {
    let store = fresh_store();
    let clock = MonotonicClock::start();
    let read = |now: u64| if frozen { now } else { clock.now() };
    let mut rec = Recorder::new(RecordingWindow {
        warmup_end_ns: if recording { 0 } else { u64::MAX },
        window_ns: 100_000_000,
    });
    let mut writer = Writer::new(plan.clone(), 0, writer_rng(1, 0, 0));
    let started = Instant::now();
    let mut now = read(1);
    for _ in 0..iters {
        let mut action = writer.begin(now, now, &mut rec);
        loop {
            let input = match action {
                Action::Done(_) => break,
                Action::ReadVersion(actor) => {
                    let version = store.latest_version(actor);
                    now = read(now);
                    Input::Version(version)
                }
                Action::Save(event) => {
                    let saved = store.save(event);
                    now = read(now);
                    Input::Saved(saved)
                }
                Action::Wait(_) => Input::Waited,
                Action::ReadEvents { .. } | Action::ReadEventAt { .. } => {
                    unreachable!("append-only, no timeouts: the protocol never asks this here")
                }
            };
            action = writer.resume(input, now, &mut rec);
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
    group.bench_function("bare_store_loop", |b| b.iter_custom(bare));
    group.bench_function("instrumented_loop", |b| {
        b.iter_custom(|iters| instrumented(iters, &plan, false, true))
    });
    group.bench_function("protocol_loop_not_recording", |b| {
        b.iter_custom(|iters| instrumented(iters, &plan, false, false))
    });
    group.bench_function("instrumented_loop_frozen_clock", |b| {
        b.iter_custom(|iters| instrumented(iters, &plan, true, true))
    });
    group.bench_function("clock_read", |b| b.iter_custom(clock_reads));
    group.bench_function("clock_read_os", |b| b.iter_custom(os_clock_reads));
    group.finish();
}

criterion_group!(benches, recording);
criterion_main!(benches);
