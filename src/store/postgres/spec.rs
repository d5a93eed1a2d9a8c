//! What a scenario says about a PostgreSQL store, checked.

use std::fmt;
use std::time::Duration;

use super::{OccShape, StoreUrl};

/// How many connections a store keeps open: from 1 to [`PoolSize::MAX`], 8 by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct PoolSize(u32);

/// Why a pool size was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "pool_size = {size}: use 1 to {max} connections (8 is a good start; a server allows about \
     100 in all by default)",
    max = PoolSize::MAX
)]
pub struct PoolSizeError {
    /// The size asked for.
    pub size: u64,
}

impl PoolSize {
    /// The most connections one store opens (PostgreSQL's default `max_connections` is 100).
    pub const MAX: u32 = 64;

    /// A checked pool size.
    ///
    /// # Errors
    ///
    /// [`PoolSizeError`] for 0 or more than [`PoolSize::MAX`].
    pub fn new(size: u64) -> Result<Self, PoolSizeError> {
        match u32::try_from(size) {
            Ok(n) if (1..=Self::MAX).contains(&n) => Ok(PoolSize(n)),
            _ => Err(PoolSizeError { size }),
        }
    }

    /// The size.
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

impl Default for PoolSize {
    fn default() -> Self {
        PoolSize(8)
    }
}

impl<'de> serde::Deserialize<'de> for PoolSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        PoolSize::new(n).map_err(serde::de::Error::custom)
    }
}

/// Everything needed to open a PostgreSQL store. `Debug` and `Display` hide the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostgresSpec {
    /// The server (`postgres://user:password@host:port/db`); `None` until a scenario or
    /// `--store-url` gives one (opening without it is [`PostgresError::MissingUrl`]).
    ///
    /// [`PostgresError::MissingUrl`]: crate::store::postgres::PostgresError
    pub url: Option<StoreUrl>,
    /// Connections kept open.
    pub pool_size: PoolSize,
    /// How appends detect conflicts.
    pub occ: OccShape,
    /// The longest wait for a new connection (TCP and login); a URL's own `connect_timeout`
    /// wins.
    pub connect_timeout: Duration,
    /// The longest any one call (waiting for a pooled connection included) may take before it
    /// fails as unavailable.
    pub call_timeout: Duration,
}

impl PostgresSpec {
    /// The most a timeout may be: a run must end, and so must its every call.
    pub const MAX_TIMEOUT: Duration = Duration::from_secs(300);

    /// A spec for `url` with the default pool, shape and timeouts.
    pub fn new(url: Option<StoreUrl>) -> Self {
        Self {
            url,
            pool_size: PoolSize::default(),
            occ: OccShape::default(),
            connect_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(10),
        }
    }
}

impl fmt::Display for PostgresSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.url {
            Some(url) => write!(f, "postgres at {url}")?,
            None => write!(f, "postgres (no url)")?,
        }
        write!(
            f,
            ", {} connections, occ {}",
            self.pool_size.get(),
            self.occ
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_sizes_are_bounded() {
        assert_eq!(PoolSize::new(0), Err(PoolSizeError { size: 0 }));
        assert_eq!(PoolSize::new(1).map(PoolSize::get), Ok(1));
        assert_eq!(PoolSize::new(64).map(PoolSize::get), Ok(64));
        assert!(PoolSize::new(65).is_err());
        assert!(PoolSize::new(u64::MAX).is_err());
        assert!(PoolSizeError { size: 0 }.to_string().contains("1 to 64"));
    }

    #[test]
    fn neither_debug_nor_display_shows_the_password() {
        let spec = PostgresSpec::new(Some(StoreUrl::new("postgres://u:hunter2@h:1/d")));
        for shown in [format!("{spec}"), format!("{spec:?}"), format!("{spec:#?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("u:***@h:1/d"), "{shown}");
        }
    }
}
