//! Per-decision cost of every preset policy: `on_conflict` (the decision after a conflict) and a
//! gated operation's bookkeeping (`admit` + `on_commit`). Single-threaded: what one writer pays
//! per decision, uncontended. Target: tens of nanoseconds.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::SeedableRng;
use retrylab::policy::{AttemptInfo, PolicySpec};
use retrylab::rng::WriterRng;
use retrylab::store::VersionConflict;

fn decisions(c: &mut Criterion) {
    let conflict = VersionConflict {
        actor: 1,
        current: 10,
        attempted: 10,
    };
    let mut group = c.benchmark_group("on_conflict");
    for preset in PolicySpec::presets() {
        let policy = PolicySpec::preset(preset.name)
            .and_then(|s| s.build())
            .expect("preset builds");
        let mut writer = policy.writer();
        let mut rng = WriterRng::seed_from_u64(1);
        let mut attempt = 0u32;
        group.bench_function(preset.name, |b| {
            b.iter(|| {
                // Retries 1 to 3, so limits are not hit and per-operation state resets.
                attempt = attempt % 3 + 1;
                let info = AttemptInfo {
                    attempt,
                    op_started_ns: 0,
                    now_ns: 1_000,
                    work: u64::from(attempt),
                };
                black_box(writer.on_conflict(black_box(&info), &conflict, &mut rng))
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("admit_and_commit");
    for name in [
        "exponential-us",
        "circuit-breaker",
        "aws-standard-us",
        "grpc-throttled",
        "finagle-budget",
        "aimd",
    ] {
        let policy = PolicySpec::preset(name)
            .and_then(|s| s.build())
            .expect("preset builds");
        let mut writer = policy.writer();
        let mut now = 0u64;
        group.bench_function(name, |b| {
            b.iter(|| {
                now += 100;
                let info = AttemptInfo {
                    attempt: 1,
                    op_started_ns: now,
                    now_ns: now,
                    work: 1,
                };
                black_box(writer.admit(black_box(&info)));
                writer.on_commit(&info);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);
