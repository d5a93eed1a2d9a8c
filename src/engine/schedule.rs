//! When one writer's operations start and when it stops: the rule every driver follows, so an
//! engine only says what time it is and performs actions.
//!
//! Closed loop: the next operation starts when the last ended (after `rejection_pause` when a
//! gate refused it, so an open circuit cannot freeze a run). Open loop: on the writer's own
//! arrival schedule, whatever the latency, with latency counted from the intended start. No
//! operation starts at or after the run's end; a pool with `operations` stops after them.

use rand::Rng;

use super::arrivals::ArrivalPlan;
use super::plan::PoolRun;
use crate::clock::Nanos;
use crate::rng::WriterRng;
use crate::workload::protocol::OpEnd;

/// One writer's schedule.
#[derive(Clone, Debug)]
pub(crate) struct Schedule {
    arrivals: ArrivalPlan,
    operations: Option<u64>,
    rejection_pause: Nanos,
    done: u64,
    /// Intended start of the next operation (fractional in open loop, so constant gaps do not
    /// drift by rounding).
    next: f64,
}

impl Schedule {
    /// The schedule of a writer of `pool`; the start offset and first arrival are drawn from
    /// the writer's own stream.
    pub(crate) fn new(pool: &PoolRun, rng: &mut WriterRng) -> Self {
        let offset = if pool.start_spread == 0 {
            0
        } else {
            rng.random_range(0..=pool.start_spread)
        };
        Self {
            arrivals: pool.arrivals,
            operations: pool.operations,
            rejection_pause: pool.rejection_pause,
            done: 0,
            next: pool.arrivals.first(offset, rng),
        }
    }

    /// When the first operation is due, or `None` if the writer has none before `end`.
    pub(crate) fn first(&self, end: Nanos) -> Option<Nanos> {
        let at = self.next.round() as Nanos;
        (self.operations != Some(0) && at < end).then_some(at)
    }

    /// After an operation ended as `ended` at `now`: when the next is due, or `None` when the
    /// writer is done (its operation count reached, or the next would start at or after `end`).
    pub(crate) fn after(
        &mut self,
        ended: OpEnd,
        now: Nanos,
        end: Nanos,
        rng: &mut WriterRng,
    ) -> Option<Nanos> {
        self.done += 1;
        if self.operations.is_some_and(|n| self.done >= n) {
            return None;
        }
        let at = match self.arrivals {
            ArrivalPlan::Closed if matches!(ended, OpEnd::Rejected(_)) => {
                now.saturating_add(self.rejection_pause)
            }
            ArrivalPlan::Closed => now,
            open => {
                self.next += open.gap(rng);
                self.next.round() as Nanos
            }
        };
        (at.max(now) < end).then_some(at)
    }

    /// The intended start of an operation that was due at `due` and begins at `now`: the
    /// schedule's time in open loop (so a backlog shows in latency), `now` in closed loop.
    pub(crate) fn intended(&self, due: Nanos, now: Nanos) -> Nanos {
        match self.arrivals {
            ArrivalPlan::Closed => now,
            ArrivalPlan::Open { .. } => due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::RejectReason;
    use crate::rng::writer_rng;

    fn closed(operations: Option<u64>) -> Schedule {
        Schedule {
            arrivals: ArrivalPlan::Closed,
            operations,
            rejection_pause: 50,
            done: 0,
            next: 10.0,
        }
    }

    #[test]
    fn closed_loop_starts_at_once_and_pauses_after_a_rejection() {
        let mut rng = writer_rng(1, 0, 0);
        let mut s = closed(None);
        assert_eq!(s.first(1_000), Some(10));
        assert_eq!(s.after(OpEnd::Committed, 20, 1_000, &mut rng), Some(20));
        let rejected = OpEnd::Rejected(RejectReason::CircuitOpen);
        assert_eq!(s.after(rejected, 30, 1_000, &mut rng), Some(80));
        assert_eq!(s.intended(80, 85), 85);
    }

    #[test]
    fn nothing_starts_at_or_after_the_end_or_past_the_operation_count() {
        let mut rng = writer_rng(1, 0, 0);
        assert_eq!(closed(None).first(10), None);
        assert_eq!(closed(Some(0)).first(1_000), None);
        let mut s = closed(Some(2));
        assert_eq!(s.after(OpEnd::Committed, 20, 1_000, &mut rng), Some(20));
        assert_eq!(s.after(OpEnd::Committed, 30, 1_000, &mut rng), None);
        let mut s = closed(None);
        assert_eq!(s.after(OpEnd::Committed, 1_000, 1_000, &mut rng), None);
    }

    #[test]
    fn open_loop_keeps_its_schedule_when_behind() {
        let mut rng = writer_rng(1, 0, 0);
        let mut s = Schedule {
            arrivals: ArrivalPlan::Open {
                mean_gap_ns: 100.0,
                poisson: false,
            },
            operations: None,
            rejection_pause: 0,
            done: 0,
            next: 0.0,
        };
        let due = s.after(OpEnd::Committed, 350, 10_000, &mut rng).unwrap();
        assert_eq!(
            due, 100,
            "the next arrival, though the last op ended at 350"
        );
        assert_eq!(s.intended(due, 350), 100);
    }
}
