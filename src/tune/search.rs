//! The search: configurations proposed by a Latin hypercube and then TPE, each raced against
//! the incumbent on common random numbers.
//!
//! **Common random numbers.** Seed `k` of every configuration is the same seed, so two
//! configurations measured on seed `k` met the same key sequence, think times and latencies;
//! their difference on that seed is the policy's, not luck's. Comparisons are paired per seed.
//!
//! **Racing.** A new configuration first runs on one seed and is screened out if that seed is
//! worse than the incumbent on all of its seeds (or misses a constraint by over half its
//! bound); otherwise it runs one more seed at a time, up to `seeds` (the very first
//! configurations, with no incumbent yet, start with [`FIRST_ROUND`]). After each round it is
//! compared with the incumbent on the seeds both have, and dropped as soon as a one-sided
//! paired t-test (10 % level) says it is worse, or says it breaks a constraint the incumbent
//! meets. One that survives every seed replaces the incumbent if its means are better. So
//! clearly bad configurations cost one run, and only contenders get all their seeds.
//!
//! **Feasibility first.** A configuration whose means meet every constraint beats one that
//! does not; between two that do not, the smaller total relative violation wins; between two
//! that do, the first objective decides. With several objectives there is no incumbent: every
//! configuration runs on all seeds, and the search is steered by a random weighted Chebyshev
//! scalarisation per proposal (ParEGO's device), keeping the non-dominated set.

use indicatif::ProgressBar;
use rand::{Rng, SeedableRng};

use super::TuneError;
use super::bench::{Bench, Job};
use super::candidate::TunedPool;
use super::sampler::{Observation, latin_hypercube, suggest};
use super::space::Space;
use crate::engine::EngineKind;
use crate::metrics::tune::figures::Figures;
use crate::metrics::tune::goal::Goal;
use crate::metrics::tune::record::{CandidateRecord, ConvergencePoint, Fate};
use crate::metrics::tune::stats::{Aggregate, significantly_positive};
use crate::rng::WriterRng;

/// Configurations proposed and raced together.
pub const WAVE: usize = 2;
/// Seeds a configuration runs on before its first comparison when there is no incumbent.
pub const FIRST_ROUND: u32 = 2;
/// Consecutive proposals of configurations already measured (the first from TPE, the rest
/// uniform at random) after which a search stops: the space holds little it has not seen.
const MAX_REPEATED_PROPOSALS: usize = 200;
/// A cost that is undefined (no commits) counts as this in paired differences.
const UNDEFINED_COST: f64 = 1e30;

/// How a search runs.
#[derive(Clone, Debug)]
pub struct SearchSettings {
    /// The most search runs.
    pub budget: u64,
    /// Seeds per configuration (the racing's last round).
    pub seeds: u32,
    /// The sampler's seed.
    pub sampler_seed: u64,
    /// The engine of the search runs.
    pub engine: EngineKind,
}

/// What a search found.
#[derive(Clone, Debug, Default)]
pub struct SearchOutcome {
    /// Every configuration, in the order measured.
    pub candidates: Vec<CandidateRecord>,
    /// The incumbent at the end (one objective).
    pub incumbent: Option<usize>,
    /// The incumbent after each configuration.
    pub convergence: Vec<ConvergencePoint>,
    /// Search runs spent.
    pub runs: u64,
    /// A stop ended it.
    pub interrupted: bool,
    /// The space ran out of new configurations.
    pub exhausted: bool,
}

/// The points of the Latin hypercube that starts a search of `dims` parameters with `budget`
/// runs: enough to see every parameter's range, at most a third of the budget.
fn start_points(dims: usize, budget: u64) -> usize {
    let wanted = (4 * dims).max(8);
    let affordable = (budget / u64::from(FIRST_ROUND) / 3).max(2) as usize;
    wanted.min(affordable)
}

/// Per-run cost of the first objective, with undefined costs made finite for differences.
fn run_cost(goal: &Goal, f: &Figures) -> f64 {
    let o = &goal.objectives[0];
    let c = o.cost(o.metric.of(f));
    if c.is_finite() { c } else { UNDEFINED_COST }
}

/// Per-run total violation of every constraint.
fn run_violation(goal: &Goal, f: &Figures) -> f64 {
    goal.constraints
        .iter()
        .map(|c| c.violation(c.metric.of(f)).max(0.0))
        .sum()
}

