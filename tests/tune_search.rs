//! `retrylab tune`'s search, in memory on the simulator: deterministic, constraint-aware, and
//! within 2 % of an exhaustive grid's best using at most a tenth of its runs.

use retrylab::engine::EngineKind;
use retrylab::metrics::tune::goal::Goal;
use retrylab::metrics::tune::record::{Fate, TuneSummary};
use retrylab::metrics::tune::stats::Aggregate;
use retrylab::tune::bench::Bench;
use retrylab::tune::candidate::TunedPool;
use retrylab::tune::search::judge;
use retrylab::tune::space::Space;
use retrylab::tune::{TuneOptions, TuneRequest, tune};
use retrylab::workload::scenario::Scenario;

mod tune_support;
use tune_support::{SCENARIO, SPACE, measure, strings};

fn request(params: &[&str], minimize: &[&str], subject_to: &[&str], budget: u64) -> TuneRequest {
    TuneRequest {
        scenario_text: SCENARIO.to_owned(),
        origin: "tune-small".into(),
        pool: "service".into(),
        params: strings(params),
        goal: Goal::parse(&[], &strings(minimize), &strings(subject_to)).unwrap(),
        budget,
        seeds: 3,
        held_out: 0,
        threads_runs: 0,
        seed: None,
        search_seed: 0,
        engine: EngineKind::Sim,
        quick: false,
        presets: Vec::new(),
        sensitivity: false,
        store: None,
        real_runs: 0,
    }
}

fn run(r: &TuneRequest) -> TuneSummary {
    tune(r, &TuneOptions::default()).unwrap()
}

#[test]
fn the_same_seed_gives_the_same_search_and_answer() {
    let r = request(SPACE, &["p99"], &["give_up_rate<=1%"], 40);
    let (a, b) = (run(&r), run(&r));
    let keys = |s: &TuneSummary| {
        s.candidates
            .iter()
            .map(|c| c.key.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&a), keys(&b));
    assert!(a.candidates.len() >= 10, "{}", a.candidates.len());
    assert_eq!(a.winner, b.winner);
    let w = a.winner.expect("a winner");
    assert_eq!(a.candidates[w].runs, b.candidates[w].runs);
    assert_eq!(a.runs.search, 40);
    // Another seed searches differently.
    let mut other = r.clone();
    other.search_seed = 1;
    assert_ne!(keys(&run(&other)), keys(&a));
}

#[test]
fn the_winner_meets_the_constraints_and_is_the_best_that_does() {
    let r = request(SPACE, &["p99"], &["give_up_rate<=0.5%"], 90);
    let s = run(&r);
    let w = &s.candidates[s.winner.expect("a winner")];
    assert!(w.feasible, "{:?}", w.aggregate);
    let give_ups = w
        .aggregate
        .mean(retrylab::metrics::tune::figures::Metric::GiveUpRate)
        .unwrap();
    assert!(give_ups <= 0.005, "{give_ups}");
    let complete: Vec<_> = s
        .candidates
        .iter()
        .filter(|c| c.fate == Fate::Complete)
        .collect();
    // The constraint binds: some configuration (few retries) breaks it.
    assert!(
        s.candidates
            .iter()
            .any(|c| !c.runs.is_empty() && !c.feasible),
        "no configuration broke the constraint, so the test tests nothing"
    );
    for c in complete.iter().filter(|c| c.feasible) {
        assert!(
            w.costs[0] <= c.costs[0],
            "{} beats the winner {}",
            c.key,
            w.key
        );
    }
}

#[test]
fn a_constraint_nobody_meets_is_reported_with_the_closest_miss() {
    let r = request(SPACE, &["attempts_per_commit"], &["p99<=1ns"], 20);
    let s = run(&r);
    assert!(s.winner.is_none_or(|w| !s.candidates[w].feasible));
    assert_eq!(s.infeasible.len(), 1, "{:?}", s.infeasible);
    assert!(
        s.infeasible[0].contains("never met: the closest was"),
        "{}",
        s.infeasible[0]
    );
}

