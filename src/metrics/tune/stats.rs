//! Small-sample statistics for tuning: means with Student-t confidence intervals over seeds,
//! and the one-sided paired test racing drops candidates with.

use serde::{Deserialize, Serialize};

use super::figures::{Figures, Metric};

/// Student's t at 0.90 (one-sided 10 %) for 1 to 30 degrees of freedom.
const T90: [f64; 30] = [
    3.078, 1.886, 1.638, 1.533, 1.476, 1.440, 1.415, 1.397, 1.383, 1.372, 1.363, 1.356, 1.350,
    1.345, 1.341, 1.337, 1.333, 1.330, 1.328, 1.325, 1.323, 1.321, 1.319, 1.318, 1.316, 1.315,
    1.314, 1.313, 1.311, 1.310,
];
/// Student's t at 0.975 (a two-sided 95 % interval) for 1 to 30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

fn t_quantile(table: &[f64; 30], normal: f64, df: usize) -> f64 {
    if df == 0 {
        f64::INFINITY
    } else {
        table.get(df - 1).copied().unwrap_or(normal)
    }
}

/// Mean and sample standard deviation.
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Half the width of the 95 % confidence interval of the mean of `xs` (`None` for one value).
pub fn half_width_95(xs: &[f64]) -> Option<f64> {
    (xs.len() >= 2).then(|| {
        let (_, sd) = mean_sd(xs);
        t_quantile(&T975, 1.960, xs.len() - 1) * sd / (xs.len() as f64).sqrt()
    })
}

/// Whether the mean of `diffs` is above zero by a one-sided t-test at the 10 % level (two
/// values at least; identical positive differences count as significant).
pub fn significantly_positive(diffs: &[f64]) -> bool {
    if diffs.len() < 2 {
        return false;
    }
    let (mean, sd) = mean_sd(diffs);
    if mean.is_nan() || mean <= 0.0 {
        return false;
    }
    if sd == 0.0 {
        return true;
    }
    mean / (sd / (diffs.len() as f64).sqrt()) > t_quantile(&T90, 1.282, diffs.len() - 1)
}

/// One metric over several runs: its mean and the half width of its 95 % interval, over the
/// runs where it is defined.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricStat {
    /// The metric.
    pub metric: Metric,
    /// The mean (`None` when no run defines it).
    pub mean: Option<f64>,
    /// Half the 95 % interval (`None` for fewer than two defined runs).
    pub half_width: Option<f64>,
    /// Runs where it was undefined (committed nothing).
    #[serde(default)]
    pub undefined: u32,
}

/// Every metric over a set of runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    /// Runs aggregated.
    pub runs: u32,
    /// One entry per metric, in [`Metric::ALL`] order.
    pub stats: Vec<MetricStat>,
}

impl Aggregate {
    /// Aggregates `runs`.
    pub fn of(runs: &[Figures]) -> Self {
        let stats = Metric::ALL
            .into_iter()
            .map(|metric| {
                let xs: Vec<f64> = runs.iter().filter_map(|f| metric.of(f)).collect();
                MetricStat {
                    metric,
                    mean: (!xs.is_empty()).then(|| mean_sd(&xs).0),
                    half_width: half_width_95(&xs),
                    undefined: (runs.len() - xs.len()) as u32,
                }
            })
            .collect();
        Self {
            runs: runs.len() as u32,
            stats,
        }
    }

    /// The stat of `metric`.
    pub fn stat(&self, metric: Metric) -> Option<&MetricStat> {
        self.stats.iter().find(|s| s.metric == metric)
    }

    /// The mean of `metric`, `None` when undefined in any run (a run without commits has no
    /// latency, so a mean over the others would flatter it).
    pub fn mean(&self, metric: Metric) -> Option<f64> {
        self.stat(metric)
            .filter(|s| s.undefined == 0)
            .and_then(|s| s.mean)
    }

    /// `mean ± half width` as people read it.
    pub fn text(&self, metric: Metric) -> String {
        match self.stat(metric) {
            Some(MetricStat {
                mean: Some(m),
                half_width,
                undefined,
                ..
            }) => {
                let mut t = metric.format(*m);
                if let Some(h) = half_width {
                    t.push_str(&format!(" ± {}", metric.format(*h)));
                }
                if *undefined > 0 {
                    t.push_str(&format!(" ({undefined} run(s) without commits)"));
                }
                t
            }
            _ => "none (no commits)".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_tests_follow_the_t_distribution() {
        let (m, sd) = mean_sd(&[1.0, 2.0, 3.0]);
        assert_eq!((m, sd), (2.0, 1.0));
        let h = half_width_95(&[1.0, 2.0, 3.0]).unwrap();
        assert!((h - 4.303 / 3f64.sqrt()).abs() < 1e-9);
        assert!(significantly_positive(&[1.0, 1.0]));
        assert!(!significantly_positive(&[1.0, -0.9]));
        assert!(!significantly_positive(&[5.0]));
        // mean 1, sd 1, n 4: t = 2 > 1.638.
        assert!(significantly_positive(&[0.0, 1.0, 2.0, 1.0]));
        assert!(!significantly_positive(&[-1.0, 3.0, -1.0, 3.0]));
    }
}
