//! Finagle's `RetryBudget` (also tower's `retry::budget`): every operation deposits
//! `percent_can_retry` of a retry; each retry withdraws one; deposits and withdrawals expire after
//! `ttl`; a constant reserve of `min_retries_per_sec · ttl` retries lets a quiet client retry at
//! all. So over any `ttl`, retries ≤ reserve + percent_can_retry × operations. Finagle's defaults:
//! ttl 10 s, min_retries_per_sec 10, percent_can_retry 0.2.
//!
//! Lock-free: the ledger is a ring of time slices, each an atomic balance. The check and the
//! withdrawal are two steps, so under concurrency the budget can be overdrawn by at most one
//! retry per writer racing on it (Finagle's own windowed adder has the same property).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use super::gate::{FailureKind, Gate, GateHandle};
use crate::clock::Nanos;
use crate::policy::{Admission, AttemptInfo, RejectReason};

/// Slices the ttl is kept in.
const SLICES: u64 = 10;
/// One retry, in ledger units (thousandths, so a 0.2 deposit is exact).
const RETRY: i64 = 1_000;
const NO_EPOCH: u64 = u64::MAX;

/// A Finagle-style retry budget shared by a pool.
#[derive(Debug)]
pub struct RetryBudget {
    slice_ns: Nanos,
    deposit: i64,
    reserve: i64,
    epochs: Box<[AtomicU64]>,
    balances: Box<[AtomicI64]>,
}

impl RetryBudget {
    /// A budget with Finagle's three parameters.
    pub fn new(ttl_ns: Nanos, min_retries_per_sec: f64, percent_can_retry: f64) -> Self {
        let reserve = (min_retries_per_sec * ttl_ns as f64 / 1e9 * RETRY as f64).round() as i64;
        Self {
            slice_ns: (ttl_ns / SLICES).max(1),
            deposit: (percent_can_retry * RETRY as f64).round() as i64,
            reserve,
            epochs: (0..SLICES).map(|_| AtomicU64::new(NO_EPOCH)).collect(),
            balances: (0..SLICES).map(|_| AtomicI64::new(0)).collect(),
        }
    }

    fn add(&self, now_ns: Nanos, amount: i64) {
        let epoch = now_ns / self.slice_ns;
        let i = (epoch % SLICES) as usize;
        let seen = self.epochs[i].load(Ordering::Acquire);
        if seen != epoch
            && (seen == NO_EPOCH || seen < epoch)
            && self.epochs[i]
                .compare_exchange(seen, epoch, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            self.balances[i].store(0, Ordering::Release);
        }
        self.balances[i].fetch_add(amount, Ordering::AcqRel);
    }

    /// Retries the budget would allow now (fractional).
    pub fn balance(&self, now_ns: Nanos) -> f64 {
        let epoch = now_ns / self.slice_ns;
        let oldest = epoch.saturating_sub(SLICES - 1);
        let live: i64 = self
            .epochs
            .iter()
            .zip(self.balances.iter())
            .filter(|(e, _)| {
                let e = e.load(Ordering::Acquire);
                e != NO_EPOCH && e >= oldest && e <= epoch
            })
            .map(|(_, b)| b.load(Ordering::Acquire))
            .sum();
        (self.reserve + live) as f64 / RETRY as f64
    }

    /// An operation started: deposit its share.
    pub(crate) fn deposit(&self, now_ns: Nanos) {
        self.add(now_ns, self.deposit);
    }

    /// Withdraws one retry if the balance allows it.
    pub(crate) fn try_withdraw(&self, now_ns: Nanos) -> bool {
        if self.balance(now_ns) < 1.0 {
            return false;
        }
        self.add(now_ns, -RETRY);
        true
    }
}

impl Gate for RetryBudget {
    fn name(&self) -> &'static str {
        "finagle-budget"
    }

    fn handle(self: Arc<Self>) -> Box<dyn GateHandle> {
        Box::new(RetryBudgetHandle(self))
    }
}

/// One writer's handle (no per-writer state).
#[derive(Debug)]
pub(crate) struct RetryBudgetHandle(Arc<RetryBudget>);

impl GateHandle for RetryBudgetHandle {
    #[inline]
    fn admit(&mut self, info: &AttemptInfo, after: Option<FailureKind>) -> Admission {
        if after.is_none() {
            self.0.deposit(info.now_ns);
            Admission::Proceed
        } else if self.0.try_withdraw(info.now_ns) {
            Admission::Proceed
        } else {
            Admission::Reject(RejectReason::BudgetExhausted)
        }
    }

    fn on_failure(&mut self, _info: &AttemptInfo, _kind: FailureKind) {}
    fn on_commit(&mut self, _info: &AttemptInfo) {}
    fn on_abandon(&mut self, _info: &AttemptInfo) {}
}
