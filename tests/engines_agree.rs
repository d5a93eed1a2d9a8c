//! Every ready scenario in `scenarios/` runs on the simulator and on both engines on the real
//! clock (threads, async tasks), each pool alone (as `compare` runs it) at `--quick` length, on
//! the in-memory store (a PostgreSQL scenario's load runs on lock-free here), and each real-clock
//! engine must agree with the simulator on what the model is about: the conflict rate and the
//! retries paid per commit.
//!
//! Each pool runs with at most as many writers as the machine has cores, on both engines: the
//! simulator gives every writer a core of its own, and a threaded writer without one is
//! descheduled mid-operation, so with more writers than cores the threaded figures measure the
//! machine's scheduler (on 2 cores, 8 writers rebuilding 2,000-event streams conflicted 0.31
//! threaded against 0.20 simulated; 4 writers on one hot actor swung from 0.41 to 0.59 between
//! threaded runs while another build ran). Goodput is not compared: the threaded engine pays
//! real per-operation overheads (clock reads, wait overshoot) the simulator does not charge.
//!
//! **The tolerance**, per pool: |sim − threads| ≤ 0.04 + 15 % of the simulator's figure for
//! the conflict rate, and ≤ 0.04 + 25 % for retries per commit. Why: three threaded runs of
//! every scenario (seeds 3, 4, 5) on the 2-core development VM spread by up to 0.05 in conflict
//! rate between themselves (aggressive-vs-polite: 0.136-0.187) and by up to 25 % in retries
//! per commit (hot-actor's immediate pool: 1.09-1.42), so no tighter bound can hold for a
//! single threaded run. In those runs every pool met it but reload-and-merge at 8 writers on 2
//! cores (0.31 against 0.20), which the writer cap below removes (0.073 against 0.059 at 2). A pool outside the tolerance is
//! rerun twice and judged on the median of its three threaded runs.
//!
//! Ignored by a plain `cargo test` (it runs the threaded engine for about half a minute, and
//! a loaded machine's scheduling moves its figures); `ci/test-ignored.sh` runs it on CI.

use retrylab::engine::sequential::run_each_pool;
use retrylab::engine::{EngineKind, RunOptions};
use retrylab::metrics::results::{PoolResult, Results};
use retrylab::store::{StoreChoice, StoreKind};
use retrylab::workload::scenario::{Scenario, StoreOverride};

fn run(s: &Scenario, engine: EngineKind) -> Results {
    let out = run_each_pool(s, engine, &RunOptions::default(), |_| {})
        .unwrap_or_else(|e| panic!("{} on {engine:?}: {e}", s.name));
    assert!(
        out.results.integrity.ok,
        "{} on {engine:?}: {:?}",
        s.name, out.results.integrity.problems
    );
    out.results
}

/// `None` when the two figures agree within `base + share × sim`, else the complaint.
fn disagreement(what: &str, sim: f64, threads: f64, base: f64, share: f64) -> Option<String> {
    let allowed = base + share * sim;
    ((sim - threads).abs() > allowed)
        .then(|| format!("{what}: sim {sim:.3}, threads {threads:.3} (allowed ±{allowed:.3})"))
}

/// The figures compared: conflict rate, retries per commit.
fn figures(p: &PoolResult) -> [f64; 2] {
    [p.conflict_rate, p.retries_per_commit]
}

fn compare(sim: [f64; 2], threads: [f64; 2]) -> Vec<String> {
    [
        disagreement("conflict rate", sim[0], threads[0], 0.04, 0.15),
        disagreement("retries per commit", sim[1], threads[1], 0.04, 0.25),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Each figure's median over the threaded runs.
fn median(runs: &[[f64; 2]]) -> [f64; 2] {
    let pick = |i: usize| {
        let mut xs: Vec<f64> = runs.iter().map(|r| r[i]).collect();
        xs.sort_by(f64::total_cmp);
        xs[xs.len() / 2]
    };
    [pick(0), pick(1)]
}

#[test]
fn the_tolerance_rule_accepts_the_spread_it_was_set_from_and_not_more() {
    assert_eq!(median(&[[0.1, 3.0], [0.3, 1.0], [0.2, 2.0]]), [0.2, 2.0]);
    assert!(disagreement("c", 0.171, 0.136, 0.04, 0.15).is_none());
    assert!(disagreement("r", 1.232, 1.424, 0.04, 0.25).is_none());
    assert!(disagreement("c", 0.204, 0.312, 0.04, 0.15).is_some());
    assert!(disagreement("r", 0.256, 0.454, 0.04, 0.25).is_some());
}

#[test]
#[ignore = "runs the threaded engine on every scenario (~30 s); ci/test-ignored.sh runs it"]
fn every_ready_scenario_agrees_on_every_engine() {
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "the ready scenarios are there: {files:?}");
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
    let mut problems = Vec::new();
    let mut compared = 0;
    for file in &files {
        let mut s = Scenario::from_file(file).unwrap().quick();
        if s.store.kind.memory().is_none() {
            let lock_free = StoreOverride {
                kind: StoreChoice::Memory(StoreKind::LockFree),
                url: None,
                occ: None,
            };
            lock_free.apply(&mut s.store);
        }
        for pool in &mut s.pools {
            pool.writers = pool.writers.min(cores.max(2));
        }
        let sim = run(&s, EngineKind::Sim);
        for real in [EngineKind::Threads, EngineKind::Async] {
            let threads = run(&s, real);
            for (i, (a, b)) in sim.pools.iter().zip(&threads.pools).enumerate() {
                compared += 1;
                if compare(figures(a), figures(b)).is_empty() {
                    continue;
                }
                // One threaded run samples the machine's scheduling once: a pool outside the
                // tolerance runs alone twice more and is judged on the median of three.
                let mut alone = s.clone();
                alone.pools = vec![s.pools[i].clone()];
                let mut runs = vec![figures(b)];
                for _ in 0..2 {
                    runs.push(figures(&run(&alone, real).pools[0]));
                }
                eprintln!(
                    "{} / {} / {real:?}: rerun, figures {runs:?}",
                    s.name, a.name
                );
                for p in compare(figures(a), median(&runs)) {
                    problems.push(format!(
                        "{} / {} / {real:?}: {p} (median of 3 runs)",
                        s.name, a.name
                    ));
                }
            }
        }
    }
    eprintln!(
        "{compared} pools compared, at most {} writers each",
        cores.max(2)
    );
    assert!(
        compared >= 50,
        "{compared} pools compared (both real-clock engines)"
    );
    assert!(
        problems.is_empty(),
        "engines disagree:\n{}",
        problems.join("\n")
    );
}
