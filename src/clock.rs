//! Time as the engines see it: nanoseconds since the run started, on a monotonic clock
//! (threaded engine) or in virtual time (simulated engine). Policies and recorders take the
//! time as a number, so nothing below the engines reads a clock of its own.

use std::sync::OnceLock;

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
/// It reads the CPU's time-stamp counter where that is invariant (constant rate, synchronised
/// across cores; checked once per process, with the tick rate calibrated against the OS clock),
/// and the OS monotonic clock otherwise. A counter read costs about a third of
/// `Instant::now` here (`cargo bench --bench recording`, `clock_read` rows), and the threaded engine
/// reads the clock after every store call, so this is most of what measuring costs. The
/// counter read is not serialising: on a call of a few tens of nanoseconds it may be taken a
/// few nanoseconds early or late, well below anything a retry policy decides on.
#[derive(Clone, Copy, Debug)]
pub struct MonotonicClock {
    source: &'static quanta::Clock,
    start: u64,
}

/// The process's one calibrated clock source (calibrating takes a few milliseconds).
fn source() -> &'static quanta::Clock {
    static SOURCE: OnceLock<quanta::Clock> = OnceLock::new();
    SOURCE.get_or_init(quanta::Clock::new)
}

impl MonotonicClock {
    /// A clock whose zero is now.
    pub fn start() -> Self {
        let source = source();
        Self {
            source,
            start: source.raw(),
        }
    }

    /// Nanoseconds since [`MonotonicClock::start`].
    #[inline]
    pub fn now(&self) -> Nanos {
        self.source.delta_as_nanos(self.start, self.source.raw())
    }
}
