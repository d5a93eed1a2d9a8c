//! Greedy / timestamp contention management (Guerraoui, Herlihy and Pochon, "Toward a Theory of
//! Transactional Contention Managers", PODC 2005), adapted to append conflicts: the oldest
//! operation (smallest `op_started_ns`) gets precedence and retries at once; younger ones back
//! off exponentially with full jitter (`u · min(cap, base · 2^(n−1))`).
//!
//! Who is oldest is shared by the pool through one atomic: a conflicting writer lowers it to its
//! own start time (`fetch_min`) and is the oldest if nobody older has claimed it; it clears its
//! claim when its operation ends. The atomic is a hint, not a lock: between a claim being
//! cleared and the next oldest claiming, a younger writer may briefly be treated as oldest.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::Rng;

use super::shape::exponential;
use super::{Backoff, BackoffFactory};
use crate::clock::Nanos;
use crate::policy::AttemptInfo;
use crate::rng::WriterRng;

const UNCLAIMED: u64 = u64::MAX;

/// The pool's shared half: the start time of the oldest operation currently retrying.
#[derive(Debug)]
pub struct Greedy {
    /// Younger writers' first back-off interval.
    pub base: Nanos,
    /// Younger writers' largest interval.
    pub cap: Nanos,
    oldest: Arc<AtomicU64>,
}

impl Greedy {
    /// A fresh manager with no claim.
    pub fn new(base: Nanos, cap: Nanos) -> Self {
        Self {
            base,
            cap,
            oldest: Arc::new(AtomicU64::new(UNCLAIMED)),
        }
    }

    /// The start time of the oldest operation holding precedence, if any.
    pub fn oldest_claim(&self) -> Option<Nanos> {
        let v = self.oldest.load(Ordering::Acquire);
        (v != UNCLAIMED).then_some(v)
    }
}

impl BackoffFactory for Greedy {
    fn make(&self) -> Box<dyn Backoff> {
        Box::new(GreedyBackoff {
            base: self.base,
            cap: self.cap,
            oldest: Arc::clone(&self.oldest),
            claim: None,
        })
    }
}

/// One writer's Greedy backoff.
#[derive(Debug)]
pub(crate) struct GreedyBackoff {
    base: Nanos,
    cap: Nanos,
    oldest: Arc<AtomicU64>,
    claim: Option<Nanos>,
}

impl GreedyBackoff {
    fn release(&mut self) {
        if let Some(started) = self.claim.take() {
            // Clear only our own claim; an older writer's claim stays.
            let _ = self.oldest.compare_exchange(
                started,
                UNCLAIMED,
                Ordering::AcqRel,
                Ordering::Relaxed,
            );
        }
    }
}

impl Backoff for GreedyBackoff {
    #[inline]
    fn delay(&mut self, retry: u32, info: &AttemptInfo, rng: &mut WriterRng) -> Nanos {
        let started = info.op_started_ns.min(UNCLAIMED - 1);
        let before = self.oldest.fetch_min(started, Ordering::AcqRel);
        if started <= before {
            self.claim = Some(started);
            return 0;
        }
        let ceiling = exponential(self.base, 2.0, retry).min(self.cap);
        (rng.random::<f64>() * ceiling as f64) as Nanos
    }

    fn on_commit(&mut self, _info: &AttemptInfo) {
        self.release();
    }

    fn on_abandon(&mut self, _info: &AttemptInfo) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn info(started: Nanos) -> AttemptInfo {
        AttemptInfo {
            attempt: 1,
            op_started_ns: started,
            now_ns: 1_000,
            work: 1,
        }
    }

    #[test]
    fn the_oldest_retries_at_once_and_younger_ones_wait() {
        let greedy = Greedy::new(1_000, 100_000);
        let mut rng = WriterRng::seed_from_u64(4);
        let (mut old, mut young) = (greedy.make(), greedy.make());
        assert_eq!(old.delay(1, &info(10), &mut rng), 0);
        assert_eq!(greedy.oldest_claim(), Some(10));
        // The younger one backs off (a full-jitter draw of 1000 is 0 with negligible odds).
        let waits: Vec<_> = (0..20)
            .map(|_| young.delay(1, &info(50), &mut rng))
            .collect();
        assert!(waits.iter().all(|&d| d <= 1_000) && waits.iter().any(|&d| d > 0));
        old.on_commit(&info(10));
        assert_eq!(greedy.oldest_claim(), None);
        assert_eq!(young.delay(2, &info(50), &mut rng), 0);
    }
}
