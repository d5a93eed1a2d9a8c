//! Every store implementation in the same run, at 1, 2, 4, … threads (up to the machine's
//! parallelism): appends with uniform and zipf(0.99) keys over 100,000 actors, all threads on
//! one hot actor, `latest_version`, event scans of short and long streams, and (printed before
//! the timings) heap bytes per stored event.
//!
//! One *append* is what a writer does: read the actor's version, save `version + 1`, and on a
//! conflict retry from the conflict's current version until it commits. Multi-threaded figures
//! use `iter_custom`: threads start on a barrier, each does its share of the iterations, and
//! the elapsed time runs from the barrier to the last join (thread spawning excluded); conflict
//! counts are summed per thread and merged after the timing (no shared counter in the loop).
//! Stores are built fresh, pre-sized, for every sample and dropped outside the timing.
//!
//! `cargo bench --bench store -- --test` runs each benchmark once (CI); real figures:
//! `cargo bench --bench store -- --warm-up-time 1 --measurement-time 3`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, black_box};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use retrylab::store::{ActorId, Event, EventStore, StoreKind};
use retrylab::workload::keys::{KeyDistribution, KeySampler};

const ACTORS: u64 = 100_000;
const SHARDS: usize = 64;
/// Keys pre-sampled per thread and cycled, so sampling costs nothing in the timed loop.
const KEYS_PER_THREAD: usize = 1 << 16;
/// Thread counts measured: powers of two up to the machine's parallelism (at least 1 and 2).
const THREADS: [usize; 8] = [1, 2, 4, 8, 16, 32, 64, 128];

fn thread_counts() -> Vec<usize> {
    let max = thread::available_parallelism()
        .map_or(2, |n| n.get())
        .max(2);
    THREADS.into_iter().filter(|&t| t <= max).collect()
}

fn event(actor: ActorId, version: u64, payload: u64) -> Event {
    Event {
        actor,
        version,
        event_type: 0,
        payload,
        timestamp_ns: 0,
    }
}

/// Appends one event to `actor` as a writer would; returns the conflicts met on the way.
#[inline]
fn append(store: &dyn EventStore, actor: ActorId, payload: u64) -> u64 {
    let mut version = store.latest_version(actor) + 1;
    let mut conflicts = 0;
    while let Err(error) = store.save(event(actor, version, payload)) {
        conflicts += 1;
        version = error.as_conflict().map_or(version, |c| c.next_version());
    }
    conflicts
}

/// Runs `op(thread, i)` `iters` times split over `threads` threads started on a barrier;
/// returns the time from the barrier to the last thread's end.
fn run_threads<F>(threads: usize, iters: u64, op: F) -> Duration
where
    F: Fn(usize, u64) + Sync,
{
    run_threads_counting(threads, iters, |t, i| {
        op(t, i);
        0
    })
    .0
}

/// [`run_threads`] for an `op` that returns a count (conflicts met): each thread sums its own
/// counts locally (no shared counter on the timed path); returns the time and the total.
fn run_threads_counting<F>(threads: usize, iters: u64, op: F) -> (Duration, u64)
where
    F: Fn(usize, u64) -> u64 + Sync,
{
    let barrier = Barrier::new(threads + 1);
    thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (barrier, op) = (&barrier, &op);
                let share = iters / threads as u64 + u64::from((t as u64) < iters % threads as u64);
                s.spawn(move || {
                    barrier.wait();
                    (0..share).map(|i| op(t, i)).sum::<u64>()
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let total = workers
            .into_iter()
            .map(|w| w.join().expect("bench thread panicked"))
            .sum();
        (start.elapsed(), total)
    })
}

fn keys(distribution: KeyDistribution, threads: usize) -> Vec<Vec<ActorId>> {
    let sampler = KeySampler::new(distribution, ACTORS).expect("valid distribution");
    (0..threads)
        .map(|t| {
            let mut rng = SmallRng::seed_from_u64(t as u64 + 1);
            (0..KEYS_PER_THREAD)
                .map(|_| sampler.sample(&mut rng))
                .collect()
        })
        .collect()
}

fn appends(c: &mut Criterion, group_name: &str, distribution: KeyDistribution) {
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Elements(1));
    for threads in thread_counts() {
        let keys = keys(distribution, threads);
        for kind in StoreKind::ALL {
            group.bench_function(BenchmarkId::new(kind.name(), threads), |b| {
                b.iter_custom(|iters| {
                    let store = kind.build(SHARDS, ACTORS as usize);
                    let elapsed = run_threads(threads, iters, |t, i| {
                        let actor = keys[t][i as usize % KEYS_PER_THREAD];
                        black_box(append(&*store, actor, i));
                    });
                    drop(store);
                    elapsed
                })
            });
        }
    }
    group.finish();
}

