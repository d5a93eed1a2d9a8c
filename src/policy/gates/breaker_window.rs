//! The circuit breaker's memory of recent calls: a count-based sliding window (the last `size`
//! calls, as resilience4j's `COUNT_BASED`), a time-based one (calls in the last `length`, kept in
//! `buckets` slices, as resilience4j's `TIME_BASED`), or a run of consecutive failures (the seed's
//! counter). All lock-free.
//!
//! Under concurrency the counts are approximate in two bounded ways, accepted to keep recording a
//! couple of atomic adds: a reset (on a state change) may race with a recording, and a time bucket
//! being recycled may lose a recording made in the same instant. Counts never go below zero.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use crate::clock::Nanos;

const EMPTY: u8 = 0;
const SUCCESS: u8 = 1;
const FAILURE: u8 = 2;
const NO_EPOCH: u64 = u64::MAX;

/// Which window, with its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowConfig {
    /// The last `size` calls.
    Count {
        /// Calls remembered.
        size: u32,
    },
    /// Calls in the last `length_ns`, in `buckets` slices.
    Time {
        /// The window's length.
        length_ns: Nanos,
        /// Slices it is kept in.
        buckets: u32,
    },
    /// Trips after `failures` failures in a row; any success starts the count again.
    Consecutive {
        /// The run length that trips.
        failures: u32,
    },
}

/// Calls and failures seen by a window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct WindowCounts {
    /// Calls counted.
    pub(crate) calls: u64,
    /// Of which failures (for a consecutive window: the current run).
    pub(crate) failures: u64,
}

/// A lock-free sliding window.
#[derive(Debug)]
pub(crate) enum Window {
    /// See [`WindowConfig::Count`].
    Count {
        /// One outcome per slot.
        slots: Box<[AtomicU8]>,
        /// The next slot (modulo the size).
        cursor: AtomicU64,
        /// Occupied slots (read as signed, clamped).
        calls: AtomicU64,
        /// Failure slots (read as signed, clamped).
        failures: AtomicU64,
    },
    /// See [`WindowConfig::Time`].
    Time {
        /// Slice length.
        bucket_ns: Nanos,
        /// The slice index each bucket holds.
        epochs: Box<[AtomicU64]>,
        /// `calls << 32 | failures` per bucket.
        counts: Box<[AtomicU64]>,
    },
    /// See [`WindowConfig::Consecutive`].
    Consecutive {
        /// The current run of failures.
        run: AtomicU64,
    },
}

fn signed(v: &AtomicU64) -> u64 {
    (v.load(Ordering::Relaxed) as i64).max(0) as u64
}

impl Window {
    /// An empty window.
    pub(crate) fn new(config: WindowConfig) -> Self {
        match config {
            WindowConfig::Count { size } => Window::Count {
                slots: (0..size.max(1)).map(|_| AtomicU8::new(EMPTY)).collect(),
                cursor: AtomicU64::new(0),
                calls: AtomicU64::new(0),
                failures: AtomicU64::new(0),
            },
            WindowConfig::Time { length_ns, buckets } => {
                let buckets = buckets.max(1);
                Window::Time {
                    bucket_ns: (length_ns / u64::from(buckets)).max(1),
                    epochs: (0..buckets).map(|_| AtomicU64::new(NO_EPOCH)).collect(),
                    counts: (0..buckets).map(|_| AtomicU64::new(0)).collect(),
                }
            }
            WindowConfig::Consecutive { .. } => Window::Consecutive {
                run: AtomicU64::new(0),
            },
        }
    }

