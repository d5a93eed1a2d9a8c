//! What one writer (threads) or one pool (simulation) saw, recorded without touching anything
//! shared: histograms and counters owned by the recording thread, merged after the run.

use std::collections::HashMap;

use super::shared_histogram::{LatencyLog, SharedHistogram};
use crate::clock::Nanos;
use crate::policy::{GiveUpReason, RejectReason};
use crate::store::{ActorId, VersionConflict};

/// Staleness values above this share the last bucket of the staleness histogram.
pub const MAX_STALENESS_BUCKET: usize = 64;
/// Attempt counts above this share the last bucket of the attempts-per-operation histogram.
pub const MAX_ATTEMPTS_BUCKET: usize = 64;

/// The most time-series windows a recorder keeps. Events later than that many windows after
/// the start are counted in the last window (validation keeps a run's length within it, so
/// only a run bounded by operation counts alone can reach it), so memory stays bounded
/// whatever the clock says.
pub const MAX_WINDOWS: usize = 100_000;

/// When recording counts, and how time is bucketed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordingWindow {
    /// Operations whose intended start is before this are warm-up: not counted in the figures
    /// (they still appear in the time series).
    pub warmup_end_ns: Nanos,
    /// Width of one time-series window.
    pub window_ns: Nanos,
}

/// Counts in one time-series window (every event, warm-up included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WindowCounts {
    /// Operations committed in the window.
    pub commits: u64,
    /// Attempts that met a version conflict in the window.
    pub conflicts: u64,
    /// Operations given up in the window.
    pub give_ups: u64,
    /// Attempts rejected by a gate (breaker, budget) in the window.
    pub rejections: u64,
}

/// Plain counters of one recorder; all refer to measured operations only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counters {
    /// Append operations started (measured).
    pub operations: u64,
    /// Append operations that committed.
    pub committed: u64,
    /// Appends sent to the store (first tries and retries).
    pub attempts: u64,
    /// Attempts that met a version conflict.
    pub conflicts: u64,
    /// Operations given up because the attempt limit was reached.
    pub give_up_max_attempts: u64,
    /// Operations given up because the deadline would pass.
    pub give_up_deadline: u64,
    /// Operations given up because the error was not retryable.
    pub give_up_not_retryable: u64,
    /// Operations rejected by an open circuit.
    pub rejected_circuit_open: u64,
    /// Operations rejected by an empty retry budget.
    pub rejected_budget: u64,
    /// Attempts that failed with a non-conflict error.
    pub other_errors: u64,
    /// Read operations completed.
    pub reads: u64,
    /// Events read back by rebuilds (state reload and merge).
    pub events_replayed: u64,
    /// Time spent in attempts that did not commit (from the attempt's refresh or first read
    /// to its failure).
    pub failed_attempt_ns: u64,
    /// Time spent waiting out policy delays.
    pub backoff_ns: u64,
    /// Appends whose response did not arrive within the client timeout (simulated engine's
    /// `[sim] timeout`); each was resolved by reading the store back.
    #[serde(default)]
    pub timeouts: u64,
    /// Timed-out appends that had in fact committed (counted as committed too).
    #[serde(default)]
    pub timeouts_committed: u64,
    /// Operations still in flight when the run ended (cut at the deadline or by a stop):
    /// neither committed nor given up.
    #[serde(default)]
    pub unfinished: u64,
    /// Of those, operations cut while an append of theirs might still land (sent, answer not
    /// heard): the audit allows each one stored event its writer was not told of.
    #[serde(default)]
    pub unknown_outcomes: u64,
}

impl Counters {
    /// Operations given up, for any reason.
    pub fn give_ups(&self) -> u64 {
        self.give_up_max_attempts + self.give_up_deadline + self.give_up_not_retryable
    }

    /// Operations rejected by a gate, for any reason.
    pub fn rejections(&self) -> u64 {
        self.rejected_circuit_open + self.rejected_budget
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, o: &Counters) {
        self.operations += o.operations;
        self.committed += o.committed;
        self.attempts += o.attempts;
        self.conflicts += o.conflicts;
        self.give_up_max_attempts += o.give_up_max_attempts;
        self.give_up_deadline += o.give_up_deadline;
        self.give_up_not_retryable += o.give_up_not_retryable;
        self.rejected_circuit_open += o.rejected_circuit_open;
        self.rejected_budget += o.rejected_budget;
        self.other_errors += o.other_errors;
        self.reads += o.reads;
        self.events_replayed += o.events_replayed;
        self.failed_attempt_ns += o.failed_attempt_ns;
        self.backoff_ns += o.backoff_ns;
        self.timeouts += o.timeouts;
        self.timeouts_committed += o.timeouts_committed;
        self.unfinished += o.unfinished;
        self.unknown_outcomes += o.unknown_outcomes;
    }
}