/// A record of a configuration from its runs so far.
pub fn record(
    goal: &Goal,
    point: &[f64],
    values: &[super::space::Value],
    key: String,
    started_at_run: u64,
    fate: Fate,
    runs: Vec<Figures>,
) -> CandidateRecord {
    let aggregate = Aggregate::of(&runs);
    let (feasible, violation, costs) = judge(goal, &aggregate);
    CandidateRecord {
        values: values.iter().map(|v| v.text.clone()).collect(),
        numbers: values.iter().map(|v| v.number).collect(),
        key,
        point: point.to_vec(),
        started_at_run,
        fate,
        runs,
        aggregate,
        feasible,
        costs,
        violation,
    }
}

/// Feasibility, total violation and objective costs of an aggregate's means.
pub fn judge(goal: &Goal, a: &Aggregate) -> (bool, f64, Vec<Option<f64>>) {
    if a.runs == 0 {
        return (
            false,
            f64::from(u32::MAX),
            vec![None; goal.objectives.len()],
        );
    }
    let violation: f64 = goal
        .constraints
        .iter()
        .map(|c| c.violation(a.mean(c.metric)).max(0.0))
        .sum();
    let costs = goal
        .objectives
        .iter()
        .map(|o| Some(o.cost(a.mean(o.metric))).filter(|c| c.is_finite()))
        .collect();
    (violation <= 0.0, violation, costs)
}

/// Whether `a` is better than `b`: feasibility first, then violation, then the first cost.
pub fn better(a: &CandidateRecord, b: &CandidateRecord) -> bool {
    crate::metrics::tune::record::ranks_before(a, b)
}

/// Whether `runs` (a challenger's, seed by seed) provably lose to the incumbent's.
fn loses(goal: &Goal, runs: &[Figures], incumbent: &CandidateRecord) -> bool {
    let n = runs.len();
    let theirs = &incumbent.runs[..n];
    if n == 1 {
        return screened_out(goal, &runs[0], incumbent);
    }
    if incumbent.feasible {
        let breaks_a_constraint = goal.constraints.iter().any(|c| {
            let v: Vec<f64> = runs.iter().map(|f| c.violation(c.metric.of(f))).collect();
            significantly_positive(&v)
        });
        let diffs: Vec<f64> = runs
            .iter()
            .zip(theirs)
            .map(|(a, b)| run_cost(goal, a) - run_cost(goal, b))
            .collect();
        breaks_a_constraint || significantly_positive(&diffs)
    } else {
        let diffs: Vec<f64> = runs
            .iter()
            .zip(theirs)
            .map(|(a, b)| run_violation(goal, a) - run_violation(goal, b))
            .collect();
        significantly_positive(&diffs)
    }
}

/// After one seed no test has power, so a challenger is screened out only when that seed is
/// worse than the incumbent on every one of its seeds: a cost above its worst, or (against a
/// feasible incumbent) a constraint missed by more than half its bound.
fn screened_out(goal: &Goal, run: &Figures, incumbent: &CandidateRecord) -> bool {
    if incumbent.feasible {
        let misses_badly = goal
            .constraints
            .iter()
            .any(|c| c.violation(c.metric.of(run)) > 0.5);
        let worst = incumbent
            .runs
            .iter()
            .map(|f| run_cost(goal, f))
            .fold(f64::NEG_INFINITY, f64::max);
        misses_badly || run_cost(goal, run) > worst
    } else {
        let worst = incumbent
            .runs
            .iter()
            .map(|f| run_violation(goal, f))
            .fold(f64::NEG_INFINITY, f64::max);
        run_violation(goal, run) > worst
    }
}

/// The sampler's rank key of a record: feasible ones by cost squashed into (-1, 1),
/// infeasible ones after them by violation, invalid ones last.
/// Objective weights and the (lowest, highest) cost seen of each objective.
type Scalarisation<'a> = (&'a [f64], &'a [(f64, f64)]);

fn loss(c: &CandidateRecord, weights: Option<Scalarisation<'_>>) -> f64 {
    if c.runs.is_empty() {
        return 10.0;
    }
    if !c.feasible {
        return 2.0 + c.violation / (1.0 + c.violation);
    }
    match weights {
        None => {
            let x = c.costs[0].unwrap_or(UNDEFINED_COST);
            x / (1.0 + x.abs())
        }
        Some((w, ranges)) => {
            // Weighted Chebyshev over objectives normalised to the costs seen.
            let norm: Vec<f64> = c
                .costs
                .iter()
                .zip(ranges)
                .map(|(cost, (lo, hi))| {
                    let x = cost.unwrap_or(*hi);
                    if hi > lo { (x - lo) / (hi - lo) } else { 0.0 }
                })
                .collect();
            let max = norm.iter().zip(w).map(|(n, w)| n * w).fold(0.0, f64::max);
            let sum: f64 = norm.iter().zip(w).map(|(n, w)| n * w).sum();
            (max + 0.05 * sum) / 1.1
        }
    }
}

