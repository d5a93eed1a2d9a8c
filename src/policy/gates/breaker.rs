//! Circuit breaker (the seed's pattern 3), shaped like resilience4j's `CircuitBreaker`: closed
//! while the failure rate over a sliding window stays under a threshold (judged only once the
//! window holds a minimum number of calls) or, in consecutive mode, while fewer than `n` failures
//! came in a row; open (every attempt rejected) for an open duration that may grow
//! (`open · multiplier^k`, capped, `k` the number of re-opens since it last closed); then
//! half-open, letting a bounded number of probe attempts through: all probes succeeding closes it,
//! any probe failing re-opens it.
//!
//! What counts as a call is configurable ([`BreakerFailure`]): every attempt (a conflict is a
//! failure, a commit a success), or every operation (a give-up is a failure).
//!
//! Lock-free: the state, the probe counts and the time the state was entered are packed in one
//! `u64` changed by compare-and-swap; the window is atomics. Transitions are counted and logged
//! (the log takes a mutex, but only when the state changes, never on the decision path).
//! The time a state was entered is kept in units of 1024 ns, so open durations are honoured to
//! within about a microsecond (a phase may end up to 1 µs early).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::breaker_window::{Window, WindowConfig};
use super::gate::{FailureKind, Gate, GateHandle};
use crate::clock::Nanos;
use crate::policy::{Admission, AttemptInfo, RejectReason};

/// Entries kept in the transition log; later transitions are counted but not logged.
pub const TRANSITION_LOG_CAPACITY: usize = 10_000;
/// The largest number of half-open probes (they are packed in 11 bits).
pub(crate) const MAX_HALF_OPEN_PROBES: u32 = 2_047;

/// The breaker's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Attempts pass; outcomes are counted.
    Closed,
    /// Attempts are rejected until the open duration has passed.
    Open,
    /// A bounded number of probe attempts pass; the rest are rejected.
    HalfOpen,
}

/// What the breaker counts as a failed call.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum BreakerFailure {
    /// Every attempt is a call: a conflict (or other error) fails it, a commit succeeds it.
    #[default]
    Conflict,
    /// Every operation is a call: giving up (or being rejected downstream) fails it.
    GiveUp,
}

/// A breaker's settings (validated by the spec).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BreakerConfig {
    /// The sliding window.
    pub window: WindowConfig,
    /// Trip when failures / calls reaches this (0..=1); unused by a consecutive window.
    pub failure_rate_threshold: f64,
    /// Calls the window must hold before the rate is judged; unused by a consecutive window.
    pub minimum_calls: u32,
    /// How long it stays open the first time.
    pub open_duration_ns: Nanos,
    /// Growth of the open duration per re-open without closing (1 for fixed).
    pub open_multiplier: f64,
    /// The largest open duration.
    pub open_cap_ns: Nanos,
    /// Probes let through when half-open; this many successes close it.
    pub half_open_probes: u32,
    /// What counts as a failed call.
    pub failure_on: BreakerFailure,
}

/// One logged state change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BreakerTransition {
    /// When, on the engine's clock.
    pub at_ns: Nanos,
    /// The state left.
    pub from: BreakerState,
    /// The state entered.
    pub to: BreakerState,
}

// Packed state: bits 0-1 state, 2-12 probes taken, 13-23 probe successes, 24-63 the time the
// state was entered in 1024 ns units (40 bits: about 13 days of engine time).
const TIME_SHIFT: u32 = 24;
const TIME_UNIT_SHIFT: u32 = 10;
const COUNT_MASK: u64 = 0x7FF;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Packed {
    state: BreakerState,
    probes: u64,
    successes: u64,
    since: u64,
}

impl Packed {
    fn encode(self) -> u64 {
        let state = match self.state {
            BreakerState::Closed => 0,
            BreakerState::Open => 1,
            BreakerState::HalfOpen => 2,
        };
        state
            | (self.probes & COUNT_MASK) << 2
            | (self.successes & COUNT_MASK) << 13
            | self.since << TIME_SHIFT
    }

    fn decode(v: u64) -> Self {
        let state = match v & 3 {
            0 => BreakerState::Closed,
            1 => BreakerState::Open,
            _ => BreakerState::HalfOpen,
        };
        Packed {
            state,
            probes: (v >> 2) & COUNT_MASK,
            successes: (v >> 13) & COUNT_MASK,
            since: v >> TIME_SHIFT,
        }
    }

