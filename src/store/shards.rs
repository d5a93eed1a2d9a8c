//! A validated shard count: a power of two within bounds, checked once where user input enters.

use std::fmt;

/// Most actors a store pre-sizes for, whatever it is told to expect: bounds the up-front
/// allocation (a larger expectation only means the maps grow during the run).
pub(crate) const MAX_PRESIZED_ACTORS: usize = 1 << 22;

/// How many shards a sharded store splits its actors over: a power of two from 1 to
/// [`ShardCount::MAX`], so that a shard is picked with a mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ShardCount(usize);

impl ShardCount {
    /// The largest shard count accepted: beyond it shards cost memory and buy nothing.
    pub const MAX: usize = 1 << 16;

    /// 64 shards: a few per hardware thread on the machines this project measures.
    pub const DEFAULT: ShardCount = ShardCount(64);

    /// Validates `shards`.
    pub fn new(shards: usize) -> Result<Self, ShardCountError> {
        if shards == 0 || !shards.is_power_of_two() {
            Err(ShardCountError::NotPowerOfTwo { shards })
        } else if shards > Self::MAX {
            Err(ShardCountError::TooMany {
                shards,
                max: Self::MAX,
            })
        } else {
            Ok(Self(shards))
        }
    }

    /// The nearest valid count at or above `shards` (1 for 0, [`ShardCount::MAX`] at most), for
    /// callers that prefer adjusting to failing.
    pub fn rounded_up(shards: usize) -> Self {
        Self(shards.clamp(1, Self::MAX).next_power_of_two())
    }

    /// The count.
    pub fn get(self) -> usize {
        self.0
    }
}

impl Default for ShardCount {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for ShardCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a shard count was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShardCountError {
    /// The count is 0 or not a power of two (shards are picked with a bit mask). Fix: use 1, 2,
    /// 4, … (64 is the default).
    #[error("shard count {shards} must be a power of two of at least 1 (e.g. 64)")]
    NotPowerOfTwo {
        /// The rejected count.
        shards: usize,
    },
    /// The count exceeds the maximum. Fix: use at most `max` (a few shards per thread suffice).
    #[error("shard count {shards} exceeds the maximum of {max}")]
    TooMany {
        /// The rejected count.
        shards: usize,
        /// The largest accepted count.
        max: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_powers_of_two_and_rejects_the_rest() {
        assert_eq!(ShardCount::new(1).map(ShardCount::get), Ok(1));
        assert_eq!(ShardCount::new(64).map(ShardCount::get), Ok(64));
        assert_eq!(
            ShardCount::new(0),
            Err(ShardCountError::NotPowerOfTwo { shards: 0 })
        );
        assert_eq!(
            ShardCount::new(48),
            Err(ShardCountError::NotPowerOfTwo { shards: 48 })
        );
        assert_eq!(
            ShardCount::new(1 << 17),
            Err(ShardCountError::TooMany {
                shards: 1 << 17,
                max: ShardCount::MAX
            })
        );
        assert_eq!(ShardCount::rounded_up(0).get(), 1);
        assert_eq!(ShardCount::rounded_up(48).get(), 64);
        assert_eq!(ShardCount::rounded_up(usize::MAX).get(), ShardCount::MAX);
    }
}
