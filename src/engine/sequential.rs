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

use super::assemble::{combine, scenario_toml};
use super::{EngineError, EngineKind, RunOptions, RunOutput};
use crate::metrics::results::PoolResult;
use crate::workload::scenario::Scenario;

/// Runs each pool of `scenario` alone, in order, calling `on_pool` after each; returns the
/// results combined as one run with every pool. Stops early (results marked partial) when the
/// stop flag is raised.
///
/// # Errors
///
/// As [`super::run_full`], for the first pool that cannot run.
pub fn run_each_pool(
    scenario: &Scenario,
    engine: EngineKind,
    opts: &RunOptions,
    mut on_pool: impl FnMut(&PoolResult),
) -> Result<RunOutput, EngineError> {
    let mut combined: Option<RunOutput> = None;
    for pool in &scenario.pools {
        let stopped = opts
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed));
        // A stop before the first pool still runs it (cut at once), so there are results.
        if let (true, Some(c)) = (stopped, combined.as_mut()) {
            c.results.partial = true;
            break;
        }
        let mut alone = scenario.clone();
        alone.pools = vec![pool.clone()];
        let out = super::run_without_scenario_text(&alone, engine, opts)?;
        for p in &out.results.pools {
            on_pool(p);
        }
        combined = Some(match combined {
            None => out,
            Some(c) => combine(c, out),
        });
    }
    let mut combined = combined.expect("a scenario has at least one pool, and the first runs");
    combined.results.scenario_toml = scenario_toml(scenario);
    Ok(combined)
}
