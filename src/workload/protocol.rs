//! The writer protocol, written once as a state machine that both engines drive.
//!
//! ```text
//! begin ─admit─▶ read version ─▶ think ─▶ append ─┬─ committed
//!                     ▲                            ├─ conflict ─▶ policy decides ─┬─ give up
//!                     │                            │                              └─ wait ─admit─▶ refresh ─┐
//!                     └────────────────────────────┴──────────────────────────────────────────────────────┘
//! ```
//!
//! The machine never touches the store or a clock. It returns an [`Action`] (read, append, wait,
//! done); the engine performs it (for real on a thread, or in virtual time) and resumes the
//! machine with the [`Input`] it produced and the time now.
//!
//! An engine with client timeouts (the simulator's `[sim] timeout`) may answer an append with
//! [`Input::TimedOut`]: its outcome is unknown, and the append may still land. The writer reads
//! back the version it attempted ([`Action::ReadEventAt`]): its own event there is a commit,
//! another writer's is a conflict, and an empty slot means it sends the *same* event again (same
//! version, same payload), reading back again after any failure. Optimistic concurrency stores
//! that event at most once, so whatever lands, the writer learns of it before the operation
//! ends, and no event is stored without its writer being told. Every step is recorded into the
//! [`Recorder`] the engine passes in, so both engines produce the same metrics by construction.

use std::sync::Arc;

use rand::Rng;

use super::dist::TimeDist;
use super::keys::KeySampler;
use super::scenario::{OpMix, PoolSpec};
use crate::clock::Nanos;
use crate::metrics::recorder::Recorder;
use crate::policy::monitor::{ConflictMonitor, MonitorSnapshot};
use crate::policy::{
    Admission, AttemptInfo, BreakerTransition, CircuitBreaker, Decision, GiveUpReason, Policy,
    Refresh, RejectReason, WriterPolicy,
};
use crate::rng::WriterRng;
use crate::store::{ActorId, Event, SaveError, Version, VersionConflict};
use crate::workload::scenario::limits;

/// Bits of a payload tag for the event's sequence number within its writer (the low bits; the
/// audit masks them off to find the writer).
pub(crate) const PAYLOAD_SEQ_BITS: u32 = 32;
/// Bits of a payload tag for the writer's index in its pool.
const PAYLOAD_WRITER_BITS: u32 = 20;
// Every writer a scenario may have gets a tag of its own, and the pool bits hold every pool
// and the prefill's pool number (0xFFF) besides.
const _: () = assert!(limits::MAX_WRITERS <= 1 << PAYLOAD_WRITER_BITS);
const _: () = assert!(limits::MAX_POOLS < 0xFFF);

/// What a pool's writers share: built once from the [`PoolSpec`].
#[derive(Debug)]
pub struct PoolPlan {
    /// The pool's position in the scenario (also its RNG stream family).
    pub index: u32,
    /// The pool's name.
    pub name: String,
    /// The pool's policy (gates shared by all its writers).
    pub policy: Arc<dyn Policy>,
    /// The policy's circuit breaker, if it has one: its transitions go into the results.
    pub breaker: Option<Arc<CircuitBreaker>>,
    /// The policy's conflict monitor and how many hot actors it reports, if it has one: what
    /// it saw goes into the results, the report and the log.
    pub monitor: Option<(Arc<ConflictMonitor>, usize)>,
    /// The key sampler over the run's actors.
    pub keys: KeySampler,
    /// The operation mix (normalised).
    pub mix: OpMix,
    /// Think time between reading and appending: the decision, paid on every attempt that
    /// re-decides.
    pub think: TimeDist,
    /// How a retry refreshes its state (recorded in the results: a blind pool is flagged).
    pub refresh: Refresh,
}

impl PoolPlan {
    /// The breaker's logged state changes so far (none without a breaker).
    pub fn breaker_transitions(&self) -> Vec<BreakerTransition> {
        self.breaker
            .as_ref()
            .map(|b| b.transition_log())
            .unwrap_or_default()
    }

    /// What the conflict monitor saw so far (none without a monitor).
    pub fn monitor_snapshot(&self) -> Option<MonitorSnapshot> {
        self.monitor.as_ref().map(|(m, top_k)| m.snapshot(*top_k))
    }
}

impl PoolPlan {
    /// Compiles a pool spec for a run over `actors` actors.
    pub fn new(
        index: u32,
        spec: &PoolSpec,
        actors: u64,
    ) -> Result<Self, super::keys::KeyDistributionError> {
        let built = spec.policy.build_parts();
        Ok(Self {
            index,
            name: spec.name.clone(),
            policy: built.policy,
            breaker: built.breaker,
            monitor: built.monitor,
            keys: KeySampler::new(spec.keys, actors)?,
            mix: spec.mix,
            think: spec.think,
            refresh: spec.policy.spec().refresh,
        })
    }
}

