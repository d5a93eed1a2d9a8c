//! Polly v8's `DelayBackoffType.Exponential` with `UseJitter = true`: the "decorrelated jitter
//! V2" formula of Polly.Contrib.WaitAndRetry (George Polevoy's, adopted by Polly), implemented
//! from its published formula.
//!
//! For retry `n` (from 1), with `u` uniform in `[0, 1)` and `t = (n − 1) + u`:
//!
//! ```text
//! f(t)     = 2^t · tanh(sqrt(4 · t))          (pFactor = 4 smooths the first delay)
//! delay_n  = (f(t_n) − f(t_{n−1})) · median / 1.4    (f(t_0) = 0; 1/1.4 is rpScalingFactor)
//! ```
//!
//! Successive delays telescope, so the *cumulative* wait after `n` retries is
//! `f(t_n) · median / 1.4`: roughly exponential, but each delay is decorrelated from the last.
//! The scaling puts the median of the first delay near `median_first_retry_delay` (exactly,
//! `f(0.5) / 1.4 ≈ 0.9` of it, since `f` is monotone on the first interval).

use rand::Rng;

use crate::clock::Nanos;
use crate::rng::WriterRng;

/// pFactor of the published formula.
const P_FACTOR: f64 = 4.0;
/// rpScalingFactor of the published formula: puts medians near 1, 2, 4, … × the median.
const RP_SCALING_FACTOR: f64 = 1.0 / 1.4;

/// The formula's intrinsic value `f(t) = 2^t · tanh(sqrt(pFactor · t))`.
#[inline]
pub(crate) fn polly_intrinsic(t: f64) -> f64 {
    t.exp2() * (P_FACTOR * t).sqrt().tanh()
}

/// One step of the formula: returns the delay for retry `retry` (from 1) and updates `prev`
/// (the previous intrinsic value, 0 before the first retry of an operation).
#[inline]
pub(crate) fn polly_v2_delay(
    retry: u32,
    median_ns: Nanos,
    prev: &mut f64,
    rng: &mut WriterRng,
) -> Nanos {
    let t = f64::from(retry.saturating_sub(1)) + rng.random::<f64>();
    let next = polly_intrinsic(t);
    let delay = (next - *prev) * RP_SCALING_FACTOR * median_ns as f64;
    *prev = next;
    // Saturating cast; the difference can be slightly negative only through rounding.
    delay.max(0.0) as Nanos
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn cumulative_delay_telescopes_to_the_intrinsic_value() {
        let mut rng = WriterRng::seed_from_u64(3);
        let mut check = WriterRng::seed_from_u64(3);
        let median = 1_000_000;
        let mut prev = 0.0;
        let mut total = 0u64;
        for retry in 1..=8 {
            total += polly_v2_delay(retry, median, &mut prev, &mut rng);
            let t = f64::from(retry - 1) + check.random::<f64>();
            let expected = polly_intrinsic(t) * RP_SCALING_FACTOR * median as f64;
            // One nanosecond of truncation per step at most.
            assert!(
                (total as f64 - expected).abs() <= f64::from(retry) + 1.0,
                "retry {retry}"
            );
        }
    }

    #[test]
    fn first_delay_median_is_near_the_configured_median() {
        let mut rng = WriterRng::seed_from_u64(9);
        let median = 1_000_000u64;
        let mut firsts: Vec<u64> = (0..10_001)
            .map(|_| {
                let mut prev = 0.0;
                polly_v2_delay(1, median, &mut prev, &mut rng)
            })
            .collect();
        firsts.sort_unstable();
        let sample_median = firsts[firsts.len() / 2] as f64;
        // f(t) for t in [0,1) is monotone, so the median delay is f(0.5)/1.4·median ≈ 0.9·median.
        let analytic = polly_intrinsic(0.5) * RP_SCALING_FACTOR * median as f64;
        assert!(
            (sample_median - analytic).abs() < 0.03 * median as f64,
            "{sample_median} vs {analytic}"
        );
        assert!((sample_median / median as f64 - 0.9).abs() < 0.05);
    }
}