    fn entered(state: BreakerState, now_ns: Nanos) -> Self {
        let since = (now_ns >> TIME_UNIT_SHIFT) & ((1 << (64 - TIME_SHIFT)) - 1);
        Packed {
            state,
            probes: 0,
            successes: 0,
            since,
        }
    }
}

/// What an admitted attempt holds until its outcome is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permit {
    /// Admitted while closed.
    Closed,
    /// A half-open probe of the half-open phase that began at this (packed) time.
    Probe(u64),
}

/// A circuit breaker shared by a pool.
#[derive(Debug)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    state: AtomicU64,
    window: Window,
    reopens: AtomicU64,
    transitions: AtomicU64,
    log: Mutex<Vec<BreakerTransition>>,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(mut config: BreakerConfig) -> Self {
        config.half_open_probes = config.half_open_probes.clamp(1, MAX_HALF_OPEN_PROBES);
        Self {
            window: Window::new(config.window),
            config,
            state: AtomicU64::new(Packed::entered(BreakerState::Closed, 0).encode()),
            reopens: AtomicU64::new(0),
            transitions: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        }
    }

    /// The settings.
    pub fn config(&self) -> &BreakerConfig {
        &self.config
    }

    /// The stored state (an open breaker whose time is up reads `Open` until an attempt moves it).
    pub fn state(&self) -> BreakerState {
        Packed::decode(self.state.load(Ordering::Acquire)).state
    }

    /// State changes so far.
    pub fn transitions(&self) -> u64 {
        self.transitions.load(Ordering::Acquire)
    }

    /// The first [`TRANSITION_LOG_CAPACITY`] state changes, in order.
    pub fn transition_log(&self) -> Vec<BreakerTransition> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The open duration of the current open phase: `open · multiplier^reopens`, capped.
    pub(crate) fn current_open_duration(&self) -> Nanos {
        let k = self.reopens.load(Ordering::Acquire).min(i32::MAX as u64) as i32;
        let d = self.config.open_duration_ns as f64 * self.config.open_multiplier.powi(k);
        (d as Nanos).min(self.config.open_cap_ns.max(self.config.open_duration_ns))
    }

    fn transition(&self, current: u64, to: Packed, now_ns: Nanos) -> bool {
        if self
            .state
            .compare_exchange(current, to.encode(), Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return false;
        }
        let from = Packed::decode(current).state;
        self.transitions.fetch_add(1, Ordering::AcqRel);
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if log.len() < TRANSITION_LOG_CAPACITY {
            log.push(BreakerTransition {
                at_ns: now_ns,
                from,
                to: to.state,
            });
        }
        true
    }

    /// Asks to let an attempt through at `now_ns`: `None` if rejected.
    pub fn try_acquire(&self, now_ns: Nanos) -> Option<Permit> {
        loop {
            let current = self.state.load(Ordering::Acquire);
            let packed = Packed::decode(current);
            match packed.state {
                BreakerState::Closed => return Some(Permit::Closed),
                BreakerState::Open => {
                    let opened = packed.since << TIME_UNIT_SHIFT;
                    if now_ns < opened.saturating_add(self.current_open_duration()) {
                        return None;
                    }
                    let mut half = Packed::entered(BreakerState::HalfOpen, now_ns);
                    half.probes = 1;
                    if self.transition(current, half, now_ns) {
                        return Some(Permit::Probe(half.since));
                    }
                }
                BreakerState::HalfOpen => {
                    if packed.probes >= u64::from(self.config.half_open_probes) {
                        return None;
                    }
                    let taken = Packed {
                        probes: packed.probes + 1,
                        ..packed
                    };
                    if self
                        .state
                        .compare_exchange(
                            current,
                            taken.encode(),
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        )
                        .is_ok()
                    {
                        return Some(Permit::Probe(packed.since));
                    }
                }
            }
        }
    }

    /// Records the outcome of an attempt admitted with `permit`.
    pub fn record(&self, permit: Permit, now_ns: Nanos, failed: bool) {
        match permit {
            Permit::Closed => {
                self.window.record(now_ns, failed);
                if failed {
                    self.trip_if_needed(now_ns);
                }
            }
            Permit::Probe(since) => loop {
                let current = self.state.load(Ordering::Acquire);
                let packed = Packed::decode(current);
                if packed.state != BreakerState::HalfOpen || packed.since != since {
                    return; // the phase this probe belonged to is over
                }
                if failed {
                    if self.transition(current, Packed::entered(BreakerState::Open, now_ns), now_ns)
                    {
                        self.reopens.fetch_add(1, Ordering::AcqRel);
                        return;
                    }
                } else if packed.successes + 1 >= u64::from(self.config.half_open_probes) {
                    if self.transition(
                        current,
                        Packed::entered(BreakerState::Closed, now_ns),
                        now_ns,
                    ) {
                        self.window.reset();
                        self.reopens.store(0, Ordering::Release);
                        return;
                    }
                } else {
                    let counted = Packed {
                        successes: packed.successes + 1,
                        ..packed
                    };
                    if self
                        .state
                        .compare_exchange(
                            current,
                            counted.encode(),
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        )
                        .is_ok()
                    {
                        return;
                    }
                }
            },
        }
    }

    /// Gives back a probe slot whose attempt ended without a verdict (rejected by another gate).
    pub fn release(&self, permit: Permit) {
        let Permit::Probe(since) = permit else { return };
        let _ = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
                let p = Packed::decode(v);
                (p.state == BreakerState::HalfOpen && p.since == since && p.probes > 0).then(|| {
                    Packed {
                        probes: p.probes - 1,
                        ..p
                    }
                    .encode()
                })
            });
    }

    fn trip_if_needed(&self, now_ns: Nanos) {
        let counts = self.window.counts(now_ns);
        let trip = match self.config.window {
            WindowConfig::Consecutive { failures } => counts.failures >= u64::from(failures),
            _ => {
                counts.calls >= u64::from(self.config.minimum_calls.max(1))
                    && counts.failures as f64
                        >= self.config.failure_rate_threshold * counts.calls as f64
            }
        };
        if !trip {
            return;
        }
        let current = self.state.load(Ordering::Acquire);
        if Packed::decode(current).state == BreakerState::Closed
            && self.transition(current, Packed::entered(BreakerState::Open, now_ns), now_ns)
        {
            self.reopens.store(0, Ordering::Release);
            self.window.reset();
        }
    }
}

