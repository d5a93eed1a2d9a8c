//! The discrete-event loop: writers' protocol machines driven in virtual time against the
//! plan's store, used from this one thread.
//!
//! A store call has a request leg and a response leg, each drawn from `store.latency`; it takes
//! effect at the store between the two, after queueing and service when `[sim] capacity` is
//! set and always after the store's own work (`[sim.store_cost]`: appends one at a time per
//! stream), so a writer's view can be stale by the time its append lands. Waits (think time, policy
//! delays) are exact. Every draw the engine makes (legs, service times, faults, crashes) comes
//! from the writer's engine stream ([`crate::rng::engine_rng`]), separate from the writer's own.
//! When operations start is the shell's rule ([`crate::engine::schedule`]); what a call does at
//! the store is the shell's one switch ([`crate::engine::store_call`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::calls::{Call, Calls};
use super::queue::{EventKind, EventQueue};
use super::server::{Admitted, StoreServer};
use super::streams::StoreWork;
use crate::clock::Nanos;
use crate::engine::EngineError;
use crate::engine::assemble::{DriverReport, WriterTally};
use crate::engine::plan::{RunPlan, WriterSetup};
use crate::engine::schedule::Schedule;
use crate::engine::store_call::{Injected, perform_call};
use crate::metrics::recorder::Recorder;
use crate::metrics::results::SimStats;
use crate::rng::WriterRng;
use crate::store::{Event, EventStore};
use crate::workload::dist::TimeDist;
use crate::workload::protocol::{Action, Input, OpEnd, Writer};
use crate::workload::scenario::Scenario;

/// How often (in events) the stop flag is looked at.
const STOP_CHECK_EVERY: u64 = 4096;

/// Steps one writer may take at one instant of virtual time before the run is refused as
/// stalled: a retry loop in which nothing takes time would never let the clock advance.
const MAX_STEPS_AT_ONE_INSTANT: u32 = 1_000_000;

/// Attempts one operation may make in a run with no duration before the run is refused: with
/// no deadline to end it, a policy that retries without limit against appends that always
/// fail would simulate for ever.
const MAX_ATTEMPTS_WITHOUT_END: u32 = 1_000_000;

/// Why the simulator gave up on a run.
#[derive(Clone, Copy, Debug)]
enum Refusal {
    /// A writer looped without virtual time passing.
    Stalled,
    /// An operation kept retrying in a run that has no end.
    Endless,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Active,
    Finished,
    Crashed,
}

/// One simulated writer: the protocol machine plus what the engine tracks for it.
#[derive(Debug)]
struct SimWriter {
    proto: Writer,
    pool: u32,
    /// The engine's own draws for this writer (legs, service, faults, crash).
    rng: WriterRng,
    schedule: Schedule,
    /// When the operation in progress or next was due.
    due: Nanos,
    /// The token of the call whose response the writer is waiting for, if any.
    awaiting: Option<u32>,
    next_token: u32,
    status: Status,
    finished_ns: Nanos,
}

/// A whole simulation, from setup to the driver's report.
pub(super) struct Simulation<'p, 's> {
    plan: &'p RunPlan<'s>,
    store: Arc<dyn EventStore>,
    queue: EventQueue,
    calls: Calls,
    server: StoreServer,
    work: StoreWork,
    writers: Vec<SimWriter>,
    recorders: Vec<Recorder>,
    injected: Injected,
    timeout: Option<Nanos>,
    /// No operation starts, and none is in flight, at or after this time.
    end_ns: Nanos,
    stop: Option<Arc<AtomicBool>>,
    stopped: bool,
    events: u64,
    read_buf: Vec<Event>,
    /// The pool of a writer that made the run impossible to finish, and why.
    refused: Option<(u32, Refusal)>,
}

