//! The event-store contract every implementation follows, and the implementations.
//!
//! The contract mirrors the seed document's store: an append (`save`) of version `v` for an
//! actor succeeds only if the actor's current version is `v - 1`. Otherwise it fails with a
//! [`VersionConflict`] that carries the actor, the version current when the append failed and the
//! version attempted. Versions per actor are gapless from 1; an actor never written has version 0.
//!
//! | implementation | save path | read path |
//! |---|---|---|
//! | [`LockFreeStore`] (default) | lock-free: one compare-and-swap claims and publishes | wait-free loads |
//! | [`RwLockShardedStore`] | write lock of one shard | read lock of one shard |
//! | [`GlobalMutexStore`] | one global mutex | the same mutex |
//! | [`DashMapStore`] | `dashmap` shard write lock | `dashmap` shard read lock |

use std::fmt;

/// Identifies one actor (one event stream).
pub type ActorId = u64;

/// A position in an actor's stream: 1 for the first event, 0 for "nothing written yet".
pub type Version = u64;

/// One stored event. Small and `Copy`, so the store measures coordination, not allocation of
/// payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Event {
    /// The stream this event belongs to.
    pub actor: ActorId,
    /// Its version in that stream (from 1, gapless).
    pub version: Version,
    /// Application-defined event type.
    pub event_type: u32,
    /// A small application payload (the harness stores writer id and sequence number here so
    /// that audits can find every acknowledged write).
    pub payload: u64,
    /// When the writer created the event, in nanoseconds of the engine's clock.
    pub timestamp_ns: u64,
}

/// The expected outcome of a stale (or too new) append: data for the caller's retry decision,
/// not a failure of the store. Mirrors the seed's `VersionConflictError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VersionConflict {
    /// The actor whose stream was appended to.
    pub actor: ActorId,
    /// The actor's version when the append failed (observed after the failed compare-and-swap).
    pub current: Version,
    /// The version the caller tried to write.
    pub attempted: Version,
}

impl VersionConflict {
    /// How many versions the writer missed: `current - attempted + 1` (1 for the common "someone
    /// wrote the version I wanted" case; the seed computes this gap with the sign reversed).
    /// Zero or below means the attempt was *ahead* of the stream (a too-new version).
    pub fn staleness(&self) -> i64 {
        self.current as i64 - self.attempted as i64 + 1
    }

    /// The version a retry should attempt if it refreshes from this conflict.
    pub fn next_version(&self) -> Version {
        self.current + 1
    }
}

impl fmt::Display for VersionConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "version conflict for actor {}: current version {}, attempted {}",
            self.actor, self.current, self.attempted
        )
    }
}

impl std::error::Error for VersionConflict {}

/// Why a [`EventStore::save`] did not store the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaveError {
    /// Another writer got there first (or the version skipped ahead). Retry after refreshing the
    /// version; see [`VersionConflict`].
    Conflict(VersionConflict),
    /// Version 0 was attempted; versions start at 1. Fix the caller: attempt `latest + 1`.
    InvalidVersion {
        /// The actor of the rejected event.
        actor: ActorId,
    },
    /// A transient failure that is not a conflict (injected by the engines' `fault_probability` to emulate a
    /// remote store's timeouts). The event was not stored; whether to retry is the policy's
    /// separate rule for non-conflict errors. From a network store
    /// ([`AsyncEventStore`]) it means the call failed or timed out on the way (connection lost,
    /// server gone): the event may or may not have been stored, so read it back before
    /// trusting either.
    Unavailable,
    /// The server aborted the append's transaction to keep concurrent transactions correct
    /// (a serialization failure or a deadlock) without telling the current version: a conflict
    /// of its own class, never produced by the in-memory stores. Nothing was stored; retrying
    /// is the policy's rule for non-conflict errors.
    Aborted(TransactionAborted),
}

