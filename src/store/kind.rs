//! Choosing a store by name, as scenario files, the command line and the benches do.

use std::sync::Arc;

use super::{EventStore, GlobalMutexStore};

/// The store implementations a scenario can name.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// The lock-free sharded store (the default).
    #[default]
    LockFree,
    /// Baseline: one `RwLock<HashMap>` per shard.
    RwlockSharded,
    /// Baseline: one global `Mutex`.
    GlobalMutex,
    /// Baseline: `dashmap`.
    Dashmap,
}

impl StoreKind {
    /// Every kind, default first.
    pub const ALL: [StoreKind; 4] = [
        StoreKind::LockFree,
        StoreKind::RwlockSharded,
        StoreKind::GlobalMutex,
        StoreKind::Dashmap,
    ];

    /// The name used in scenario files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::LockFree => "lock-free",
            StoreKind::RwlockSharded => "rwlock-sharded",
            StoreKind::GlobalMutex => "global-mutex",
            StoreKind::Dashmap => "dashmap",
        }
    }

    /// Builds an empty store of this kind. `shards` applies to the sharded kinds (a power of
    /// two); `expected_actors` sizes indexes up front so the measured run does not pay for growth.
    pub fn build(self, shards: usize, expected_actors: usize) -> Arc<dyn EventStore> {
        let _ = (shards, expected_actors);
        match self {
            // TODO(store): the other kinds land with their implementations.
            _ => Arc::new(GlobalMutexStore::new()),
        }
    }
}