impl<'p, 's> Simulation<'p, 's> {
    /// The writers of `plan` and their first events.
    pub(super) fn new(
        plan: &'p RunPlan<'s>,
        stop: Option<Arc<AtomicBool>>,
    ) -> Result<Self, EngineError> {
        let scenario = plan.scenario;
        check_progress(scenario)?;
        let writers = plan
            .writers()
            .map(|setup| {
                let WriterSetup {
                    pool,
                    mut writer,
                    engine_rng,
                } = setup;
                let schedule = Schedule::new(&plan.pools[pool as usize], writer.rng());
                SimWriter {
                    proto: writer,
                    pool,
                    rng: engine_rng,
                    schedule,
                    due: 0,
                    awaiting: None,
                    next_token: 0,
                    status: Status::Active,
                    finished_ns: 0,
                }
            })
            .collect();
        let limit = scenario.sim.capacity.zip(scenario.sim.service_time);
        let mut sim = Self {
            plan,
            store: plan.memory()?.clone(),
            queue: EventQueue::new(),
            calls: Calls::default(),
            server: StoreServer::new(limit, scenario.run.window.0),
            work: StoreWork::new(scenario.sim.store_cost),
            writers,
            recorders: plan
                .pools
                .iter()
                .map(|_| Recorder::new(plan.window))
                .collect(),
            injected: Injected::of(&scenario.store),
            timeout: scenario.sim.timeout.map(|t| t.0),
            end_ns: plan.end_ns,
            stop,
            stopped: false,
            events: 0,
            read_buf: Vec::new(),
            refused: None,
        };
        for w in 0..sim.writers.len() {
            match sim.writers[w].schedule.first(sim.end_ns) {
                Some(at) => {
                    sim.writers[w].due = at;
                    sim.queue.push(at, EventKind::Start, w as u32, 0);
                }
                None => sim.writers[w].status = Status::Finished,
            }
        }
        Ok(sim)
    }

    /// Runs every event until none is left, and reports.
    ///
    /// # Errors
    ///
    /// [`EngineError::Unsupported`] when a writer looped without virtual time passing.
    pub(super) fn run(mut self) -> Result<DriverReport, EngineError> {
        while let Some(due) = self.queue.pop() {
            self.events += 1;
            if self.events % STOP_CHECK_EVERY == 0 {
                self.check_stop();
            }
            let now = due.time;
            match due.kind {
                EventKind::Start => self.start(due.subject as usize, now),
                EventKind::WaitDone => self.drive(due.subject as usize, Input::Waited, now),
                EventKind::Arrive => self.arrive(due.subject, now),
                EventKind::Served => self.served(due.subject, now),
                EventKind::Worked => self.effect_and_reply(due.subject, now),
                EventKind::Respond => self.respond(due.subject, now),
                EventKind::Timeout => {
                    let w = due.subject as usize;
                    if self.writers[w].awaiting == Some(due.token) {
                        self.writers[w].awaiting = None;
                        self.drive(w, Input::TimedOut, now);
                    }
                }
            }
        }
        if let Some((pool, why)) = self.refused {
            let name = &self.plan.pools[pool as usize].plan.name;
            return Err(EngineError::Unsupported(match why {
                Refusal::Stalled => format!(
                    "pool `{name}`: a writer took {MAX_STEPS_AT_ONE_INSTANT} steps without \
                     virtual time passing (retries with no delay against a store call that \
                     takes no time), so the simulated clock cannot advance; give the store a \
                     cost (store.latency, [sim] service_time or [sim.store_cost]), a think \
                     time, or the policy a delay"
                ),
                Refusal::Endless => format!(
                    "pool `{name}`: one operation made {MAX_ATTEMPTS_WITHOUT_END} attempts \
                     without finishing, and the run has no duration to end it; give the \
                     policy max_retries or a deadline, or the run a duration (run.duration)"
                ),
            }));
        }
        Ok(self.finish())
    }

    fn check_stop(&mut self) {
        if !self.stopped
            && self
                .stop
                .as_ref()
                .is_some_and(|flag| flag.load(Ordering::Relaxed))
        {
            self.stopped = true;
            self.end_ns = self.end_ns.min(self.queue.now());
        }
    }