/// The recording of one writer (or, in the simulator, one pool).
#[derive(Debug)]
pub struct Recorder {
    window: RecordingWindow,
    /// Latency of committed append operations from their intended start (ns).
    pub op_latency: LatencyLog,
    /// Latency of single append calls to the store (ns), all outcomes.
    pub attempt_latency: LatencyLog,
    /// Latency of read operations (ns).
    pub read_latency: LatencyLog,
    /// `attempts_per_op[n]`: committed operations that took `n` attempts (last bucket: more).
    pub attempts_per_op: Vec<u64>,
    /// `staleness[s]`: conflicts whose staleness was `s` (0: the attempt was ahead; last
    /// bucket: more).
    pub staleness: Vec<u64>,
    /// The counters.
    pub counters: Counters,
    /// Time series, one entry per window since the run's start.
    pub windows: Vec<WindowCounts>,
    /// Conflicts per actor (only actors that had one).
    pub conflicts_by_actor: HashMap<ActorId, u64>,
    /// Most attempts any measured operation took (committed or not).
    pub worst_attempts: u64,
    /// Longest any measured operation took (ns), committed or not.
    pub worst_latency_ns: u64,
}

/// The histograms a pool's writers share (real-clock engines): each writer's recorder sends
/// its latency samples here in batches instead of keeping histograms of its own.
#[derive(Clone, Debug, Default)]
pub struct PoolLatencies {
    /// Latency of committed append operations.
    pub op: SharedHistogram,
    /// Latency of single append calls.
    pub attempt: SharedHistogram,
    /// Latency of read operations.
    pub read: SharedHistogram,
}

impl Recorder {
    /// An empty recorder that keeps its own histograms.
    pub fn new(window: RecordingWindow) -> Self {
        Self::with_latencies(
            window,
            [LatencyLog::kept(), LatencyLog::kept(), LatencyLog::kept()],
        )
    }

    /// An empty recorder of one writer that sends its latencies to its pool's histograms.
    pub fn sending_to(window: RecordingWindow, pool: &PoolLatencies) -> Self {
        Self::with_latencies(
            window,
            [
                LatencyLog::Sent(pool.op.batch()),
                LatencyLog::Sent(pool.attempt.batch()),
                LatencyLog::Sent(pool.read.batch()),
            ],
        )
    }

    /// A merged recorder takes its pool's shared histograms, once every writer's recorder
    /// (and with it its last batch) has been dropped.
    pub fn keep(&mut self, pool: &PoolLatencies) {
        self.op_latency = LatencyLog::Kept(pool.op.take());
        self.attempt_latency = LatencyLog::Kept(pool.attempt.take());
        self.read_latency = LatencyLog::Kept(pool.read.take());
    }

    fn with_latencies(window: RecordingWindow, [op, attempt, read]: [LatencyLog; 3]) -> Self {
        Self {
            window,
            op_latency: op,
            attempt_latency: attempt,
            read_latency: read,
            attempts_per_op: vec![0; MAX_ATTEMPTS_BUCKET + 1],
            staleness: vec![0; MAX_STALENESS_BUCKET + 1],
            counters: Counters::default(),
            windows: Vec::new(),
            conflicts_by_actor: HashMap::new(),
            worst_attempts: 0,
            worst_latency_ns: 0,
        }
    }

    /// The recording window this recorder was made with.
    pub fn window(&self) -> RecordingWindow {
        self.window
    }

    /// Whether an operation that was meant to start at `intended_start` counts.
    #[inline]
    pub fn measures(&self, intended_start: Nanos) -> bool {
        intended_start >= self.window.warmup_end_ns
    }

    #[inline]
    fn slot(&mut self, now: Nanos) -> &mut WindowCounts {
        let i = ((now / self.window.window_ns.max(1)) as usize).min(MAX_WINDOWS - 1);
        if i >= self.windows.len() {
            self.windows.resize(i + 1, WindowCounts::default());
        }
        &mut self.windows[i]
    }

    fn finish_op(&mut self, intended_start: Nanos, now: Nanos, attempts: u32) {
        let latency = now.saturating_sub(intended_start);
        self.worst_attempts = self.worst_attempts.max(u64::from(attempts));
        self.worst_latency_ns = self.worst_latency_ns.max(latency);
    }

