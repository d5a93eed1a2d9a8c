//! Choosing a store by name, as scenario files, the command line and the benches do.

use std::sync::Arc;

use super::{
    DashMapStore, EventStore, GlobalMutexStore, LockFreeStore, RwLockShardedStore, ShardCount,
    ShardCountError,
};

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

    /// Builds an empty store of this kind. `shards` applies to the sharded kinds and must be a
    /// power of two from 1 to [`ShardCount::MAX`]; `expected_actors` sizes indexes up front so
    /// the measured run does not pay for growth.
    ///
    /// # Errors
    ///
    /// [`ShardCountError`] if `shards` is invalid, whatever the kind (a scenario's shard count
    /// is checked even when it names the unsharded baseline, so switching kinds cannot expose a
    /// latent error).
    pub fn try_build(
        self,
        shards: usize,
        expected_actors: usize,
    ) -> Result<Arc<dyn EventStore>, ShardCountError> {
        Ok(self.build_with(ShardCount::new(shards)?, expected_actors))
    }

    /// Like [`StoreKind::try_build`], but an invalid `shards` is rounded up to the next valid
    /// count ([`ShardCount::rounded_up`]) instead of failing. For callers whose input is
    /// already validated or that prefer adjusting to failing.
    pub fn build(self, shards: usize, expected_actors: usize) -> Arc<dyn EventStore> {
        self.build_with(ShardCount::rounded_up(shards), expected_actors)
    }

    /// Builds an empty store of this kind from an already validated shard count.
    pub fn build_with(self, shards: ShardCount, expected_actors: usize) -> Arc<dyn EventStore> {
        match self {
            StoreKind::LockFree => Arc::new(LockFreeStore::with_shards(shards, expected_actors)),
            StoreKind::RwlockSharded => Arc::new(RwLockShardedStore::new(shards, expected_actors)),
            StoreKind::GlobalMutex => Arc::new(GlobalMutexStore::new()),
            StoreKind::Dashmap => Arc::new(DashMapStore::new(shards, expected_actors)),
        }
    }
}

/// What a scenario's `[store] kind` names: one of the in-memory [`StoreKind`]s, which every
/// engine builds, or `postgres`, a server across the network that only the network engine
/// (not built yet) can drive. Kept apart from [`StoreKind`] so that [`StoreKind::build`] stays
/// infallible and [`StoreKind::ALL`] stays the list of stores that can be built in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StoreChoice {
    /// An in-memory store.
    Memory(StoreKind),
    /// A PostgreSQL server (`[store] url`, `pool_size`, `occ`); see [`crate::store::postgres`].
    Postgres,
}

impl Default for StoreChoice {
    fn default() -> Self {
        StoreChoice::Memory(StoreKind::default())
    }
}

impl StoreChoice {
    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            StoreChoice::Memory(kind) => kind.name(),
            StoreChoice::Postgres => "postgres",
        }
    }

    /// The in-memory kind, or `None` for a network store.
    pub fn memory(self) -> Option<StoreKind> {
        match self {
            StoreChoice::Memory(kind) => Some(kind),
            StoreChoice::Postgres => None,
        }
    }
}

impl From<StoreKind> for StoreChoice {
    fn from(kind: StoreKind) -> Self {
        StoreChoice::Memory(kind)
    }
}

impl serde::Serialize for StoreChoice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for StoreChoice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        if name == StoreChoice::Postgres.name() {
            return Ok(StoreChoice::Postgres);
        }
        StoreKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .map(StoreChoice::Memory)
            .ok_or_else(|| {
                let names: Vec<&str> = StoreKind::ALL.iter().map(|k| k.name()).collect();
                serde::de::Error::custom(format!(
                    "unknown variant `{name}`: use one of {}, or postgres",
                    names.join(", ")
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_builds_a_store_with_its_own_name() {
        for kind in StoreKind::ALL {
            assert_eq!(kind.build(64, 100).name(), kind.name());
            assert_eq!(kind.try_build(1, 0).map(|s| s.name()), Ok(kind.name()));
            assert_eq!(
                kind.try_build(3, 100).map(|s| s.name()),
                Err(ShardCountError::NotPowerOfTwo { shards: 3 })
            );
            // Rounded, not rejected.
            assert_eq!(kind.build(0, 100).name(), kind.name());
        }
    }

    #[test]
    fn choices_round_trip_through_serde_and_postgres_is_not_a_memory_kind() {
        for kind in StoreKind::ALL {
            let json = serde_json::to_string(&StoreChoice::from(kind)).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
            let back = serde_json::from_str::<StoreChoice>(&json).unwrap();
            assert_eq!(back.memory(), Some(kind));
        }
        let pg = serde_json::from_str::<StoreChoice>("\"postgres\"").unwrap();
        assert_eq!((pg, pg.memory()), (StoreChoice::Postgres, None));
        let err = serde_json::from_str::<StoreChoice>("\"mysql\"").unwrap_err();
        assert!(err.to_string().contains("or postgres"), "{err}");
    }

    #[test]
    fn names_round_trip_through_serde() {
        for kind in StoreKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
            assert_eq!(serde_json::from_str::<StoreKind>(&json).unwrap(), kind);
        }
    }
}