    /// A writer's next operation is due.
    fn start(&mut self, w: usize, now: Nanos) {
        if now >= self.end_ns {
            self.retire(w, now, Status::Finished);
            return;
        }
        if let Some(action) = self.begin(w, now) {
            self.perform(w, action, now);
        }
    }

    /// Begins the operation that was due, unless the writer crashes first (fault injection).
    fn begin(&mut self, w: usize, now: Nanos) -> Option<Action> {
        let sw = &mut self.writers[w];
        if self.plan.pools[sw.pool as usize].crashes(&mut sw.rng) {
            self.retire(w, now, Status::Crashed);
            return None;
        }
        let intended = sw.schedule.intended(sw.due, now);
        let rec = &mut self.recorders[sw.pool as usize];
        Some(sw.proto.begin(intended, now, rec))
    }

    fn retire(&mut self, w: usize, now: Nanos, status: Status) {
        let sw = &mut self.writers[w];
        sw.status = status;
        sw.finished_ns = now;
    }

    /// The run's end cut writer `w`'s operation at `now`.
    fn cut(&mut self, w: usize, now: Nanos, call_sent: bool) {
        let sw = &mut self.writers[w];
        sw.awaiting = None;
        sw.proto
            .abandon(&mut self.recorders[sw.pool as usize], call_sent);
        self.retire(w, now.min(self.end_ns), Status::Finished);
    }

    /// Resumes writer `w` with `input` and performs what it asks; after the run's end the
    /// operation is cut instead (`input` answered a call it sent). An answer that arrives at
    /// the end itself still counts; whatever the writer does next is cut.
    fn drive(&mut self, w: usize, input: Input, now: Nanos) {
        if now > self.end_ns {
            self.cut(w, now, !matches!(input, Input::Waited));
            return;
        }
        let sw = &mut self.writers[w];
        let rec = &mut self.recorders[sw.pool as usize];
        let action = sw.proto.resume(input, now, rec);
        self.perform(w, action, now);
    }

    /// Performs actions for writer `w` until one takes virtual time.
    fn perform(&mut self, w: usize, mut action: Action, now: Nanos) {
        let mut steps = 0u32;
        loop {
            steps += 1;
            if steps > MAX_STEPS_AT_ONE_INSTANT {
                self.refuse(w, Refusal::Stalled, now);
                return;
            }
            let input = match action {
                Action::Wait(0) => Input::Waited,
                Action::Wait(ns) => {
                    let at = now.saturating_add(ns);
                    if at >= self.end_ns {
                        // The wait would outlast the run: the operation cannot finish in it.
                        self.cut(w, self.end_ns, false);
                    } else {
                        self.queue.push(at, EventKind::WaitDone, w as u32, 0);
                    }
                    return;
                }
                Action::Done(end) => match self.next_op(w, now, end) {
                    Some(next) => {
                        action = next;
                        continue;
                    }
                    None => return,
                },
                call => match self.issue(w, call, now) {
                    Some(input) => input,
                    None => return,
                },
            };
            let sw = &mut self.writers[w];
            let rec = &mut self.recorders[sw.pool as usize];
            action = sw.proto.resume(input, now, rec);
        }
    }

    /// After an operation ends: the next one now, later (scheduled), or none.
    fn next_op(&mut self, w: usize, now: Nanos, ended: OpEnd) -> Option<Action> {
        let sw = &mut self.writers[w];
        let Some(at) = sw.schedule.after(ended, now, self.end_ns, sw.proto.rng()) else {
            self.retire(w, now, Status::Finished);
            return None;
        };
        sw.due = at;
        if at > now {
            self.queue.push(at, EventKind::Start, w as u32, 0);
            return None;
        }
        // Open loop behind schedule: start at once, latency still counts from `due`.
        self.begin(w, now)
    }

