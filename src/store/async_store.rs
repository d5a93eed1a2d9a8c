//! The contract of [`crate::store::EventStore`] for stores across a network, as `async` calls.
//!
//! An in-memory store answers in nanoseconds and cannot fail, so its trait is synchronous and
//! its reads return plain values. A network store (PostgreSQL, next etcd or NATS) waits on
//! round trips, and any call can fail because the connection did: thousands of writers should
//! share a few threads rather than block one each, and every read returns a `Result`. The
//! append's rules are the same: versions gapless from 1, an append of `v` succeeds only on a
//! stream at `v - 1`, and a stale or too-new append is a [`SaveError::Conflict`] carrying the
//! actor, the current version and the version attempted.
//!
//! The methods return `impl Future + Send` (the desugared form of `async fn` in traits, stable
//! since Rust 1.75) so that an engine can spawn them on tokio's multi-threaded runtime.

use std::future::Future;

use super::{ActorId, Event, SaveError, Version};

/// An append-only, per-actor versioned event store with optimistic concurrency, reached through
/// `async` calls. Same contract as [`crate::store::EventStore`]; reads can fail.
pub trait AsyncEventStore: Send + Sync {
    /// Why a read, or opening and closing the store, failed.
    type Error: std::error::Error + Send + Sync + 'static;

    /// A short, stable name (used in results and reports).
    fn name(&self) -> &'static str;

    /// Appends `event` if the actor's current version is `event.version - 1`.
    ///
    /// [`SaveError::Conflict`] for a stale or too-new version, [`SaveError::Aborted`] when the
    /// server aborted the transaction (serialization failure, deadlock), and
    /// [`SaveError::Unavailable`] when the call failed or timed out on the way: then whether the
    /// event was stored is unknown until it is read back.
    fn save(&self, event: Event) -> impl Future<Output = Result<(), SaveError>> + Send;

    /// The actor's current version (0 if never written).
    fn latest_version(
        &self,
        actor: ActorId,
    ) -> impl Future<Output = Result<Version, Self::Error>> + Send;

    /// The actor's events with version `>= from_version`, in version order; `from_version` 0 and
    /// 1 both mean "from the start", past the end gives none.
    fn events(
        &self,
        actor: ActorId,
        from_version: Version,
    ) -> impl Future<Output = Result<Vec<Event>, Self::Error>> + Send;

    /// The actor's event at `version`, if stored.
    fn event_at(
        &self,
        actor: ActorId,
        version: Version,
    ) -> impl Future<Output = Result<Option<Event>, Self::Error>> + Send;

    /// Total events stored (all actors). For audits, not hot paths.
    fn event_count(&self) -> impl Future<Output = Result<u64, Self::Error>> + Send;

    /// Every actor with at least one event. For audits, not hot paths.
    fn actors(&self) -> impl Future<Output = Result<Vec<ActorId>, Self::Error>> + Send;

    /// Writes `per_actor` events (versions `1..=per_actor`, event type 0, the given `payload`)
    /// to each actor `0..actors` of an empty store, before a run. A store across a network
    /// does it in bulk, not one round trip per event.
    fn prefill(
        &self,
        actors: u64,
        per_actor: u64,
        payload: u64,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Every stored event, sorted by actor then version, for the audit after a run: read once
    /// every call sent before has ended on the store (a call whose caller stopped waiting, cut
    /// by the run's end or a timeout, may still be executing there and commit).
    fn read_all(&self) -> impl Future<Output = Result<Vec<Event>, Self::Error>> + Send;
}
