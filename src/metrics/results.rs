//! The results schema: what a run writes to `results.json`, and what every report reads.
//!
//! Versioned: [`SCHEMA_VERSION`] changes whenever a field changes meaning or disappears; new
//! optional fields may be added without a change. Every latency is in nanoseconds; every rate is
//! per second of measured time (the run after warm-up).

use serde::{Deserialize, Serialize};

use super::recorder::{Counters, Recorder, WindowCounts};
use crate::clock::Nanos;
use crate::policy::monitor::MonitorSnapshot;
use crate::policy::{BreakerTransition, Refresh};
use crate::store::ActorId;

/// The version of this schema written into every results file.
pub const SCHEMA_VERSION: u32 = 1;

/// Percentiles of one latency distribution, in nanoseconds. Each label is exact: `max` is the
/// largest value recorded, `p99` the 99th percentile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Samples recorded.
    pub count: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// 50th percentile.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest sample.
    pub max: u64,
}

impl LatencySummary {
    /// Summarises a histogram (all zeros when it is empty) in one pass over its counts, with
    /// the very figures `mean` and `value_at_quantile` give, which take a pass each.
    pub fn of(h: &hdrhistogram::Histogram<u64>) -> Self {
        if h.is_empty() {
            return Self::default();
        }
        let total = h.len();
        // The sample count each percentile is reached at, as `value_at_quantile` rounds it.
        let reached =
            [0.50, 0.90, 0.99, 0.999].map(|q: f64| ((q * total as f64).ceil() as u64).max(1));
        let mut at = [0u64; 4];
        let (mut next, mut seen, mut mean) = (0, 0u64, 0.0f64);
        for v in h.iter_recorded() {
            let value = v.value_iterated_to();
            let count = v.count_at_value();
            // `mean`'s own sum, term for term, so the figure is bit for bit the same.
            mean += h.median_equivalent(value) as f64 * count as f64 / total as f64;
            seen += count;
            while next < at.len() && seen >= reached[next] {
                at[next] = h.highest_equivalent(value);
                next += 1;
            }
        }
        Self {
            count: total,
            mean,
            p50: at[0],
            p90: at[1],
            p99: at[2],
            p999: at[3],
            max: h.max(),
        }
    }
}

/// One point of a percentile spectrum: the value at `percentile` (0..100).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpectrumPoint {
    /// Percentile, 0 to 100.
    pub percentile: f64,
    /// Latency at that percentile (ns).
    pub value_ns: u64,
}

/// The HdrHistogram-style percentile spectrum (p0 to max, denser towards the tail), for charts.
pub fn spectrum(h: &hdrhistogram::Histogram<u64>) -> Vec<SpectrumPoint> {
    if h.is_empty() {
        return Vec::new();
    }
    let mut points: Vec<SpectrumPoint> = h
        .iter_quantiles(2)
        .map(|v| SpectrumPoint {
            percentile: v.quantile_iterated_to() * 100.0,
            value_ns: h.highest_equivalent(v.value_iterated_to()),
        })
        .collect();
    points.dedup_by(|a, b| a.percentile == b.percentile);
    points
}

/// Fairness across a pool's writers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Fairness {
    /// Jain's index over commits per writer: 1 when all equal, 1/n when one writer gets all.
    pub jain_index: f64,
    /// Fewest commits of any writer.
    pub min_commits: u64,
    /// Most commits of any writer.
    pub max_commits: u64,
}

impl Fairness {
    /// Jain's index `(Σx)² / (n·Σx²)` over per-writer commit counts.
    pub fn of(commits: &[u64]) -> Self {
        let n = commits.len() as f64;
        let sum: f64 = commits.iter().map(|&c| c as f64).sum();
        let sum_sq: f64 = commits.iter().map(|&c| (c as f64) * (c as f64)).sum();
        Self {
            jain_index: if sum_sq > 0.0 {
                sum * sum / (n * sum_sq)
            } else {
                1.0
            },
            min_commits: commits.iter().copied().min().unwrap_or(0),
            max_commits: commits.iter().copied().max().unwrap_or(0),
        }
    }
}