    /// Ends the run now: writer `w`'s pool made it impossible to finish.
    fn refuse(&mut self, w: usize, why: Refusal, now: Nanos) {
        self.refused = Some((self.writers[w].pool, why));
        self.end_ns = self.end_ns.min(now);
        self.cut(w, now, false);
    }

    /// Sends a store call. Returns the answer at once when the call takes no time at all.
    fn issue(&mut self, w: usize, action: Action, now: Nanos) -> Option<Input> {
        if now >= self.end_ns {
            self.cut(w, now, false);
            return None;
        }
        if self.end_ns == Nanos::MAX && self.writers[w].proto.attempt() > MAX_ATTEMPTS_WITHOUT_END {
            self.refuse(w, Refusal::Endless, now);
            return None;
        }
        let sw = &mut self.writers[w];
        let request = self.injected.leg(&mut sw.rng);
        if request == 0 && self.server.unlimited() {
            let done = self.work.done_at(action, now, self.store.as_ref());
            if done > now {
                self.send(w, action, now, None, done, EventKind::Worked);
                return None;
            }
            let result = self.take_effect(w, action);
            let sw = &mut self.writers[w];
            let response = self.injected.leg(&mut sw.rng);
            if response == 0 {
                return Some(result);
            }
            self.send(
                w,
                action,
                now,
                Some(result),
                now + response,
                EventKind::Respond,
            );
            return None;
        }
        self.send(w, action, now, None, now + request, EventKind::Arrive);
        None
    }

    /// Puts writer `w`'s call in flight (its answer `result` when already known) and
    /// schedules its next step, `kind` at `at`.
    fn send(
        &mut self,
        w: usize,
        action: Action,
        now: Nanos,
        result: Option<Input>,
        at: Nanos,
        kind: EventKind,
    ) {
        let token = self.await_call(w, action, now);
        let id = self.calls.insert(Call {
            writer: w as u32,
            action,
            token,
            result,
        });
        self.queue.push(at, kind, id, 0);
    }

    /// Marks writer `w` as awaiting a new call, arming the append timeout if there is one.
    fn await_call(&mut self, w: usize, action: Action, now: Nanos) -> u32 {
        let sw = &mut self.writers[w];
        let token = sw.next_token;
        sw.next_token = sw.next_token.wrapping_add(1);
        sw.awaiting = Some(token);
        if let (Some(timeout), Action::Save(_)) = (self.timeout, action) {
            self.queue.push(
                now.saturating_add(timeout),
                EventKind::Timeout,
                w as u32,
                token,
            );
        }
        token
    }

    /// A call's request reaches the store.
    fn arrive(&mut self, id: u32, now: Nanos) {
        let w = self.calls.get_mut(id).writer as usize;
        match self.server.arrive(id, now, &mut self.writers[w].rng) {
            Admitted::Now => self.work_on(id, now),
            Admitted::ServedUntil(at) => self.queue.push(at, EventKind::Served, id, 0),
            Admitted::Queued => {}
        }
    }

    /// A server finishes a call: the store works on it, and the next queued call starts.
    fn served(&mut self, id: u32, now: Nanos) {
        self.work_on(id, now);
        if let Some(next) = self.server.release() {
            let w = self.calls.get_mut(next).writer as usize;
            let at = self.server.start(now, &mut self.writers[w].rng);
            self.queue.push(at, EventKind::Served, next, 0);
        }
    }

    /// The store starts its own work on a call that reached it; the call takes effect when
    /// the work is done.
    fn work_on(&mut self, id: u32, now: Nanos) {
        let action = self.calls.get_mut(id).action;
        let done = self.work.done_at(action, now, self.store.as_ref());
        if done > now {
            self.queue.push(done, EventKind::Worked, id, 0);
        } else {
            self.effect_and_reply(id, now);
        }
    }