/// What the engine must do next for this writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Call `latest_version(actor)`, then resume with [`Input::Version`].
    ReadVersion(ActorId),
    /// Call `events(actor, from)` and fold over them, then resume with [`Input::Events`].
    ReadEvents {
        /// The stream.
        actor: ActorId,
        /// First version wanted.
        from: Version,
    },
    /// Call `save(event)`, then resume with [`Input::Saved`].
    Save(Event),
    /// Wait this many nanoseconds, then resume with [`Input::Waited`].
    Wait(Nanos),
    /// Find out whether an append whose response never came committed: read the event at
    /// `version` (if any) and the actor's latest version, then resume with [`Input::EventAt`].
    /// Only requested after [`Input::TimedOut`], so an engine without client timeouts never
    /// sees it.
    ReadEventAt {
        /// The stream.
        actor: ActorId,
        /// The version the timed-out append attempted.
        version: Version,
    },
    /// The operation is over; call [`Writer::begin`] for the next one.
    Done(OpEnd),
}

/// What the engine observed while performing an [`Action`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// The result of `latest_version`.
    Version(Version),
    /// The result of an `events` read: how many events, and the last version among them.
    Events {
        /// Events read.
        count: u64,
        /// Version of the last event read (0 if none).
        last: Version,
    },
    /// The result of `save`.
    Saved(Result<(), SaveError>),
    /// The requested wait is over.
    Waited,
    /// The response to a `save` did not arrive within the client's timeout: its outcome is
    /// unknown (it may still take effect). The writer resolves it before deciding anything.
    TimedOut,
    /// A read failed on the way (a network store's lost connection or timeout): nothing was
    /// read. An append's read counts as a failed attempt, whose retry the policy's `on_error`
    /// decides; a failed read-back of a timed-out append is read back again after the policy's
    /// wait, or, if the policy gives up, the append's outcome stays unknown.
    ReadFailed,
    /// The result of [`Action::ReadEventAt`].
    EventAt {
        /// The event stored at the version asked for, if that version is filled yet.
        event: Option<Event>,
        /// The actor's latest version at the time of the read.
        latest: Version,
    },
}

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpEnd {
    /// The append committed.
    Committed,
    /// The policy gave up.
    GaveUp(GiveUpReason),
    /// A gate refused an attempt.
    Rejected(RejectReason),
    /// A read operation completed.
    Read,
}

/// The kind of operation in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// Read-modify-write append.
    Append,
    /// Read of the latest version.
    ReadLatest,
    /// Read of the whole stream.
    ReadEvents,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Reading,
    /// Reading events to fold into the state (a rebuild from version 1, or a catch-up).
    Rebuilding,
    Thinking,
    Saving,
    /// An append timed out; reading back whether it committed.
    Resolving,
    BackingOff,
}

/// One writer: its identity, random stream, policy state and the operation in progress.
#[derive(Debug)]
pub struct Writer {
    plan: Arc<PoolPlan>,
    index: u32,
    policy: Box<dyn WriterPolicy>,
    rng: WriterRng,
    phase: Phase,
    kind: OpKind,
    actor: ActorId,
    intended_start: Nanos,
    attempt: u32,
    expected: Version,
    /// The actor's current version as the last conflict reported it.
    conflict_current: Version,
    /// The first version the events read in progress asked for.
    read_from: Version,
    attempt_began: Nanos,
    save_sent: Nanos,
    sent: Event,
    /// A copy of the last append may still land (it timed out): failures are read back, not
    /// handed to the policy.
    unsettled: bool,
    work: u64,
    pending_refresh: Refresh,
    seq: u32,
    committed: u64,
    acknowledged: u64,
    unknown: u64,
}

impl Writer {
    /// Writer `index` of the pool described by `plan`, with its own random stream.
    pub fn new(plan: Arc<PoolPlan>, index: u32, rng: WriterRng) -> Self {
        let policy = plan.policy.writer();
        Self {
            plan,
            index,
            policy,
            rng,
            phase: Phase::Idle,
            kind: OpKind::Append,
            actor: 0,
            intended_start: 0,
            attempt: 0,
            expected: 0,
            conflict_current: 0,
            read_from: 0,
            attempt_began: 0,
            save_sent: 0,
            sent: Event {
                actor: 0,
                version: 0,
                event_type: 0,
                payload: 0,
                timestamp_ns: 0,
            },
            unsettled: false,
            work: 0,
            pending_refresh: Refresh::Reread,
            seq: 0,
            committed: 0,
            acknowledged: 0,
            unknown: 0,
        }
    }

    /// The writer's index within its pool.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The pool this writer belongs to.
    pub fn plan(&self) -> &Arc<PoolPlan> {
        &self.plan
    }

    /// The writer's random stream (engines draw arrival gaps and start offsets from it).
    pub fn rng(&mut self) -> &mut WriterRng {
        &mut self.rng
    }

    /// Measured operations this writer committed (for fairness).
    pub fn committed(&self) -> u64 {
        self.committed
    }

    /// Every commit this writer was told of, warm-up included (for the store audit).
    pub fn acknowledged(&self) -> u64 {
        self.acknowledged
    }

