//! Silo's backoff (Tu, Zheng, Kohler, Liskov and Madden, "Speedy Transactions in Multicore
//! In-Memory Databases", SOSP 2013, which backs off aborted transactions exponentially), as a
//! per-writer delay that persists across operations: doubled on each conflict
//! (`d = clamp(2d, min, max)`, so the first conflict waits `min`), halved on each commit. A writer
//! that keeps conflicting slows down for its next operations too, and speeds back up as it commits.

use super::{Backoff, BackoffFactory};
use crate::clock::Nanos;
use crate::policy::AttemptInfo;
use crate::rng::WriterRng;

/// Silo backoff: its own factory; each writer starts with no delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiloBackoff {
    /// The delay after a conflict from rest.
    pub min: Nanos,
    /// The largest delay.
    pub max: Nanos,
    current: Nanos,
}

impl SiloBackoff {
    /// A backoff at rest, between `min` and `max`.
    pub fn new(min: Nanos, max: Nanos) -> Self {
        Self {
            min,
            max,
            current: 0,
        }
    }

    /// The persistent delay now (0 at rest).
    pub fn current(&self) -> Nanos {
        self.current
    }
}

impl Backoff for SiloBackoff {
    #[inline]
    fn delay(&mut self, _retry: u32, _info: &AttemptInfo, _rng: &mut WriterRng) -> Nanos {
        self.current = self.current.saturating_mul(2).clamp(self.min, self.max);
        self.current
    }

    fn on_commit(&mut self, _info: &AttemptInfo) {
        self.current /= 2;
    }
}

impl BackoffFactory for SiloBackoff {
    fn make(&self) -> Box<dyn Backoff> {
        Box::new(SiloBackoff::new(self.min, self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn doubles_on_conflict_halves_on_commit_and_persists() {
        let info = AttemptInfo {
            attempt: 1,
            op_started_ns: 0,
            now_ns: 0,
            work: 0,
        };
        let mut rng = WriterRng::seed_from_u64(0);
        let mut silo = SiloBackoff::new(100, 1_000);
        let waits: Vec<_> = (1..=6).map(|n| silo.delay(n, &info, &mut rng)).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1_000, 1_000]);
        silo.on_commit(&info);
        assert_eq!(silo.current(), 500);
        // The next operation's first conflict starts from the remembered delay.
        assert_eq!(silo.delay(1, &info, &mut rng), 1_000);
    }
}