impl Gate for CircuitBreaker {
    fn name(&self) -> &'static str {
        "circuit-breaker"
    }

    fn handle(self: Arc<Self>) -> Box<dyn GateHandle> {
        Box::new(BreakerHandle {
            breaker: self,
            permit: None,
        })
    }
}

/// One writer's handle on a [`CircuitBreaker`].
#[derive(Debug)]
pub(crate) struct BreakerHandle {
    breaker: Arc<CircuitBreaker>,
    permit: Option<Permit>,
}

impl GateHandle for BreakerHandle {
    #[inline]
    fn admit(&mut self, info: &AttemptInfo, _after: Option<FailureKind>) -> Admission {
        // Counting operations, a probe covers the whole operation.
        if self.breaker.config.failure_on == BreakerFailure::GiveUp
            && matches!(self.permit, Some(Permit::Probe(_)))
        {
            return Admission::Proceed;
        }
        self.permit = self.breaker.try_acquire(info.now_ns);
        match self.permit {
            Some(_) => Admission::Proceed,
            None => Admission::Reject(RejectReason::CircuitOpen),
        }
    }

    fn on_failure(&mut self, info: &AttemptInfo, _kind: FailureKind) {
        if self.breaker.config.failure_on == BreakerFailure::Conflict {
            if let Some(permit) = self.permit.take() {
                self.breaker.record(permit, info.now_ns, true);
            }
        }
    }

    fn on_commit(&mut self, info: &AttemptInfo) {
        if let Some(permit) = self.permit.take() {
            self.breaker.record(permit, info.now_ns, false);
        }
    }

    fn on_abandon(&mut self, info: &AttemptInfo) {
        if let Some(permit) = self.permit.take() {
            match self.breaker.config.failure_on {
                BreakerFailure::Conflict => self.breaker.release(permit),
                BreakerFailure::GiveUp => self.breaker.record(permit, info.now_ns, true),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips() {
        let p = Packed {
            state: BreakerState::HalfOpen,
            probes: 2_047,
            successes: 5,
            since: (1 << 40) - 1,
        };
        assert_eq!(Packed::decode(p.encode()), p);
    }
}
