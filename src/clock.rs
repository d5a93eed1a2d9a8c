//! Time as the engines see it: nanoseconds since the run started, on a monotonic clock
//! (threaded engine) or in virtual time (simulated engine). Policies and recorders take the
//! time as a number, so nothing below the engines reads a clock of its own.

use std::time::Instant;

/// Nanoseconds since the start of a run, on the engine's clock.
pub type Nanos = u64;

/// Nanoseconds in one microsecond, millisecond and second, for readable arithmetic.
pub const MICROS: Nanos = 1_000;
/// Nanoseconds in one millisecond.
pub const MILLIS: Nanos = 1_000_000;
/// Nanoseconds in one second.
pub const SECONDS: Nanos = 1_000_000_000;

/// The real monotonic clock, anchored at a run's start.
#[derive(Clone, Copy, Debug)]
pub struct MonotonicClock {
    start: Instant,
}

impl MonotonicClock {
    /// A clock whose zero is now.
    pub fn start() -> Self {
        Self {
            start: Instant::now(),
        }
    }

    /// Nanoseconds since [`MonotonicClock::start`].
    #[inline]
    pub fn now(&self) -> Nanos {
        self.start.elapsed().as_nanos() as Nanos
    }

    /// The instant this clock counts from.
    pub fn origin(&self) -> Instant {
        self.start
    }
}
