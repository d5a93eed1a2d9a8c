//! Test support: real `Results` without an engine, by driving the writer protocol on one
//! thread in virtual time against the global-mutex store (each store call costs 1 µs), and
//! crafted results for exact checks.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::sync::Arc;

use retrylab::engine::audit::{TAG_MASK, Told, audit};
use retrylab::metrics::recorder::{Recorder, RecordingWindow};
use retrylab::metrics::results::{Machine, PoolResult, Results, SCHEMA_VERSION};
use retrylab::rng::writer_rng;
use retrylab::store::{EventStore, GlobalMutexStore};
use retrylab::workload::protocol::{Action, Input, PoolPlan, Writer};
use retrylab::workload::scenario::Scenario;

/// Cost of one store call in virtual time.
const CALL_NS: u64 = 1_000;

/// Runs `scenario` (duration-bounded) in virtual time and summarises it as an engine would.
pub fn drive(scenario: &Scenario) -> Results {
    let store = GlobalMutexStore::new();
    let duration = scenario.run.duration.map_or(10_000_000, |d| d.as_nanos());
    let warmup = scenario.run.warmup.as_nanos();
    let end = warmup + duration;
    let window = RecordingWindow {
        warmup_end_ns: warmup,
        window_ns: scenario.run.window.as_nanos(),
    };
    struct Slot {
        writer: Writer,
        pool: usize,
        next: u64,
        action: Option<Action>,
    }
    let mut recorders: Vec<Recorder> = scenario
        .pools
        .iter()
        .map(|_| Recorder::new(window))
        .collect();
    let mut slots = Vec::new();
    for (pi, pool) in scenario.pools.iter().enumerate() {
        let plan = Arc::new(PoolPlan::new(pi as u32, pool, scenario.run.actors).unwrap());
        for w in 0..pool.writers {
            slots.push(Slot {
                writer: Writer::new(plan.clone(), w, writer_rng(scenario.seed, pi as u32, w)),
                pool: pi,
                // Staggered starts so writers interleave.
                next: u64::from(w) * 300,
                action: None,
            });
        }
    }
    loop {
        let i = (0..slots.len())
            .min_by_key(|&i| (slots[i].next, i))
            .unwrap();
        let now = slots[i].next;
        if now >= end {
            break;
        }
        let slot = &mut slots[i];
        let rec = &mut recorders[slot.pool];
        let action = match slot.action.take() {
            None | Some(Action::Done(_)) => slot.writer.begin(now, now, rec),
            Some(action) => {
                let (input, cost) = match action {
                    Action::ReadVersion(a) => (Input::Version(store.latest_version(a)), CALL_NS),
                    Action::ReadEvents { actor, from } => {
                        let events = store.events(actor, from);
                        let input = Input::Events {
                            count: events.len() as u64,
                            last: events.last().map_or(0, |e| e.version),
                        };
                        (input, CALL_NS)
                    }
                    Action::Save(e) => (Input::Saved(store.save(e)), CALL_NS),
                    Action::Wait(ns) => (Input::Waited, ns),
                    // No client timeouts here, so no read-back; Done starts the next op above.
                    Action::ReadEventAt { .. } | Action::Done(_) => unreachable!(),
                };
                slot.writer.resume(input, now + cost, rec)
            }
        };
        slot.next = match action {
            Action::Wait(ns) => now + ns.max(1),
            _ => now + CALL_NS,
        };
        slot.action = Some(action);
    }
    let mut acknowledged: HashMap<u64, Told> = HashMap::new();
    for s in &slots {
        let tag = Writer::payload(s.pool as u32, s.writer.index(), 0) & TAG_MASK;
        acknowledged.entry(tag).or_default().acknowledged += s.writer.acknowledged();
    }
    let pools: Vec<PoolResult> = scenario
        .pools
        .iter()
        .enumerate()
        .map(|(pi, p)| {
            let commits = slots
                .iter()
                .filter(|s| s.pool == pi)
                .map(|s| s.writer.committed())
                .collect();
            let label = p.policy.build().label().to_owned();
            PoolResult::summarise(&p.name, &label, &recorders[pi], commits, duration)
        })
        .collect();
    Results {
        schema_version: SCHEMA_VERSION,
        scenario_name: scenario.name.clone(),
        scenario_toml: toml::to_string(scenario).unwrap(),
        seed: scenario.seed,
        engine: "test-driver".into(),
        store: "global-mutex".into(),
        machine: Machine::detect(),
        measured_ns: duration,
        warmup_ns: warmup,
        window_ns: window.window_ns,
        makespan_ns: None,
        partial: false,
        wait_overshoot: None,
        pools,
        integrity: audit(&store, &acknowledged, 0),
        sim: None,
        server: None,
    }
}

/// A two-pool contention scenario: both pools retry at once, one until it commits (up to 50
/// attempts), one gives up after two.
pub const TWO_POOLS: &str = r#"
name = "two-pools"
seed = 7
[run]
actors = 4
duration = "20ms"
warmup = "2ms"
window = "1ms"
[[pools]]
name = "patient"
writers = 6
policy = { name = "patient", backoff = { kind = "immediate" }, max_attempts = 50 }
[[pools]]
name = "give-up-fast"
writers = 6
policy = { name = "give-up-fast", backoff = { kind = "immediate" }, max_attempts = 2 }
"#;

/// Results of [`TWO_POOLS`], driven.
pub fn two_pool_results() -> Results {
    drive(&Scenario::from_toml(TWO_POOLS, "two-pools.toml").unwrap())
}
