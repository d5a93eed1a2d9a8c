//! Gates: state shared by a pool's writers that may refuse an attempt before it reaches the
//! store (circuit breakers, retry budgets). The shared half ([`Gate`]) is `Sync` and lock-free on
//! the decision path; each writer holds a [`GateHandle`] with what it alone must remember (the
//! tokens it took, whether its attempt is a half-open probe).

use std::fmt::Debug;
use std::sync::Arc;

use crate::policy::{Admission, AttemptInfo};

/// What kind of failure an attempt met, for gates that charge them differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// A version conflict.
    Conflict,
    /// Any other store error (AWS's token bucket charges these as "timeouts").
    Error,
}

/// A pool-wide gate. Build one, wrap it in an `Arc`, and hand it to every writer's policy.
pub trait Gate: Send + Sync + Debug {
    /// A short name for labels and reports.
    fn name(&self) -> &'static str;

    /// One writer's handle on this gate.
    fn handle(self: Arc<Self>) -> Box<dyn GateHandle>;
}

/// One writer's handle on a shared [`Gate`]. The retry policy calls it in this order for every
/// operation: `admit` before each attempt; then `on_failure` or `on_commit` after it; and
/// `on_abandon` once if the operation ends without a commit.
pub trait GateHandle: Send + Debug {
    /// May this attempt proceed? `after` is the failure of the previous attempt of the same
    /// operation (`None` for an operation's first attempt).
    fn admit(&mut self, info: &AttemptInfo, after: Option<FailureKind>) -> Admission;

    /// The admitted attempt failed.
    fn on_failure(&mut self, info: &AttemptInfo, kind: FailureKind);

    /// The admitted attempt committed (the operation is done).
    fn on_commit(&mut self, info: &AttemptInfo);

    /// The operation ended without a commit (given up, or rejected by this or another gate).
    fn on_abandon(&mut self, info: &AttemptInfo);
}
