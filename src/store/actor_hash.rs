//! A fast hasher for actor ids, shared by the lock-based baselines so that every store pays the
//! same for hashing and the comparison measures coordination, not SipHash.

use std::hash::{BuildHasher, Hasher};

use crate::rng::mix64;

/// Builds [`ActorHasher`]s. Not DoS-resistant: actor ids come from the harness, not attackers.
#[derive(Clone, Copy, Debug, Default)]
pub struct ActorHash;

impl BuildHasher for ActorHash {
    type Hasher = ActorHasher;

    fn build_hasher(&self) -> ActorHasher {
        ActorHasher(0)
    }
}

/// Hashes a `u64` key with SplitMix64's finaliser (all 64 output bits well mixed, which
/// hashbrown's 7-bit tags need).
#[derive(Clone, Copy, Debug, Default)]
pub struct ActorHasher(u64);

impl Hasher for ActorHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached for non-`u64` keys; fold bytes in so the hasher stays correct for them.
        for &b in bytes {
            self.0 = mix64(self.0 ^ u64::from(b));
        }
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = mix64(self.0 ^ key);
    }
}

/// The shard of `actor` among `shards` (a power of two): bits 32 and up of the hash, so the
/// choice is independent of the low bits a table indexes with and of the top bits hashbrown
/// uses as tags.
#[inline]
pub(crate) fn shard_of(actor: u64, shards: usize) -> usize {
    (mix64(actor) >> 32) as usize & (shards - 1)
}