/// An actor and how many conflicts it caused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotActor {
    /// The actor.
    pub actor: ActorId,
    /// Conflicts on it.
    pub conflicts: u64,
}

/// Conflict analysis (the seed's pattern 5, measured).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConflictAnalysis {
    /// The actors with the most conflicts, most first (at most 10).
    pub hot_actors: Vec<HotActor>,
    /// Distinct actors that had at least one conflict.
    pub actors_with_conflicts: u64,
    /// `staleness[s]`: conflicts where the writer had missed `s` versions
    /// (`current − attempted + 1`; 0 means it was ahead; the last bucket holds all larger).
    pub staleness: Vec<u64>,
}

/// Everything measured for one pool.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PoolResult {
    /// The pool's name.
    pub name: String,
    /// The policy's label.
    pub policy: String,
    /// Writers in the pool.
    pub writers: u32,
    /// Raw counters (measured operations only).
    pub counters: Counters,
    /// Committed operations per second of measured time.
    pub goodput_ops_s: f64,
    /// Attempts per second of measured time (committed or not): the load the store saw.
    pub attempts_s: f64,
    /// Conflicts ÷ attempts.
    pub conflict_rate: f64,
    /// (Attempts − committed) ÷ committed: retries paid per commit.
    pub retries_per_commit: f64,
    /// Latency of committed append operations, from their intended start.
    pub op_latency: LatencySummary,
    /// Latency of single append calls.
    pub attempt_latency: LatencySummary,
    /// Latency of read operations.
    pub read_latency: LatencySummary,
    /// Percentile spectrum of `op_latency`.
    pub op_latency_spectrum: Vec<SpectrumPoint>,
    /// `attempts_per_op[n]`: committed operations that took `n` attempts (index 0 unused;
    /// the last bucket holds all larger).
    pub attempts_per_op: Vec<u64>,
    /// Commits, conflicts, give-ups and rejections per window, from the run's start.
    pub time_series: Vec<WindowCounts>,
    /// Fairness across writers.
    pub fairness: Fairness,
    /// Commits of each writer, in writer order.
    pub commits_per_writer: Vec<u64>,
    /// The most attempts any measured operation took.
    pub worst_attempts: u64,
    /// The longest any measured operation took (ns).
    pub worst_latency_ns: u64,
    /// Conflict analysis.
    pub analysis: ConflictAnalysis,
    /// Writers that panicked (fault injection or bug) and stopped early.
    pub panicked_writers: u32,
    /// The pool's circuit breaker's state changes, in time order (empty without a breaker;
    /// at most the first 10,000 are logged).
    #[serde(default)]
    pub breaker_transitions: Vec<BreakerTransition>,
    /// When the pool's last writer finished its last operation, ns from the start (pools with
    /// a fixed `operations` count only; the run's `makespan_ns` is the largest of these).
    #[serde(default)]
    pub makespan_ns: Option<Nanos>,
    /// What the policy's conflict monitor saw (the seed's pattern 5: hot actors, staleness,
    /// stale-read alerts); absent when the policy has no `monitor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<MonitorSnapshot>,
    /// How the policy's retries refreshed their state (`blind`: appended again without
    /// re-deciding, correct only for commutative events). Absent in files written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<Refresh>,
}

impl PoolResult {
    /// True when the pool's retries are blind: its figures leave out the re-read and the
    /// decision a real command handler would redo, so reports flag it.
    pub fn retries_blind(&self) -> bool {
        self.refresh == Some(Refresh::Blind)
    }

