//! Distributions of time: think time between reading and appending, injected store latency,
//! simulated network legs and service times.
//!
//! Every duration parameter must be written with its unit (see [`crate::units::with_unit`]) and
//! be at most [`limits::MAX_DURATION`] (an hour); lognormal's `sigma` is at most
//! [`limits::MAX_SIGMA`]. No draw exceeds [`limits::MAX_DRAW`], so an engine adding a draw to
//! its clock cannot overflow.

use rand::Rng;
use rand_distr::{Exp1, StandardNormal};
use serde::{Deserialize, Serialize};

use super::scenario::limits;
use crate::clock::Nanos;
use crate::rng::WriterRng;
use crate::units::{Duration, format_duration};

/// A distribution of durations, as a scenario file writes it:
/// `{ kind = "exponential", mean = "20us" }`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TimeDist {
    /// Always `value`.
    Constant {
        /// The duration.
        #[serde(deserialize_with = "crate::units::with_unit")]
        value: Duration,
    },
    /// Uniform on `[low, high]`.
    Uniform {
        /// Smallest value.
        #[serde(deserialize_with = "crate::units::with_unit")]
        low: Duration,
        /// Largest value.
        #[serde(deserialize_with = "crate::units::with_unit")]
        high: Duration,
    },
    /// Exponential with the given mean (memoryless: Poisson-like arrivals and service).
    Exponential {
        /// The mean.
        #[serde(deserialize_with = "crate::units::with_unit")]
        mean: Duration,
    },
    /// Normal, truncated at zero (negative draws become zero).
    Normal {
        /// The mean.
        #[serde(deserialize_with = "crate::units::with_unit")]
        mean: Duration,
        /// The standard deviation.
        #[serde(deserialize_with = "crate::units::with_unit")]
        std_dev: Duration,
    },
    /// Log-normal with the given median and shape `sigma` (the standard deviation of the
    /// logarithm): the long right tail of real network and disk latencies.
    Lognormal {
        /// The median (`exp(mu)`).
        #[serde(deserialize_with = "crate::units::with_unit")]
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
    /// `sigma` is not a positive finite number at most [`limits::MAX_SIGMA`]. Use a value like
    /// 0.5.
    #[error(
        "lognormal: sigma must be a finite number above 0 and at most {max} (like 0.5), got {0}",
        max = limits::MAX_SIGMA
    )]
    BadSigma(f64),
    /// A duration parameter is longer than [`limits::MAX_DURATION`]. Use a shorter one.
    #[error(
        "{field} = {value} is longer than the {max} a time distribution may use: use a shorter \
         duration",
        max = format_duration(limits::MAX_DURATION)
    )]
    TooLong {
        /// The parameter, as written in a scenario file.
        field: &'static str,
        /// The value given.
        value: Duration,
    },
}

impl TimeDist {
    /// No time at all.
    pub const ZERO: TimeDist = TimeDist::Constant { value: Duration(0) };

    /// Checks the parameters: bounds in order, every duration at most
    /// [`limits::MAX_DURATION`], `sigma` in `(0, MAX_SIGMA]`.
    ///
    /// # Errors
    ///
    /// [`TimeDistError`] naming the first parameter at fault.
    pub fn validate(&self) -> Result<(), TimeDistError> {
        for (field, value) in self.durations() {
            if value.0 > limits::MAX_DURATION {
                return Err(TimeDistError::TooLong { field, value });
            }
        }
        match *self {
            TimeDist::Uniform { low, high } if low > high => {
                Err(TimeDistError::Inverted { low, high })
            }
            TimeDist::Lognormal { sigma, .. }
                if !(sigma.is_finite() && sigma > 0.0 && sigma <= limits::MAX_SIGMA) =>
            {
                Err(TimeDistError::BadSigma(sigma))
            }
            _ => Ok(()),
        }
    }

    /// The duration parameters, with their names as a scenario file writes them.
    fn durations(&self) -> Vec<(&'static str, Duration)> {
        match *self {
            TimeDist::Constant { value } => vec![("value", value)],
            TimeDist::Uniform { low, high } => vec![("low", low), ("high", high)],
            TimeDist::Exponential { mean } => vec![("mean", mean)],
            TimeDist::Normal { mean, std_dev } => vec![("mean", mean), ("std_dev", std_dev)],
            TimeDist::Lognormal { median, .. } => vec![("median", median)],
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

    /// One draw, in nanoseconds, at most [`limits::MAX_DRAW`] (reached only by the far tail of
    /// an unbounded distribution).
    pub fn sample(&self, rng: &mut WriterRng) -> Nanos {
        match *self {
            TimeDist::Constant { value } => value.0,
            TimeDist::Uniform { low, high } => rng.random_range(low.0..=high.0),
            // Ziggurat samplers: a table look-up in the common case, where the inverse CDF
            // or Box–Muller pays a logarithm (and more) on every draw; the simulator draws two
            // latency legs per store call, so this is its hottest arithmetic.
            TimeDist::Exponential { mean } => {
                let e: f64 = rng.sample(Exp1);
                clamp_draw(e * mean.0 as f64)
            }
            TimeDist::Normal { mean, std_dev } => {
                let z: f64 = rng.sample(StandardNormal);
                // `as` maps a negative draw to zero: the truncation at zero.
                clamp_draw(mean.0 as f64 + z * std_dev.0 as f64)
            }
            TimeDist::Lognormal { median, sigma } => {
                let z: f64 = rng.sample(StandardNormal);
                clamp_draw(median.0 as f64 * (sigma * z).exp())
            }
        }
    }
}

/// A draw in nanoseconds, cut to `0..=MAX_DRAW` (`as` saturates and maps NaN to 0).
#[inline]
fn clamp_draw(ns: f64) -> Nanos {
    (ns as Nanos).min(limits::MAX_DRAW)
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
        let bad = TimeDist::Lognormal {
            median: Duration(5),
            sigma: 1e6,
        };
        assert!(bad.validate().unwrap_err().to_string().contains("sigma"));
        let hour = Duration(limits::MAX_DURATION);
        assert_eq!(TimeDist::Exponential { mean: hour }.validate(), Ok(()));
        let bad = TimeDist::Normal {
            mean: Duration(5),
            std_dev: Duration(hour.0 + 1),
        };
        let msg = bad.validate().unwrap_err().to_string();
        assert!(msg.contains("std_dev") && msg.contains("3600s"), "{msg}");
    }

    #[test]
    fn no_draw_exceeds_the_cap() {
        let mut rng = writer_rng(5, 0, 0);
        let wild = TimeDist::Lognormal {
            median: Duration(limits::MAX_DURATION),
            sigma: limits::MAX_SIGMA,
        };
        for _ in 0..10_000 {
            assert!(wild.sample(&mut rng) <= limits::MAX_DRAW);
        }
    }

    #[test]
    fn parameters_need_their_unit() {
        let bad: Result<TimeDist, _> = toml::from_str("kind = \"constant\"\nvalue = 100");
        let msg = bad.unwrap_err().to_string();
        assert!(
            msg.contains("bare number") && msg.contains("\"100us\""),
            "{msg}"
        );
        let ok: TimeDist = toml::from_str("kind = \"constant\"\nvalue = \"100us\"").unwrap();
        assert_eq!(
            ok,
            TimeDist::Constant {
                value: Duration(100_000)
            }
        );
    }
}
