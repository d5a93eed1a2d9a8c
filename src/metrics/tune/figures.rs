//! The figures a tuner scores a run by, taken from one pool's results, and the names a user
//! gives them in objectives and constraints (`goodput`, `p99`, `give_up_rate`, …).

use serde::{Deserialize, Serialize};

use crate::metrics::format::{fmt_ns, fmt_pct, fmt_si, fmt_sig};
use crate::metrics::results::PoolResult;

/// One run's figures for the tuned pool. Latency percentiles are of committed operations; a
/// run that committed nothing has none (`None`), so it can never look fast.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Committed operations per second of measured time.
    pub goodput: f64,
    /// Operation latency percentiles (ns), `None` without commits.
    pub p50: Option<f64>,
    /// 90th percentile (ns).
    pub p90: Option<f64>,
    /// 99th percentile (ns).
    pub p99: Option<f64>,
    /// 99.9th percentile (ns).
    pub p999: Option<f64>,
    /// Give-ups ÷ finished operations (committed, given up or rejected).
    pub give_up_rate: f64,
    /// Rejections by a breaker or budget ÷ finished operations.
    pub rejection_rate: f64,
    /// Conflicts ÷ attempts.
    pub conflict_rate: f64,
    /// Attempts ÷ commits (retry amplification), `None` without commits.
    pub attempts_per_commit: Option<f64>,
    /// Jain's fairness index over the pool's writers.
    pub fairness: f64,
    /// Operations committed.
    pub committed: u64,
    /// Attempts made.
    pub attempts: u64,
}

impl Figures {
    /// The figures of `pool`.
    pub fn of(pool: &PoolResult) -> Self {
        let c = &pool.counters;
        let finished = c.committed + c.give_ups() + c.rejections();
        let share = |n: u64| {
            if finished == 0 {
                0.0
            } else {
                n as f64 / finished as f64
            }
        };
        let committed = c.committed > 0;
        let latency = |ns: u64| committed.then_some(ns as f64);
        Self {
            goodput: pool.goodput_ops_s,
            p50: latency(pool.op_latency.p50),
            p90: latency(pool.op_latency.p90),
            p99: latency(pool.op_latency.p99),
            p999: latency(pool.op_latency.p999),
            give_up_rate: share(c.give_ups()),
            rejection_rate: share(c.rejections()),
            conflict_rate: pool.conflict_rate,
            attempts_per_commit: committed.then(|| c.attempts as f64 / c.committed as f64),
            fairness: pool.fairness.jain_index,
            committed: c.committed,
            attempts: c.attempts,
        }
    }
}

/// How a metric's values are written and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Nanoseconds, written as a duration (`20ms`).
    Time,
    /// A fraction, written as a percentage (`0.1%`) or a plain number.
    Fraction,
    /// A plain number (operations per second, a ratio, an index).
    Number,
}

/// A figure an objective or a constraint names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Committed operations per second.
    Goodput,
    /// Median latency of committed operations.
    P50,
    /// 90th percentile latency.
    P90,
    /// 99th percentile latency.
    P99,
    /// 99.9th percentile latency.
    P999,
    /// Share of operations given up.
    GiveUpRate,
    /// Share of operations rejected by a gate.
    RejectionRate,
    /// Share of attempts that conflicted.
    ConflictRate,
    /// Attempts per commit (retry amplification).
    AttemptsPerCommit,
    /// Jain's index over writers (1 = equal shares).
    Fairness,
}

impl Metric {
    /// Every metric, in the order `retrylab tune --help` lists them.
    pub const ALL: [Metric; 10] = [
        Metric::Goodput,
        Metric::P50,
        Metric::P90,
        Metric::P99,
        Metric::P999,
        Metric::GiveUpRate,
        Metric::RejectionRate,
        Metric::ConflictRate,
        Metric::AttemptsPerCommit,
        Metric::Fairness,
    ];

    /// The name users write.
    pub const fn name(self) -> &'static str {
        match self {
            Metric::Goodput => "goodput",
            Metric::P50 => "p50",
            Metric::P90 => "p90",
            Metric::P99 => "p99",
            Metric::P999 => "p99.9",
            Metric::GiveUpRate => "give_up_rate",
            Metric::RejectionRate => "rejection_rate",
            Metric::ConflictRate => "conflict_rate",
            Metric::AttemptsPerCommit => "attempts_per_commit",
            Metric::Fairness => "fairness",
        }
    }

    /// The metric called `name` (also `p999` for `p99.9`).
    pub fn parse(name: &str) -> Option<Metric> {
        let name = name.trim();
        if name == "p999" {
            return Some(Metric::P999);
        }
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// How its values are written.
    pub const fn unit(self) -> Unit {
        match self {
            Metric::P50 | Metric::P90 | Metric::P99 | Metric::P999 => Unit::Time,
            Metric::GiveUpRate | Metric::RejectionRate | Metric::ConflictRate => Unit::Fraction,
            Metric::Goodput | Metric::AttemptsPerCommit | Metric::Fairness => Unit::Number,
        }
    }

    /// The values it can take: a bound outside them can never be met.
    pub const fn range(self) -> (f64, f64) {
        match self {
            Metric::GiveUpRate | Metric::RejectionRate | Metric::ConflictRate => (0.0, 1.0),
            Metric::Fairness => (0.0, 1.0),
            Metric::AttemptsPerCommit => (1.0, f64::INFINITY),
            _ => (0.0, f64::INFINITY),
        }
    }

    /// Its value in `f`; `None` when undefined (a latency or a ratio per commit of a run that
    /// committed nothing).
    pub fn of(self, f: &Figures) -> Option<f64> {
        match self {
            Metric::Goodput => Some(f.goodput),
            Metric::P50 => f.p50,
            Metric::P90 => f.p90,
            Metric::P99 => f.p99,
            Metric::P999 => f.p999,
            Metric::GiveUpRate => Some(f.give_up_rate),
            Metric::RejectionRate => Some(f.rejection_rate),
            Metric::ConflictRate => Some(f.conflict_rate),
            Metric::AttemptsPerCommit => f.attempts_per_commit,
            Metric::Fairness => Some(f.fairness),
        }
    }

    /// `value` as people read it: a duration, a percentage or a number.
    pub fn format(self, value: f64) -> String {
        match self.unit() {
            Unit::Time => fmt_ns(value),
            Unit::Fraction => fmt_pct(value),
            Unit::Number if self == Metric::Goodput => format!("{}/s", fmt_si(value)),
            Unit::Number => fmt_sig(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_parses_from_its_own_name() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.name()), Some(m));
        }
        assert_eq!(Metric::parse("p999"), Some(Metric::P999));
        assert_eq!(Metric::parse("latency"), None);
    }

    #[test]
    fn a_run_without_commits_has_no_latency() {
        let pool = PoolResult::default();
        let f = Figures::of(&pool);
        assert_eq!(Metric::P99.of(&f), None);
        assert_eq!(Metric::AttemptsPerCommit.of(&f), None);
        assert_eq!(Metric::Goodput.of(&f), Some(0.0));
    }

    #[test]
    fn values_are_written_in_their_unit() {
        assert_eq!(Metric::P99.format(20e6), "20 ms");
        assert_eq!(Metric::GiveUpRate.format(0.001), "0.1%");
        assert_eq!(Metric::AttemptsPerCommit.format(1.234), "1.23");
    }
}