    /// Summarises a pool from its merged recorder and per-writer commit counts.
    pub fn summarise(
        name: &str,
        policy: &str,
        merged: &Recorder,
        commits_per_writer: Vec<u64>,
        measured_ns: Nanos,
    ) -> Self {
        let c = merged.counters;
        let secs = (measured_ns as f64 / 1e9).max(f64::MIN_POSITIVE);
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let mut hot: Vec<HotActor> = merged
            .conflicts_by_actor
            .iter()
            .map(|(&actor, &conflicts)| HotActor { actor, conflicts })
            .collect();
        hot.sort_unstable_by(|a, b| b.conflicts.cmp(&a.conflicts).then(a.actor.cmp(&b.actor)));
        let actors_with_conflicts = hot.len() as u64;
        hot.truncate(10);
        Self {
            name: name.to_owned(),
            policy: policy.to_owned(),
            writers: commits_per_writer.len() as u32,
            counters: c,
            goodput_ops_s: c.committed as f64 / secs,
            attempts_s: c.attempts as f64 / secs,
            conflict_rate: ratio(c.conflicts, c.attempts),
            retries_per_commit: ratio(c.attempts.saturating_sub(c.committed), c.committed),
            op_latency: LatencySummary::of(merged.op_latency.histogram()),
            attempt_latency: LatencySummary::of(merged.attempt_latency.histogram()),
            read_latency: LatencySummary::of(merged.read_latency.histogram()),
            op_latency_spectrum: spectrum(merged.op_latency.histogram()),
            attempts_per_op: merged.attempts_per_op.clone(),
            time_series: merged.windows.clone(),
            fairness: Fairness::of(&commits_per_writer),
            commits_per_writer,
            worst_attempts: merged.worst_attempts,
            worst_latency_ns: merged.worst_latency_ns,
            analysis: ConflictAnalysis {
                hot_actors: hot,
                actors_with_conflicts,
                staleness: merged.staleness.clone(),
            },
            panicked_writers: 0,
            breaker_transitions: Vec::new(),
            makespan_ns: None,
            monitor: None,
            refresh: None,
        }
    }
}

/// The outcome of the post-run integrity audit of the store.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integrity {
    /// True when every check passed.
    pub ok: bool,
    /// Events in the store after the run (prefill included).
    pub stored_events: u64,
    /// Events the run's writers were told were committed (warm-up included), plus prefill.
    pub acknowledged_events: u64,
    /// Appends cut by the run's end before their answer came, so their writers could not know
    /// whether they landed: the audit accepts each one stored or not.
    #[serde(default)]
    pub unknown_outcomes: u64,
    /// Streams whose versions had a gap or a duplicate.
    pub broken_streams: u64,
    /// What failed, in words (empty when `ok`).
    pub problems: Vec<String>,
}

/// The machine and build a run came from, so a figure can be traced and reproduced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// CPU model name.
    pub cpu: String,
    /// Logical cores available.
    pub cores: usize,
    /// Operating system and architecture.
    pub os: String,
    /// retrylab's version.
    pub crate_version: String,
    /// The git commit retrylab was built from (recorded at build time), if known.
    pub commit: String,
    /// The compiler that built retrylab (`rustc --version`). Empty in results written before
    /// it was recorded.
    #[serde(default)]
    pub rustc: String,
    /// The clock the threaded engine timed with: `tsc` (the CPU's time-stamp counter, where the
    /// kernel keeps time with it) or `os` (`Instant`). Empty in results written before it was
    /// recorded.
    #[serde(default)]
    pub clock: String,
}

impl Machine {
    /// Describes this machine and build: read once per process (it reads `/proc/cpuinfo` and
    /// the clock source, which a sweep of thousands of short runs would pay for each).
    pub fn detect() -> Self {
        static THIS: std::sync::LazyLock<Machine> = std::sync::LazyLock::new(Machine::read);
        THIS.clone()
    }

    fn read() -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|v| v.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        Self {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            crate_version: env!("CARGO_PKG_VERSION").to_owned(),
            commit: option_env!("RETRYLAB_COMMIT")
                .unwrap_or("unknown")
                .to_owned(),
            rustc: option_env!("RETRYLAB_RUSTC")
                .unwrap_or("unknown")
                .to_owned(),
            clock: if crate::clock::MonotonicClock::would_read_tsc() {
                "tsc"
            } else {
                "os"
            }
            .to_owned(),
        }
    }
}

