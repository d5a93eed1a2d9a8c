//! Figures of a sweep point over its repeats: the median, and the spread from min to max.

use super::manifest::PointData;

/// A figure over repeats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// The median (the mean of the middle two for an even count).
    pub median: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
    /// Repeats it covers.
    pub n: usize,
}

impl Spread {
    /// The spread of `values` (`None` when empty; NaNs are ignored).
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Spread {
            median,
            min: v[0],
            max: v[n - 1],
            n,
        })
    }
}

/// One pool's figures at one sweep point.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolStats {
    /// The pool's name (its colour key).
    pub name: String,
    /// Its policy's label.
    pub policy: String,
    /// Committed operations per second.
    pub goodput: Spread,
    /// Conflicts ÷ attempts.
    pub conflict_rate: Spread,
    /// p99 latency of committed operations (ns), over the repeats that committed anything;
    /// `None` when none did: a pool with no commits has no latency, and so never wins on it.
    pub p99_ns: Option<Spread>,
    /// Attempts ÷ commits: what one commit cost the store, first try and retries (of operations
    /// that later gave up too); over the repeats that committed anything, so `None` when none did.
    pub attempts_per_commit: Option<Spread>,
    /// True when the pool's retries were blind in any repeat (reports flag it).
    pub blind: bool,
    /// Append attempts the pool made, first tries and retries.
    pub attempts: Spread,
    /// When the pool's last operation ended (ns from the start): population runs only.
    pub makespan_ns: Option<Spread>,
}

/// Attempts ÷ commits of one pool's run; `None` without commits (nothing to divide by).
pub fn attempts_per_commit(p: &crate::metrics::results::PoolResult) -> Option<f64> {
    (p.counters.committed > 0).then(|| p.counters.attempts as f64 / p.counters.committed as f64)
}

/// Per-pool figures of `point` over its repeats, pools in order of first appearance.
pub fn point_stats(point: &PointData) -> Vec<PoolStats> {
    let mut names: Vec<(String, String)> = Vec::new();
    for r in &point.reps {
        for p in &r.pools {
            if !names.iter().any(|(n, _)| *n == p.name) {
                names.push((p.name.clone(), p.policy.clone()));
            }
        }
    }
    names
        .into_iter()
        .filter_map(|(name, policy)| {
            let pools: Vec<_> = point
                .reps
                .iter()
                .filter_map(|r| r.pools.iter().find(|p| p.name == name))
                .collect();
            let of = |f: &dyn Fn(&crate::metrics::results::PoolResult) -> f64| {
                Spread::of(&pools.iter().map(|p| f(p)).collect::<Vec<_>>())
            };
            Some(PoolStats {
                goodput: of(&|p| p.goodput_ops_s)?,
                conflict_rate: of(&|p| p.conflict_rate)?,
                // NaN (ignored by the spread) where a repeat committed nothing.
                p99_ns: of(&|p| {
                    if p.op_latency.count == 0 {
                        f64::NAN
                    } else {
                        p.op_latency.p99 as f64
                    }
                }),
                attempts_per_commit: of(&|p| attempts_per_commit(p).unwrap_or(f64::NAN)),
                blind: pools.iter().any(|p| p.retries_blind()),
                attempts: of(&|p| p.counters.attempts as f64)?,
                makespan_ns: of(&|p| p.makespan_ns.map_or(f64::NAN, |m| m as f64)),
                name,
                policy,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_range() {
        let s = Spread::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.n), (2.0, 1.0, 3.0, 3));
        assert_eq!(Spread::of(&[1.0, 4.0]).unwrap().median, 2.5);
        assert_eq!(Spread::of(&[]), None);
    }
}
