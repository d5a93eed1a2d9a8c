//! Delay shapes: how the delay before retry `n` (from 1) grows, before jitter and cap.
//!
//! | shape | delay before retry `n` | mirrors |
//! |---|---|---|
//! | immediate | `0` | the naive loop |
//! | constant | `delay` | Polly `Constant`, resilience4j's fixed `waitDuration` |
//! | linear | `base + step · (n − 1)` | Polly `Linear` (with `step = base`) |
//! | exponential | `base · multiplier^(n − 1)` | the seed's pattern 1 (10ms × 2^attempt) |
//! | decorrelated | `min(cap, random(base, 3 · prev))`, `prev₀ = base` | AWS "decorrelated jitter" |
//! | polly_decorrelated_v2 | see [`super::polly`] | Polly v8 `Exponential` + `UseJitter` |

use rand::Rng;

use super::polly::polly_v2_delay;
use crate::clock::Nanos;
use crate::rng::WriterRng;

/// The growth of the delay with the retry number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DelayShape {
    /// No wait.
    Immediate,
    /// The same wait every time.
    Constant {
        /// The wait.
        delay: Nanos,
    },
    /// `base + step · (n − 1)`.
    Linear {
        /// The first delay.
        base: Nanos,
        /// Added per further retry.
        step: Nanos,
    },
    /// `base · multiplier^(n − 1)`.
    Exponential {
        /// The first delay.
        base: Nanos,
        /// Growth per retry, at least 1.
        multiplier: f64,
    },
    /// AWS decorrelated jitter: `min(cap, random(base, 3 · prev))`; its randomness is built in.
    Decorrelated {
        /// The smallest delay and the first `prev`.
        base: Nanos,
    },
    /// Polly's decorrelated jitter V2; its randomness is built in.
    PollyDecorrelatedV2 {
        /// The median of the first delay.
        median_first_retry_delay: Nanos,
    },
}

/// Per-writer memory a shape needs between retries of one operation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ShapeState {
    /// The previous decorrelated delay (AWS decorrelated), 0 before the first retry.
    pub prev_ns: Nanos,
    /// The previous intrinsic value of Polly's formula, 0 before the first retry.
    pub prev_formula: f64,
}

impl DelayShape {
    /// The delay before retry `retry` (from 1), with `cap` applied where the formula itself caps
    /// (decorrelated) and `state` reset by the caller at each operation's first retry.
    #[inline]
    pub fn delay(
        &self,
        retry: u32,
        cap: Nanos,
        state: &mut ShapeState,
        rng: &mut WriterRng,
    ) -> Nanos {
        let n = retry.max(1);
        match *self {
            DelayShape::Immediate => 0,
            DelayShape::Constant { delay } => delay,
            DelayShape::Linear { base, step } => {
                base.saturating_add(step.saturating_mul(u64::from(n - 1)))
            }
            DelayShape::Exponential { base, multiplier } => exponential(base, multiplier, n),
            DelayShape::Decorrelated { base } => {
                let prev = if state.prev_ns == 0 {
                    base
                } else {
                    state.prev_ns
                };
                let high = prev.saturating_mul(3).max(base);
                let sample = if high > base {
                    rng.random_range(base..=high)
                } else {
                    base
                };
                let next = sample.min(cap).max(1);
                state.prev_ns = next;
                next
            }
            DelayShape::PollyDecorrelatedV2 {
                median_first_retry_delay,
            } => polly_v2_delay(n, median_first_retry_delay, &mut state.prev_formula, rng),
        }
    }

    /// Whether the shape draws its own randomness (so an extra jitter would be redundant).
    pub fn is_randomised(&self) -> bool {
        matches!(
            self,
            DelayShape::Decorrelated { .. } | DelayShape::PollyDecorrelatedV2 { .. }
        )
    }
}

/// `base · multiplier^(n − 1)`, saturating at `u64::MAX` instead of overflowing.
#[inline]
pub fn exponential(base: Nanos, multiplier: f64, n: u32) -> Nanos {
    let value = base as f64 * multiplier.powi(n.saturating_sub(1).min(i32::MAX as u32) as i32);
    // Float-to-int casts saturate (and map NaN to 0, which a validated spec cannot produce).
    value as Nanos
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn deterministic_shapes_follow_their_formulas() {
        let mut rng = WriterRng::seed_from_u64(0);
        let mut st = ShapeState::default();
        let exp = DelayShape::Exponential {
            base: 10,
            multiplier: 2.0,
        };
        let got: Vec<_> = (1..=5)
            .map(|n| exp.delay(n, u64::MAX, &mut st, &mut rng))
            .collect();
        assert_eq!(got, [10, 20, 40, 80, 160]);
        let lin = DelayShape::Linear { base: 5, step: 3 };
        let got: Vec<_> = (1..=4)
            .map(|n| lin.delay(n, u64::MAX, &mut st, &mut rng))
            .collect();
        assert_eq!(got, [5, 8, 11, 14]);
        assert_eq!(exponential(1, 10.0, 200), u64::MAX);
    }

    #[test]
    fn decorrelated_stays_between_base_and_three_times_prev_capped() {
        let mut rng = WriterRng::seed_from_u64(5);
        let (base, cap) = (100u64, 50_000u64);
        let shape = DelayShape::Decorrelated { base };
        for _ in 0..200 {
            let mut st = ShapeState::default();
            let mut prev = base;
            for n in 1..=20 {
                let d = shape.delay(n, cap, &mut st, &mut rng);
                assert!(
                    d >= base.min(cap) && d <= (3 * prev).min(cap),
                    "n={n} d={d} prev={prev}"
                );
                prev = d;
            }
        }
    }
}