    /// An append operation began (its intended start decides whether it is measured).
    pub fn op_started(&mut self, intended_start: Nanos) {
        if self.measures(intended_start) {
            self.counters.operations += 1;
        }
    }

    /// One append call returned after `call_ns`.
    pub fn attempt(&mut self, intended_start: Nanos, call_ns: Nanos) {
        if self.measures(intended_start) {
            self.counters.attempts += 1;
            self.attempt_latency.record(call_ns.max(1));
        }
    }

    /// An attempt failed after `wasted_ns` of work (its read, think and append).
    pub fn wasted(&mut self, intended_start: Nanos, wasted_ns: Nanos) {
        if self.measures(intended_start) {
            self.counters.failed_attempt_ns += wasted_ns;
        }
    }

    /// An attempt met a version conflict at `now`.
    pub fn conflict(&mut self, intended_start: Nanos, now: Nanos, conflict: &VersionConflict) {
        self.slot(now).conflicts += 1;
        if self.measures(intended_start) {
            self.counters.conflicts += 1;
            let s = conflict.staleness().clamp(0, MAX_STALENESS_BUCKET as i64) as usize;
            self.staleness[s] += 1;
            *self.conflicts_by_actor.entry(conflict.actor).or_insert(0) += 1;
        }
    }

    /// An append's response did not arrive within the client timeout.
    pub fn timed_out(&mut self, intended_start: Nanos) {
        if self.measures(intended_start) {
            self.counters.timeouts += 1;
        }
    }

    /// A timed-out append was resolved by reading back: it had `committed`, or not.
    pub fn timeout_resolved(&mut self, intended_start: Nanos, committed: bool) {
        if committed && self.measures(intended_start) {
            self.counters.timeouts_committed += 1;
        }
    }

    /// An attempt failed with an error that is not a conflict.
    pub fn other_error(&mut self, intended_start: Nanos) {
        if self.measures(intended_start) {
            self.counters.other_errors += 1;
        }
    }

    /// The writer waited `ns` as its policy told it.
    pub fn backoff(&mut self, intended_start: Nanos, ns: Nanos) {
        if self.measures(intended_start) {
            self.counters.backoff_ns += ns;
        }
    }

    /// A rebuild read `events` events.
    pub fn replayed(&mut self, intended_start: Nanos, events: u64) {
        if self.measures(intended_start) {
            self.counters.events_replayed += events;
        }
    }

    /// The operation committed at `now` after `attempts` attempts.
    pub fn committed(&mut self, intended_start: Nanos, now: Nanos, attempts: u32) {
        self.slot(now).commits += 1;
        if self.measures(intended_start) {
            self.counters.committed += 1;
            self.op_latency
                .record(now.saturating_sub(intended_start).max(1));
            self.attempts_per_op[(attempts as usize).min(MAX_ATTEMPTS_BUCKET)] += 1;
            self.finish_op(intended_start, now, attempts);
        }
    }

    /// The operation was given up at `now`.
    pub fn gave_up(&mut self, intended_start: Nanos, now: Nanos, attempts: u32, why: GiveUpReason) {
        self.slot(now).give_ups += 1;
        if self.measures(intended_start) {
            match why {
                GiveUpReason::MaxAttempts => self.counters.give_up_max_attempts += 1,
                GiveUpReason::Deadline => self.counters.give_up_deadline += 1,
                GiveUpReason::NotRetryable => self.counters.give_up_not_retryable += 1,
            }
            self.finish_op(intended_start, now, attempts);
        }
    }

    /// The operation was rejected by a gate at `now`.
    pub fn rejected(
        &mut self,
        intended_start: Nanos,
        now: Nanos,
        attempts: u32,
        why: RejectReason,
    ) {
        self.slot(now).rejections += 1;
        if self.measures(intended_start) {
            match why {
                RejectReason::CircuitOpen => self.counters.rejected_circuit_open += 1,
                RejectReason::BudgetExhausted => self.counters.rejected_budget += 1,
            }
            self.finish_op(intended_start, now, attempts);
        }
    }

    /// The run ended while the operation was in flight; `maybe_stored`: an append of its
    /// might still land, unknown to its writer.
    pub fn unfinished(&mut self, intended_start: Nanos, maybe_stored: bool) {
        if self.measures(intended_start) {
            self.counters.unfinished += 1;
            self.counters.unknown_outcomes += u64::from(maybe_stored);
        }
    }

