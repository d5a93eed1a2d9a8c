//! The measured "when to use each pattern" table picks the right winner on crafted results.

use retrylab::metrics::results::{PoolResult, Results};
use retrylab::sweep::manifest::{ParamAxis, PointData, SweepData, SweepManifest};
use retrylab::sweep::stats::point_stats;
use retrylab::sweep::verdict::{Metric, tally, when_to_use, winner};

fn pool(name: &str, goodput: f64, conflict_rate: f64, p99: u64) -> PoolResult {
    let mut p = PoolResult {
        name: name.into(),
        policy: format!("{name}-policy"),
        goodput_ops_s: goodput,
        conflict_rate,
        ..PoolResult::default()
    };
    p.op_latency.p99 = p99;
    // A pool that committed has latency samples; one with no goodput has none.
    p.op_latency.count = u64::from(goodput > 0.0);
    p
}

fn run(pools: Vec<PoolResult>) -> Results {
    let mut r: Results = serde_json::from_str(include_str!("report_support/empty_results.json"))
        .expect("the empty results fixture parses");
    r.pools = pools;
    r
}

fn point(label: &str, i: usize, reps: Vec<Vec<PoolResult>>) -> PointData {
    PointData {
        coords: vec![i],
        label: label.into(),
        reps: reps.into_iter().map(run).collect(),
    }
}

fn sweep(points: Vec<PointData>) -> SweepData {
    SweepData {
        manifest: SweepManifest {
            scenario_name: "crafted".into(),
            origin: "crafted.toml".into(),
            base_toml: String::new(),
            params: vec![ParamAxis {
                name: "writers".into(),
                path: "pools.*.writers".into(),
                values: points.iter().map(|p| p.label.clone()).collect(),
            }],
            repeat: 3,
            engine: "sim".into(),
            alone: Some(false),
            quick: Some(false),
        },
        points,
    }
}

#[test]
fn winners_and_margins_follow_the_medians() {
    // Low contention: backoff wins goodput by 2x; immediate wins p99 by 4x.
    // High contention: immediate has no conflicts at all, jitter wins goodput by 1.5x.
    let data = sweep(vec![
        point(
            "low",
            0,
            vec![
                vec![
                    pool("backoff", 200.0, 0.2, 400),
                    pool("immediate", 100.0, 0.1, 100),
                ],
                vec![
                    pool("backoff", 210.0, 0.2, 400),
                    pool("immediate", 90.0, 0.1, 100),
                ],
                // An outlier repeat the median must ignore.
                vec![
                    pool("backoff", 1.0, 0.2, 400),
                    pool("immediate", 5000.0, 0.1, 100),
                ],
            ],
        ),
        point(
            "high",
            1,
            vec![vec![
                pool("backoff", 100.0, 0.5, 900),
                pool("immediate", 10.0, 0.0, 1000),
                pool("jitter", 150.0, 0.3, 800),
            ]],
        ),
    ]);
    let rows = when_to_use(&data);
    assert_eq!(rows.len(), 2);
    let get = |row: usize, m: Metric| {
        rows[row]
            .verdicts
            .iter()
            .find(|v| v.metric == m)
            .unwrap()
            .clone()
    };

    let g = get(0, Metric::Goodput);
    assert_eq!(g.winner, "backoff");
    assert_eq!(g.value, 200.0, "median of 200, 210 and 1");
    assert_eq!(g.runner_up, Some(("immediate".into(), 100.0)));
    assert!((g.margin.unwrap() - 2.0).abs() < 1e-12);
    let l = get(0, Metric::P99);
    assert_eq!((l.winner.as_str(), l.margin), ("immediate", Some(4.0)));
    assert_eq!(l.winner_policy, "immediate-policy");

    let g = get(1, Metric::Goodput);
    assert_eq!(g.winner, "jitter");
    assert!((g.margin.unwrap() - 1.5).abs() < 1e-12);
    let c = get(1, Metric::ConflictRate);
    assert_eq!(c.winner, "immediate");
    assert_eq!(c.runner_up.as_ref().unwrap().0, "jitter");
    assert_eq!(c.margin, Some(f64::INFINITY), "zero conflicts beats any");

    assert_eq!(
        tally(&rows, Metric::Goodput),
        [("backoff".to_string(), 1), ("jitter".to_string(), 1)]
    );
}

#[test]
fn ties_go_to_the_first_pool_and_a_lone_pool_has_no_margin() {
    let data = sweep(vec![point(
        "tie",
        0,
        vec![vec![pool("a", 50.0, 0.1, 10), pool("b", 50.0, 0.1, 10)]],
    )]);
    let stats = point_stats(&data.points[0]);
    let v = winner(&stats, Metric::Goodput).unwrap();
    assert_eq!((v.winner.as_str(), v.margin), ("a", Some(1.0)));
    let lone = sweep(vec![point("one", 0, vec![vec![pool("a", 5.0, 0.0, 1)]])]);
    let v = winner(&point_stats(&lone.points[0]), Metric::P99).unwrap();
    assert_eq!((v.runner_up, v.margin), (None, None));
    assert!(winner(&[], Metric::Goodput).is_none());
}

/// A pool that committed nothing has no latency: it never wins "best p99" (once it won with
/// "0 ns"), and the table says it had none.
#[test]
fn a_pool_with_no_commits_never_wins_on_latency() {
    let data = sweep(vec![point(
        "writers=32",
        0,
        vec![vec![
            pool("starved", 0.0, 0.9, 0),
            pool("slow", 1_000.0, 0.5, 4_000_000),
        ]],
    )]);
    let stats = point_stats(&data.points[0]);
    assert_eq!(stats[0].p99_ns, None, "no commits, no latency");
    let v = winner(&stats, Metric::P99).unwrap();
    assert_eq!(v.winner, "slow");
    assert_eq!(v.runner_up, None, "the starved pool is not ranked at all");
    let rows = when_to_use(&data);
    assert!(
        rows[0]
            .verdicts
            .iter()
            .all(|v| v.metric != Metric::P99 || v.winner == "slow")
    );
}