    /// Operations cut by the run's end while an append of theirs might still land (sent, its
    /// answer not heard): each may have stored one event this writer was not told of.
    pub fn unknown_outcomes(&self) -> u64 {
        self.unknown
    }

    /// Ends the operation in progress, unfinished: the run ended (deadline or stop) while it
    /// was in flight. `call_sent`: the call the writer awaits reached the store, its answer did
    /// not come back. An append sent and not answered, or timed out and not resolved, counts
    /// as an unknown outcome. Does nothing between operations.
    pub fn abandon(&mut self, rec: &mut Recorder, call_sent: bool) {
        if self.phase == Phase::Idle {
            return;
        }
        let maybe_stored = self.unsettled || (call_sent && self.phase == Phase::Saving);
        if self.kind == OpKind::Append {
            // Not `on_abandon`: the run's end is no failure for a gate to count.
            rec.unfinished(self.intended_start, maybe_stored);
        }
        self.unknown += u64::from(maybe_stored);
        self.unsettled = false;
        self.phase = Phase::Idle;
    }

    /// The attempt in progress (1 for the first) of the operation in progress.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// True between an operation's [`Writer::begin`] and its [`Action::Done`].
    pub fn in_operation(&self) -> bool {
        self.phase != Phase::Idle
    }

    /// The payload tag this writer puts on its events: pool (12 bits), writer (20) and
    /// sequence number (32), so an audit can trace every stored event to the writer that was
    /// told it committed. Writers once had 16 bits, and writers 65,536 apart shared a tag: the
    /// audit of a run of 1,000,000 writers then failed with writes it thought invented.
    pub const fn payload(pool: u32, writer: u32, seq: u32) -> u64 {
        debug_assert!(
            (writer as u64) < 1 << PAYLOAD_WRITER_BITS,
            "writer out of range"
        );
        ((pool as u64) << (PAYLOAD_SEQ_BITS + PAYLOAD_WRITER_BITS))
            | ((writer as u64) << PAYLOAD_SEQ_BITS)
            | seq as u64
    }

    /// The (pool, writer) a payload tag names: the inverse of [`Writer::payload`].
    pub fn payload_writer(payload: u64) -> (u64, u64) {
        (
            payload >> (PAYLOAD_SEQ_BITS + PAYLOAD_WRITER_BITS),
            (payload >> PAYLOAD_SEQ_BITS) & ((1 << PAYLOAD_WRITER_BITS) - 1),
        )
    }

    fn info(&self, now: Nanos) -> AttemptInfo {
        AttemptInfo {
            attempt: self.attempt,
            op_started_ns: self.intended_start,
            now_ns: now,
            work: self.work,
        }
    }

    /// Starts the next operation, meant to start at `intended_start` (the arrival time in open
    /// loop; `now` in closed loop).
    pub fn begin(&mut self, intended_start: Nanos, now: Nanos, rec: &mut Recorder) -> Action {
        debug_assert_eq!(self.phase, Phase::Idle, "begin called during an operation");
        self.intended_start = intended_start;
        self.actor = self.plan.keys.sample(&mut self.rng);
        self.attempt = 1;
        self.work = 0;
        let mix = self.plan.mix;
        let u: f64 = if mix.append >= 1.0 {
            0.0
        } else {
            self.rng.random()
        };
        self.kind = if u < mix.append {
            OpKind::Append
        } else if u < mix.append + mix.read_latest {
            OpKind::ReadLatest
        } else {
            OpKind::ReadEvents
        };
        match self.kind {
            OpKind::ReadLatest => {
                self.phase = Phase::Reading;
                Action::ReadVersion(self.actor)
            }
            OpKind::ReadEvents => self.read_events(1),
            OpKind::Append => {
                rec.op_started(intended_start);
                match self.policy.admit(&self.info(now)) {
                    Admission::Proceed => self.refresh(Refresh::Reread, now),
                    Admission::Reject(why) => self.reject(why, now, rec),
                }
            }
        }
    }

