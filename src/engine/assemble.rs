//! The one results assembler: what a driver hands back after its writers stopped, audited and
//! summarised into the results schema the same way for every engine.

use std::collections::HashMap;

use hdrhistogram::Histogram;

use super::audit::{Told, audit};
use super::plan::RunPlan;
use super::{EngineKind, RunOutput};
use crate::clock::Nanos;
use crate::metrics::recorder::{PoolLatencies, Recorder};
use crate::metrics::results::{
    Integrity, LatencySummary, Machine, PoolResult, Results, SCHEMA_VERSION, SimStats, StoreServer,
};
use crate::metrics::shared_histogram::{SharedHistogram, histogram};
use crate::workload::protocol::Writer;

/// What one writer ended with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WriterTally {
    /// Its pool.
    pub(crate) pool: u32,
    /// Its index in the pool.
    pub(crate) index: u32,
    /// Measured commits (for fairness).
    pub(crate) committed: u64,
    /// What it was told, for the audit.
    pub(crate) told: Told,
    /// It crashed (fault injection or a bug) and stopped early.
    pub(crate) crashed: bool,
    /// When it finished its last operation (or crashed), ns from the start.
    pub(crate) finished_ns: Nanos,
}

impl WriterTally {
    /// The tally of `writer`, which finished at `finished_ns`.
    pub(crate) fn of(writer: &Writer, pool: u32, crashed: bool, finished_ns: Nanos) -> Self {
        Self {
            pool,
            index: writer.index(),
            committed: writer.committed(),
            told: Told {
                acknowledged: writer.acknowledged(),
                unknown: writer.unknown_outcomes(),
            },
            crashed,
            finished_ns,
        }
    }
}

/// What a driver hands back when its writers have stopped.
#[derive(Debug)]
pub(crate) struct DriverReport {
    /// One merged recorder per pool, in pool order.
    pub(crate) recorders: Vec<Recorder>,
    /// Every writer, in any order.
    pub(crate) writers: Vec<WriterTally>,
    /// When the schedule ended: the run's end, or the time a stop request was honoured.
    pub(crate) ended_at: Nanos,
    /// A stop request cut the run short.
    pub(crate) stopped: bool,
    /// How late the engine's waits returned (engines on a real clock).
    pub(crate) wait_overshoot: Option<Histogram<u64>>,
    /// The simulator's own figures.
    pub(crate) sim: Option<SimStats>,
    /// The audit of a store the driver read back itself (one across a network); `None`: the
    /// plan's in-memory store is audited here.
    pub(crate) store: Option<StoreAudit>,
}

/// A store audited by its driver, and what it learnt of the server.
#[derive(Debug)]
pub(crate) struct StoreAudit {
    /// The store's name, as results give it.
    pub(crate) name: String,
    /// The audit of every stream, read back after the run.
    pub(crate) integrity: Integrity,
    /// The server behind it.
    pub(crate) server: Option<StoreServer>,
}

/// What one writer of a driver on the real clock hands back.
#[derive(Debug)]
pub(crate) struct WriterOutcome {
    /// Its recordings.
    pub(crate) recorder: Recorder,
    /// What it ended with.
    pub(crate) tally: WriterTally,
    /// A stop request cut its loop.
    pub(crate) stopped: bool,
}

/// Where the writers of a driver on the real clock send their latency samples: one set of
/// histograms per pool, and one for how late every wait returned, shared in batches so a
/// writer keeps no histogram of its own.
#[derive(Debug)]
pub(crate) struct LatencySinks {
    /// One per pool, in pool order.
    pub(crate) pools: Vec<PoolLatencies>,
    /// How late the engine's waits returned (ns).
    pub(crate) overshoot: SharedHistogram,
}

impl LatencySinks {
    /// Empty histograms for `plan`'s pools.
    pub(crate) fn of(plan: &RunPlan<'_>) -> Self {
        Self {
            pools: plan
                .pools
                .iter()
                .map(|_| PoolLatencies::default())
                .collect(),
            overshoot: SharedHistogram::default(),
        }
    }

