//! A store decorator that injects what a scenario's `[store]` table asks for: latency on every
//! call (a remote store) and transient save failures (`fault_probability`).
//!
//! The threaded engine gives each writer its own decorator over the shared store, so the
//! decorator's random stream is the writer's alone and nothing shared is written on the hot
//! path. Audits and reports bypass it and read the inner store.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::{Rng, SeedableRng};

use super::wait::precise_sleep;
use crate::rng::{WriterRng, mix64};
use crate::store::{ActorId, Event, EventStore, SaveError, Version};
use crate::workload::dist::TimeDist;

/// An [`EventStore`] that delays every call by a draw of `latency` and fails a save with
/// [`SaveError::Unavailable`] with probability `fault_probability`, before it reaches the
/// inner store.
pub struct InjectedStore {
    inner: Arc<dyn EventStore>,
    latency: Option<TimeDist>,
    fault_probability: f64,
    // A counter-based random stream: `Sync` without a lock, and private to one writer.
    draws: AtomicU64,
}

impl std::fmt::Debug for InjectedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InjectedStore")
            .field("inner", &self.inner.name())
            .field("latency", &self.latency)
            .field("fault_probability", &self.fault_probability)
            .finish_non_exhaustive()
    }
}

impl InjectedStore {
    /// Wraps `inner`; `seed` starts the decorator's own random stream.
    pub fn new(
        inner: Arc<dyn EventStore>,
        latency: Option<TimeDist>,
        fault_probability: f64,
        seed: u64,
    ) -> Self {
        Self {
            inner,
            latency: latency.filter(|d| !d.is_zero()),
            fault_probability,
            draws: AtomicU64::new(seed),
        }
    }

    /// True when the decorator would change nothing (the engine then uses the inner store).
    pub fn is_transparent(&self) -> bool {
        self.latency.is_none() && self.fault_probability == 0.0
    }

    fn rng(&self) -> WriterRng {
        WriterRng::seed_from_u64(mix64(self.draws.fetch_add(1, Ordering::Relaxed)))
    }

    fn delay(&self) {
        if let Some(dist) = self.latency {
            precise_sleep(dist.sample(&mut self.rng()));
        }
    }
}

impl EventStore for InjectedStore {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn save(&self, event: Event) -> Result<(), SaveError> {
        self.delay();
        if self.fault_probability > 0.0 && self.rng().random::<f64>() < self.fault_probability {
            return Err(SaveError::Unavailable);
        }
        self.inner.save(event)
    }

    fn latest_version(&self, actor: ActorId) -> Version {
        self.delay();
        self.inner.latest_version(actor)
    }

    fn events_into(&self, actor: ActorId, from_version: Version, out: &mut Vec<Event>) {
        self.delay();
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
    use crate::units::Duration;

    fn event(version: u64) -> Event {
        Event {
            actor: 1,
            version,
            event_type: 1,
            payload: 0,
            timestamp_ns: 0,
        }
    }

    #[test]
    fn faults_fail_about_the_asked_share_and_store_nothing() {
        let inner: Arc<dyn EventStore> = Arc::new(GlobalMutexStore::new());
        let store = InjectedStore::new(inner.clone(), None, 0.3, 9);
        let mut failed = 0;
        for _ in 0..10_000 {
            let v = inner.latest_version(1) + 1;
            if store.save(event(v)) == Err(SaveError::Unavailable) {
                failed += 1;
            }
        }
        assert!((2_700..3_300).contains(&failed), "{failed} of 10000 failed");
        assert_eq!(inner.event_count(), 10_000 - failed);
    }

    #[test]
    fn latency_is_added_to_every_call() {
        let inner: Arc<dyn EventStore> = Arc::new(GlobalMutexStore::new());
        let latency = TimeDist::Constant {
            value: Duration(200_000),
        };
        let store = InjectedStore::new(inner, Some(latency), 0.0, 1);
        let started = std::time::Instant::now();
        store.save(event(1)).unwrap();
        store.latest_version(1);
        assert!(started.elapsed() >= std::time::Duration::from_micros(400));
        assert!(!store.is_transparent());
    }
}
