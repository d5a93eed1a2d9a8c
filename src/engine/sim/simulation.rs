//! The discrete-event loop: writers' protocol machines driven in virtual time against one real
//! store instance, used from this one thread.
//!
//! A store call has a request leg and a response leg, each drawn from `store.latency`; it takes
//! effect at the store between the two (after queueing and service when `[sim] capacity` is
//! set), so a writer's view can be stale by the time its append lands. Waits (think time, policy
//! delays) are exact. Every draw the engine makes (legs, service times, faults, crashes) comes
//! from a per-writer engine stream, separate from the writer's own, so adding a draw in one place
//! does not shift all the others.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hdrhistogram::Histogram;
use rand::Rng;

use super::arrivals::ArrivalPlan;
use super::calls::{Call, Calls};
use super::queue::{EventKind, EventQueue};
use super::server::{Admitted, StoreServer};
use crate::clock::Nanos;
use crate::engine::EngineError;
use crate::engine::audit::{PREFILL_TAG, audit};
use crate::metrics::recorder::{Recorder, RecordingWindow};
use crate::metrics::results::{Integrity, PoolResult, SimStats};
use crate::rng::{WriterRng, writer_rng};
use crate::store::{Event, EventStore, SaveError};
use crate::workload::dist::TimeDist;
use crate::workload::protocol::{Action, Input, OpEnd, PoolPlan, Writer};
use crate::workload::scenario::Scenario;

/// Engine streams are derived as pools numbered from here, so they never meet a writer's own.
const ENGINE_STREAM_POOL_BASE: u32 = 0x8000_0000;

/// How often (in events) the stop flag is looked at.
const STOP_CHECK_EVERY: u64 = 4096;

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
    /// The token of the call whose response the writer is waiting for, if any.
    awaiting: Option<u32>,
    next_token: u32,
    ops_done: u64,
    /// Intended start of the operation in progress or next (fractional in open loop, so
    /// constant gaps do not drift by rounding).
    next_intended: f64,
    status: Status,
}

/// What the engine keeps per pool.
#[derive(Debug)]
struct PoolState {
    name: String,
    label: String,
    recorder: Recorder,
    arrivals: ArrivalPlan,
    operations: Option<u64>,
    panic_probability: f64,
    rejection_pause: Nanos,
    panicked: u32,
    plan: Arc<PoolPlan>,
}

/// A whole simulation, from setup to figures.
pub(super) struct Simulation {
    store: Arc<dyn EventStore>,
    queue: EventQueue,
    calls: Calls,
    server: StoreServer,
    writers: Vec<SimWriter>,
    pools: Vec<PoolState>,
    latency: Option<TimeDist>,
    fault_probability: f64,
    timeout: Option<Nanos>,
    /// No operation is meant to start at or after this time.
    end_ns: Nanos,
    stop: Option<Arc<AtomicBool>>,
    stopped: bool,
    last_finish: Nanos,
    events: u64,
    read_buf: Vec<Event>,
    prefilled: u64,
    warmup_ns: Nanos,
    /// Every pool has a fixed number of operations (a population run with a makespan).
    bounded: bool,
}

/// What a finished simulation hands back for the results file.
#[derive(Debug)]
pub(super) struct Outcome {
    /// One summary per pool, in scenario order.
    pub(super) pools: Vec<PoolResult>,
    /// Each pool's committed-operation latency histogram (ns), in pool order.
    pub(super) op_latency: Vec<Histogram<u64>>,
    /// The store audit.
    pub(super) integrity: Integrity,
    /// The simulator's own figures.
    pub(super) stats: SimStats,
    /// Measured time: from the end of warm-up to the end of the schedule (or, in a population
    /// run, to when the last writer finished if that came first).
    pub(super) measured_ns: Nanos,
    /// When the last writer finished its last operation (or crashed): population runs only.
    pub(super) makespan_ns: Option<Nanos>,
    /// True if the stop flag cut the run short.
    pub(super) stopped: bool,
    /// The store's name.
    pub(super) store: &'static str,
}

