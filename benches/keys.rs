//! Key samplers against `rand_distr::Zipf`, in the same run: the samplers must cost a few
//! nanoseconds so that store benches measure the store, not the key choice.

use criterion::{BenchmarkId, Criterion, Throughput, black_box};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand_distr::Distribution;
use retrylab::workload::keys::{KeyDistribution, KeySampler};

const ACTORS: u64 = 100_000;

fn samplers(c: &mut Criterion) {
    let mut group = c.benchmark_group("key_sample");
    group.throughput(Throughput::Elements(1));
    let distributions = [
        ("uniform", KeyDistribution::Uniform {}),
        (
            "hotspot-0.2-0.8",
            KeyDistribution::Hotspot {
                hot_fraction: 0.2,
                op_fraction: 0.8,
            },
        ),
        (
            "zipf-0.99",
            KeyDistribution::Zipf {
                exponent: 0.99,
                scrambled: false,
            },
        ),
        (
            "zipf-0.99-scrambled",
            KeyDistribution::Zipf {
                exponent: 0.99,
                scrambled: true,
            },
        ),
        ("latest-0.99", KeyDistribution::Latest { exponent: 0.99 }),
    ];
    for (name, distribution) in distributions {
        let sampler = KeySampler::new(distribution, ACTORS).expect("valid distribution");
        let mut rng = SmallRng::seed_from_u64(1);
        group.bench_function(BenchmarkId::new("retrylab", name), |b| {
            b.iter(|| black_box(sampler.sample(&mut rng)))
        });
    }
    let zipf = rand_distr::Zipf::new(ACTORS as f64, 0.99).expect("valid zipf");
    let mut rng = SmallRng::seed_from_u64(1);
    group.bench_function(BenchmarkId::new("rand_distr", "zipf-0.99"), |b| {
        b.iter(|| black_box(zipf.sample(&mut rng) as u64 - 1))
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    samplers(&mut c);
    c.final_summary();
}
