//! gRPC client retry throttling (gRFC A6, `retryThrottling`): a token count per client, starting
//! at `max_tokens`; each failed attempt takes 1 token, each success adds `token_ratio`; retries
//! are allowed only while `tokens > max_tokens / 2`. Unlike a token bucket, allowing a retry
//! takes nothing: the count throttles retries when failures outnumber successes by a set ratio.
//! Tokens are kept in thousandths (gRPC allows `token_ratio` three decimal places).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::gate::{FailureKind, Gate, GateHandle};
use crate::policy::{Admission, AttemptInfo, RejectReason};

const SCALE: f64 = 1_000.0;

/// gRPC retry throttling shared by a pool.
#[derive(Debug)]
pub struct GrpcThrottle {
    max_milli: u64,
    ratio_milli: u64,
    milli_tokens: AtomicU64,
}

impl GrpcThrottle {
    /// A throttle at `max_tokens` (gRPC: in `(0, 1000]`), adding `token_ratio` per success.
    pub fn new(max_tokens: f64, token_ratio: f64) -> Self {
        let max_milli = (max_tokens * SCALE).round() as u64;
        Self {
            max_milli,
            ratio_milli: (token_ratio * SCALE).round() as u64,
            milli_tokens: AtomicU64::new(max_milli),
        }
    }

    /// Tokens now.
    pub fn tokens(&self) -> f64 {
        self.milli_tokens.load(Ordering::Acquire) as f64 / SCALE
    }

    /// Whether a retry would be allowed now.
    pub(crate) fn retries_allowed(&self) -> bool {
        self.milli_tokens.load(Ordering::Acquire) * 2 > self.max_milli
    }

    /// One failed attempt: one token less, not below zero.
    pub(crate) fn record_failure(&self) {
        let _ = self
            .milli_tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t > 0).then(|| t.saturating_sub(SCALE as u64))
            });
    }

    /// One success: `token_ratio` more, not above the maximum.
    pub(crate) fn record_success(&self) {
        let max = self.max_milli;
        let _ = self
            .milli_tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t < max).then(|| (t + self.ratio_milli).min(max))
            });
    }
}

impl Gate for GrpcThrottle {
    fn name(&self) -> &'static str {
        "grpc-throttle"
    }

    fn handle(self: Arc<Self>) -> Box<dyn GateHandle> {
        Box::new(GrpcThrottleHandle(self))
    }
}

/// One writer's handle (the throttle keeps no per-writer state).
#[derive(Debug)]
pub(crate) struct GrpcThrottleHandle(Arc<GrpcThrottle>);

impl GateHandle for GrpcThrottleHandle {
    #[inline]
    fn admit(&mut self, _info: &AttemptInfo, after: Option<FailureKind>) -> Admission {
        if after.is_none() || self.0.retries_allowed() {
            Admission::Proceed
        } else {
            Admission::Reject(RejectReason::BudgetExhausted)
        }
    }

    fn on_failure(&mut self, _info: &AttemptInfo, _kind: FailureKind) {
        self.0.record_failure();
    }

    fn on_commit(&mut self, _info: &AttemptInfo) {
        self.0.record_success();
    }

    fn on_abandon(&mut self, _info: &AttemptInfo) {}
}