    /// An append whose outcome could not be learnt was given up: it may still land, unknown
    /// to its writer.
    pub fn outcome_unknown(&mut self, intended_start: Nanos) {
        if self.measures(intended_start) {
            self.counters.unknown_outcomes += 1;
        }
    }

    /// A read operation completed at `now`.
    pub fn read(&mut self, intended_start: Nanos, now: Nanos) {
        if self.measures(intended_start) {
            self.counters.reads += 1;
            self.read_latency
                .record(now.saturating_sub(intended_start).max(1));
        }
    }

    /// Folds `other` into this recorder (same window settings).
    pub fn merge(&mut self, other: &Recorder) {
        self.op_latency.add(&other.op_latency);
        self.attempt_latency.add(&other.attempt_latency);
        self.read_latency.add(&other.read_latency);
        for (a, b) in self.attempts_per_op.iter_mut().zip(&other.attempts_per_op) {
            *a += b;
        }
        for (a, b) in self.staleness.iter_mut().zip(&other.staleness) {
            *a += b;
        }
        self.counters.add(&other.counters);
        if other.windows.len() > self.windows.len() {
            self.windows
                .resize(other.windows.len(), WindowCounts::default());
        }
        for (a, b) in self.windows.iter_mut().zip(&other.windows) {
            a.commits += b.commits;
            a.conflicts += b.conflicts;
            a.give_ups += b.give_ups;
            a.rejections += b.rejections;
        }
        for (actor, n) in &other.conflicts_by_actor {
            *self.conflicts_by_actor.entry(*actor).or_insert(0) += n;
        }
        self.worst_attempts = self.worst_attempts.max(other.worst_attempts);
        self.worst_latency_ns = self.worst_latency_ns.max(other.worst_latency_ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_are_recorded_at_their_value_not_clamped() {
        let mut rec = Recorder::new(RecordingWindow {
            warmup_end_ns: 0,
            window_ns: 1_000,
        });
        rec.attempt(0, 40_000);
        rec.committed(0, 3_000_000, 1);
        rec.read(0, 70);
        assert_eq!(rec.attempt_latency.histogram().max(), 40_000 + 31); // 3 significant figures
        assert!(rec.op_latency.histogram().max().abs_diff(3_000_000) <= 3_000);
        assert_eq!(rec.read_latency.histogram().max(), 70);
    }

    #[test]
    fn events_land_in_their_time_window_in_any_order() {
        let mut rec = Recorder::new(RecordingWindow {
            warmup_end_ns: 0,
            window_ns: 100,
        });
        for now in [0, 99, 100, 350, 120, 0, 399, 400] {
            rec.committed(0, now, 1);
        }
        let commits: Vec<u64> = rec.windows.iter().map(|w| w.commits).collect();
        assert_eq!(commits, [3, 2, 0, 2, 1]);
    }

    #[test]
    fn writers_sending_to_their_pool_merge_to_what_one_recorder_keeps() {
        let window = RecordingWindow {
            warmup_end_ns: 0,
            window_ns: 1_000,
        };
        let pool = PoolLatencies::default();
        let mut alone = Recorder::new(window);
        let mut merged = Recorder::new(window);
        for w in 0..5u64 {
            let mut writer = Recorder::sending_to(window, &pool);
            for i in 0..100 {
                for rec in [&mut alone, &mut writer] {
                    rec.attempt(0, 1_000 + w * 100 + i);
                    rec.committed(0, 5_000 * (w + 1) + i, 1);
                    rec.read(0, 700 + i);
                }
            }
            assert!(writer.op_latency.histogram().is_empty(), "sent, not kept");
            merged.merge(&writer);
        }
        merged.keep(&pool);
        for (a, m) in [
            (&alone.op_latency, &merged.op_latency),
            (&alone.attempt_latency, &merged.attempt_latency),
            (&alone.read_latency, &merged.read_latency),
        ] {
            assert_eq!(a.histogram(), m.histogram());
            assert_eq!(m.histogram().len(), 500);
        }
        assert_eq!(alone.counters, merged.counters);
    }

    #[test]
    fn the_time_series_never_grows_past_its_cap() {
        let mut rec = Recorder::new(RecordingWindow {
            warmup_end_ns: 0,
            window_ns: 1,
        });
        rec.committed(0, u64::MAX, 1);
        rec.committed(0, 5, 1);
        assert_eq!(rec.windows.len(), MAX_WINDOWS);
        assert_eq!(rec.windows[MAX_WINDOWS - 1].commits, 1);
    }
}