impl Simulation {
    /// Builds the store (prefilled), the writers and their first events.
    pub(super) fn new(
        scenario: &Scenario,
        stop: Option<Arc<AtomicBool>>,
    ) -> Result<Self, EngineError> {
        let actors = scenario.run.actors;
        let warmup_ns = scenario.run.warmup.0;
        let end_ns = scenario
            .run
            .duration
            .map_or(Nanos::MAX, |d| warmup_ns.saturating_add(d.0));
        check_progress(scenario)?;
        let store = scenario.store.kind.build(
            scenario.store.shards,
            usize::try_from(actors).unwrap_or(usize::MAX),
        );
        let prefilled = prefill(store.as_ref(), actors, scenario.store.prefill_events);
        let window = RecordingWindow {
            warmup_end_ns: warmup_ns,
            window_ns: scenario.run.window.0,
        };
        let mut writers = Vec::new();
        let mut pools = Vec::new();
        for (p, spec) in scenario.pools.iter().enumerate() {
            let p = p as u32;
            let plan = Arc::new(
                PoolPlan::new(p, spec, actors).map_err(|e| EngineError::Keys {
                    pool: spec.name.clone(),
                    message: e.to_string(),
                })?,
            );
            let arrivals = ArrivalPlan::of(spec)?;
            for i in 0..spec.writers {
                let mut proto = Writer::new(plan.clone(), i, writer_rng(scenario.seed, p, i));
                let spread = spec.start_spread.0;
                let offset = if spread == 0 {
                    0
                } else {
                    proto.rng().random_range(0..=spread)
                };
                let next_intended = arrivals.first(offset, proto.rng());
                writers.push(SimWriter {
                    proto,
                    pool: p,
                    rng: writer_rng(scenario.seed, ENGINE_STREAM_POOL_BASE + p, i),
                    awaiting: None,
                    next_token: 0,
                    ops_done: 0,
                    next_intended,
                    status: Status::Active,
                });
            }
            pools.push(PoolState {
                name: spec.name.clone(),
                label: plan.policy.label().to_owned(),
                recorder: Recorder::new(window),
                arrivals,
                operations: spec.operations,
                panic_probability: spec.panic_probability,
                rejection_pause: spec.rejection_pause.nanos(),
                panicked: 0,
                plan: plan.clone(),
            });
        }
        let limit = scenario.sim.capacity.zip(scenario.sim.service_time);
        let mut sim = Self {
            store,
            queue: EventQueue::new(),
            calls: Calls::default(),
            server: StoreServer::new(limit, scenario.run.window.0),
            writers,
            pools,
            latency: scenario.store.latency.filter(|d| !d.is_zero()),
            fault_probability: scenario.store.fault_probability,
            timeout: scenario.sim.timeout.map(|t| t.0),
            end_ns,
            stop,
            stopped: false,
            last_finish: 0,
            events: 0,
            read_buf: Vec::new(),
            prefilled,
            warmup_ns,
            bounded: scenario.pools.iter().all(|p| p.operations.is_some()),
        };
        for w in 0..sim.writers.len() {
            let sw = &sim.writers[w];
            let pool = &sim.pools[sw.pool as usize];
            let at = sw.next_intended.round() as Nanos;
            if pool.operations == Some(0) || at >= sim.end_ns {
                sim.writers[w].status = Status::Finished;
            } else {
                sim.queue.push(at, EventKind::Start, w as u32, 0);
            }
        }
        Ok(sim)
    }

    /// Runs every event until none is left (in-flight operations drain past the end).
    pub(super) fn run(mut self) -> Outcome {
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
        self.finish()
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
        let intended = match self.pools[self.writers[w].pool as usize].arrivals {
            ArrivalPlan::Closed => now,
            ArrivalPlan::Open { .. } => self.writers[w].next_intended.round() as Nanos,
        };
        if intended.max(now) >= self.end_ns {
            self.retire(w, now, Status::Finished);
            return;
        }
        if let Some(action) = self.begin(w, intended, now) {
            self.perform(w, action, now);
        }
    }

    /// Begins an operation, unless the writer crashes first (fault injection).
    fn begin(&mut self, w: usize, intended: Nanos, now: Nanos) -> Option<Action> {
        let sw = &mut self.writers[w];
        let pool = &mut self.pools[sw.pool as usize];
        if pool.panic_probability > 0.0 && sw.rng.random::<f64>() < pool.panic_probability {
            pool.panicked += 1;
            self.retire(w, now, Status::Crashed);
            return None;
        }
        Some(sw.proto.begin(intended, now, &mut pool.recorder))
    }

    fn retire(&mut self, w: usize, now: Nanos, status: Status) {
        self.writers[w].status = status;
        self.last_finish = self.last_finish.max(now);
    }