/// One configuration taking part in a wave.
struct Entrant {
    point: Vec<f64>,
    values: Vec<super::space::Value>,
    key: String,
    scenario: crate::workload::scenario::Scenario,
    started: u64,
    runs: Vec<Figures>,
    target: u32,
    fate: Option<Fate>,
}

/// Runs the search, in waves of [`WAVE`] configurations proposed from the same observations and
/// raced side by side (their runs of a round go to the cores together); a fixed wave size, not
/// the core count, so the search is the same on every machine.
pub fn search(
    space: &Space,
    pool: &TunedPool,
    goal: &Goal,
    settings: &SearchSettings,
    bench: &mut Bench,
    bar: &ProgressBar,
) -> Result<SearchOutcome, TuneError> {
    let mut rng = WriterRng::seed_from_u64(settings.sampler_seed);
    let start = latin_hypercube(
        start_points(space.dims(), settings.budget),
        space.dims(),
        &mut rng,
    );
    let pareto = goal.is_pareto();
    let mut out = SearchOutcome::default();
    let mut seen = std::collections::HashSet::new();
    let mut proposals = 0usize;
    let mut repeated = 0usize;
    let finite = space.size();
    while out.runs < settings.budget && !out.interrupted {
        if bench.stopped() {
            out.interrupted = true;
            break;
        }
        let mut wave: Vec<Entrant> = Vec::new();
        let observed = (proposals >= start.len())
            .then(|| observations(goal, &out.candidates, pareto, &mut rng))
            .filter(|o| o.len() >= 2);
        while wave.len() < WAVE {
            if finite.is_some_and(|n| seen.len() as u64 >= n) || repeated > MAX_REPEATED_PROPOSALS {
                out.exhausted = true;
                break;
            }
            let point = if proposals < start.len() {
                start[proposals].clone()
            } else if let (0, Some(observed)) = (repeated, &observed) {
                suggest(space, observed, &mut rng)
            } else {
                // Nothing to learn from yet, or TPE proposed a configuration already measured
                // (its model has settled on a discrete corner): look somewhere new instead.
                (0..space.dims()).map(|_| rng.random::<f64>()).collect()
            };
            proposals += 1;
            let values = space.decode(&point);
            let key = space.key(&values);
            if !seen.insert(key.clone()) {
                repeated += 1;
                continue;
            }
            repeated = 0;
            match pool
                .policy(space, &values, "tuned")
                .and_then(|spec| pool.scenario(spec))
            {
                Ok(scenario) => wave.push(Entrant {
                    point,
                    values,
                    key,
                    scenario,
                    started: out.runs,
                    runs: Vec::new(),
                    // With an incumbent to screen against, one seed first.
                    target: if out.incumbent.is_some() && !pareto {
                        1
                    } else {
                        FIRST_ROUND.min(settings.seeds)
                    },
                    fate: None,
                }),
                Err(why) => out.candidates.push(record(
                    goal,
                    &point,
                    &values,
                    key,
                    out.runs,
                    Fate::Invalid { why },
                    Vec::new(),
                )),
            }
            if proposals == start.len() {
                // The start's last point closes its wave, so TPE sees every start point.
                break;
            }
        }
        if wave.is_empty() {
            if out.exhausted {
                break;
            }
            continue;
        }
        race_wave(goal, &mut wave, settings, bench, &mut out, pareto, bar)?;
        for e in wave {
            let fate = e.fate.unwrap_or(Fate::Cut);
            let rec = record(goal, &e.point, &e.values, e.key, e.started, fate, e.runs);
            let complete = rec.fate == Fate::Complete;
            out.candidates.push(rec);
            let i = out.candidates.len() - 1;
            if complete
                && !pareto
                && out
                    .incumbent
                    .is_none_or(|b| better(&out.candidates[i], &out.candidates[b]))
            {
                out.incumbent = Some(i);
            }
            let best = out.incumbent.map(|b| &out.candidates[b]);
            out.convergence.push(ConvergencePoint {
                runs: out.runs,
                best: best.and_then(|b| b.aggregate.mean(goal.objectives[0].metric)),
                feasible: best.is_some_and(|b| b.feasible),
            });
            if let Some(b) = best {
                bar.set_message(format!(
                    "best {} {}",
                    goal.objectives[0].metric.name(),
                    b.aggregate.text(goal.objectives[0].metric)
                ));
            }
        }
        if out.exhausted {
            break;
        }
    }
    Ok(out)
}

