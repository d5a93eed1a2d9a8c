//! Karma and Polka, contention managers from software transactional memory (Scherer and Scott,
//! "Advanced Contention Management for Dynamic Software Transactional Memory", PODC 2005),
//! adapted to append conflicts: a writer's priority is the work its operation has invested
//! (`AttemptInfo::work`: events read plus attempts made), and writers that invested more wait
//! less, so a long rebuild is not thrown away by a cheap writer that keeps winning.
//!
//! With `priority = 1 + work`:
//!
//! - Karma: `delay_n = min(cap, base · n) / priority`: fixed back-off intervals, one more per
//!   lost round, scaled down by the work invested.
//! - Polka (Karma + randomized exponential backoff): `delay_n = u · min(cap, base · 2^(n−1)) / priority`,
//!   `u` uniform in `[0, 1)`.

use rand::Rng;

use super::{Backoff, BackoffFactory};
use crate::clock::Nanos;
use crate::policy::AttemptInfo;
use crate::rng::WriterRng;

/// Which of the two managers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KarmaFlavor {
    /// Linear intervals scaled by priority.
    Karma,
    /// Randomized exponential intervals scaled by priority.
    Polka,
}

/// Karma or Polka backoff (stateless per writer, so the factory and the backoff are one type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KarmaBackoff {
    /// Which manager.
    pub flavor: KarmaFlavor,
    /// The interval unit.
    pub base: Nanos,
    /// The largest interval before the priority discount.
    pub cap: Nanos,
}

impl KarmaBackoff {
    /// The delay for retry `n` at a given investment `work`.
    #[inline]
    pub(crate) fn delay_for(&self, n: u32, work: u64, rng: &mut WriterRng) -> Nanos {
        let priority = work.saturating_add(1);
        let n = u64::from(n.max(1));
        match self.flavor {
            KarmaFlavor::Karma => self.base.saturating_mul(n).min(self.cap) / priority,
            KarmaFlavor::Polka => {
                let ceiling = super::shape::exponential(self.base, 2.0, n as u32).min(self.cap);
                (rng.random::<f64>() * ceiling as f64) as Nanos / priority
            }
        }
    }
}

impl Backoff for KarmaBackoff {
    #[inline]
    fn delay(&mut self, retry: u32, info: &AttemptInfo, rng: &mut WriterRng) -> Nanos {
        self.delay_for(retry, info.work, rng)
    }
}

impl BackoffFactory for KarmaBackoff {
    fn make(&self) -> Box<dyn Backoff> {
        Box::new(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn more_work_never_waits_longer() {
        let mut rng = WriterRng::seed_from_u64(1);
        let karma = KarmaBackoff {
            flavor: KarmaFlavor::Karma,
            base: 1_000,
            cap: 100_000,
        };
        for n in 1..10 {
            let mut last = u64::MAX;
            for work in [0, 1, 5, 50, 500] {
                let d = karma.delay_for(n, work, &mut rng);
                assert!(d <= last);
                last = d;
            }
        }
    }

    #[test]
    fn polka_stays_below_its_exponential_ceiling() {
        let mut rng = WriterRng::seed_from_u64(2);
        let polka = KarmaBackoff {
            flavor: KarmaFlavor::Polka,
            base: 1_000,
            cap: 64_000,
        };
        for n in 1..12u32 {
            for work in [0u64, 3, 10] {
                let ceiling = (1_000u64 << (n - 1)).min(64_000) / (work + 1);
                assert!(polka.delay_for(n, work, &mut rng) <= ceiling);
            }
        }
    }
}
