//! An adaptive retry rate limit with AIMD control (additive increase, multiplicative decrease,
//! as TCP congestion control and AWS's "adaptive" mode): retries are admitted at most at
//! `rate` per second (with a burst allowance); each commit raises the rate by `increase`, each
//! conflict multiplies it by `decrease`, within `[min_rate, max_rate]`.
//!
//! Admission uses the generic cell rate algorithm (GCRA): one atomic "theoretical arrival time"
//! `tat`; a retry at `now` is admitted if `tat − (burst − 1) · interval ≤ now`, and then
//! `tat = max(tat, now) + interval`, with `interval = 1 s / rate`. One compare-and-swap per
//! retry; the rate is a second atomic (an `f64`'s bits).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::gate::{FailureKind, Gate, GateHandle};
use crate::clock::{Nanos, SECONDS};
use crate::policy::{Admission, AttemptInfo, RejectReason};

/// Settings of the AIMD retry limiter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AimdConfig {
    /// Retries per second at start.
    pub initial_rate: f64,
    /// The rate never falls below this.
    pub min_rate: f64,
    /// The rate never rises above this.
    pub max_rate: f64,
    /// Added to the rate per commit.
    pub increase: f64,
    /// The rate is multiplied by this per conflict, in `(0, 1)`.
    pub decrease: f64,
    /// Retries that may go at once after a quiet spell.
    pub burst: f64,
}

/// The AIMD retry limiter shared by a pool.
#[derive(Debug)]
pub struct AimdLimiter {
    config: AimdConfig,
    rate_bits: AtomicU64,
    tat: AtomicU64,
}

impl AimdLimiter {
    /// A limiter at its initial rate.
    pub fn new(config: AimdConfig) -> Self {
        Self {
            rate_bits: AtomicU64::new(config.initial_rate.to_bits()),
            tat: AtomicU64::new(0),
            config,
        }
    }

    /// The allowed retry rate now, per second.
    pub fn rate(&self) -> f64 {
        f64::from_bits(self.rate_bits.load(Ordering::Acquire))
    }

    fn adjust(&self, f: impl Fn(f64) -> f64) {
        let (lo, hi) = (self.config.min_rate, self.config.max_rate);
        let _ = self
            .rate_bits
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |bits| {
                Some(f(f64::from_bits(bits)).clamp(lo, hi).to_bits())
            });
    }

    /// Admits one retry at `now_ns` if the rate allows.
    pub(crate) fn try_admit(&self, now_ns: Nanos) -> bool {
        let interval = (SECONDS as f64 / self.rate()) as Nanos;
        // `burst` retries may go back to back: a tolerance of `burst − 1` intervals.
        let tolerance = ((self.config.burst - 1.0).max(0.0) * interval as f64) as Nanos;
        self.tat
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tat| {
                (tat.saturating_sub(tolerance) <= now_ns)
                    .then(|| tat.max(now_ns).saturating_add(interval))
            })
            .is_ok()
    }
}

impl Gate for AimdLimiter {
    fn name(&self) -> &'static str {
        "aimd"
    }

    fn handle(self: Arc<Self>) -> Box<dyn GateHandle> {
        Box::new(AimdHandle(self))
    }
}

/// One writer's handle (no per-writer state).
#[derive(Debug)]
pub(crate) struct AimdHandle(Arc<AimdLimiter>);

impl GateHandle for AimdHandle {
    #[inline]
    fn admit(&mut self, info: &AttemptInfo, after: Option<FailureKind>) -> Admission {
        if after.is_none() || self.0.try_admit(info.now_ns) {
            Admission::Proceed
        } else {
            Admission::Reject(RejectReason::BudgetExhausted)
        }
    }

    fn on_failure(&mut self, _info: &AttemptInfo, kind: FailureKind) {
        if kind == FailureKind::Conflict {
            let d = self.0.config.decrease;
            self.0.adjust(|r| r * d);
        }
    }

    fn on_commit(&mut self, _info: &AttemptInfo) {
        let inc = self.0.config.increase;
        self.0.adjust(|r| r + inc);
    }

    fn on_abandon(&mut self, _info: &AttemptInfo) {}
}