/// Races a wave: each round, every entrant still racing gets its next seeds (all measured
/// together), then each is judged against the incumbent as it stood when the wave began.
fn race_wave(
    goal: &Goal,
    wave: &mut [Entrant],
    settings: &SearchSettings,
    bench: &mut Bench,
    out: &mut SearchOutcome,
    pareto: bool,
    bar: &ProgressBar,
) -> Result<(), TuneError> {
    while wave.iter().any(|e| e.fate.is_none()) {
        // The budget goes to entrants in order; one that cannot have its round is cut.
        let mut left = settings.budget - out.runs;
        let mut asked: Vec<(usize, u32, u32)> = Vec::new();
        for (i, e) in wave.iter_mut().enumerate() {
            if e.fate.is_some() {
                continue;
            }
            let want = e.target - e.runs.len() as u32;
            if u64::from(want) > left {
                e.fate = Some(Fate::Cut);
                continue;
            }
            left -= u64::from(want);
            asked.push((i, e.runs.len() as u32, want));
        }
        if asked.is_empty() {
            break;
        }
        let jobs: Vec<Job<'_>> = asked
            .iter()
            .flat_map(|&(i, from, want)| {
                let e = &wave[i];
                (from..from + want).map(move |rep| Job {
                    key: &e.key,
                    scenario: &e.scenario,
                    rep,
                    engine: settings.engine,
                })
            })
            .collect();
        let Some(figures) = bench.measure(&jobs)? else {
            out.interrupted = true;
            for e in wave.iter_mut().filter(|e| e.fate.is_none()) {
                e.fate = Some(Fate::Cut);
            }
            return Ok(());
        };
        drop(jobs);
        out.runs += figures.len() as u64;
        bar.inc(figures.len() as u64);
        let mut figures = figures.into_iter();
        for &(i, _, want) in &asked {
            let e = &mut wave[i];
            e.runs.extend(figures.by_ref().take(want as usize));
            let incumbent = out.incumbent.map(|b| &out.candidates[b]);
            e.fate = if !pareto && incumbent.is_some_and(|b| loses(goal, &e.runs, b)) {
                Some(Fate::Dropped {
                    runs: e.runs.len() as u32,
                })
            } else if e.runs.len() as u32 >= settings.seeds {
                Some(Fate::Complete)
            } else {
                e.target += 1;
                None
            };
        }
    }
    Ok(())
}

/// What the sampler learns from: every configuration with runs, ranked; with several
/// objectives, by a fresh random weighting.
fn observations(
    goal: &Goal,
    candidates: &[CandidateRecord],
    pareto: bool,
    rng: &mut WriterRng,
) -> Vec<Observation> {
    let weights = pareto.then(|| {
        let raw: Vec<f64> = goal
            .objectives
            .iter()
            .map(|_| -rng.random::<f64>().max(1e-12).ln())
            .collect();
        let total: f64 = raw.iter().sum();
        let w: Vec<f64> = raw.iter().map(|x| x / total).collect();
        let ranges: Vec<(f64, f64)> = (0..goal.objectives.len())
            .map(|j| {
                let costs = candidates
                    .iter()
                    .filter(|c| c.feasible)
                    .filter_map(|c| c.costs[j]);
                costs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                    (lo.min(x), hi.max(x))
                })
            })
            .collect();
        (w, ranges)
    });
    candidates
        .iter()
        .map(|c| Observation {
            point: c.point.clone(),
            loss: loss(
                c,
                weights.as_ref().map(|(w, r)| (w.as_slice(), r.as_slice())),
            ),
        })
        .collect()
}

/// The non-dominated set among complete, feasible records (every cost defined).
pub fn pareto_front(candidates: &[CandidateRecord]) -> Vec<usize> {
    let eligible: Vec<usize> = (0..candidates.len())
        .filter(|&i| {
            let c = &candidates[i];
            c.fate == Fate::Complete && c.feasible && c.costs.iter().all(Option::is_some)
        })
        .collect();
    let costs = |i: usize| -> Vec<f64> { candidates[i].costs.iter().flatten().copied().collect() };
    eligible
        .iter()
        .copied()
        .filter(|&i| {
            let a = costs(i);
            !eligible.iter().any(|&j| {
                let b = costs(j);
                j != i
                    && b.iter().zip(&a).all(|(x, y)| x <= y)
                    && b.iter().zip(&a).any(|(x, y)| x < y)
            })
        })
        .collect()
}
