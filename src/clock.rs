//! Time as the engines see it: nanoseconds since the run started, on a monotonic clock
//! (threaded engine) or in virtual time (simulated engine). Policies and recorders take the
//! time as a number, so nothing below the engines reads a clock of its own.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Nanoseconds since the start of a run, on the engine's clock.
pub type Nanos = u64;

/// Nanoseconds in one microsecond, millisecond and second, for readable arithmetic.
pub const MICROS: Nanos = 1_000;
/// Nanoseconds in one millisecond.
pub const MILLIS: Nanos = 1_000_000;
/// Nanoseconds in one second.
pub const SECONDS: Nanos = 1_000_000_000;

/// The real monotonic clock, anchored at a run's start.
///
/// The threaded engine reads it after every store call, so its cost is most of what measuring
/// costs (`cargo bench --bench recording`: 23.2 ns for `Instant::now` here, against 9.6 ns for
/// the time-stamp counter). It therefore reads the CPU's time-stamp counter directly where the
/// kernel itself keeps time with it (Linux on x86-64 with `tsc` as the clocksource: the kernel
/// has checked that the counter runs at a constant rate and agrees across cores), with the
/// tick rate calibrated once per process against the OS clock; everywhere else it is
/// `Instant`. The counter read is not serialising: on a call of a few tens of nanoseconds it may
/// be taken a few nanoseconds early or late, far below anything a retry policy decides on.
#[derive(Clone, Copy, Debug)]
pub struct MonotonicClock {
    source: Source,
}

#[derive(Clone, Copy, Debug)]
enum Source {
    /// Counter ticks since `start`, times `ns_per_tick` (32.32 fixed point).
    Tsc { start: u64, ns_per_tick: u64 },
    /// The OS monotonic clock.
    Os { start: Instant },
}

impl MonotonicClock {
    /// A clock whose zero is now.
    pub fn start() -> Self {
        let source = match tsc_scale() {
            Some(ns_per_tick) => Source::Tsc {
                start: tsc::read(),
                ns_per_tick,
            },
            None => Source::Os {
                start: Instant::now(),
            },
        };
        Self { source }
    }

    /// Nanoseconds since [`MonotonicClock::start`].
    #[inline]
    pub fn now(&self) -> Nanos {
        match self.source {
            Source::Tsc { start, ns_per_tick } => {
                // Another core's counter may read a hair behind the starting one: never negative.
                let ticks = tsc::read().saturating_sub(start);
                ((u128::from(ticks) * u128::from(ns_per_tick)) >> 32) as Nanos
            }
            Source::Os { start } => start.elapsed().as_nanos() as Nanos,
        }
    }

    /// Whether this clock reads the time-stamp counter (false: the OS clock).
    pub fn reads_tsc(&self) -> bool {
        matches!(self.source, Source::Tsc { .. })
    }

    /// Whether a clock started in this process reads (or would read) the time-stamp counter,
    /// without the calibration's wait when no clock was started yet: a simulated run, which
    /// reads no clock, should not sleep 25 ms to say which one it would have used.
    pub fn would_read_tsc() -> bool {
        match TSC_SCALE.get() {
            Some(scale) => scale.is_some(),
            None => tsc::trusted(),
        }
    }
}

static TSC_SCALE: OnceLock<Option<u64>> = OnceLock::new();

/// Nanoseconds per counter tick in 32.32 fixed point, or `None` where the counter is not to be
/// trusted. Measured once per process (it takes [`CALIBRATION`]).
fn tsc_scale() -> Option<u64> {
    *TSC_SCALE.get_or_init(|| tsc::trusted().then(calibrate).flatten())
}

/// How long the counter is timed against the OS clock: two OS clock reads of about 25 ns at
/// either end make the rate good to about 2 parts per million.
const CALIBRATION: Duration = Duration::from_millis(25);

fn calibrate() -> Option<u64> {
    let (t0, c0) = (Instant::now(), tsc::read());
    std::thread::sleep(CALIBRATION);
    let (c1, t1) = (tsc::read(), Instant::now());
    let ticks = c1.checked_sub(c0).filter(|&t| t > 0)?;
    let ns = (t1 - t0).as_nanos();
    u64::try_from((ns << 32) / u128::from(ticks)).ok()
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod tsc {
    /// Whether the kernel keeps time with the counter (so it found the counter invariant and
    /// synchronised across cores).
    pub(super) fn trusted() -> bool {
        std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
            .is_ok_and(|s| s.trim() == "tsc")
    }

    #[inline]
    pub(super) fn read() -> u64 {
        // SAFETY: `rdtsc` exists on every x86-64 CPU and only reads the counter.
        unsafe { core::arch::x86_64::_rdtsc() }
    }
}

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
mod tsc {
    pub(super) fn trusted() -> bool {
        false
    }

    pub(super) fn read() -> u64 {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_never_goes_back() {
        let clock = MonotonicClock::start();
        let mut last = clock.now();
        for _ in 0..100_000 {
            let now = clock.now();
            assert!(now >= last, "{now} after {last}");
            last = now;
        }
    }

    #[test]
    fn the_clock_keeps_the_os_clocks_rate() {
        let clock = MonotonicClock::start();
        let before = Instant::now();
        let x = clock.now();
        std::thread::sleep(Duration::from_millis(30));
        let y = clock.now();
        let os = before.elapsed().as_nanos() as Nanos;
        // Bracketed by the OS clock's reads: at least the sleep, at most what the OS clock saw
        // (with 1% for calibration error, far more than it has).
        assert!(y - x >= 30 * MILLIS * 99 / 100, "{} ns", y - x);
        assert!(y - x <= os + os / 100, "{} ns, OS clock {os} ns", y - x);
    }
}
