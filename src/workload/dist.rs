//! Distributions of time: think time between reading and appending, injected store latency,
//! simulated network legs and service times.

use rand::Rng;
use rand_distr::{Exp1, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::clock::Nanos;
use crate::rng::WriterRng;
use crate::units::Duration;

/// A distribution of durations, as a scenario file writes it:
/// `{ kind = "exponential", mean = "20us" }`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TimeDist {
    /// Always `value`.
    Constant {
        /// The duration.
        value: Duration,
    },
    /// Uniform on `[low, high]`.
    Uniform {
        /// Smallest value.
        low: Duration,
        /// Largest value.
        high: Duration,
    },
    /// Exponential with the given mean (memoryless: Poisson-like arrivals and service).
    Exponential {
        /// The mean.
        mean: Duration,
    },
    /// Normal, truncated at zero (negative draws become zero).
    Normal {
        /// The mean.
        mean: Duration,
        /// The standard deviation.
        std_dev: Duration,
    },
    /// Log-normal with the given median and shape `sigma` (the standard deviation of the
    /// logarithm): the long right tail of real network and disk latencies.
    Lognormal {
        /// The median (`exp(mu)`).
        median: Duration,
        /// Shape, > 0; 0.5 is a moderate tail, 1.0 a heavy one.
        sigma: f64,
    },
}

/// Why a [`TimeDist`] is unusable.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeDistError {
    /// `low` is above `high`. Swap them.
    #[error("uniform: low ({low}) is above high ({high}); low must be at most high")]
    Inverted {
        /// The low bound given.
        low: Duration,
        /// The high bound given.
        high: Duration,
    },
    /// `sigma` is not a positive finite number. Use a value like 0.5.
    #[error("lognormal: sigma must be a finite number above 0 (like 0.5), got {0}")]
    BadSigma(f64),
}

impl TimeDist {
    /// No time at all.
    pub const ZERO: TimeDist = TimeDist::Constant { value: Duration(0) };

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), TimeDistError> {
        match *self {
            TimeDist::Uniform { low, high } if low > high => {
                Err(TimeDistError::Inverted { low, high })
            }
            TimeDist::Lognormal { sigma, .. } if !(sigma.is_finite() && sigma > 0.0) => {
                Err(TimeDistError::BadSigma(sigma))
            }
            _ => Ok(()),
        }
    }

    /// The distribution's mean, in nanoseconds (for reports and sanity checks).
    pub fn mean_ns(&self) -> f64 {
        match *self {
            TimeDist::Constant { value } => value.0 as f64,
            TimeDist::Uniform { low, high } => (low.0 as f64 + high.0 as f64) / 2.0,
            TimeDist::Exponential { mean } => mean.0 as f64,
            // Truncation at zero raises the mean slightly; negligible when mean ≫ std_dev.
            TimeDist::Normal { mean, .. } => mean.0 as f64,
            TimeDist::Lognormal { median, sigma } => median.0 as f64 * (sigma * sigma / 2.0).exp(),
        }
    }

    /// True when every draw is zero (lets engines skip a wait entirely).
    pub fn is_zero(&self) -> bool {
        matches!(*self, TimeDist::Constant { value: Duration(0) })
    }

    /// One draw, in nanoseconds.
    pub fn sample(&self, rng: &mut WriterRng) -> Nanos {
        match *self {
            TimeDist::Constant { value } => value.0,
            TimeDist::Uniform { low, high } => rng.random_range(low.0..=high.0),
            // Ziggurat samplers: a table look-up in the common case, where the inverse CDF
            // or Box–Muller pays a logarithm (and more) on every draw; the simulator draws two
            // latency legs per store call, so this is its hottest arithmetic.
            TimeDist::Exponential { mean } => {
                let e: f64 = rng.sample(Exp1);
                (e * mean.0 as f64) as Nanos
            }
            TimeDist::Normal { mean, std_dev } => {
                let z: f64 = rng.sample(StandardNormal);
                (mean.0 as f64 + z * std_dev.0 as f64).max(0.0) as Nanos
            }
            TimeDist::Lognormal { median, sigma } => {
                let z: f64 = rng.sample(StandardNormal);
                (median.0 as f64 * (sigma * z).exp()) as Nanos
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::writer_rng;

    fn empirical_mean(d: TimeDist, n: usize) -> f64 {
        let mut rng = writer_rng(11, 0, 0);
        (0..n).map(|_| d.sample(&mut rng) as f64).sum::<f64>() / n as f64
    }

    #[test]
    fn means_match_within_two_percent() {
        let us = |n: u64| Duration(n * 1_000);
        let cases = [
            TimeDist::Constant { value: us(20) },
            TimeDist::Uniform {
                low: us(10),
                high: us(30),
            },
            TimeDist::Exponential { mean: us(20) },
            TimeDist::Normal {
                mean: us(20),
                std_dev: us(4),
            },
            TimeDist::Lognormal {
                median: us(20),
                sigma: 0.5,
            },
        ];
        for d in cases {
            let (want, got) = (d.mean_ns(), empirical_mean(d, 200_000));
            assert!(
                (got - want).abs() / want < 0.02,
                "{d:?}: mean {got}, expected {want}"
            );
        }
    }

    #[test]
    fn normal_is_truncated_at_zero() {
        let d = TimeDist::Normal {
            mean: Duration(10),
            std_dev: Duration(1_000),
        };
        let mut rng = writer_rng(3, 0, 0);
        let zeros = (0..10_000).filter(|_| d.sample(&mut rng) == 0).count();
        assert!(
            zeros > 4_000,
            "about half the draws should clamp to zero, got {zeros}"
        );
    }

    #[test]
    fn validation_names_the_problem() {
        let bad = TimeDist::Uniform {
            low: Duration(5),
            high: Duration(1),
        };
        assert!(bad.validate().unwrap_err().to_string().contains("low"));
        let bad = TimeDist::Lognormal {
            median: Duration(5),
            sigma: 0.0,
        };
        assert!(bad.validate().unwrap_err().to_string().contains("sigma"));
    }
}
