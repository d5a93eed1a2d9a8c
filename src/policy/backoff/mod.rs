//! Delay sources: a [`Backoff`] says how long one writer waits before retry `n`. Shapes with
//! jitter and a cap ([`ShapedBackoff`]) and the contention managers (Karma, Polka, Greedy, Silo)
//! all implement it, so the retry policy treats them alike.
//!
//! | concept | file |
//! |---|---|
//! | delay shapes (constant, linear, exponential, AWS decorrelated) | [`shape`] |
//! | jitter (full, equal, proportional, additive) and cap placement | [`jitter`] |
//! | a shape with jitter and a cap, the usual delay source | [`shaped`] |
//! | Polly v8's decorrelated jitter V2 | [`polly`] |
//! | contention managers: Karma / Polka, Greedy, Silo | [`karma`], [`greedy`], [`silo`] |

use std::fmt::Debug;

use crate::clock::Nanos;
use crate::policy::AttemptInfo;
use crate::rng::WriterRng;

pub mod greedy;
pub mod jitter;
pub mod karma;
pub mod polly;
pub mod shape;
pub mod shaped;
pub mod silo;

pub use shaped::ShapedBackoff;

/// One writer's delay source. Holds per-writer state (previous delay, Silo's persistent delay).
pub trait Backoff: Send + Debug {
    /// The delay before retry `retry` (from 1) of the operation described by `info`.
    fn delay(&mut self, retry: u32, info: &AttemptInfo, rng: &mut WriterRng) -> Nanos;

    /// The operation committed (Silo halves its delay here; Greedy releases its claim).
    fn on_commit(&mut self, info: &AttemptInfo) {
        let _ = info;
    }

    /// The operation ended without a commit.
    fn on_abandon(&mut self, info: &AttemptInfo) {
        let _ = info;
    }
}

/// Makes one [`Backoff`] per writer; held by the pool's policy, so it is shared and `Sync`.
pub trait BackoffFactory: Send + Sync + Debug {
    /// A fresh per-writer delay source.
    fn make(&self) -> Box<dyn Backoff>;
}
