//! A decorator that adds latency to every store call, to emulate a remote store: conflicts
//! grow with the time between a writer's read and its append.

use std::fmt;
use std::time::{Duration, Instant};

use super::thread_rng;
use super::{ActorId, Event, EventStore, SaveError, Version};

/// Waits a given number of nanoseconds. The threaded engine passes its own precise wait; any
/// `Fn(u64) + Send + Sync` closure is one.
pub trait Wait: Send + Sync {
    /// Returns after about `ns` nanoseconds.
    fn wait_ns(&self, ns: u64);
}

impl<F: Fn(u64) + Send + Sync> Wait for F {
    fn wait_ns(&self, ns: u64) {
        self(ns)
    }
}

/// Busy-waits on the monotonic clock: precise for the sub-60 µs delays `thread::sleep` cannot
/// do, at the price of a core.
#[derive(Clone, Copy, Debug, Default)]
pub struct SpinWait;

impl Wait for SpinWait {
    fn wait_ns(&self, ns: u64) {
        if ns == 0 {
            return;
        }
        let deadline = Instant::now() + Duration::from_nanos(ns);
        while Instant::now() < deadline {
            std::hint::spin_loop();
        }
    }
}

/// How long each call waits.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Latency {
    /// Always `ns` nanoseconds.
    Constant {
        /// The delay, in nanoseconds.
        ns: u64,
    },
    /// Uniform in `[min_ns, max_ns]`, drawn per call.
    Uniform {
        /// Shortest delay, in nanoseconds.
        min_ns: u64,
        /// Longest delay, in nanoseconds (at least `min_ns`).
        max_ns: u64,
    },
}

impl Latency {
    /// Checks the bounds.
    ///
    /// # Errors
    ///
    /// [`LatencyError::InvertedRange`] if a uniform latency has `min_ns > max_ns`.
    pub fn validate(self) -> Result<Self, LatencyError> {
        match self {
            Latency::Uniform { min_ns, max_ns } if min_ns > max_ns => {
                Err(LatencyError::InvertedRange { min_ns, max_ns })
            }
            _ => Ok(self),
        }
    }

    fn sample(self, owner: u64, seed: u64) -> u64 {
        match self {
            Latency::Constant { ns } => ns,
            Latency::Uniform { min_ns, max_ns } => {
                let span = u128::from(max_ns - min_ns) + 1;
                let r = u128::from(thread_rng::next_u64(owner, seed));
                min_ns + ((r * span) >> 64) as u64
            }
        }
    }
}

/// Why a [`Latency`] was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LatencyError {
    /// `min_ns` exceeds `max_ns`. Fix: swap them.
    #[error("latency range is inverted: min_ns {min_ns} > max_ns {max_ns}")]
    InvertedRange {
        /// The given minimum.
        min_ns: u64,
        /// The given maximum.
        max_ns: u64,
    },
}

/// Adds a [`Latency`] before every `save`, `latest_version` and `events_into` of the inner store
/// (audit calls are not delayed). Keeps the inner store's name.
pub struct DelayedStore<S, W = SpinWait> {
    inner: S,
    latency: Latency,
    wait: W,
    seed: u64,
    owner: u64,
}

impl<S: EventStore, W: Wait> DelayedStore<S, W> {
    /// Wraps `inner`; `wait` performs the delays, `seed` seeds the per-thread draws of a
    /// sampled latency.
    ///
    /// # Errors
    ///
    /// [`LatencyError`] if `latency` is invalid.
    pub fn new(inner: S, latency: Latency, wait: W, seed: u64) -> Result<Self, LatencyError> {
        Ok(Self {
            inner,
            latency: latency.validate()?,
            wait,
            seed,
            owner: thread_rng::new_owner(),
        })
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    fn delay(&self) {
        self.wait
            .wait_ns(self.latency.sample(self.owner, self.seed));
    }
}

impl<S: fmt::Debug, W> fmt::Debug for DelayedStore<S, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DelayedStore")
            .field("inner", &self.inner)
            .field("latency", &self.latency)
            .finish_non_exhaustive()
    }
}

impl<S: EventStore, W: Wait> EventStore for DelayedStore<S, W> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn save(&self, event: Event) -> Result<(), SaveError> {
        self.delay();
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
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::store::GlobalMutexStore;

    #[test]
    fn every_call_waits_its_latency_and_is_forwarded() {
        let waited = AtomicU64::new(0);
        let calls = AtomicU64::new(0);
        let wait = |ns: u64| {
            waited.fetch_add(ns, Ordering::Relaxed);
            calls.fetch_add(1, Ordering::Relaxed);
        };
        let store = DelayedStore::new(
            GlobalMutexStore::new(),
            Latency::Uniform {
                min_ns: 10,
                max_ns: 20,
            },
            &wait,
            1,
        )
        .unwrap();
        let event = Event {
            actor: 3,
            version: 1,
            event_type: 0,
            payload: 9,
            timestamp_ns: 0,
        };
        store.save(event).unwrap();
        assert_eq!(store.latest_version(3), 1);
        assert_eq!(store.events(3, 0), vec![event]);
        assert_eq!(calls.load(Ordering::Relaxed), 3);
        let total = waited.load(Ordering::Relaxed);
        assert!(
            (30..=60).contains(&total),
            "waited {total} ns over 3 calls of 10..=20"
        );
    }

    #[test]
    fn inverted_range_is_rejected_and_spin_wait_waits() {
        assert_eq!(
            Latency::Uniform {
                min_ns: 5,
                max_ns: 4
            }
            .validate(),
            Err(LatencyError::InvertedRange {
                min_ns: 5,
                max_ns: 4
            })
        );
        let start = Instant::now();
        SpinWait.wait_ns(200_000);
        assert!(start.elapsed() >= Duration::from_micros(200));
    }
}
