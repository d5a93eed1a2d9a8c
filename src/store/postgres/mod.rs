//! An event store on a PostgreSQL server, in the two shapes real event stores use for
//! optimistic concurrency.
//!
//! | shape ([`OccShape`]) | append | a conflict is | current version |
//! |---|---|---|---|
//! | `unique` | `INSERT` of `expected + 1`, primary key `(stream, version)`, only if `expected` exists | SQLSTATE 23505 (a second writer of the same version *blocks until the first commits*), or no row inserted (too new) | a **second read** (`max(version)`), counted by [`PostgresStore::second_reads`] |
//! | `head-row` | `UPDATE streams SET version = version + 1 WHERE stream = $1 AND version = $2` and the `INSERT`, in one transaction (one call of a function the migration creates) | the `UPDATE` matched no row, at once | in the **same round trip** |
//!
//! Serialization failures (40001) and deadlocks (40P01) come back as [`SaveError::Aborted`],
//! a conflict class of their own; a lost connection or a timeout as [`SaveError::Unavailable`].
//!
//! # Schema
//!
//! Each run gets its own PostgreSQL schema ([`Namespace`], `retrylab_<run>_<unique suffix>`),
//! created by a versioned migration (its `schema_version` table records what was applied; see
//! `migration.rs` for the tables) and dropped by [`PostgresStore::close`] unless kept. Nothing
//! outside that schema is created, changed or read. The role in the URL needs `CREATE` on the
//! database (the owner has it).
//!
//! # Secrets
//!
//! The URL is held as a [`StoreUrl`], whose `Debug`, `Display` and `Serialize` print it with
//! the password replaced by `***`; errors name host, port and user, never the password.
//!
//! The configuration types here are always compiled, so a scenario naming the store parses
//! (and is refused clearly) in a build without the `postgres` feature; the store itself needs
//! the feature (tokio, tokio-postgres, deadpool-postgres).
//!
//! [`SaveError::Aborted`]: crate::store::SaveError::Aborted
//! [`SaveError::Unavailable`]: crate::store::SaveError::Unavailable

mod namespace;
mod occ;
mod spec;
mod url;

#[cfg(feature = "postgres")]
mod error;
#[cfg(feature = "postgres")]
mod migration;
#[cfg(feature = "postgres")]
mod store;

pub use namespace::{MAX_NAMESPACE_BYTES, Namespace, NamespaceError};
pub use occ::OccShape;
pub use spec::{PoolSize, PoolSizeError, PostgresSpec};
pub use url::StoreUrl;

#[cfg(feature = "postgres")]
pub use error::PostgresError;
#[cfg(feature = "postgres")]
pub use migration::SCHEMA_VERSION;
#[cfg(feature = "postgres")]
pub use store::{Keep, PostgresStore};