fn hot_actor(c: &mut Criterion) {
    let mut group = c.benchmark_group("append_hot_actor");
    group.throughput(Throughput::Elements(1));
    let mut summary = Vec::new();
    for threads in thread_counts() {
        for kind in StoreKind::ALL {
            let conflicts = AtomicU64::new(0);
            let commits = AtomicU64::new(0);
            group.bench_function(BenchmarkId::new(kind.name(), threads), |b| {
                b.iter_custom(|iters| {
                    let store = kind.build(SHARDS, 1);
                    let (elapsed, met) =
                        run_threads_counting(threads, iters, |_, i| append(&*store, 0, i));
                    conflicts.fetch_add(met, Ordering::Relaxed);
                    commits.fetch_add(iters, Ordering::Relaxed);
                    elapsed
                })
            });
            let (conflicts, commits) = (conflicts.into_inner(), commits.into_inner());
            summary.push(format!(
                "{:>15} {threads:>3} threads: {:.3} conflicts per committed append",
                kind.name(),
                conflicts as f64 / commits.max(1) as f64
            ));
        }
    }
    group.finish();
    println!("hot actor conflicts:\n  {}", summary.join("\n  "));
}

/// A store of `actors` actors with `length` events each.
fn filled(kind: StoreKind, actors: u64, length: u64) -> Arc<dyn EventStore> {
    let store = kind.build(SHARDS, actors as usize);
    for actor in 0..actors {
        for version in 1..=length {
            store
                .save(event(actor, version, version))
                .expect("sequential fill cannot conflict");
        }
    }
    store
}

fn latest_version(c: &mut Criterion) {
    let mut group = c.benchmark_group("latest_version");
    group.throughput(Throughput::Elements(1));
    for kind in StoreKind::ALL {
        let store = filled(kind, ACTORS, 2);
        for threads in thread_counts() {
            let keys = keys(KeyDistribution::Uniform {}, threads);
            group.bench_function(BenchmarkId::new(kind.name(), threads), |b| {
                b.iter_custom(|iters| {
                    run_threads(threads, iters, |t, i| {
                        black_box(store.latest_version(keys[t][i as usize % KEYS_PER_THREAD]));
                    })
                })
            });
        }
    }
    group.finish();
}

fn scans(c: &mut Criterion, length: u64, actors: u64) {
    let mut group = c.benchmark_group(format!("events_scan_{length}"));
    // Figures are events read per second.
    group.throughput(Throughput::Elements(length));
    for kind in StoreKind::ALL {
        let store = filled(kind, actors, length);
        for threads in thread_counts() {
            group.bench_function(BenchmarkId::new(kind.name(), threads), |b| {
                b.iter_custom(|iters| {
                    run_threads(threads, iters, |t, i| {
                        thread_local! {
                            static BUFFER: std::cell::RefCell<Vec<Event>> = const { std::cell::RefCell::new(Vec::new()) };
                        }
                        let actor = (i * 7 + t as u64 * 13) % actors;
                        BUFFER.with_borrow_mut(|buffer| {
                            buffer.clear();
                            store.events_into(actor, 1, buffer);
                            black_box(buffer.len());
                        });
                    })
                })
            });
        }
    }
    group.finish();
}

/// Heap bytes per stored event for short and long streams, printed once per run.
fn print_bytes_per_event() {
    println!(
        "heap bytes per stored event (size_of::<Event>() = {}):",
        size_of::<Event>()
    );
    for (actors, length) in [(10_000u64, 10u64), (100, 1_000)] {
        for kind in StoreKind::ALL {
            let store = filled(kind, actors, length);
            let per_event = store.heap_bytes() as f64 / (actors * length) as f64;
            println!(
                "  {:>15}: {per_event:6.1} B/event ({actors} actors x {length} events)",
                kind.name()
            );
        }
    }
}

fn main() {
    print_bytes_per_event();
    let mut c = Criterion::default().configure_from_args();
    appends(&mut c, "append_uniform", KeyDistribution::Uniform {});
    appends(
        &mut c,
        "append_zipf_0.99",
        KeyDistribution::Zipf {
            exponent: 0.99,
            scrambled: false,
        },
    );
    hot_actor(&mut c);
    latest_version(&mut c);
    scans(&mut c, 10, 10_000);
    scans(&mut c, 1_000, 100);
    c.final_summary();
}
