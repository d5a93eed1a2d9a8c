//! Precise waits for the threaded engine: think times, policy backoffs and injected latency.
//!
//! `thread::sleep` cannot wait less than about 60 µs on this project's machines (1 µs asked,
//! 55–72 µs taken; see `reference/limits.md`), and it overshoots every wait by about as much.
//! A wait below [`SPIN_THRESHOLD_NS`] therefore spins on the clock (yielding now and then so a
//! 2-core machine with more writers than cores still makes progress); a longer wait sleeps for
//! the bulk, minus the threshold, then spins the rest. Every wait's overshoot (how much later
//! than asked it returned) is recorded, so a run can show how faithful its delays were.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::clock::{MILLIS, MonotonicClock, Nanos};
use crate::metrics::shared_histogram::{LatencyLog, SharedHistogram};

/// Waits shorter than this spin instead of sleeping: `thread::sleep` overshoots by about
/// 60–100 µs, so sleeping for less would be no wait at all but a lottery.
pub const SPIN_THRESHOLD_NS: Nanos = 100_000;

/// Longest single sleep, so a long wait still notices the stop flag quickly.
const SLEEP_SLICE_NS: Nanos = 10 * MILLIS;

/// Spin iterations between two `yield_now` calls while spinning.
const SPINS_PER_YIELD: u32 = 64;

/// Waits on one writer's behalf and keeps the histogram of how late each wait returned.
#[derive(Debug)]
pub struct PreciseWaiter {
    clock: MonotonicClock,
    overshoot: LatencyLog,
}

/// How a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitEnd {
    /// The deadline passed; the time now is given.
    Reached(Nanos),
    /// The stop flag was raised before the deadline.
    Stopped,
}

impl PreciseWaiter {
    /// A waiter on `clock` with an empty overshoot histogram of its own.
    pub fn new(clock: MonotonicClock) -> Self {
        Self {
            clock,
            overshoot: LatencyLog::kept(),
        }
    }

    /// A waiter on `clock` that sends its overshoots to `overshoot` (in batches; the last
    /// when it is dropped).
    pub fn sending_to(clock: MonotonicClock, overshoot: &SharedHistogram) -> Self {
        Self {
            clock,
            overshoot: LatencyLog::Sent(overshoot.batch()),
        }
    }

    /// The clock waits are measured on.
    pub fn clock(&self) -> MonotonicClock {
        self.clock
    }

    /// How late each wait returned, in nanoseconds (empty for a waiter that sends them on).
    pub fn overshoot(&self) -> &Histogram<u64> {
        self.overshoot.histogram()
    }

    /// Waits `ns` nanoseconds from now (no wait, and nothing recorded, for 0).
    pub fn wait_for(&mut self, ns: Nanos, stop: &AtomicBool) -> WaitEnd {
        if ns == 0 {
            return WaitEnd::Reached(self.clock.now());
        }
        let deadline = self.clock.now().saturating_add(ns);
        self.wait_until(deadline, stop)
    }

    /// Waits until the clock reads `deadline` (returns at once if it has passed, recording
    /// nothing: a schedule that fell behind is not an overshoot of a wait).
    pub fn wait_until(&mut self, deadline: Nanos, stop: &AtomicBool) -> WaitEnd {
        let mut now = self.clock.now();
        if now >= deadline {
            return WaitEnd::Reached(now);
        }
        // Sleep the bulk, leaving the threshold to spin so the sleep's own overshoot is absorbed.
        while deadline.saturating_sub(now) > SPIN_THRESHOLD_NS {
            if stop.load(Ordering::Relaxed) {
                return WaitEnd::Stopped;
            }
            let bulk = (deadline - now - SPIN_THRESHOLD_NS).min(SLEEP_SLICE_NS);
            std::thread::sleep(Duration::from_nanos(bulk));
            now = self.clock.now();
        }
        let mut spins = 0u32;
        while now < deadline {
            spins = spins.wrapping_add(1);
            if spins % SPINS_PER_YIELD == 0 {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
            now = self.clock.now();
        }
        self.overshoot.record((now - deadline).max(1));
        WaitEnd::Reached(now)
    }
}

/// Waits about `ns` nanoseconds with the same spin-then-sleep rule, without recording anything
/// (for the latency-injecting store decorator, which has no writer of its own).
pub fn precise_sleep(ns: Nanos) {
    if ns == 0 {
        return;
    }
    let start = std::time::Instant::now();
    let target = Duration::from_nanos(ns);
    if ns > SPIN_THRESHOLD_NS {
        std::thread::sleep(Duration::from_nanos(ns - SPIN_THRESHOLD_NS));
    }
    let mut spins = 0u32;
    while start.elapsed() < target {
        spins = spins.wrapping_add(1);
        if spins % SPINS_PER_YIELD == 0 {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_never_early_and_short_ones_are_close() {
        let stop = AtomicBool::new(false);
        let mut w = PreciseWaiter::new(MonotonicClock::start());
        for ns in [5_000, 20_000, 150_000, 2 * MILLIS] {
            let before = w.clock().now();
            let WaitEnd::Reached(after) = w.wait_for(ns, &stop) else {
                panic!("not stopped")
            };
            assert!(
                after - before >= ns,
                "asked {ns}, waited {}",
                after - before
            );
        }
        assert_eq!(w.overshoot().len(), 4);
    }

    #[test]
    fn a_raised_stop_flag_ends_a_long_wait() {
        let stop = AtomicBool::new(true);
        let mut w = PreciseWaiter::new(MonotonicClock::start());
        let started = std::time::Instant::now();
        assert_eq!(
            w.wait_for(10 * crate::clock::SECONDS, &stop),
            WaitEnd::Stopped
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn a_passed_deadline_returns_at_once_without_recording() {
        let stop = AtomicBool::new(false);
        let mut w = PreciseWaiter::new(MonotonicClock::start());
        std::thread::sleep(Duration::from_millis(1));
        assert!(matches!(w.wait_until(10, &stop), WaitEnd::Reached(_)));
        assert!(w.overshoot().is_empty());
    }
}