    /// Resumes the operation with what the engine observed, at time `now`.
    pub fn resume(&mut self, input: Input, now: Nanos, rec: &mut Recorder) -> Action {
        match (self.phase, input) {
            (Phase::Reading, Input::Version(_)) if self.kind == OpKind::ReadLatest => {
                self.finish_read(now, rec)
            }
            (Phase::Rebuilding, Input::Events { .. }) if self.kind == OpKind::ReadEvents => {
                self.finish_read(now, rec)
            }
            (Phase::Reading | Phase::Rebuilding, Input::ReadFailed)
                if self.kind != OpKind::Append =>
            {
                rec.other_error(self.intended_start);
                self.finish_read(now, rec)
            }
            (Phase::Reading | Phase::Rebuilding, Input::ReadFailed) => {
                self.outcome(Err(SaveError::Unavailable), now, rec)
            }
            (Phase::Resolving, Input::ReadFailed) => self.resolve_failed(now, rec),
            (Phase::Reading, Input::Version(v)) => {
                self.expected = v + 1;
                self.think()
            }
            (Phase::Rebuilding, Input::Events { count, last }) => {
                self.work += count;
                rec.replayed(self.intended_start, count);
                // Folded up to `last`; with nothing read the state is as it was.
                self.expected = if count == 0 { self.read_from } else { last + 1 };
                self.think()
            }
            (Phase::Thinking, Input::Waited) => self.save(now),
            (Phase::Saving, Input::Saved(result)) => self.saved(result, now, rec),
            (Phase::Saving, Input::TimedOut) => {
                rec.attempt(self.intended_start, now.saturating_sub(self.save_sent));
                rec.timed_out(self.intended_start);
                self.unsettled = true;
                self.resolve()
            }
            (Phase::Resolving, Input::EventAt { event, latest }) => match event {
                Some(e) if e.payload == self.sent.payload => {
                    rec.timeout_resolved(self.intended_start, true);
                    self.outcome(Ok(()), now, rec)
                }
                Some(_) => {
                    // Another writer holds the version: exactly a conflict, learnt late. No copy
                    // of ours can land there any more.
                    rec.timeout_resolved(self.intended_start, false);
                    let conflict = VersionConflict {
                        actor: self.actor,
                        current: latest,
                        attempted: self.expected,
                    };
                    self.outcome(Err(SaveError::Conflict(conflict)), now, rec)
                }
                // The version is still free and our append may yet land: send the very same
                // event again, so at most one of the copies can be stored.
                None => self.resend(now),
            },
            // A timed-out append not yet resolved: find out what became of it before anything else.
            (Phase::BackingOff, Input::Waited) if self.unsettled => self.resolve(),
            (Phase::BackingOff, Input::Waited) => match self.policy.admit(&self.info(now)) {
                Admission::Proceed => self.refresh(self.pending_refresh, now),
                Admission::Reject(why) => self.reject(why, now, rec),
            },
            (phase, input) => {
                unreachable!("engine resumed a writer in {phase:?} with {input:?}")
            }
        }
    }

    fn finish_read(&mut self, now: Nanos, rec: &mut Recorder) -> Action {
        rec.read(self.intended_start, now);
        self.phase = Phase::Idle;
        Action::Done(OpEnd::Read)
    }

    /// Begins attempt `self.attempt`: refresh the state as `how` says, then decide again
    /// (think) and append; `Blind` appends at once after the conflict's version.
    fn refresh(&mut self, how: Refresh, now: Nanos) -> Action {
        self.attempt_began = now;
        match how {
            Refresh::Blind => {
                self.expected = self.conflict_current + 1;
                self.save(now)
            }
            Refresh::Reread => {
                self.phase = Phase::Reading;
                Action::ReadVersion(self.actor)
            }
            // The state held reflects every version before the one attempted: fetch from there.
            Refresh::FromConflict => self.read_events(self.expected),
            Refresh::Rebuild => self.read_events(1),
        }
    }

    fn read_events(&mut self, from: Version) -> Action {
        self.phase = Phase::Rebuilding;
        self.read_from = from;
        Action::ReadEvents {
            actor: self.actor,
            from,
        }
    }

    fn think(&mut self) -> Action {
        let ns = if self.plan.think.is_zero() {
            0
        } else {
            self.plan.think.sample(&mut self.rng)
        };
        self.phase = Phase::Thinking;
        Action::Wait(ns)
    }

    fn save(&mut self, now: Nanos) -> Action {
        self.phase = Phase::Saving;
        self.save_sent = now;
        self.seq = self.seq.wrapping_add(1);
        self.work += 1;
        self.sent = Event {
            actor: self.actor,
            version: self.expected,
            event_type: 1,
            payload: Writer::payload(self.plan.index, self.index, self.seq),
            timestamp_ns: now,
        };
        Action::Save(self.sent)
    }

    fn resend(&mut self, now: Nanos) -> Action {
        self.phase = Phase::Saving;
        self.save_sent = now;
        self.work += 1;
        Action::Save(self.sent)
    }

    fn resolve(&mut self) -> Action {
        self.phase = Phase::Resolving;
        Action::ReadEventAt {
            actor: self.actor,
            version: self.expected,
        }
    }

    fn saved(&mut self, result: Result<(), SaveError>, now: Nanos, rec: &mut Recorder) -> Action {
        rec.attempt(self.intended_start, now.saturating_sub(self.save_sent));
        if self.unsettled {
            match result {
                // A failure may hide our earlier copy having landed: read back first.
                Err(SaveError::Conflict(_)) => return self.resolve(),
                Err(_) => {
                    rec.other_error(self.intended_start);
                    return self.resolve();
                }
                Ok(()) => {}
            }
        }
        self.outcome(result, now, rec)
    }

