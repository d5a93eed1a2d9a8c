//! A decorator that fails a fraction of saves with [`SaveError::Unavailable`], to exercise the
//! policies' rule for non-conflict errors.

use std::fmt;

use super::thread_rng;
use super::{ActorId, Event, EventStore, SaveError, Version};

/// Fails each `save` with probability `p` (drawn per call from a per-thread stream derived
/// from a seed) before touching the inner store; everything else is forwarded unchanged.
pub struct FaultyStore<S> {
    inner: S,
    failure_rate: f64,
    /// A draw below this fails: `p * 2^64`, saturated.
    threshold: u64,
    seed: u64,
    owner: u64,
}

impl<S: EventStore> FaultyStore<S> {
    /// Wraps `inner`, failing a fraction `failure_rate` of saves.
    ///
    /// # Errors
    ///
    /// [`FailureRateError`] if `failure_rate` is not within `[0, 1]`.
    pub fn new(inner: S, failure_rate: f64, seed: u64) -> Result<Self, FailureRateError> {
        if !(0.0..=1.0).contains(&failure_rate) {
            return Err(FailureRateError { failure_rate });
        }
        // `as` saturates: 1.0 maps to u64::MAX (a 2^-64 chance of success, which is nil).
        let threshold = (failure_rate * 18_446_744_073_709_551_616.0) as u64;
        Ok(Self {
            inner,
            failure_rate,
            threshold,
            seed,
            owner: thread_rng::new_owner(),
        })
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

/// The failure rate was not a probability. Fix: give a number from 0 (never fail) to 1
/// (always fail).
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error("failure rate {failure_rate} must be within [0, 1]")]
pub struct FailureRateError {
    /// The rejected rate.
    pub failure_rate: f64,
}

impl<S: fmt::Debug> fmt::Debug for FaultyStore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultyStore")
            .field("inner", &self.inner)
            .field("failure_rate", &self.failure_rate)
            .finish_non_exhaustive()
    }
}

impl<S: EventStore> EventStore for FaultyStore<S> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn save(&self, event: Event) -> Result<(), SaveError> {
        if self.threshold > 0 && thread_rng::next_u64(self.owner, self.seed) < self.threshold {
            return Err(SaveError::Unavailable);
        }
        self.inner.save(event)
    }

    fn latest_version(&self, actor: ActorId) -> Version {
        self.inner.latest_version(actor)
    }

    fn events_into(&self, actor: ActorId, from_version: Version, out: &mut Vec<Event>) {
        self.inner.events_into(actor, from_version, out)
    }

    fn event_count(&self) -> u64 {
        self.inner.event_count()
    }

    fn actors(&self) -> Vec<ActorId> {
        self.inner.actors()
    }

    fn heap_bytes(&self) -> usize {
        self.inner.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::GlobalMutexStore;

    fn run(rate: f64, saves: u64) -> (u64, u64) {
        let store = FaultyStore::new(GlobalMutexStore::new(), rate, 42).unwrap();
        let mut unavailable = 0;
        let mut version = 1;
        for _ in 0..saves {
            let event = Event {
                actor: 1,
                version,
                event_type: 0,
                payload: 0,
                timestamp_ns: 0,
            };
            match store.save(event) {
                Ok(()) => version += 1,
                Err(SaveError::Unavailable) => unavailable += 1,
                Err(other) => panic!("unexpected {other}"),
            }
        }
        (unavailable, store.event_count())
    }

    #[test]
    fn fails_about_the_given_fraction_without_touching_the_store() {
        let (unavailable, stored) = run(0.25, 40_000);
        // Binomial(40,000, 0.25): sd ≈ 87, so ±600 is about 7 sd.
        assert!(
            (9_400..=10_600).contains(&unavailable),
            "{unavailable} failures"
        );
        assert_eq!(stored, 40_000 - unavailable);
        assert_eq!(run(0.0, 1_000), (0, 1_000));
        assert_eq!(run(1.0, 1_000), (1_000, 0));
    }

    #[test]
    fn rejects_rates_outside_zero_to_one() {
        for rate in [-0.1, 1.5, f64::NAN] {
            assert!(FaultyStore::new(GlobalMutexStore::new(), rate, 0).is_err());
        }
    }
}
