//! A latency histogram that many writers record into through small batches.
//!
//! A histogram of its own costs each writer 16 KB empty and about 100 KB once it has seen
//! milliseconds (3 significant figures, auto-resizing), and growing it is a fresh allocation,
//! page faults and a copy each time. Thousands of writers (the async engine allows 16,384)
//! spent their first second on nothing else, and a run's memory grew with its writers. So a
//! writer of a real-clock engine keeps only a batch of raw samples and adds the batch to its
//! pool's histogram under a lock when the batch fills, and once more when it is dropped: one
//! lock per [`BATCH`] samples, a few hundred bytes per writer.

use std::sync::{Arc, Mutex, PoisonError};

use hdrhistogram::Histogram;

/// Samples a writer keeps before adding them to the shared histogram.
pub const BATCH: usize = 64;

/// A histogram shared by a pool's writers.
#[derive(Clone, Debug)]
pub struct SharedHistogram(Arc<Mutex<Histogram<u64>>>);

impl Default for SharedHistogram {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(histogram())))
    }
}

impl SharedHistogram {
    /// A writer's batch into this histogram.
    pub fn batch(&self) -> SampleBatch {
        SampleBatch {
            samples: Vec::new(),
            into: self.clone(),
        }
    }

    /// Adds a whole histogram.
    fn add(&self, other: &Histogram<u64>) {
        let mut h = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = h.add(other);
    }

    /// Everything recorded so far (every batch dropped by now has been added).
    pub fn take(&self) -> Histogram<u64> {
        let mut h = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::replace(&mut *h, histogram())
    }
}

/// One writer's samples on their way to a [`SharedHistogram`]; added when full and on drop.
#[derive(Debug)]
pub struct SampleBatch {
    samples: Vec<u64>,
    into: SharedHistogram,
}

impl SampleBatch {
    /// Records `ns`.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        if self.samples.capacity() == 0 {
            self.samples.reserve_exact(BATCH);
        }
        self.samples.push(ns);
        if self.samples.len() == BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.samples.is_empty() {
            return;
        }
        // A writer that panicked while holding the lock left a whole histogram behind (adding
        // a value cannot be half done), so a poisoned lock is still good.
        let mut h = self.into.0.lock().unwrap_or_else(PoisonError::into_inner);
        for &ns in &self.samples {
            record_ns(&mut h, ns);
        }
        self.samples.clear();
    }
}

impl Drop for SampleBatch {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Where a recorder's latency samples go.
#[derive(Debug)]
pub enum LatencyLog {
    /// Into a histogram of its own (the simulator's per-pool recorders, merged recorders).
    Kept(Histogram<u64>),
    /// In batches into a histogram the writers of its pool share (real-clock engines).
    Sent(SampleBatch),
}

impl LatencyLog {
    /// A log that keeps its own histogram.
    pub fn kept() -> Self {
        Self::Kept(histogram())
    }

    /// Records `ns`.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        match self {
            Self::Kept(h) => record_ns(h, ns),
            Self::Sent(b) => b.record(ns),
        }
    }

    /// The histogram this log kept; empty for a log that sent its samples on (read those
    /// from the [`SharedHistogram`]).
    pub fn histogram(&self) -> &Histogram<u64> {
        static NONE: std::sync::LazyLock<Histogram<u64>> = std::sync::LazyLock::new(histogram);
        match self {
            Self::Kept(h) => h,
            Self::Sent(_) => &NONE,
        }
    }

    /// The histogram kept (empty for a log that sent its samples on).
    pub fn into_histogram(self) -> Histogram<u64> {
        match self {
            Self::Kept(h) => h,
            Self::Sent(_) => histogram(),
        }
    }

    /// Adds `other`'s kept samples to this log (sent ones are already in their pool's).
    pub fn add(&mut self, other: &LatencyLog) {
        let Self::Kept(o) = other else { return };
        match self {
            // Auto-resizing histograms never refuse an add.
            Self::Kept(h) => {
                let _ = h.add(o);
            }
            Self::Sent(b) => b.into.add(o),
        }
    }
}

/// Values up to this (2^36 ns, about 69 s) fit a new histogram without resizing it.
const PRESIZED_NS: u64 = 1 << 36;

/// An empty histogram of 3 significant figures, room for values to about a minute made at
/// once, auto-resizing past that. Made at once, its 221 KB of counts come zeroed from the
/// allocator and only the pages a value lands on are ever touched; grown from the default
/// range instead, each resize copies and zeroes the whole array, which a sweep of thousands
/// of short runs paid for in every one.
pub fn histogram() -> Histogram<u64> {
    let mut h = Histogram::new_with_max(PRESIZED_NS, 3)
        .expect("2^36 with 3 significant figures is a valid range");
    h.auto(true);
    h
}

/// Records `ns` into an auto-resizing histogram. `saturating_record` alone never resizes (it
/// clamps to the current top, which starts at 2), so growth must go through `record`; the
/// saturating form is only the fallback for values past `u64` limits.
#[inline]
pub fn record_ns(h: &mut Histogram<u64>, ns: u64) {
    if h.record(ns).is_err() {
        h.saturating_record(ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_reaches_the_shared_histogram_full_batches_and_the_rest_on_drop() {
        let shared = SharedHistogram::default();
        let writers: Vec<_> = (0..3u64)
            .map(|w| {
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let mut b = shared.batch();
                    for i in 0..(BATCH as u64 * 2 + 5) {
                        b.record(1_000 * (w + 1) + i);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let h = shared.take();
        assert_eq!(h.len(), 3 * (BATCH as u64 * 2 + 5));
        assert_eq!(h.min(), 1_000);
        assert!(h.max().abs_diff(3_000 + BATCH as u64 * 2 + 4) <= 3);
        assert!(shared.take().is_empty(), "take leaves an empty histogram");
    }

    #[test]
    fn a_batch_holds_at_most_its_size_before_adding() {
        let shared = SharedHistogram::default();
        let mut b = shared.batch();
        for i in 0..BATCH as u64 {
            b.record(i + 1);
        }
        assert_eq!(
            shared.take().len(),
            BATCH as u64,
            "a full batch is added at once"
        );
        b.record(7);
        assert!(shared.take().is_empty());
        drop(b);
        assert_eq!(shared.take().len(), 1);
    }
}
