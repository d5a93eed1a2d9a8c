//! "When to use each pattern", measured: at every point of a sweep, which policy wins on
//! goodput, on p99 latency, on conflict rate and on attempts per commit, and by how much over
//! the runner-up.

use super::manifest::SweepData;
use super::stats::{PoolStats, Spread, point_stats};

/// A figure a policy can win on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Committed operations per second: higher wins.
    Goodput,
    /// p99 latency of committed operations: lower wins.
    P99,
    /// Conflicts ÷ attempts: lower wins.
    ConflictRate,
    /// Attempts ÷ commits, what a commit cost the store: lower wins.
    AttemptsPerCommit,
    /// Every append attempt the pool made (a population run: a fixed operation count): lower
    /// wins. The AWS backoff study's "total calls".
    TotalCalls,
    /// When the pool's last operation ended, from the start (a population run): lower wins.
    /// The AWS backoff study's "completion time".
    Completion,
}

impl Metric {
    /// Every metric, in table order.
    pub const ALL: [Metric; 4] = [
        Metric::Goodput,
        Metric::P99,
        Metric::ConflictRate,
        Metric::AttemptsPerCommit,
    ];

    /// What a sweep of population runs (every pool has an operation count) also charts.
    pub const POPULATION: [Metric; 2] = [Metric::TotalCalls, Metric::Completion];

    /// The column heading.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Goodput => "goodput",
            Metric::P99 => "p99 latency",
            Metric::ConflictRate => "conflict rate",
            Metric::AttemptsPerCommit => "attempts per commit",
            Metric::TotalCalls => "total calls",
            Metric::Completion => "completion time",
        }
    }

    /// A short name for files and CSV columns (`conflict-rate`).
    pub fn slug(self) -> &'static str {
        match self {
            Metric::Goodput => "goodput",
            Metric::P99 => "p99",
            Metric::ConflictRate => "conflict-rate",
            Metric::AttemptsPerCommit => "attempts-per-commit",
            Metric::TotalCalls => "total-calls",
            Metric::Completion => "completion",
        }
    }

    fn higher_is_better(self) -> bool {
        matches!(self, Metric::Goodput)
    }

    /// `s`'s figure on this metric (`None`: the pool has none, e.g. no latency without commits).
    pub fn of(self, s: &PoolStats) -> Option<Spread> {
        match self {
            Metric::Goodput => Some(s.goodput),
            Metric::P99 => s.p99_ns,
            Metric::ConflictRate => Some(s.conflict_rate),
            Metric::AttemptsPerCommit => s.attempts_per_commit,
            Metric::TotalCalls => Some(s.attempts),
            Metric::Completion => s.makespan_ns,
        }
    }
}

/// The winner of one metric at one point.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The metric.
    pub metric: Metric,
    /// The winning pool.
    pub winner: String,
    /// Its policy's label.
    pub winner_policy: String,
    /// Its median.
    pub value: f64,
    /// The runner-up pool and its median, when there is more than one pool.
    pub runner_up: Option<(String, f64)>,
    /// How many times better than the runner-up (≥ 1; infinite when the winner has zero
    /// conflicts or latency and the runner-up does not).
    pub margin: Option<f64>,
}

/// The verdicts of one point.
#[derive(Clone, Debug, PartialEq)]
pub struct RegimeRow {
    /// The point's label (`writers=8`).
    pub point: String,
    /// One verdict per metric, in [`Metric::ALL`] order (missing when no pool has figures).
    pub verdicts: Vec<Verdict>,
}

/// The winner among `stats` on `metric`, compared by median over repeats; ties go to the
/// pool listed first.
pub fn winner(stats: &[PoolStats], metric: Metric) -> Option<Verdict> {
    // Pools without the figure (no commits, so no latency) cannot win on it.
    let mut ranked: Vec<(&PoolStats, f64)> = stats
        .iter()
        .filter_map(|s| Some((s, metric.of(s)?.median)))
        .collect();
    // Stable sort: equal medians keep scenario order.
    ranked.sort_by(|(_, x), (_, y)| {
        if metric.higher_is_better() {
            y.total_cmp(x)
        } else {
            x.total_cmp(y)
        }
    });
    let &(best, value) = ranked.first()?;
    let runner_up = ranked.get(1).map(|(s, v)| (s.name.clone(), *v));
    let margin = runner_up.as_ref().map(|(_, other)| {
        let (better, worse) = if metric.higher_is_better() {
            (value, *other)
        } else {
            (*other, value)
        };
        if better == worse {
            1.0
        } else if worse == 0.0 {
            f64::INFINITY
        } else {
            better / worse
        }
    });
    Some(Verdict {
        metric,
        winner: best.name.clone(),
        winner_policy: best.policy.clone(),
        value,
        runner_up,
        margin,
    })
}

/// The table of winners, one row per point of the sweep.
pub fn when_to_use(data: &SweepData) -> Vec<RegimeRow> {
    data.points
        .iter()
        .map(|point| {
            let stats = point_stats(point);
            RegimeRow {
                point: point.label.clone(),
                verdicts: Metric::ALL
                    .iter()
                    .filter_map(|&m| winner(&stats, m))
                    .collect(),
            }
        })
        .collect()
}

/// How many points each pool wins on `metric`, most wins first.
pub fn tally(rows: &[RegimeRow], metric: Metric) -> Vec<(String, usize)> {
    let mut wins: Vec<(String, usize)> = Vec::new();
    for v in rows
        .iter()
        .flat_map(|r| &r.verdicts)
        .filter(|v| v.metric == metric)
    {
        match wins.iter_mut().find(|(n, _)| *n == v.winner) {
            Some((_, k)) => *k += 1,
            None => wins.push((v.winner.clone(), 1)),
        }
    }
    wins.sort_by_key(|w| std::cmp::Reverse(w.1));
    wins
}
