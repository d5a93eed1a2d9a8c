//! Running a scenario's pools one after another, each alone on a fresh store, and putting the
//! results side by side: what `retrylab compare` does.
//!
//! Pools that share a run compete for the same actors, so an aggressive policy can starve a
//! polite one; that is a question of its own (see `scenarios/aggressive-vs-polite.toml`). To
//! compare policies *on the same load*, each pool runs alone with the scenario's store, key
//! distribution and length. Every pool runs as pool 0 of its own run, so each policy meets the
//! same random streams (the same key sequence per writer): common random numbers, which make the
//! differences between policies less noisy.

use std::sync::atomic::Ordering;

use super::{EngineError, EngineKind, RunOptions, RunOutput};
use crate::metrics::results::{Integrity, LatencySummary, PoolResult};
use crate::workload::scenario::Scenario;

/// Runs each pool of `scenario` alone, in order, calling `on_pool` after each; returns the
/// results combined as one run with every pool. Stops early (results marked partial) when the
/// stop flag is raised.
pub fn run_each_pool(
    scenario: &Scenario,
    engine: EngineKind,
    opts: &RunOptions,
    mut on_pool: impl FnMut(&PoolResult),
) -> Result<RunOutput, EngineError> {
    let mut combined: Option<RunOutput> = None;
    for pool in &scenario.pools {
        if opts
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
        {
            if let Some(c) = combined.as_mut() {
                c.results.partial = true;
            }
            break;
        }
        let mut alone = scenario.clone();
        alone.pools = vec![pool.clone()];
        let out = super::run_full(&alone, engine, opts)?;
        for p in &out.results.pools {
            on_pool(p);
        }
        combined = Some(match combined {
            None => out,
            Some(c) => append(c, out),
        });
    }
    let mut combined = combined.expect("a scenario has at least one pool");
    combined.results.scenario_toml = toml::to_string(scenario)
        .unwrap_or_else(|e| format!("# the scenario could not be written as TOML: {e}\n"));
    combined.results.wait_overshoot =
        (!combined.wait_overshoot.is_empty()).then(|| LatencySummary::of(&combined.wait_overshoot));
    Ok(combined)
}

/// Adds run `b`'s pools to run `a`; the audit passes only if both passed.
fn append(mut a: RunOutput, b: RunOutput) -> RunOutput {
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
    a
}

fn combine_integrity(a: &Integrity, b: &Integrity) -> Integrity {
    Integrity {
        ok: a.ok && b.ok,
        stored_events: a.stored_events + b.stored_events,
        acknowledged_events: a.acknowledged_events + b.acknowledged_events,
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
            broken_streams: 0,
            problems: Vec::new(),
        };
        let bad = Integrity {
            ok: false,
            stored_events: 4,
            acknowledged_events: 5,
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