#[test]
fn two_objectives_give_a_non_dominated_set() {
    let r = TuneRequest {
        goal: Goal::parse(&["goodput".into()], &["p99".into()], &[]).unwrap(),
        ..request(SPACE, &["p99"], &[], 30)
    };
    let s = run(&r);
    assert!(!s.pareto.is_empty());
    assert_eq!(s.pareto.len(), s.pareto_toml.len());
    for &i in &s.pareto {
        for &j in &s.pareto {
            let (a, b) = (&s.candidates[i].costs, &s.candidates[j].costs);
            let dominates =
                a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y);
            assert!(
                !dominates,
                "{} dominates {}",
                s.candidates[i].key, s.candidates[j].key
            );
        }
    }
}

/// Seeds neither the grid nor the search chose on, where both answers are scored.
const FRESH: std::ops::Range<u32> = 100..110;

/// The mean first-objective cost of the configuration at `point` over seeds `reps`, and
/// whether it meets the constraints.
fn cost_on(
    bench: &mut Bench,
    pool: &TunedPool,
    space: &Space,
    goal: &Goal,
    point: &[f64],
    reps: std::ops::Range<u32>,
) -> (f64, bool) {
    let runs = measure(bench, pool, space, point, reps);
    let (feasible, _, costs) = judge(goal, &Aggregate::of(&runs));
    (costs[0].unwrap_or(f64::INFINITY), feasible)
}

/// The brute-force check: every configuration of a 200-point space on the same 3 seeds (600
/// runs) against a search allowed 60 (51 search runs, 9 to validate its finalists), for a smooth objective of each direction; each
/// answer scored on 10 fresh seeds (the grid's pick is the luckiest on its 3 seeds as much as
/// the best, and the search chooses its winner on more seeds than it raced on). A tail
/// percentile on 40 ms runs is too rough for this budget: BENCHMARKS.md has the figures.
#[test]
fn the_search_comes_within_two_percent_of_the_grid_using_a_tenth_of_its_runs() {
    let scenario = Scenario::from_toml(SCENARIO, "grid").unwrap();
    let space = Space::parse(&strings(SPACE), "service").unwrap();
    let pool = TunedPool::new(&scenario, "service").unwrap();
    let grid = space.grid(1_000).unwrap();
    assert_eq!(grid.len(), 200);
    let mut bench = Bench::open(None, false, None).unwrap();
    let grid_runs = 3 * grid.len() as u64;
    for (maximize, minimize) in [
        (vec!["goodput"], vec![]),
        (vec![], vec!["attempts_per_commit"]),
    ] {
        let goal = Goal::parse(
            &strings(&maximize),
            &strings(&minimize),
            &strings(&["give_up_rate<=0.5%"]),
        )
        .unwrap();
        let grid_pick = grid
            .iter()
            .filter_map(
                |p| match cost_on(&mut bench, &pool, &space, &goal, p, 0..3) {
                    (c, true) => Some((c, p.clone())),
                    _ => None,
                },
            )
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .expect("the grid holds a feasible configuration")
            .1;
        let (grid_fresh, _) = cost_on(&mut bench, &pool, &space, &goal, &grid_pick, FRESH);
        // The search's own luck matters (BENCHMARKS.md), so the claim checked is the median
        // over five sampler seeds.
        let mut gaps = Vec::new();
        for search_seed in 0..5 {
            let r = TuneRequest {
                goal: goal.clone(),
                search_seed,
                // 51 search runs and 9 validation runs (3 finalists on 3 more seeds): a tenth.
                ..request(SPACE, &["p99"], &[], 51)
            };
            let s = run(&r);
            let used = s.runs.search + s.runs.validation;
            assert!(used * 10 <= grid_runs, "{used} runs");
            let w = &s.candidates[s.winner.expect("a winner")];
            assert!(w.feasible, "{}", w.key);
            let (found, _) = cost_on(&mut bench, &pool, &space, &goal, &w.point, FRESH);
            let gap = (found - grid_fresh) / grid_fresh.abs();
            eprintln!(
                "{} (sampler seed {search_seed}), on 10 fresh seeds: grid's pick {grid_fresh} ({}), from {grid_runs} runs; search's {found} ({}), from {} runs: {:.2} % worse",
                goal.text(),
                space.key(&space.decode(&grid_pick)),
                w.key,
                s.runs.search,
                gap * 100.0
            );
            gaps.push(gap);
        }
        gaps.sort_by(f64::total_cmp);
        assert!(
            gaps[2] <= 0.02,
            "{}: median gap {:.2} % over five searches: {gaps:?}",
            goal.text(),
            gaps[2] * 100.0
        );
    }
}