/// A whole run's results: the contents of `results.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// [`SCHEMA_VERSION`] at the time of writing.
    pub schema_version: u32,
    /// The scenario's name.
    pub scenario_name: String,
    /// The scenario as run (after `--seed`, `--quick` and sweep overrides), as TOML text.
    pub scenario_toml: String,
    /// The master seed.
    pub seed: u64,
    /// `threads` or `sim`.
    pub engine: String,
    /// The store implementation's name.
    pub store: String,
    /// The machine and build.
    pub machine: Machine,
    /// Measured time (after warm-up), ns.
    pub measured_ns: Nanos,
    /// Warm-up excluded from the figures, ns.
    pub warmup_ns: Nanos,
    /// Width of one time-series window, ns.
    pub window_ns: Nanos,
    /// When every writer finished (populations with fixed operation counts), ns from start.
    pub makespan_ns: Option<Nanos>,
    /// True when the run was interrupted (Ctrl-C) and the figures cover only part of it.
    pub partial: bool,
    /// Measured overshoot of the engine's waits (threads engine): how much later than asked
    /// a wait returned.
    pub wait_overshoot: Option<LatencySummary>,
    /// One entry per pool, in scenario order.
    pub pools: Vec<PoolResult>,
    /// The store audit.
    pub integrity: Integrity,
    /// What only the simulated engine measures (absent from threaded runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sim: Option<SimStats>,
    /// The server behind a store across a network (PostgreSQL): its version, how appends
    /// detect conflicts, where the run's data lived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<StoreServer>,
}

/// What a run against a store across a network learnt about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreServer {
    /// The server's own version string (`SHOW server_version` for PostgreSQL).
    pub server_version: String,
    /// How appends detect conflicts (`unique` or `head-row`).
    pub occ_shape: String,
    /// What a conflict costs in this shape: whether the current version came with it or
    /// needed a second read.
    pub occ_note: String,
    /// Conflicts that needed a second read to learn the current version.
    pub second_reads: u64,
    /// Connections the store kept open.
    pub pool_size: u32,
    /// The run's namespace (a PostgreSQL schema) on the server.
    pub namespace: String,
    /// The namespace was kept after the run (`--keep`); otherwise it was dropped after the
    /// audit.
    pub kept: bool,
}

/// Figures of the simulated store itself, beyond the pools' own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SimStats {
    /// Calls the simulated store served at once (`[sim] capacity`), if limited.
    pub capacity: Option<u32>,
    /// The longest the FIFO queue of calls waiting for the store ever was (0 when unlimited).
    pub max_queue_length: u64,
    /// The longest the queue was in each time-series window, from the run's start. Each writer
    /// has at most one call in flight, so the queue is bounded by the writer count: a retry
    /// storm shows as a queue pinned near it (and, in open loop, as latency from the intended
    /// start that grows with the writers' backlog).
    pub queue_length_per_window: Vec<u64>,
    /// Fraction of the run's capacity-time the store spent serving calls (0 when unlimited).
    pub store_utilisation: f64,
    /// Discrete events the simulator processed (a measure of its own work).
    pub events_processed: u64,
    /// Virtual time at which the last event was processed, ns from the start (in-flight
    /// operations drain past the end of the run).
    pub virtual_end_ns: Nanos,
    /// Virtual time appends spent waiting for their stream, summed over appends: a stream
    /// takes one append at a time (`[sim.store_cost]`). Absent in files written before it.
    #[serde(default)]
    pub append_stream_wait_ns: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Against hdrhistogram's own one-figure-per-pass functions.
        #[test]
        fn one_pass_summary_matches_the_histograms_own_figures(
            values in proptest::collection::vec((1u64..10_000_000_000, 1u64..5), 1..300)
        ) {
            let mut h = crate::metrics::shared_histogram::histogram();
            for &(v, n) in &values {
                h.record_n(v, n).unwrap();
            }
            let s = LatencySummary::of(&h);
            prop_assert_eq!(s.count, h.len());
            prop_assert_eq!(s.mean.to_bits(), h.mean().to_bits());
            prop_assert_eq!(s.p50, h.value_at_quantile(0.50));
            prop_assert_eq!(s.p90, h.value_at_quantile(0.90));
            prop_assert_eq!(s.p99, h.value_at_quantile(0.99));
            prop_assert_eq!(s.p999, h.value_at_quantile(0.999));
            prop_assert_eq!(s.max, h.max());
        }
    }
}