/// Why a server aborted an append's transaction; see [`SaveError::Aborted`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TransactionAborted {
    /// The actor whose stream was appended to.
    pub actor: ActorId,
    /// The version the caller tried to write.
    pub attempted: Version,
    /// Which abort.
    pub cause: AbortCause,
}

/// The two aborts a PostgreSQL server reports for concurrent transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AbortCause {
    /// SQLSTATE 40001 `serialization_failure` (isolation `repeatable read` or `serializable`).
    Serialization,
    /// SQLSTATE 40P01 `deadlock_detected`.
    Deadlock,
}

impl AbortCause {
    /// The SQLSTATE code the server reports for this abort.
    pub const fn sqlstate(self) -> &'static str {
        match self {
            AbortCause::Serialization => "40001",
            AbortCause::Deadlock => "40P01",
        }
    }
}

impl SaveError {
    /// The conflict, if this error is one: the Rust form of the seed's `errors.As`.
    pub fn as_conflict(&self) -> Option<&VersionConflict> {
        match self {
            SaveError::Conflict(c) => Some(c),
            _ => None,
        }
    }
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveError::Conflict(c) => c.fmt(f),
            SaveError::InvalidVersion { actor } => {
                write!(
                    f,
                    "version 0 attempted for actor {actor}; versions start at 1"
                )
            }
            SaveError::Unavailable => write!(f, "store unavailable (transient, not a conflict)"),
            SaveError::Aborted(a) => write!(
                f,
                "transaction aborted for actor {} at version {}: {} (SQLSTATE {})",
                a.actor,
                a.attempted,
                match a.cause {
                    AbortCause::Serialization => "serialization failure",
                    AbortCause::Deadlock => "deadlock",
                },
                a.cause.sqlstate()
            ),
        }
    }
}

impl std::error::Error for SaveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SaveError::Conflict(c) => Some(c),
            _ => None,
        }
    }
}

/// The contract: an append-only, per-actor versioned event store with optimistic concurrency.
///
/// Every implementation must be linearizable per actor: versions gapless from 1, no duplicates,
/// no acknowledged append lost, and a read that starts after an acknowledged append sees it.
pub trait EventStore: Send + Sync {
    /// A short, stable name (used in scenario files, reports and bench ids).
    fn name(&self) -> &'static str;

    /// Appends `event` if the actor's current version is `event.version - 1`.
    fn save(&self, event: Event) -> Result<(), SaveError>;

    /// The actor's current version (0 if never written).
    fn latest_version(&self, actor: ActorId) -> Version;

    /// The actor's events with version `>= from_version`, in version order, appended to `out`.
    /// `from_version` 0 and 1 both mean "from the start"; past the end appends nothing.
    fn events_into(&self, actor: ActorId, from_version: Version, out: &mut Vec<Event>);

    /// The actor's events with version `>= from_version`, in version order.
    fn events(&self, actor: ActorId, from_version: Version) -> Vec<Event> {
        let mut out = Vec::new();
        self.events_into(actor, from_version, &mut out);
        out
    }

    /// Total events stored (all actors). May be slow: for audits and reports, not hot paths.
    fn event_count(&self) -> u64;

    /// Every actor that has at least one event. May be slow: for audits, not hot paths.
    fn actors(&self) -> Vec<ActorId>;

    /// Heap bytes the store holds, as well as the implementation can account for them.
    fn heap_bytes(&self) -> usize;
}

mod actor_hash;
mod async_store;
pub mod calibrate;
mod dashmap_store;
mod global_mutex;
mod in_memory_async;
mod kind;
mod lock_free;
pub mod postgres;
mod rwlock_sharded;
mod shards;

pub use actor_hash::{ActorHash, ActorHasher};
pub use async_store::AsyncEventStore;
pub use dashmap_store::DashMapStore;
pub use global_mutex::GlobalMutexStore;
pub use in_memory_async::InMemoryAsync;
pub use kind::{StoreChoice, StoreKind};
pub use lock_free::LockFreeStore;
pub use rwlock_sharded::RwLockShardedStore;
pub use shards::{ShardCount, ShardCountError};