    /// A recorder for one writer of pool `pool`.
    pub(crate) fn recorder(&self, plan: &RunPlan<'_>, pool: u32) -> Recorder {
        Recorder::sending_to(plan.window, &self.pools[pool as usize])
    }
}

impl DriverReport {
    /// The report of a driver on the real clock: the writers' recordings merged per pool,
    /// their latencies taken from `sinks` (every writer's waiter must have been dropped, so
    /// its last batch of overshoots is in).
    pub(crate) fn of_writers(
        plan: &RunPlan<'_>,
        outcomes: Vec<WriterOutcome>,
        sinks: &LatencySinks,
    ) -> Self {
        let mut recorders: Vec<Recorder> = plan
            .pools
            .iter()
            .map(|_| Recorder::new(plan.window))
            .collect();
        let stopped = outcomes.iter().any(|o| o.stopped);
        let mut writers = Vec::with_capacity(outcomes.len());
        let mut last = 0;
        for o in outcomes {
            recorders[o.tally.pool as usize].merge(&o.recorder);
            last = last.max(o.tally.finished_ns);
            writers.push(o.tally);
            // Dropping the writer's recorder adds its last batch of latencies to its pool's.
        }
        for (rec, pool) in recorders.iter_mut().zip(&sinks.pools) {
            rec.keep(pool);
        }
        DriverReport {
            recorders,
            writers,
            ended_at: if stopped { last } else { plan.end_ns },
            stopped,
            wait_overshoot: Some(sinks.overshoot.take()),
            sim: None,
            store: None,
        }
    }
}

/// What each writer was told, by the payload tag its events carry: what the audit checks.
pub(crate) fn told(writers: &[WriterTally]) -> HashMap<u64, Told> {
    writers
        .iter()
        .map(|w| (Writer::payload(w.pool, w.index, 0), w.told))
        .collect()
}

/// Audits the store and summarises every pool into the results schema.
pub(crate) fn assemble(plan: &RunPlan<'_>, engine: EngineKind, report: DriverReport) -> RunOutput {
    let scenario = plan.scenario;
    let mut writers = report.writers;
    writers.sort_by_key(|w| (w.pool, w.index));
    let told = told(&writers);
    let (store, integrity, server) = match report.store {
        Some(audited) => (audited.name, audited.integrity, audited.server),
        None => match &plan.store {
            Some(store) => (
                store.name().to_owned(),
                audit(store.as_ref(), &told, plan.prefilled),
                None,
            ),
            None => unreachable!("a driver of a store across a network audits it itself"),
        },
    };
    let last_finish = writers.iter().map(|w| w.finished_ns).max().unwrap_or(0);
    // A population run is measured until its last writer finished (if before the end).
    let measured_end = if plan.bounded {
        last_finish.min(report.ended_at)
    } else {
        report.ended_at
    };
    let measured_ns = measured_end.saturating_sub(plan.window.warmup_end_ns);
    let mut pools = Vec::with_capacity(plan.pools.len());
    let mut op_latency = Vec::with_capacity(plan.pools.len());
    for (p, (pool, recorder)) in plan.pools.iter().zip(report.recorders).enumerate() {
        let own = || writers.iter().filter(move |w| w.pool == p as u32);
        let mut result = PoolResult::summarise(
            &pool.plan.name,
            pool.plan.policy.label(),
            &recorder,
            own().map(|w| w.committed).collect(),
            measured_ns,
        );
        result.panicked_writers = own().filter(|w| w.crashed).count() as u32;
        result.breaker_transitions = pool.plan.breaker_transitions();
        result.monitor = pool.plan.monitor_snapshot();
        result.refresh = Some(pool.plan.refresh);
        if let Some(m) = &result.monitor {
            log_monitor(&result.name, m);
        }
        result.makespan_ns = pool
            .operations
            .is_some()
            .then(|| own().map(|w| w.finished_ns).max().unwrap_or(0));
        pools.push(result);
        op_latency.push(recorder.op_latency.into_histogram());
    }
    let wait_overshoot = report.wait_overshoot.unwrap_or_else(histogram);
    let results = Results {
        schema_version: SCHEMA_VERSION,
        scenario_name: scenario.name.clone(),
        // Set by the caller, who knows whether it is wanted (see `run_without_scenario_text`).
        scenario_toml: String::new(),
        seed: scenario.seed,
        engine: engine.name().to_owned(),
        store,
        machine: Machine::detect(),
        measured_ns,
        warmup_ns: plan.window.warmup_end_ns,
        window_ns: plan.window.window_ns,
        makespan_ns: plan.bounded.then_some(last_finish),
        partial: report.stopped,
        wait_overshoot: (!wait_overshoot.is_empty()).then(|| LatencySummary::of(&wait_overshoot)),
        pools,
        integrity,
        sim: report.sim,
        server,
    };
    RunOutput {
        results,
        op_latency,
        wait_overshoot,
    }
}

