//! The simulator checked against real threads: at each writer count both sweeps ran, every
//! pool's goodput, conflict rate and attempts per commit from each engine, with their ratio.
//!
//! The simulator leaves out what the hardware adds (the store's real synchronisation, the
//! scheduler, sleeps that overshoot), so a ratio far from 1 says where its figures should not
//! be trusted on this machine; on a 2-core machine, more writers than cores also measure the
//! scheduler.

use super::manifest::SweepData;
use super::patterns::{Figures, levels};

/// One figure from both engines.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    /// The simulator's median.
    pub sim: f64,
    /// The threaded engine's median.
    pub threads: f64,
}

impl Pair {
    /// threads ÷ sim (`None` when the simulator's figure is 0).
    pub fn ratio(self) -> Option<f64> {
        (self.sim != 0.0).then(|| self.threads / self.sim)
    }
}

/// One pool at one writer count, on both engines.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfirmRow {
    /// Writers per pool.
    pub writers: u32,
    /// The pool.
    pub pool: String,
    /// Commits per second.
    pub goodput: Pair,
    /// Conflicts ÷ attempts.
    pub conflict_rate: Pair,
    /// Attempts ÷ commits (`None` when either engine committed nothing).
    pub attempts_per_commit: Option<Pair>,
}

/// Every pool at every writer count in both `sim` and `threads`, in `threads`' order.
pub fn confirm_rows(sim: &SweepData, threads: &SweepData) -> Vec<ConfirmRow> {
    let sim_levels = levels(sim);
    let mut rows = Vec::new();
    for t in levels(threads) {
        let Some(s) = sim_levels.iter().find(|s| s.writers == t.writers) else {
            continue;
        };
        for tp in &t.pools {
            let Some(sp) = s.pools.iter().find(|p| p.pool == tp.pool) else {
                continue;
            };
            rows.push(row(t.writers, sp, tp));
        }
    }
    rows
}

fn row(writers: u32, sim: &Figures, threads: &Figures) -> ConfirmRow {
    ConfirmRow {
        writers,
        pool: sim.pool.clone(),
        goodput: Pair {
            sim: sim.goodput,
            threads: threads.goodput,
        },
        conflict_rate: Pair {
            sim: sim.conflict_rate,
            threads: threads.conflict_rate,
        },
        attempts_per_commit: sim
            .attempts_per_commit
            .zip(threads.attempts_per_commit)
            .map(|(sim, threads)| Pair { sim, threads }),
    }
}
