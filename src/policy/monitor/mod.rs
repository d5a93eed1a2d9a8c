//! Conflict analysis and monitoring (the seed's pattern 5): which actors conflict most, how stale
//! writers' reads were, and structured alerts when a read was very stale.
//!
//! Shared by a pool and lock-free, bounded in memory whatever the number of actors:
//! - per-actor counts in a count-min sketch (4 rows × 1024 counters): an estimate never below the
//!   true count, above it by at most `2·N/1024` with probability ≥ 1 − 2⁻⁴ (N = conflicts seen);
//! - hot-actor candidates in a fixed table (1024 slots, open addressing, 8 probes): an actor is
//!   entered the first time it conflicts while there is room; the hottest actors conflict early,
//!   so they are there; `hottest(k)` ranks the table's actors by their sketch estimates;
//! - staleness (`current − attempted + 1`) in power-of-two buckets, too-new attempts (staleness
//!   ≤ 0) counted apart;
//! - a count of stale-read alerts (staleness above a threshold, the seed's `gap > 5`), each also
//!   a `tracing::debug!` event (target `retrylab::policy::monitor`) with the actor, versions and
//!   staleness; the run's end logs one summary per pool at `warn` when there were alerts, so
//!   a contended run does not flood the log with one line per conflict.
//!
//! The hot path is six relaxed atomic adds and a table probe that is read-only after an actor's
//! first conflict.
//!
//! The monitor itself stays in this file rather than a submodule so that its events keep the
//! target `retrylab::policy::monitor`; [`monitored`] puts it on any policy.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::rng::mix64;
use crate::store::{ActorId, VersionConflict};

pub mod monitored;

const SKETCH_ROWS: usize = 4;
const SKETCH_WIDTH: usize = 1024;
const TABLE_SLOTS: usize = 1024;
const TABLE_PROBES: usize = 8;
/// Staleness buckets: `[1,2)`, `[2,4)`, … the last open-ended.
pub(crate) const STALENESS_BUCKETS: usize = 16;
const EMPTY_SLOT: u64 = 0;

/// Settings of a monitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonitorConfig {
    /// Staleness above which a read counts as stale and raises an alert (the seed uses 5).
    pub stale_threshold: i64,
    /// Whether alerts are also emitted as `tracing` events.
    pub emit_events: bool,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        Self {
            stale_threshold: 5,
            emit_events: true,
        }
    }
}

/// One staleness bucket in a report: staleness in `[low, high)` (high `None` for open-ended).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StalenessBucket {
    /// Inclusive lower bound.
    pub low: u64,
    /// Exclusive upper bound, `None` for the last bucket.
    pub high: Option<u64>,
    /// Conflicts in the bucket.
    pub count: u64,
}

/// What a monitor has seen, for reports.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MonitorSnapshot {
    /// Staleness above which a conflict raised a stale-read alert.
    pub stale_threshold: i64,
    /// Conflicts recorded.
    pub conflicts: u64,
    /// Conflicts whose attempt was ahead of the stream (staleness ≤ 0).
    pub too_new: u64,
    /// Stale-read alerts raised.
    pub stale_alerts: u64,
    /// The hottest actors with their estimated conflict counts, hottest first.
    pub hottest: Vec<(ActorId, u64)>,
    /// The staleness histogram (non-empty buckets).
    pub staleness: Vec<StalenessBucket>,
}