    /// Resumes writer `w` with `input` and performs what it asks.
    fn drive(&mut self, w: usize, input: Input, now: Nanos) {
        let sw = &mut self.writers[w];
        let rec = &mut self.pools[sw.pool as usize].recorder;
        let action = sw.proto.resume(input, now, rec);
        self.perform(w, action, now);
    }

    /// Performs actions for writer `w` until one takes virtual time.
    fn perform(&mut self, w: usize, mut action: Action, now: Nanos) {
        loop {
            let input = match action {
                Action::Wait(0) => Input::Waited,
                Action::Wait(ns) => {
                    self.queue
                        .push(now.saturating_add(ns), EventKind::WaitDone, w as u32, 0);
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
            let rec = &mut self.pools[sw.pool as usize].recorder;
            action = sw.proto.resume(input, now, rec);
        }
    }

    /// After an operation ends: the next one now, later (scheduled), or none.
    fn next_op(&mut self, w: usize, now: Nanos, end: OpEnd) -> Option<Action> {
        let sw = &mut self.writers[w];
        sw.ops_done += 1;
        let pool = &self.pools[sw.pool as usize];
        if pool.operations.is_some_and(|n| sw.ops_done >= n) {
            self.retire(w, now, Status::Finished);
            return None;
        }
        let intended = match pool.arrivals {
            ArrivalPlan::Closed if matches!(end, OpEnd::Rejected(_)) => now + pool.rejection_pause,
            ArrivalPlan::Closed => now,
            open => {
                sw.next_intended += open.gap(sw.proto.rng());
                sw.next_intended.round() as Nanos
            }
        };
        // Nothing begins once the run is over, not even an open loop's backlog.
        if intended.max(now) >= self.end_ns {
            self.retire(w, now, Status::Finished);
            return None;
        }
        if intended > now {
            self.queue.push(intended, EventKind::Start, w as u32, 0);
            return None;
        }
        // Open loop behind schedule: start at once, latency still counts from `intended`.
        self.begin(w, intended, now)
    }

    fn leg(latency: Option<TimeDist>, rng: &mut WriterRng) -> Nanos {
        latency.map_or(0, |d| d.sample(rng))
    }

    /// Sends a store call. Returns the answer at once when the call takes no time at all.
    fn issue(&mut self, w: usize, action: Action, now: Nanos) -> Option<Input> {
        let sw = &mut self.writers[w];
        let request = Self::leg(self.latency, &mut sw.rng);
        if request == 0 && self.server.unlimited() {
            let result = self.take_effect(w, action);
            let sw = &mut self.writers[w];
            let response = Self::leg(self.latency, &mut sw.rng);
            if response == 0 {
                return Some(result);
            }
            let token = self.await_call(w, action, now);
            let id = self.calls.insert(Call {
                writer: w as u32,
                action,
                token,
                result: Some(result),
            });
            self.queue.push(now + response, EventKind::Respond, id, 0);
            return None;
        }
        let token = self.await_call(w, action, now);
        let id = self.calls.insert(Call {
            writer: w as u32,
            action,
            token,
            result: None,
        });
        self.queue.push(now + request, EventKind::Arrive, id, 0);
        None
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
            Admitted::Now => self.effect_and_reply(id, now),
            Admitted::ServedUntil(at) => self.queue.push(at, EventKind::Served, id, 0),
            Admitted::Queued => {}
        }
    }

    /// A server finishes a call: it takes effect, and the next queued call starts.
    fn served(&mut self, id: u32, now: Nanos) {
        self.effect_and_reply(id, now);
        if let Some(next) = self.server.release() {
            let w = self.calls.get_mut(next).writer as usize;
            let at = self.server.start(now, &mut self.writers[w].rng);
            self.queue.push(at, EventKind::Served, next, 0);
        }
    }

    fn effect_and_reply(&mut self, id: u32, now: Nanos) {
        let call = *self.calls.get_mut(id);
        let w = call.writer as usize;
        let result = self.take_effect(w, call.action);
        self.calls.get_mut(id).result = Some(result);
        let response = Self::leg(self.latency, &mut self.writers[w].rng);
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
        let store = self.store.as_ref();
        match action {
            Action::ReadVersion(actor) => Input::Version(store.latest_version(actor)),
            Action::ReadEvents { actor, from } => {
                self.read_buf.clear();
                store.events_into(actor, from, &mut self.read_buf);
                Input::Events {
                    count: self.read_buf.len() as u64,
                    last: self.read_buf.last().map_or(0, |e| e.version),
                }
            }
            Action::ReadEventAt { actor, version } => {
                self.read_buf.clear();
                store.events_into(actor, version, &mut self.read_buf);
                Input::EventAt {
                    event: self.read_buf.first().copied(),
                    latest: store.latest_version(actor),
                }
            }
            Action::Save(event) => {
                let rng = &mut self.writers[w].rng;
                if self.fault_probability > 0.0 && rng.random::<f64>() < self.fault_probability {
                    Input::Saved(Err(SaveError::Unavailable))
                } else {
                    Input::Saved(store.save(event))
                }
            }
            Action::Wait(_) | Action::Done(_) => {
                unreachable!("only store calls are issued, not {action:?}")
            }
        }
    }

    /// Audits the store and summarises every pool.
    fn finish(self) -> Outcome {
        let mut acknowledged: HashMap<u64, u64> = HashMap::new();
        for sw in &self.writers {
            let tag = Writer::payload(sw.pool, sw.proto.index(), 0);
            *acknowledged.entry(tag).or_insert(0) += sw.proto.acknowledged();
        }
        let integrity = audit(self.store.as_ref(), &acknowledged, self.prefilled);
        let virtual_end_ns = self.queue.now();
        debug_assert_eq!(self.calls.live(), 0, "every call answered");
        debug_assert_eq!(self.queue.len(), 0);
        let stats = SimStats {
            capacity: self.server.capacity(),
            max_queue_length: self.server.max_queue(),
            queue_length_per_window: self.server.queue_per_window().to_vec(),
            store_utilisation: self.server.utilisation(virtual_end_ns),
            events_processed: self.events,
            virtual_end_ns,
        };
        let measured_end = if self.bounded {
            self.last_finish.min(self.end_ns)
        } else {
            self.end_ns
        };
        let measured_ns = measured_end.saturating_sub(self.warmup_ns);
        let mut commits: Vec<Vec<u64>> = vec![Vec::new(); self.pools.len()];
        for sw in &self.writers {
            commits[sw.pool as usize].push(sw.proto.committed());
        }
        let mut op_latency = Vec::with_capacity(self.pools.len());
        let mut pools = Vec::with_capacity(self.pools.len());
        for (pool, commits) in self.pools.into_iter().zip(commits) {
            let mut r = PoolResult::summarise(
                &pool.name,
                &pool.label,
                &pool.recorder,
                commits,
                measured_ns,
            );
            r.panicked_writers = pool.panicked;
            r.breaker_transitions = pool.plan.breaker_transitions();
            pools.push(r);
            op_latency.push(pool.recorder.op_latency);
        }
        Outcome {
            pools,
            op_latency,
            integrity,
            stats,
            measured_ns,
            makespan_ns: self.bounded.then_some(self.last_finish),
            stopped: self.stopped,
            store: self.store.name(),
        }
    }
}

/// Writes `per_actor` events to every actor before the run, tagged as prefill for the audit.
fn prefill(store: &dyn EventStore, actors: u64, per_actor: u64) -> u64 {
    for actor in 0..actors {
        for version in 1..=per_actor {
            // A fresh store accepts these in order; a refusal would be a store bug the audit
            // reports (prefill written vs stored).
            let _ = store.save(Event {
                actor,
                version,
                event_type: 0,
                payload: PREFILL_TAG,
                timestamp_ns: 0,
            });
        }
    }
    actors * per_actor
}

/// Refuses scenarios whose steady-state closed-loop writers would spin at time zero for ever:
/// with no store latency, no service time and no think time, no virtual time ever passes.
fn check_progress(scenario: &Scenario) -> Result<(), EngineError> {
    let mean = |d: Option<TimeDist>| d.map_or(0.0, |d| d.mean_ns());
    let store_time = mean(scenario.store.latency) + mean(scenario.sim.service_time);
    for pool in &scenario.pools {
        let spins = pool.operations.is_none()
            && matches!(pool.arrival, crate::workload::scenario::Arrival::Closed {})
            && store_time <= 0.0
            && pool.think.mean_ns() <= 0.0;
        if spins {
            return Err(EngineError::Unsupported(format!(
                "pool `{}`: in the simulator nothing takes time here (no store.latency, no \
                 [sim] service_time, no think), so a closed loop would never advance the clock; \
                 set store.latency = {{ kind = \"constant\", value = \"10us\" }} or a think time",
                pool.name
            )));
        }
    }
    Ok(())
}
