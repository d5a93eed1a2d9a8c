//! A retry pays for re-deciding, and store work costs virtual time: the two modelling choices
//! under every comparison. Each test pins a figure to the physical bound it must respect.

mod sim_support;

use retrylab::engine::sequential::run_each_pool;
use retrylab::engine::{EngineKind, RunOptions};
use retrylab::metrics::results::Results;
use retrylab::workload::scenario::Scenario;
use retrylab::workload::store_cost::StoreCost;
use sim_support::scenario;

fn alone(s: &Scenario) -> Results {
    let out = run_each_pool(s, EngineKind::Sim, &RunOptions::default(), |_| {}).unwrap();
    assert!(
        out.results.integrity.ok,
        "{:?}",
        out.results.integrity.problems
    );
    out.results
}

/// Hot actor, 8 writers, 20 us mean think: a retry that re-reads and decides again commits
/// far less than one that appends blind at the conflict's version (measured with `compare` on
/// this file's load: sim 122 k against 398 k commits/s, threads 72 k against 296 k), and the
/// results say which pool was blind.
#[test]
fn a_blind_retry_does_work_a_re_deciding_one_pays_for_and_is_flagged() {
    let s = scenario(
        r#"
name = "blind-vs-reread"
seed = 1
[run]
actors = 1
duration = "200ms"
warmup = "20ms"
[[pools]]
name = "reread"
writers = 8
policy = "immediate"
keys = { kind = "hot-actor" }
think = { kind = "exponential", mean = "20us" }
[[pools]]
name = "blind"
writers = 8
policy = "immediate-blind"
keys = { kind = "hot-actor" }
think = { kind = "exponential", mean = "20us" }
"#,
    );
    let r = alone(&s);
    let (reread, blind) = (&r.pools[0], &r.pools[1]);
    let ratio = blind.goodput_ops_s / reread.goodput_ops_s;
    assert!(
        (2.0..6.0).contains(&ratio),
        "blind {} vs re-deciding {}: {ratio}x",
        blind.goodput_ops_s,
        reread.goodput_ops_s
    );
    assert!(blind.retries_blind() && !reread.retries_blind());
    let back: Results = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(
        back.pools[1].refresh,
        Some(retrylab::policy::Refresh::Blind)
    );
    let dir = tempfile::tempdir().unwrap();
    let input = retrylab::report::ReportInput::Runs(vec![r.clone()]);
    let files = retrylab::report::write_report(&input, dir.path()).unwrap();
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    assert!(md.contains("immediate-blind (blind)"), "the table flags it");
    assert!(
        md.contains("Blind retries in blind:"),
        "and the report says why"
    );
    // A re-deciding writer decides at most once per think: 8 writers, 20 us mean.
    assert!(
        reread.goodput_ops_s <= 8.0 * 1e9 / 20_000.0,
        "{}",
        reread.goodput_ops_s
    );
}

/// The hot-actor sweep of `retrylab sweep --help` at its top point, 32 writers on one stream:
/// no pool commits faster than the stream takes appends (one per `append` cost), and a pool
/// that re-decides commits at most once per writer per mean think time.
#[test]
fn the_hot_actor_scenario_stays_under_one_streams_append_bound() {
    let mut s = Scenario::from_file(std::path::Path::new("scenarios/hot-actor.toml")).unwrap();
    s.run.duration = Some(retrylab::units::Duration(50_000_000));
    s.run.warmup = retrylab::units::Duration(5_000_000);
    for p in &mut s.pools {
        p.writers = 32;
    }
    let r = alone(&s);
    let append_bound = 1e9 / StoreCost::MEASURED.append.0 as f64;
    assert!(
        r.pools.iter().any(|p| p.retries_blind()),
        "the scenario shows a blind pool"
    );
    for (p, spec) in r.pools.iter().zip(&s.pools) {
        assert!(
            p.goodput_ops_s <= append_bound,
            "{}: {} commits/s on one stream, above 1/append = {append_bound}",
            p.name,
            p.goodput_ops_s
        );
        if !p.retries_blind() {
            let decide_bound = 32.0 * 1e9 / spec.think.mean_ns();
            assert!(
                p.goodput_ops_s <= decide_bound,
                "{}: {}",
                p.name,
                p.goodput_ops_s
            );
        }
    }
}
