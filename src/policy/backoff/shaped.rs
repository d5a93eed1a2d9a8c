//! [`ShapedBackoff`]: a delay shape with jitter and a cap, the delay source of every spec that
//! is not a contention manager.

use super::jitter::{CapPlacement, Jitter};
use super::shape::{DelayShape, ShapeState};
use super::{Backoff, BackoffFactory};
use crate::clock::Nanos;
use crate::policy::AttemptInfo;
use crate::rng::WriterRng;

/// A [`DelayShape`] with a [`Jitter`] and a cap: `jitter(min(cap, shape(n)))` or
/// `min(cap, jitter(shape(n)))`, by [`CapPlacement`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShapedBackoff {
    /// The growth with the retry number.
    pub shape: DelayShape,
    /// The randomisation.
    pub jitter: Jitter,
    /// The largest delay (`u64::MAX` for none).
    pub cap: Nanos,
    /// Whether the cap applies before or after the jitter.
    pub cap_placement: CapPlacement,
    state: ShapeState,
}

impl ShapedBackoff {
    /// A shaped backoff with the given parts.
    pub fn new(shape: DelayShape, jitter: Jitter, cap: Nanos, cap_placement: CapPlacement) -> Self {
        Self {
            shape,
            jitter,
            cap,
            cap_placement,
            state: ShapeState::default(),
        }
    }

    /// The delay computation itself, usable without an [`AttemptInfo`].
    #[inline]
    pub fn next_delay(&mut self, retry: u32, rng: &mut WriterRng) -> Nanos {
        if retry <= 1 {
            self.state = ShapeState::default();
        }
        let raw = self.shape.delay(retry, self.cap, &mut self.state, rng);
        match self.cap_placement {
            CapPlacement::BeforeJitter => self.jitter.apply(raw.min(self.cap), rng),
            CapPlacement::AfterJitter => self.jitter.apply(raw, rng).min(self.cap),
        }
    }
}

impl Backoff for ShapedBackoff {
    #[inline]
    fn delay(&mut self, retry: u32, _info: &AttemptInfo, rng: &mut WriterRng) -> Nanos {
        self.next_delay(retry, rng)
    }
}

impl BackoffFactory for ShapedBackoff {
    fn make(&self) -> Box<dyn Backoff> {
        Box::new(ShapedBackoff::new(
            self.shape,
            self.jitter,
            self.cap,
            self.cap_placement,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn full_jitter_is_within_zero_and_the_capped_exponential() {
        let (base, cap) = (1_000u64, 50_000u64);
        let mut b = ShapedBackoff::new(
            DelayShape::Exponential {
                base,
                multiplier: 2.0,
            },
            Jitter::Full,
            cap,
            CapPlacement::BeforeJitter,
        );
        let mut rng = WriterRng::seed_from_u64(11);
        for _ in 0..100 {
            for n in 1..=12 {
                let d = b.next_delay(n, &mut rng);
                assert!(d <= cap.min(base << (n - 1)), "n={n} d={d}");
            }
        }
    }

    #[test]
    fn cap_after_jitter_never_exceeds_the_cap() {
        let cap = 3_000;
        let mut b = ShapedBackoff::new(
            DelayShape::Exponential {
                base: 1_000,
                multiplier: 2.0,
            },
            Jitter::Additive,
            cap,
            CapPlacement::AfterJitter,
        );
        let mut rng = WriterRng::seed_from_u64(2);
        assert!((1..=10).all(|n| b.next_delay(n, &mut rng) <= cap));
    }

    #[test]
    fn same_seed_gives_same_delays() {
        let proto = ShapedBackoff::new(
            DelayShape::Decorrelated { base: 100 },
            Jitter::None,
            1_000_000,
            CapPlacement::BeforeJitter,
        );
        let run = |seed| {
            let mut b = proto;
            let mut rng = WriterRng::seed_from_u64(seed);
            (1..=10)
                .map(|n| b.next_delay(n, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }
}