    fn effect_and_reply(&mut self, id: u32, now: Nanos) {
        let call = *self.calls.get_mut(id);
        let w = call.writer as usize;
        let result = self.take_effect(w, call.action);
        self.calls.get_mut(id).result = Some(result);
        let response = self.injected.leg(&mut self.writers[w].rng);
        self.queue.push(now + response, EventKind::Respond, id, 0);
    }

    /// A call's response reaches its writer (dropped if the writer stopped waiting for it).
    fn respond(&mut self, id: u32, now: Nanos) {
        let call = self.calls.remove(id);
        let w = call.writer as usize;
        if self.writers[w].awaiting != Some(call.token) {
            return;
        }
        self.writers[w].awaiting = None;
        let input = call
            .result
            .expect("a response is scheduled only after its call took effect");
        self.drive(w, input, now);
    }

    /// The call takes effect at the store, now.
    fn take_effect(&mut self, w: usize, action: Action) -> Input {
        let rng = &mut self.writers[w].rng;
        perform_call(
            self.store.as_ref(),
            action,
            &self.injected,
            rng,
            &mut self.read_buf,
        )
    }

    /// The driver's report: recorders, tallies and the simulator's own figures.
    fn finish(self) -> DriverReport {
        let virtual_end_ns = self.queue.now();
        debug_assert_eq!(self.calls.live(), 0, "every call answered");
        debug_assert_eq!(self.queue.len(), 0);
        debug_assert!(self.writers.iter().all(|w| !w.proto.in_operation()));
        let sim = SimStats {
            capacity: self.server.capacity(),
            max_queue_length: self.server.max_queue(),
            queue_length_per_window: self.server.queue_per_window().to_vec(),
            store_utilisation: self.server.utilisation(virtual_end_ns),
            events_processed: self.events,
            virtual_end_ns,
            append_stream_wait_ns: u64::try_from(self.work.queued_ns()).unwrap_or(u64::MAX),
        };
        let writers = self
            .writers
            .iter()
            .map(|sw| {
                WriterTally::of(
                    &sw.proto,
                    sw.pool,
                    sw.status == Status::Crashed,
                    sw.finished_ns,
                )
            })
            .collect();
        DriverReport {
            recorders: self.recorders,
            writers,
            ended_at: self.end_ns,
            stopped: self.stopped,
            wait_overshoot: None,
            sim: Some(sim),
            store: None,
        }
    }
}

/// Refuses scenarios whose steady-state closed-loop writers would spin at time zero for ever:
/// with no store latency, no service time, no think time, and an operation mix whose cheapest
/// operation costs the store nothing (reads charged 0), no virtual time ever passes.
fn check_progress(scenario: &Scenario) -> Result<(), EngineError> {
    let mean = |d: Option<TimeDist>| d.map_or(0.0, |d| d.mean_ns());
    let remote = mean(scenario.store.latency) + mean(scenario.sim.service_time);
    let cost = scenario.sim.store_cost;
    for pool in &scenario.pools {
        // The least store work any of the pool's operations does (an append ends in a save).
        let cheapest = [
            (pool.mix.append, cost.append.0),
            (pool.mix.read_latest, cost.read.0),
            (pool.mix.read_events, cost.scan.0),
        ]
        .into_iter()
        .filter(|&(share, _)| share > 0.0)
        .map(|(_, ns)| ns)
        .min()
        .unwrap_or(0);
        let spins = pool.operations.is_none()
            && matches!(pool.arrival, crate::workload::scenario::Arrival::Closed {})
            && remote + cheapest as f64 <= 0.0
            && pool.think.mean_ns() <= 0.0;
        if spins {
            return Err(EngineError::Unsupported(format!(
                "pool `{}`: in the simulator nothing takes time here (no store.latency, no \
                 [sim] service_time, no think, and reads charged 0 in [sim.store_cost]), so a \
                 closed loop would never advance the clock; give reads a cost (leave \
                 [sim.store_cost] read out for the measured default), a think time, or \
                 store.latency = {{ kind = \"constant\", value = \"10us\" }}",
                pool.name
            )));
        }
    }
    Ok(())
}
