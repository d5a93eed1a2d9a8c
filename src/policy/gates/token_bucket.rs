//! The AWS SDKs' standard-mode retry quota: a token bucket shared by a client's calls. Each retry
//! takes `retry_cost` tokens (5), or `timeout_cost` (10) when the failure was not a conflict (AWS
//! charges timeouts more); a retry that finds too few tokens is not made. An operation that
//! commits gives back what its last retry took, or `success_refund` (1) if it needed no retry.
//! The bucket starts full at `capacity` (500). (Constants as in the AWS SDKs' standard retry
//! mode: `INITIAL_RETRY_TOKENS = 500`, `RETRY_COST = 5`, `TIMEOUT_RETRY_COST = 10`,
//! `NO_RETRY_INCREMENT = 1`.) First attempts are never gated.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::gate::{FailureKind, Gate, GateHandle};
use crate::policy::{Admission, AttemptInfo, RejectReason};

/// Settings of an AWS-style retry token bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenBucketConfig {
    /// Tokens when full (and at start).
    pub capacity: u64,
    /// Tokens a retry after a conflict takes.
    pub retry_cost: u64,
    /// Tokens a retry after a non-conflict error takes.
    pub timeout_cost: u64,
    /// Tokens an operation that committed without retrying gives back.
    pub success_refund: u64,
}

impl TokenBucketConfig {
    /// The AWS SDK standard mode's quota: 500 tokens, 5 a retry, 10 a retry after a timeout,
    /// 1 back per success without retry.
    pub(crate) const AWS_STANDARD: Self = Self {
        capacity: 500,
        retry_cost: 5,
        timeout_cost: 10,
        success_refund: 1,
    };
}

impl Default for TokenBucketConfig {
    fn default() -> Self {
        Self::AWS_STANDARD
    }
}

/// A retry token bucket shared by a pool.
#[derive(Debug)]
pub struct TokenBucket {
    config: TokenBucketConfig,
    tokens: AtomicU64,
    rejected: AtomicU64,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(config: TokenBucketConfig) -> Self {
        Self {
            tokens: AtomicU64::new(config.capacity),
            config,
            rejected: AtomicU64::new(0),
        }
    }

    /// Tokens now.
    pub fn tokens(&self) -> u64 {
        self.tokens.load(Ordering::Acquire)
    }

    /// Retries refused so far.
    pub fn rejected(&self) -> u64 {
        self.rejected.load(Ordering::Relaxed)
    }

    /// Takes `cost` tokens if there are that many; all or nothing.
    pub(crate) fn try_take(&self, cost: u64) -> bool {
        let taken = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok();
        if !taken {
            self.rejected.fetch_add(1, Ordering::Relaxed);
        }
        taken
    }

    /// Gives `amount` tokens back, up to the capacity.
    pub(crate) fn refund(&self, amount: u64) {
        let cap = self.config.capacity;
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t < cap).then(|| t.saturating_add(amount).min(cap))
            });
    }
}

impl Gate for TokenBucket {
    fn name(&self) -> &'static str {
        "aws-token-bucket"
    }

    fn handle(self: Arc<Self>) -> Box<dyn GateHandle> {
        Box::new(TokenBucketHandle {
            bucket: self,
            held: 0,
        })
    }
}

/// One writer's handle: remembers what its operation's latest retry took.
#[derive(Debug)]
pub(crate) struct TokenBucketHandle {
    bucket: Arc<TokenBucket>,
    held: u64,
}

impl GateHandle for TokenBucketHandle {
    #[inline]
    fn admit(&mut self, _info: &AttemptInfo, after: Option<FailureKind>) -> Admission {
        let Some(kind) = after else {
            self.held = 0;
            return Admission::Proceed;
        };
        let c = &self.bucket.config;
        let cost = if kind == FailureKind::Error {
            c.timeout_cost
        } else {
            c.retry_cost
        };
        if self.bucket.try_take(cost) {
            self.held = cost;
            Admission::Proceed
        } else {
            Admission::Reject(RejectReason::BudgetExhausted)
        }
    }

    fn on_failure(&mut self, _info: &AttemptInfo, _kind: FailureKind) {}

    fn on_commit(&mut self, _info: &AttemptInfo) {
        let refund = if self.held > 0 {
            self.held
        } else {
            self.bucket.config.success_refund
        };
        self.bucket.refund(refund);
        self.held = 0;
    }

    fn on_abandon(&mut self, _info: &AttemptInfo) {
        self.held = 0;
    }
}
