//! Jitter (the seed's pattern 4): randomise a computed delay so that writers who conflicted
//! together do not retry together. Formulas from the AWS Architecture Blog's "Exponential Backoff
//! and Jitter" (Marc Brooker, 2015), resilience4j's randomized wait, and the seed's own additive
//! jitter. `u` is uniform in `[0, 1)` from the writer's generator.

use rand::Rng;

use crate::clock::Nanos;
use crate::rng::WriterRng;

/// How a computed delay `t` is randomised.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Jitter {
    /// `t` unchanged.
    #[default]
    None,
    /// AWS "full jitter": `u · t`, in `[0, t)`. Mean `t/2`.
    Full,
    /// AWS "equal jitter": `t/2 + u · t/2`, in `[t/2, t)`. Mean `3t/4`.
    Equal,
    /// resilience4j's randomized interval: `t · (1 + factor · (2u − 1))`, in
    /// `[t(1 − factor), t(1 + factor)]`. Mean `t`. resilience4j's default factor is 0.5.
    Proportional {
        /// The spread either side of `t`, in `[0, 1]`.
        factor: f64,
    },
    /// The seed's pattern 4: `t + u · t`, in `[t, 2t)`. Mean `3t/2`.
    Additive,
}

impl Jitter {
    /// Applies the jitter to `t` nanoseconds.
    #[inline]
    pub fn apply(self, t: Nanos, rng: &mut WriterRng) -> Nanos {
        let tf = t as f64;
        let value = match self {
            Jitter::None => return t,
            Jitter::Full => rng.random::<f64>() * tf,
            Jitter::Equal => tf / 2.0 + rng.random::<f64>() * tf / 2.0,
            Jitter::Proportional { factor } => {
                tf * (1.0 + factor * (2.0 * rng.random::<f64>() - 1.0))
            }
            Jitter::Additive => tf + rng.random::<f64>() * tf,
        };
        // Float-to-int casts saturate, so a huge `t` cannot wrap.
        value.max(0.0) as Nanos
    }

    /// The expected value of the jittered delay for a fixed `t` (for tests and docs).
    pub fn analytic_mean(self, t: f64) -> f64 {
        match self {
            Jitter::None | Jitter::Proportional { .. } => t,
            Jitter::Full => t / 2.0,
            Jitter::Equal => 0.75 * t,
            Jitter::Additive => 1.5 * t,
        }
    }

    /// Bounds `[low, high]` of the jittered delay for a fixed `t`.
    pub fn bounds(self, t: Nanos) -> (Nanos, Nanos) {
        match self {
            Jitter::None => (t, t),
            Jitter::Full => (0, t),
            Jitter::Equal => (t / 2, t),
            Jitter::Proportional { factor } => (
                ((t as f64) * (1.0 - factor)).floor() as Nanos,
                ((t as f64) * (1.0 + factor)).ceil() as Nanos,
            ),
            Jitter::Additive => (t, t.saturating_mul(2)),
        }
    }
}

/// Where a shape's `cap` applies relative to the jitter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapPlacement {
    /// `jitter(min(cap, t))`, as in the AWS formulas: full and equal jitter then never exceed the
    /// cap, proportional and additive jitter may (by up to their spread).
    #[default]
    BeforeJitter,
    /// `min(cap, jitter(t))`: the delay never exceeds the cap, whatever the jitter.
    AfterJitter,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const KINDS: [Jitter; 5] = [
        Jitter::None,
        Jitter::Full,
        Jitter::Equal,
        Jitter::Proportional { factor: 0.5 },
        Jitter::Additive,
    ];

    #[test]
    fn every_jitter_stays_in_its_bounds() {
        let mut rng = WriterRng::seed_from_u64(1);
        for kind in KINDS {
            for t in [0, 1, 7, 1_000, 10_000_000, 1 << 40] {
                let (lo, hi) = kind.bounds(t);
                for _ in 0..200 {
                    let d = kind.apply(t, &mut rng);
                    assert!(
                        d >= lo && d <= hi,
                        "{kind:?} t={t} gave {d}, bounds [{lo}, {hi}]"
                    );
                }
            }
        }
    }

    #[test]
    fn sample_means_match_the_analytic_means() {
        // 20,000 samples of a uniform spread of width w have a standard error of w/sqrt(12·n)
        // ≈ 0.002·w; 1% of t is five standard errors or more for every kind here.
        let t = 1_000_000u64;
        let n = 20_000;
        for kind in KINDS {
            let mut rng = WriterRng::seed_from_u64(42);
            let sum: f64 = (0..n).map(|_| kind.apply(t, &mut rng) as f64).sum();
            let mean = sum / n as f64;
            let expected = kind.analytic_mean(t as f64);
            assert!(
                (mean - expected).abs() <= 0.01 * t as f64,
                "{kind:?}: mean {mean}, expected {expected}"
            );
        }
    }
}
