//! The retry loop the examples share: the writer protocol in miniature, as a service would write
//! it around its own store. The policy decides; this loop does the waiting and the refreshing.

#![allow(dead_code)] // each example uses a different part

use std::time::Duration;

use retrylab::clock::MonotonicClock;
use retrylab::policy::{
    Admission, AttemptInfo, Decision, GiveUpReason, Refresh, RejectReason, WriterPolicy,
};
use retrylab::rng::WriterRng;
use retrylab::store::{ActorId, Event, EventStore};

/// How one append ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Stored, after this many attempts.
    Committed { attempts: u32 },
    /// The policy gave up after this many attempts.
    GaveUp { reason: GiveUpReason, attempts: u32 },
    /// A gate refused an attempt.
    Rejected(RejectReason),
}

/// Appends one event to `actor`, retrying as `policy` decides. `think` is time spent between
/// reading the version and saving (a command being applied), which is what makes reads stale.
/// Returns the outcome and the events read by rebuilds.
pub(crate) fn append_with_policy(
    store: &dyn EventStore,
    policy: &mut dyn WriterPolicy,
    rng: &mut WriterRng,
    clock: &MonotonicClock,
    actor: ActorId,
    payload: u64,
    think: Duration,
) -> (Outcome, u64) {
    let started = clock.now();
    let mut version = store.latest_version(actor) + 1;
    let mut events_read = 0;
    let mut attempt = 1;
    loop {
        let info = AttemptInfo {
            attempt,
            op_started_ns: started,
            now_ns: clock.now(),
            work: events_read + u64::from(attempt),
        };
        if let Admission::Reject(reason) = policy.admit(&info) {
            policy.on_abandon(&info);
            return (Outcome::Rejected(reason), events_read);
        }
        if !think.is_zero() {
            std::thread::sleep(think);
        }
        let event = Event {
            actor,
            version,
            event_type: 1,
            payload,
            timestamp_ns: info.now_ns,
        };
        let error = match store.save(event) {
            Ok(()) => {
                policy.on_commit(&AttemptInfo {
                    now_ns: clock.now(),
                    ..info
                });
                return (Outcome::Committed { attempts: attempt }, events_read);
            }
            Err(error) => error,
        };
        let info = AttemptInfo {
            now_ns: clock.now(),
            ..info
        };
        let decision = match error.as_conflict() {
            Some(conflict) => policy.on_conflict(&info, conflict, rng),
            None => policy.on_error(&info, &error, rng),
        };
        match decision {
            Decision::GiveUp(reason) => {
                policy.on_abandon(&info);
                return (
                    Outcome::GaveUp {
                        reason,
                        attempts: attempt,
                    },
                    events_read,
                );
            }
            Decision::Retry { delay_ns, refresh } => {
                if delay_ns > 0 {
                    std::thread::sleep(Duration::from_nanos(delay_ns));
                }
                version = match (refresh, error.as_conflict()) {
                    (Refresh::FromConflict, Some(conflict)) => conflict.next_version(),
                    (Refresh::Rebuild, _) => {
                        // Pattern 2: replay the whole stream to rebuild the aggregate.
                        let events = store.events(actor, 1);
                        events_read += events.len() as u64;
                        events.len() as u64 + 1
                    }
                    _ => store.latest_version(actor) + 1,
                };
            }
        }
        attempt += 1;
    }
}

/// Tallies of a writer's outcomes.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tally {
    /// Appends stored.
    pub committed: u64,
    /// Attempts made by stored appends beyond their first.
    pub retries: u64,
    /// Appends given up.
    pub gave_up: u64,
    /// Appends rejected by a gate.
    pub rejected: u64,
}

impl Tally {
    /// Counts one outcome.
    pub(crate) fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Committed { attempts } => {
                self.committed += 1;
                self.retries += u64::from(attempts - 1);
            }
            Outcome::GaveUp { attempts, .. } => {
                self.gave_up += 1;
                self.retries += u64::from(attempts - 1);
            }
            Outcome::Rejected(_) => self.rejected += 1,
        }
    }

    /// Sums two tallies.
    pub(crate) fn merge(mut self, other: Tally) -> Tally {
        self.committed += other.committed;
        self.retries += other.retries;
        self.gave_up += other.gave_up;
        self.rejected += other.rejected;
        self
    }
}