    /// Records one call's outcome at `now_ns`.
    #[inline]
    pub(crate) fn record(&self, now_ns: Nanos, failed: bool) {
        match self {
            Window::Count {
                slots,
                cursor,
                calls,
                failures,
            } => {
                let i = (cursor.fetch_add(1, Ordering::Relaxed) % slots.len() as u64) as usize;
                let new = if failed { FAILURE } else { SUCCESS };
                let old = slots[i].swap(new, Ordering::AcqRel);
                if old == EMPTY {
                    calls.fetch_add(1, Ordering::Relaxed);
                }
                let delta = i64::from(new == FAILURE) - i64::from(old == FAILURE);
                if delta != 0 {
                    failures.fetch_add(delta as u64, Ordering::Relaxed);
                }
            }
            Window::Time {
                bucket_ns,
                epochs,
                counts,
            } => {
                let epoch = now_ns / bucket_ns;
                let i = (epoch % epochs.len() as u64) as usize;
                let seen = epochs[i].load(Ordering::Acquire);
                if seen != epoch
                    && (seen == NO_EPOCH || seen < epoch)
                    && epochs[i]
                        .compare_exchange(seen, epoch, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok()
                {
                    counts[i].store(0, Ordering::Release);
                }
                counts[i].fetch_add((1 << 32) | u64::from(failed), Ordering::AcqRel);
            }
            Window::Consecutive { run } => {
                if failed {
                    run.fetch_add(1, Ordering::AcqRel);
                } else if run.load(Ordering::Relaxed) != 0 {
                    run.store(0, Ordering::Release);
                }
            }
        }
    }

    /// The counts at `now_ns`.
    pub(crate) fn counts(&self, now_ns: Nanos) -> WindowCounts {
        match self {
            Window::Count {
                slots,
                calls,
                failures,
                ..
            } => WindowCounts {
                calls: signed(calls).min(slots.len() as u64),
                failures: signed(failures).min(slots.len() as u64),
            },
            Window::Time {
                bucket_ns,
                epochs,
                counts,
            } => {
                let epoch = now_ns / bucket_ns;
                let oldest = epoch.saturating_sub(epochs.len() as u64 - 1);
                let mut total = WindowCounts::default();
                for (e, c) in epochs.iter().zip(counts.iter()) {
                    let e = e.load(Ordering::Acquire);
                    if e != NO_EPOCH && e >= oldest && e <= epoch {
                        let packed = c.load(Ordering::Acquire);
                        total.calls += packed >> 32;
                        total.failures += packed & 0xFFFF_FFFF;
                    }
                }
                total
            }
            Window::Consecutive { run } => {
                let run = run.load(Ordering::Acquire);
                WindowCounts {
                    calls: run,
                    failures: run,
                }
            }
        }
    }

    /// Forgets every call (after the breaker changes state).
    pub(crate) fn reset(&self) {
        match self {
            Window::Count {
                slots,
                calls,
                failures,
                ..
            } => {
                for s in slots.iter() {
                    s.store(EMPTY, Ordering::Release);
                }
                calls.store(0, Ordering::Release);
                failures.store(0, Ordering::Release);
            }
            Window::Time { epochs, counts, .. } => {
                for (e, c) in epochs.iter().zip(counts.iter()) {
                    e.store(NO_EPOCH, Ordering::Release);
                    c.store(0, Ordering::Release);
                }
            }
            Window::Consecutive { run } => run.store(0, Ordering::Release),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_window_keeps_the_last_n_calls() {
        let w = Window::new(WindowConfig::Count { size: 4 });
        for failed in [true, true, false, false] {
            w.record(0, failed);
        }
        assert_eq!(
            w.counts(0),
            WindowCounts {
                calls: 4,
                failures: 2
            }
        );
        w.record(0, false);
        w.record(0, false);
        assert_eq!(
            w.counts(0),
            WindowCounts {
                calls: 4,
                failures: 0
            }
        );
        w.reset();
        assert_eq!(w.counts(0), WindowCounts::default());
    }

    #[test]
    fn time_window_forgets_old_buckets() {
        let w = Window::new(WindowConfig::Time {
            length_ns: 1_000,
            buckets: 10,
        });
        w.record(0, true);
        w.record(150, false);
        assert_eq!(
            w.counts(150),
            WindowCounts {
                calls: 2,
                failures: 1
            }
        );
        assert_eq!(
            w.counts(1_050),
            WindowCounts {
                calls: 1,
                failures: 0
            }
        );
        assert_eq!(w.counts(1_200), WindowCounts::default());
        w.record(1_200, true);
        assert_eq!(
            w.counts(1_200),
            WindowCounts {
                calls: 1,
                failures: 1
            }
        );
    }

    #[test]
    fn consecutive_window_resets_on_success() {
        let w = Window::new(WindowConfig::Consecutive { failures: 3 });
        w.record(0, true);
        w.record(0, true);
        assert_eq!(w.counts(0).failures, 2);
        w.record(0, false);
        assert_eq!(w.counts(0).failures, 0);
    }
}