    /// What follows an attempt whose outcome is known.
    fn outcome(&mut self, result: Result<(), SaveError>, now: Nanos, rec: &mut Recorder) -> Action {
        self.unsettled = false;
        let info = self.info(now);
        let decision = match result {
            Ok(()) => {
                self.acknowledged += 1;
                rec.committed(self.intended_start, now, self.attempt);
                if rec.measures(self.intended_start) {
                    self.committed += 1;
                }
                self.policy.on_commit(&info);
                self.phase = Phase::Idle;
                return Action::Done(OpEnd::Committed);
            }
            Err(SaveError::Conflict(conflict)) => {
                rec.conflict(self.intended_start, now, &conflict);
                self.conflict_current = conflict.current;
                self.policy.on_conflict(&info, &conflict, &mut self.rng)
            }
            Err(error) => {
                rec.other_error(self.intended_start);
                self.policy.on_error(&info, &error, &mut self.rng)
            }
        };
        rec.wasted(self.intended_start, now.saturating_sub(self.attempt_began));
        match decision {
            Decision::Retry { delay_ns, refresh } => {
                rec.backoff(self.intended_start, delay_ns);
                self.attempt += 1;
                self.pending_refresh = refresh;
                self.phase = Phase::BackingOff;
                Action::Wait(delay_ns)
            }
            Decision::GiveUp(why) => {
                rec.gave_up(self.intended_start, now, self.attempt, why);
                self.policy.on_abandon(&info);
                self.phase = Phase::Idle;
                Action::Done(OpEnd::GaveUp(why))
            }
        }
    }

    /// Reading back a timed-out append failed: its outcome is still unknown. The policy's
    /// `on_error` says whether to read back again (after its delay) or give up, leaving the
    /// outcome unknown for good.
    fn resolve_failed(&mut self, now: Nanos, rec: &mut Recorder) -> Action {
        rec.other_error(self.intended_start);
        let info = self.info(now);
        match self
            .policy
            .on_error(&info, &SaveError::Unavailable, &mut self.rng)
        {
            Decision::Retry { delay_ns, .. } => {
                rec.backoff(self.intended_start, delay_ns);
                self.phase = Phase::BackingOff;
                Action::Wait(delay_ns)
            }
            Decision::GiveUp(why) => {
                self.unsettled = false;
                self.unknown += 1;
                rec.outcome_unknown(self.intended_start);
                rec.gave_up(self.intended_start, now, self.attempt, why);
                self.policy.on_abandon(&info);
                self.phase = Phase::Idle;
                Action::Done(OpEnd::GaveUp(why))
            }
        }
    }