impl MonitorSnapshot {
    /// The `n` hottest actors as text for people: `7 (~50), 3 (~20)`.
    pub fn hottest_text(&self, n: usize) -> String {
        self.hottest
            .iter()
            .take(n)
            .map(|(actor, count)| format!("{actor} (~{count})"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A pool-wide conflict monitor.
#[derive(Debug)]
pub struct ConflictMonitor {
    config: MonitorConfig,
    sketch: Box<[AtomicU32]>,
    table: Box<[AtomicU64]>,
    staleness: [AtomicU64; STALENESS_BUCKETS],
    too_new: AtomicU64,
    alerts: AtomicU64,
}

impl ConflictMonitor {
    /// An empty monitor.
    pub fn new(config: MonitorConfig) -> Self {
        Self {
            config,
            sketch: (0..SKETCH_ROWS * SKETCH_WIDTH)
                .map(|_| AtomicU32::new(0))
                .collect(),
            table: (0..TABLE_SLOTS)
                .map(|_| AtomicU64::new(EMPTY_SLOT))
                .collect(),
            staleness: std::array::from_fn(|_| AtomicU64::new(0)),
            too_new: AtomicU64::new(0),
            alerts: AtomicU64::new(0),
        }
    }

    /// The settings.
    pub fn config(&self) -> &MonitorConfig {
        &self.config
    }

    fn cells(actor: ActorId) -> [usize; SKETCH_ROWS] {
        let h = mix64(actor);
        // Two halves of one hash give the rows' indexes (Kirsch–Mitzenmacher double hashing).
        let (a, b) = (h as u32 as usize, (h >> 32) as usize | 1);
        std::array::from_fn(|row| {
            row * SKETCH_WIDTH + (a.wrapping_add(row.wrapping_mul(b)) % SKETCH_WIDTH)
        })
    }

    /// Records one conflict.
    #[inline]
    pub fn record(&self, conflict: &VersionConflict) {
        for cell in Self::cells(conflict.actor) {
            self.sketch[cell].fetch_add(1, Ordering::Relaxed);
        }
        self.remember(conflict.actor);
        let staleness = conflict.staleness();
        if staleness <= 0 {
            self.too_new.fetch_add(1, Ordering::Relaxed);
        } else {
            let bucket =
                (63 - (staleness as u64).leading_zeros() as usize).min(STALENESS_BUCKETS - 1);
            self.staleness[bucket].fetch_add(1, Ordering::Relaxed);
        }
        if staleness > self.config.stale_threshold {
            self.alerts.fetch_add(1, Ordering::Relaxed);
            if self.config.emit_events {
                tracing::debug!(
                    actor = conflict.actor,
                    current = conflict.current,
                    attempted = conflict.attempted,
                    staleness,
                    "stale read"
                );
            }
        }
    }

    fn remember(&self, actor: ActorId) {
        // Slots hold actor + 1 so that 0 means empty; actor u64::MAX wraps to 0 and is not tracked.
        let tag = actor.wrapping_add(1);
        if tag == EMPTY_SLOT {
            return;
        }
        let start = (mix64(actor ^ 0x5EED) as usize) % TABLE_SLOTS;
        for probe in 0..TABLE_PROBES {
            let slot = &self.table[(start + probe) % TABLE_SLOTS];
            match slot.load(Ordering::Relaxed) {
                t if t == tag => return,
                EMPTY_SLOT => match slot.compare_exchange(
                    EMPTY_SLOT,
                    tag,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return,
                    Err(t) if t == tag => return,
                    Err(_) => continue,
                },
                _ => continue,
            }
        }
    }

    /// The estimated conflicts of `actor` (never below the true count).
    pub fn estimate(&self, actor: ActorId) -> u64 {
        Self::cells(actor)
            .iter()
            .map(|&c| u64::from(self.sketch[c].load(Ordering::Relaxed)))
            .min()
            .unwrap_or(0)
    }

    /// Conflicts recorded.
    pub fn conflicts(&self) -> u64 {
        self.too_new.load(Ordering::Relaxed)
            + self
                .staleness
                .iter()
                .map(|b| b.load(Ordering::Relaxed))
                .sum::<u64>()
    }

    /// Stale-read alerts raised.
    pub fn stale_alerts(&self) -> u64 {
        self.alerts.load(Ordering::Relaxed)
    }

    /// The `k` hottest tracked actors with their estimates, hottest first (ties by actor id).
    pub fn hottest(&self, k: usize) -> Vec<(ActorId, u64)> {
        let mut all: Vec<(ActorId, u64)> = self
            .table
            .iter()
            .map(|s| s.load(Ordering::Acquire))
            .filter(|&t| t != EMPTY_SLOT)
            .map(|t| (t - 1, self.estimate(t - 1)))
            .collect();
        all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(k);
        all
    }

    /// The staleness histogram, non-empty buckets only.
    pub fn staleness_histogram(&self) -> Vec<StalenessBucket> {
        (0..STALENESS_BUCKETS)
            .map(|i| StalenessBucket {
                low: 1 << i,
                high: (i + 1 < STALENESS_BUCKETS).then(|| 1 << (i + 1)),
                count: self.staleness[i].load(Ordering::Relaxed),
            })
            .filter(|b| b.count > 0)
            .collect()
    }

    /// Everything at once, with the `top_k` hottest actors.
    pub fn snapshot(&self, top_k: usize) -> MonitorSnapshot {
        MonitorSnapshot {
            stale_threshold: self.config.stale_threshold,
            conflicts: self.conflicts(),
            too_new: self.too_new.load(Ordering::Relaxed),
            stale_alerts: self.stale_alerts(),
            hottest: self.hottest(top_k),
            staleness: self.staleness_histogram(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conflict(actor: ActorId, current: u64, attempted: u64) -> VersionConflict {
        VersionConflict {
            actor,
            current,
            attempted,
        }
    }

    #[test]
    fn counts_hot_actors_staleness_and_alerts() {
        let m = ConflictMonitor::new(MonitorConfig {
            stale_threshold: 5,
            emit_events: false,
        });
        for _ in 0..50 {
            m.record(&conflict(7, 10, 10)); // staleness 1
        }
        for _ in 0..20 {
            m.record(&conflict(3, 20, 12)); // staleness 9: stale
        }
        m.record(&conflict(9, 1, 5)); // too new
        assert_eq!(m.conflicts(), 71);
        assert_eq!(m.stale_alerts(), 20);
        assert!(m.estimate(7) >= 50 && m.estimate(3) >= 20);
        assert_eq!(m.hottest(2).iter().map(|h| h.0).collect::<Vec<_>>(), [7, 3]);
        let hist = m.staleness_histogram();
        assert_eq!(
            hist[0],
            StalenessBucket {
                low: 1,
                high: Some(2),
                count: 50
            }
        );
        assert_eq!(
            hist[1],
            StalenessBucket {
                low: 8,
                high: Some(16),
                count: 20
            }
        );
        assert_eq!(m.snapshot(5).too_new, 1);
    }
}