/// The conflict monitor's summary in the log: a warning when reads were stale.
fn log_monitor(pool: &str, m: &crate::policy::monitor::MonitorSnapshot) {
    let hottest = m.hottest_text(5);
    if m.stale_alerts > 0 {
        tracing::warn!(
            pool,
            conflicts = m.conflicts,
            stale_alerts = m.stale_alerts,
            stale_threshold = m.stale_threshold,
            hottest = %hottest,
            "stale reads: {} conflicts missed more than {} versions",
            m.stale_alerts,
            m.stale_threshold
        );
    } else {
        tracing::info!(pool, conflicts = m.conflicts, hottest = %hottest, "conflict monitor");
    }
}

/// The scenario as TOML text, for the results file.
pub(crate) fn scenario_toml(scenario: &crate::workload::scenario::Scenario) -> String {
    toml::to_string(scenario)
        .unwrap_or_else(|e| format!("# the scenario could not be written as TOML: {e}\n"))
}

/// Adds run `b`'s pools to run `a` (pools run alone, one after another); the audit passes
/// only if both passed.
pub(crate) fn combine(mut a: RunOutput, b: RunOutput) -> RunOutput {
    let r = &mut a.results;
    r.pools.extend(b.results.pools);
    r.partial |= b.results.partial;
    r.measured_ns = r.measured_ns.max(b.results.measured_ns);
    r.makespan_ns = match (r.makespan_ns, b.results.makespan_ns) {
        (Some(x), Some(y)) => Some(x.max(y)),
        _ => None,
    };
    r.integrity = combine_integrity(&r.integrity, &b.results.integrity);
    a.op_latency.extend(b.op_latency);
    // Auto-resizing histograms never refuse an add.
    let _ = a.wait_overshoot.add(&b.wait_overshoot);
    r.wait_overshoot =
        (!a.wait_overshoot.is_empty()).then(|| LatencySummary::of(&a.wait_overshoot));
    a
}

fn combine_integrity(a: &Integrity, b: &Integrity) -> Integrity {
    Integrity {
        ok: a.ok && b.ok,
        stored_events: a.stored_events + b.stored_events,
        acknowledged_events: a.acknowledged_events + b.acknowledged_events,
        unknown_outcomes: a.unknown_outcomes + b.unknown_outcomes,
        broken_streams: a.broken_streams + b.broken_streams,
        problems: a.problems.iter().chain(&b.problems).cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_failed_audit_fails_the_combined_audit_and_counts_add_up() {
        let ok = Integrity {
            ok: true,
            stored_events: 10,
            acknowledged_events: 10,
            unknown_outcomes: 0,
            broken_streams: 0,
            problems: Vec::new(),
        };
        let bad = Integrity {
            ok: false,
            stored_events: 4,
            acknowledged_events: 5,
            unknown_outcomes: 1,
            broken_streams: 1,
            problems: vec!["lost one".into()],
        };
        let both = combine_integrity(&ok, &bad);
        assert!(!both.ok);
        assert_eq!((both.stored_events, both.acknowledged_events), (14, 15));
        assert_eq!((both.broken_streams, both.problems.len()), (1, 1));
        assert!(combine_integrity(&ok, &ok).ok);
    }
}