    fn reject(&mut self, why: RejectReason, now: Nanos, rec: &mut Recorder) -> Action {
        rec.rejected(self.intended_start, now, self.attempt, why);
        self.policy.on_abandon(&self.info(now));
        self.phase = Phase::Idle;
        Action::Done(OpEnd::Rejected(why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::store_call::{Injected, perform_call};
    use crate::metrics::recorder::RecordingWindow;
    use crate::rng::writer_rng;
    use crate::store::{EventStore, GlobalMutexStore};
    use crate::workload::scenario::Scenario;

    #[test]
    fn every_writer_a_scenario_allows_has_a_tag_of_its_own() {
        let last = limits::MAX_WRITERS as u32 - 1;
        let last_pool = limits::MAX_POOLS as u32 - 1;
        for (pool, writer) in [(0, 0), (0, 65_536), (1, 1), (last_pool, last)] {
            let tag = Writer::payload(pool, writer, u32::MAX);
            assert_eq!(
                Writer::payload_writer(tag),
                (u64::from(pool), u64::from(writer))
            );
        }
        assert_ne!(Writer::payload(0, 0, 0), Writer::payload(0, 65_536, 0));
        assert_ne!(
            Writer::payload_writer(crate::engine::audit::PREFILL_TAG).0,
            u64::from(last_pool)
        );
    }

    /// A one-pool plan on one actor whose policy is the spec `policy_toml`.
    fn plan_with(policy_toml: &str) -> PoolPlan {
        let text = format!(
            "name = \"t\"\n[run]\nactors = 1\nduration = \"1s\"\n[[pools]]\nname = \"p\"\nwriters = 2\nkeys = {{ kind = \"hot-actor\" }}\n[pools.policy]\n{policy_toml}\n"
        );
        let scenario = Scenario::from_toml(&text, "test").unwrap();
        PoolPlan::new(0, &scenario.pools[0], 1).unwrap()
    }

    fn plan(policy: &str) -> Arc<PoolPlan> {
        let text = format!(
            "name = \"t\"\n[run]\nactors = 1\nduration = \"1s\"\n[[pools]]\nname = \"p\"\nwriters = 2\npolicy = \"{policy}\"\nkeys = {{ kind = \"hot-actor\" }}\n"
        );
        let scenario = Scenario::from_toml(&text, "test").unwrap();
        Arc::new(PoolPlan::new(0, &scenario.pools[0], 1).unwrap())
    }

    fn recorder() -> Recorder {
        Recorder::new(RecordingWindow {
            warmup_end_ns: 0,
            window_ns: 1_000,
        })
    }

    /// Performs one action against the store through the engines' one switch (time frozen).
    fn perform(store: &dyn EventStore, action: Action) -> Input {
        if let Action::Wait(_) = action {
            return Input::Waited;
        }
        let (mut rng, mut buf) = (writer_rng(0, 0, 0), Vec::new());
        perform_call(store, action, &Injected::default(), &mut rng, &mut buf)
    }

    #[test]
    fn interleaved_writers_conflict_then_commit() {
        let store = GlobalMutexStore::new();
        let plan = plan("immediate");
        let mut rec = recorder();
        let mut a = Writer::new(plan.clone(), 0, writer_rng(1, 0, 0));
        let mut b = Writer::new(plan, 1, writer_rng(1, 0, 1));
        // Both read version 0 before either appends.
        let mut act_a = a.begin(0, 0, &mut rec);
        let mut act_b = b.begin(0, 0, &mut rec);
        act_a = a.resume(perform(&store, act_a), 1, &mut rec); // think
        act_b = b.resume(perform(&store, act_b), 1, &mut rec);
        act_a = a.resume(perform(&store, act_a), 2, &mut rec); // save event v1
        act_b = b.resume(perform(&store, act_b), 2, &mut rec);
        assert!(matches!(act_a, Action::Save(e) if e.version == 1));
        assert!(matches!(act_b, Action::Save(e) if e.version == 1));
        assert_eq!(
            a.resume(perform(&store, act_a), 3, &mut rec),
            Action::Done(OpEnd::Committed)
        );
        // b conflicts (current 1, attempted 1), waits no time, re-reads, decides, appends v2.
        let mut act = b.resume(perform(&store, act_b), 3, &mut rec);
        assert_eq!(act, Action::Wait(0));
        act = b.resume(perform(&store, act), 4, &mut rec);
        assert_eq!(act, Action::ReadVersion(0));
        act = b.resume(perform(&store, act), 4, &mut rec);
        assert!(matches!(act, Action::Wait(_)), "decides again: {act:?}");
        act = b.resume(perform(&store, act), 4, &mut rec);
        assert!(matches!(act, Action::Save(e) if e.version == 2));
        assert_eq!(
            b.resume(perform(&store, act), 5, &mut rec),
            Action::Done(OpEnd::Committed)
        );

        assert_eq!(store.latest_version(0), 2);
        let c = rec.counters;
        assert_eq!(
            (c.operations, c.committed, c.attempts, c.conflicts),
            (2, 2, 3, 1)
        );
        assert_eq!(rec.staleness[1], 1, "b missed exactly one version");
        assert_eq!(rec.attempts_per_op[1..3], [1, 1]);
        assert_eq!((a.committed(), b.committed()), (1, 1));
    }

    /// Drives `w` from a save that timed out (the store may or may not have it).
    /// An event another writer (payload 9) appended to actor 0 at `version`.
    fn other_writers_event(version: Version) -> Event {
        Event {
            actor: 0,
            version,
            event_type: 1,
            payload: 9,
            timestamp_ns: 0,
        }
    }

    /// What writer `b` does between a conflict (another writer took version 1) and its next
    /// append, under `refresh`: the actions, with the version it then attempts.
    fn retry_path(refresh: &str) -> (Vec<&'static str>, Version) {
        let store = GlobalMutexStore::new();
        let plan = Arc::new(PoolPlan {
            think: TimeDist::Constant {
                value: crate::units::Duration(7),
            },
            ..plan_with(&format!(
                "backoff = {{ kind = \"immediate\" }}\nrefresh = \"{refresh}\""
            ))
        });
        let mut rec = recorder();
        let mut b = Writer::new(plan, 1, writer_rng(1, 0, 1));
        let mut act = b.begin(0, 0, &mut rec);
        // b reads version 0 and thinks; meanwhile another writer commits version 1.
        act = b.resume(perform(&store, act), 0, &mut rec);
        assert_eq!(act, Action::Wait(7));
        store.save(other_writers_event(1)).unwrap();
        act = b.resume(Input::Waited, 7, &mut rec);
        act = b.resume(perform(&store, act), 8, &mut rec);
        assert_eq!(act, Action::Wait(0), "the immediate backoff");
        act = b.resume(Input::Waited, 8, &mut rec);
        let mut path = Vec::new();
        loop {
            match act {
                Action::Save(e) => return (path, e.version),
                Action::ReadVersion(_) => path.push("read version"),
                Action::ReadEvents { from: 1, .. } => path.push("read all events"),
                Action::Wait(7) => path.push("decide"),
                other => panic!("unexpected {other:?}"),
            }
            act = b.resume(perform(&store, act), 9, &mut rec);
        }
    }

    #[test]
    fn each_refresh_mode_pays_for_what_it_names() {
        assert_eq!(retry_path("reread"), (vec!["read version", "decide"], 2));
        assert_eq!(
            retry_path("rebuild"),
            (vec!["read all events", "decide"], 2)
        );
        assert_eq!(retry_path("blind"), (vec![], 2), "no read, no decision");
    }

    #[test]
    fn from_conflict_reads_only_the_missed_events() {
        let store = GlobalMutexStore::new();
        for v in 1..=5 {
            store.save(other_writers_event(v)).unwrap();
        }
        let plan = Arc::new(plan_with(
            "backoff = { kind = \"immediate\" }\nrefresh = \"from_conflict\"",
        ));
        let mut rec = recorder();
        let mut b = Writer::new(plan, 1, writer_rng(1, 0, 1));
        let mut act = b.begin(0, 0, &mut rec);
        act = b.resume(perform(&store, act), 0, &mut rec); // read version 5, no think
        act = b.resume(perform(&store, act), 0, &mut rec);
        assert!(matches!(act, Action::Save(e) if e.version == 6));
        for v in 6..=8 {
            store.save(other_writers_event(v)).unwrap();
        }
        act = b.resume(perform(&store, act), 1, &mut rec); // conflict: current 8
        act = b.resume(perform(&store, act), 1, &mut rec); // the immediate backoff
        assert_eq!(
            act,
            Action::ReadEvents { actor: 0, from: 6 },
            "fetches 6..=8 only"
        );
        act = b.resume(perform(&store, act), 1, &mut rec);
        act = b.resume(perform(&store, act), 1, &mut rec); // decide (no think here)
        assert!(matches!(act, Action::Save(e) if e.version == 9));
        assert_eq!(rec.counters.events_replayed, 3);
    }

    fn resolve_after_timeout(store: &dyn EventStore, w: &mut Writer, rec: &mut Recorder) -> Action {
        let mut act = w.resume(Input::TimedOut, 10, rec);
        assert!(
            matches!(act, Action::ReadEventAt { version: 1, .. }),
            "{act:?}"
        );
        act = w.resume(perform(store, act), 11, rec);
        act
    }

    fn to_save(store: &dyn EventStore, w: &mut Writer, rec: &mut Recorder) -> Event {
        let mut act = w.begin(0, 0, rec);
        act = w.resume(perform(store, act), 1, rec); // version read: think
        act = w.resume(perform(store, act), 2, rec);
        match act {
            Action::Save(e) => e,
            other => panic!("expected a save, got {other:?}"),
        }
    }

    #[test]
    fn a_timed_out_append_that_landed_counts_as_committed() {
        let store = GlobalMutexStore::new();
        let mut rec = recorder();
        let mut w = Writer::new(plan("immediate"), 0, writer_rng(1, 0, 0));
        let e = to_save(&store, &mut w, &mut rec);
        store.save(e).unwrap(); // it took effect; only the response was lost
        let act = resolve_after_timeout(&store, &mut w, &mut rec);
        assert_eq!(act, Action::Done(OpEnd::Committed));
        let c = rec.counters;
        assert_eq!((c.timeouts, c.timeouts_committed, c.committed), (1, 1, 1));
        assert_eq!(w.acknowledged(), 1);
    }

    #[test]
    fn a_timed_out_append_beaten_by_another_is_a_conflict() {
        let store = GlobalMutexStore::new();
        let mut rec = recorder();
        let mut w = Writer::new(plan("immediate"), 0, writer_rng(1, 0, 0));
        let e = to_save(&store, &mut w, &mut rec);
        store
            .save(Event {
                payload: Writer::payload(0, 1, 1),
                ..e
            })
            .unwrap();
        let act = resolve_after_timeout(&store, &mut w, &mut rec);
        assert_eq!(act, Action::Wait(0), "immediate retries after the conflict");
        let c = rec.counters;
        assert_eq!((c.timeouts, c.timeouts_committed, c.conflicts), (1, 0, 1));
        assert_eq!(w.acknowledged(), 0);
    }

    #[test]
    fn an_unsettled_timed_out_append_is_sent_again_unchanged() {
        let store = GlobalMutexStore::new();
        let mut rec = recorder();
        let mut w = Writer::new(plan("immediate"), 0, writer_rng(1, 0, 0));
        let e = to_save(&store, &mut w, &mut rec);
        let act = resolve_after_timeout(&store, &mut w, &mut rec);
        assert_eq!(
            act,
            Action::Save(e),
            "the same event, same version and payload"
        );
        // The first copy lands before the second: the second conflicts, and reading back
        // finds our own event.
        store.save(e).unwrap();
        let act = w.resume(perform(&store, act), 12, &mut rec);
        assert!(
            matches!(act, Action::ReadEventAt { version: 1, .. }),
            "{act:?}"
        );
        let act = w.resume(perform(&store, act), 13, &mut rec);
        assert_eq!(act, Action::Done(OpEnd::Committed));
        assert_eq!(store.event_count(), 1);
        assert_eq!(w.acknowledged(), 1);
        let c = rec.counters;
        assert_eq!((c.attempts, c.conflicts, c.committed), (2, 0, 1));
    }

    #[test]
    fn a_failed_resend_is_read_back_not_given_up() {
        let store = GlobalMutexStore::new();
        let mut rec = recorder();
        let mut w = Writer::new(plan("immediate"), 0, writer_rng(1, 0, 0));
        let e = to_save(&store, &mut w, &mut rec);
        let act = resolve_after_timeout(&store, &mut w, &mut rec);
        assert_eq!(act, Action::Save(e));
        let act = w.resume(Input::Saved(Err(SaveError::Unavailable)), 12, &mut rec);
        assert!(
            matches!(act, Action::ReadEventAt { version: 1, .. }),
            "{act:?}"
        );
        let act = w.resume(perform(&store, act), 13, &mut rec);
        assert_eq!(act, Action::Save(e), "still free: send it again");
        let act = w.resume(perform(&store, act), 14, &mut rec);
        assert_eq!(act, Action::Done(OpEnd::Committed));
        assert_eq!(store.event_count(), 1);
    }

    /// A writer of a plan retrying errors with no delay (`on_error = "retry"`), or failing them.
    fn erring_writer(on_error: &str) -> Writer {
        let plan = plan_with(&format!(
            "backoff = {{ kind = \"immediate\" }}\non_error = \"{on_error}\""
        ));
        Writer::new(Arc::new(plan), 0, writer_rng(1, 0, 0))
    }

    #[test]
    fn a_failed_read_back_is_read_back_again_after_the_policys_wait() {
        let store = GlobalMutexStore::new();
        let mut rec = recorder();
        let mut w = erring_writer("retry");
        let e = to_save(&store, &mut w, &mut rec);
        let act = w.resume(Input::TimedOut, 10, &mut rec);
        assert!(matches!(act, Action::ReadEventAt { version: 1, .. }));
        store.save(e).unwrap(); // it landed while the read-back failed
        let act = w.resume(Input::ReadFailed, 11, &mut rec);
        assert_eq!(
            act,
            Action::Wait(0),
            "the policy's delay before reading back again"
        );
        let act = w.resume(Input::Waited, 12, &mut rec);
        assert!(
            matches!(act, Action::ReadEventAt { version: 1, .. }),
            "reads back, does not start a new attempt: {act:?}"
        );
        let act = w.resume(perform(&store, act), 13, &mut rec);
        assert_eq!(act, Action::Done(OpEnd::Committed));
        assert_eq!((w.acknowledged(), w.unknown_outcomes()), (1, 0));
        assert_eq!(rec.counters.other_errors, 1);
    }

    #[test]
    fn a_read_back_given_up_leaves_the_outcome_unknown() {
        let store = GlobalMutexStore::new();
        let mut rec = recorder();
        let mut w = erring_writer("fail");
        to_save(&store, &mut w, &mut rec);
        w.resume(Input::TimedOut, 10, &mut rec);
        let act = w.resume(Input::ReadFailed, 11, &mut rec);
        assert_eq!(act, Action::Done(OpEnd::GaveUp(GiveUpReason::NotRetryable)));
        assert_eq!((w.acknowledged(), w.unknown_outcomes()), (0, 1));
        assert_eq!(rec.counters.unknown_outcomes, 1);
        assert!(!w.in_operation());
    }

    #[test]
    fn a_failed_read_in_an_append_is_a_failed_attempt_the_policy_retries() {
        let mut rec = recorder();
        let mut w = erring_writer("retry");
        let act = w.begin(0, 0, &mut rec);
        assert!(matches!(act, Action::ReadVersion(0)));
        let act = w.resume(Input::ReadFailed, 1, &mut rec);
        assert_eq!(act, Action::Wait(0));
        let act = w.resume(Input::Waited, 2, &mut rec);
        assert!(matches!(act, Action::ReadVersion(0)), "{act:?}");
        assert_eq!(w.attempt(), 2);
        assert_eq!(rec.counters.other_errors, 1);
        let mut fail = erring_writer("fail");
        fail.begin(0, 0, &mut rec);
        let act = fail.resume(Input::ReadFailed, 1, &mut rec);
        assert_eq!(act, Action::Done(OpEnd::GaveUp(GiveUpReason::NotRetryable)));
        assert_eq!(fail.unknown_outcomes(), 0, "nothing was sent");
    }

    #[test]
    fn warmup_operations_are_not_measured() {
        let store = GlobalMutexStore::new();
        let mut rec = Recorder::new(RecordingWindow {
            warmup_end_ns: 100,
            window_ns: 10,
        });
        let mut w = Writer::new(plan("immediate"), 0, writer_rng(1, 0, 0));
        for start in [50, 150] {
            let mut act = w.begin(start, start, &mut rec);
            while !matches!(act, Action::Done(_)) {
                act = w.resume(perform(&store, act), start, &mut rec);
            }
        }
        assert_eq!(
            rec.counters.committed, 1,
            "only the op that started after warm-up counts"
        );
        assert_eq!(
            rec.windows.iter().map(|w| w.commits).sum::<u64>(),
            2,
            "the time series shows both"
        );
    }
}
