//! `retrylab tune`: find the retry parameters that meet a service's objective, by a search
//! over measurements.
//!
//! ```text
//! retrylab tune scenarios/tune-hot-actor.toml --pool service \
//!   --param base=100us..50ms:log --param jitter=none,full,equal,decorrelated \
//!   --minimize attempts_per_commit --subject-to 'p99<=20ms' --budget 300
//! ```
//!
//! | concept | file |
//! |---|---|
//! | the search space: parameters, ranges, decoding a point | [`space`] |
//! | a configuration made into the tuned pool's policy and scenario | [`candidate`] |
//! | where to measure next: Latin hypercube, then TPE | [`sampler`] |
//! | racing on common random numbers, feasibility first | [`search`] |
//! | making runs once each, through the journal | [`bench`] |
//! | the whole command: search, baselines, confirmation, sensitivity, summary | this file |
//! | what is saved and what reports read | [`crate::metrics::tune`] |
//!
//! **Why our own TPE.** The `tpe` crate (0.3.1, small, by an Optuna maintainer) gives one
//! univariate optimizer per parameter, each told a single scalar per trial; the `optimizer`
//! crate is an Optuna-like framework that owns the trial loop. Racing on common random
//! numbers needs the loop, and constraints need a ranking, not a scalar: the ~250 lines of
//! [`sampler`] give both, deterministically from the search's seed.

pub mod bench;
pub mod candidate;
pub mod sampler;
pub mod search;
pub mod space;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use crate::engine::{EngineError, EngineKind};
use crate::exit::{Classify, ExitKind};
use crate::metrics::tune::figures::{Figures, Metric};
use crate::metrics::tune::goal::{Goal, GoalError};
use crate::metrics::tune::record::{
    BEST_FILE, CandidateRecord, Fate, JOURNAL_FILE, MANIFEST_FILE, Measured, RunCounts,
    SUMMARY_FILE, Sensitivity, SensitivityPoint, TuneManifest, TuneSummary, rank_order,
};
use crate::metrics::tune::stats::{Aggregate, half_width_95, mean_sd};
use crate::policy::spec::PolicySpec;
use crate::rng::derive_seed;
use crate::store::{StoreChoice, StoreKind};
use crate::sweep::{SweepError, SweepLock, holds_more_than_lock};
use crate::workload::scenario::{Scenario, ScenarioError, StoreOverride, StoreSpec};
use bench::{Bench, Job};
use candidate::TunedPool;
use search::{SearchSettings, better, judge, pareto_front, search};
use space::{Domain, Space, SpaceError};

/// The most search runs (`--budget`).
pub const MAX_BUDGET: u64 = 100_000;
/// The most seeds per configuration (`--seeds`, `--held-out`, `--threads-runs`).
pub const MAX_SEEDS: u32 = 30;

/// Why a search could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TuneError {
    /// A bad `--param`.
    #[error(transparent)]
    Space(#[from] SpaceError),
    /// A bad objective or constraint.
    #[error(transparent)]
    Goal(#[from] GoalError),
    /// The scenario could not be read.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A setting out of range, a pool that does not exist, a parameter the policy lacks.
    #[error("{0}")]
    Spec(String),
    /// The folder holds something else, or another search.
    #[error("{0}")]
    FolderInUse(String),
    /// The folder is locked by a running search.
    #[error(transparent)]
    Lock(#[from] SweepError),
    /// Reading or writing the folder failed.
    #[error("{0}")]
    Folder(String),
    /// A run failed.
    #[error("run of {key} (seed {rep}) failed: {source}")]
    Run {
        /// The configuration.
        key: String,
        /// The seed's index.
        rep: u32,
        /// Why.
        source: EngineError,
    },
    /// A run's store audit failed.
    #[error("the store audit of the run of {key} (seed {rep}) found {problems} problem(s)")]
    Audit {
        /// The configuration.
        key: String,
        /// The seed's index.
        rep: u32,
        /// How many problems.
        problems: usize,
    },
}

impl Classify for TuneError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            TuneError::Space(_)
            | TuneError::Goal(_)
            | TuneError::Spec(_)
            | TuneError::FolderInUse(_) => ExitKind::BadInput,
            TuneError::Scenario(e) => e.exit_kind(),
            TuneError::Lock(e) => e.exit_kind(),
            TuneError::Folder(_) => ExitKind::Failure,
            TuneError::Run { source, .. } => source.exit_kind(),
            TuneError::Audit { .. } => ExitKind::AuditFailed,
        }
    }
}

/// A search as asked (clap-free; the command line and the scenario's `[tune]` table fill it).
#[derive(Clone, Debug)]
pub struct TuneRequest {
    /// The scenario text.
    pub scenario_text: String,
    /// Where it came from.
    pub origin: String,
    /// The tuned pool's name.
    pub pool: String,
    /// The `--param` arguments.
    pub params: Vec<String>,
    /// Objectives and constraints.
    pub goal: Goal,
    /// The most search runs.
    pub budget: u64,
    /// Seeds per configuration.
    pub seeds: u32,
    /// Held-out seeds for the winner and runner-up.
    pub held_out: u32,
    /// Runs of the winner and runner-up on the threaded engine (0: none).
    pub threads_runs: u32,
    /// The scenario seed override (the runs' seeds derive from it).
    pub seed: Option<u64>,
    /// Picks another stream for the sampler alone, the runs' seeds unchanged (0 by default):
    /// to see how much the answer depends on the search's own luck.
    pub search_seed: u32,
    /// The engine of the search.
    pub engine: EngineKind,
    /// Scale every run down.
    pub quick: bool,
    /// Presets measured beside the winner (names).
    pub presets: Vec<String>,
    /// Vary each parameter around the winner.
    pub sensitivity: bool,
    /// The store to tune for instead of the scenario's (`--store-url`, `--occ`).
    pub store: Option<StoreOverride>,
    /// Runs of the winner and runner-up on the real store when the scenario names one (a
    /// PostgreSQL server): the search itself runs on the simulator, which models the server by
    /// the scenario's `[sim.store_cost]`; 0 to skip.
    pub real_runs: u32,
}

/// Where and how the search runs.
#[derive(Clone, Debug, Default)]
pub struct TuneOptions {
    /// The tuning folder (`None`: keep everything in memory, for tests and benches).
    pub out: Option<PathBuf>,
    /// Write into a folder that holds files but no search.
    pub force: bool,
    /// Show a progress bar.
    pub progress: bool,
    /// Set to stop (Ctrl-C): the best so far is reported.
    pub stop: Option<Arc<AtomicBool>>,
}

impl TuneRequest {
    /// Checks the settings' ranges.
    fn check(&self) -> Result<(), TuneError> {
        let bad = |m: String| Err(TuneError::Spec(m));
        if self.budget == 0 || self.budget > MAX_BUDGET {
            return bad(format!(
                "--budget {} is out of range: give 1 to {MAX_BUDGET} runs",
                self.budget
            ));
        }
        for (flag, n, min) in [
            ("--seeds", self.seeds, 1),
            ("--held-out", self.held_out, 0),
            ("--threads-runs", self.threads_runs, 0),
            ("--real-runs", self.real_runs, 0),
        ] {
            if n < min || n > MAX_SEEDS {
                return bad(format!(
                    "{flag} {n} is out of range: give {min} to {MAX_SEEDS}"
                ));
            }
        }
        if self.engine == EngineKind::Async {
            return bad(
                "tune runs on --engine sim or threads; against a real store, confirm a tuned \
                 policy with `retrylab run --store-url`"
                    .into(),
            );
        }
        for p in &self.presets {
            PolicySpec::preset(p).map_err(|e| TuneError::Spec(e.to_string()))?;
        }
        Ok(())
    }

    fn manifest(&self, scenario: &Scenario) -> TuneManifest {
        TuneManifest {
            scenario_name: scenario.name.clone(),
            origin: self.origin.clone(),
            scenario_toml: self.scenario_text.clone(),
            pool: self.pool.clone(),
            params: self.params.clone(),
            goal: self.goal.clone(),
            budget: self.budget,
            seeds: self.seeds,
            seed: scenario.seed,
            search_seed: self.search_seed,
            real_store: real_store_text(&scenario.store),
            engine: self.engine.name().to_owned(),
            quick: self.quick,
        }
    }
}

/// Runs a search and everything around it; writes the folder when `options.out` is set.
pub fn tune(request: &TuneRequest, options: &TuneOptions) -> Result<TuneSummary, TuneError> {
    let started = Instant::now();
    request.check()?;
    let mut scenario = Scenario::from_toml(&request.scenario_text, &request.origin)?;
    if let Some(seed) = request.seed {
        scenario.seed = seed;
    }
    if let Some(store) = &request.store {
        store.apply(&mut scenario.store);
    }
    // A scenario on a real store is searched on the simulator, which models the server by its
    // [sim.store_cost]; the finalists then run on the server itself.
    let real_store = (scenario.store.kind == StoreChoice::Postgres).then(|| scenario.store.clone());
    let manifest_scenario = scenario.clone();
    if real_store.is_some() {
        if request.engine != EngineKind::Sim {
            return Err(TuneError::Spec(
                "a scenario on a PostgreSQL server is searched on the simulator (--engine sim, \
                 the default), which models the server by its [sim.store_cost]; its finalists \
                 are then confirmed on the server (--real-runs)"
                    .into(),
            ));
        }
        let memory = StoreOverride {
            kind: StoreChoice::Memory(StoreKind::LockFree),
            url: None,
            occ: None,
        };
        memory.apply(&mut scenario.store);
    }
    scenario
        .check_for_engine(request.engine)
        .map_err(TuneError::Scenario)?;
    let space = Space::parse(&request.params, &request.pool)?;
    let pool = TunedPool::new(&scenario, &request.pool).map_err(TuneError::Spec)?;
    pool.check(&space).map_err(TuneError::Spec)?;
    let manifest = request.manifest(&manifest_scenario);

    let _lock = match &options.out {
        Some(dir) => Some(prepare_folder(dir, &manifest, options.force)?),
        None => None,
    };
    let journal = options.out.as_ref().map(|d| d.join(JOURNAL_FILE));
    let mut bench = Bench::open(journal.as_deref(), request.quick, options.stop.clone())?;
    let bar = progress_bar(options.progress, request.budget);
    let settings = SearchSettings {
        budget: request.budget,
        seeds: request.seeds,
        sampler_seed: derive_seed(scenario.seed, 0x7475_6e65, request.search_seed),
        engine: request.engine,
    };
    let found = search(&space, &pool, &request.goal, &settings, &mut bench, &bar)?;
    bar.finish_and_clear();

    let goal = &request.goal;
    let pareto = if goal.is_pareto() {
        pareto_front(&found.candidates)
    } else {
        Vec::new()
    };
    let winner = if goal.is_pareto() {
        pareto.iter().copied().reduce(|a, b| {
            if better(&found.candidates[b], &found.candidates[a]) {
                b
            } else {
                a
            }
        })
    } else {
        found.incumbent
    };
    let mut runs = RunCounts {
        search: found.runs,
        ..RunCounts::default()
    };
    let mut measured = Vec::new();
    let mut sensitivity = Vec::new();
    let mut interrupted = found.interrupted;
    let mut winner = winner;
    let mut runner_up = runner_up(&found.candidates, winner);
    let mut extra = Extra {
        request,
        real_store,
        pool: &pool,
        space: &space,
        bench: &mut bench,
        runs: &mut runs,
    };
    if !interrupted && !goal.is_pareto() {
        match extra.validate(&found.candidates, &mut measured)? {
            Some((w, r)) => (winner, runner_up) = (w, r),
            None => interrupted = true,
        }
    }
    if !interrupted {
        interrupted = extra.around(
            &found.candidates,
            winner,
            runner_up,
            &mut measured,
            &mut sensitivity,
        )?;
    }
    runs.from_journal = bench.from_journal;
    let label = format!("{}-tuned", pool.name());
    let toml_of = |i: usize| -> Option<String> {
        let values = space.decode(&found.candidates[i].point);
        let spec = pool.policy(&space, &values, &label).ok()?;
        Some(policy_block(&spec, goal, &manifest))
    };
    let summary = TuneSummary {
        param_names: space.params.iter().map(|p| p.name.clone()).collect(),
        winner,
        runner_up,
        winner_toml: winner.and_then(toml_of),
        pareto_toml: pareto.iter().filter_map(|&i| toml_of(i)).collect(),
        assurance: assurance(
            goal,
            &found.candidates,
            winner,
            runner_up,
            &measured,
            &runs,
            &found,
        ),
        infeasible: infeasible_notes(goal, &found.candidates, winner),
        pareto,
        convergence: found.convergence.clone(),
        measured,
        sensitivity,
        runs,
        wall_s: started.elapsed().as_secs_f64(),
        interrupted,
        exhausted: found.exhausted,
        candidates: found.candidates,
        manifest,
    };
    if let Some(dir) = &options.out {
        write_summary(dir, &summary)?;
    }
    Ok(summary)
}

/// The winner and the runner-up, as indices into the candidates.
type Finalists = (Option<usize>, Option<usize>);

/// Configurations re-measured on validation seeds before the winner is chosen.
pub const FINALISTS: usize = 3;

/// The best complete configuration other than the winner.
fn runner_up(candidates: &[CandidateRecord], winner: Option<usize>) -> Option<usize> {
    (0..candidates.len())
        .filter(|&i| Some(i) != winner && candidates[i].fate == Fate::Complete)
        .reduce(|a, b| {
            if better(&candidates[b], &candidates[a]) {
                b
            } else {
                a
            }
        })
}

fn progress_bar(show: bool, budget: u64) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(budget);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {elapsed} (eta {eta})  {msg}")
    {
        bar.set_style(style);
    }
    bar
}

/// The runs around the search: baselines on the search seeds, the winner and runner-up on
/// held-out seeds and on real threads, and each parameter varied around the winner.
struct Extra<'a> {
    request: &'a TuneRequest,
    /// The server the scenario names, for confirming the finalists there.
    real_store: Option<StoreSpec>,
    pool: &'a TunedPool,
    space: &'a Space,
    bench: &'a mut Bench,
    runs: &'a mut RunCounts,
}

impl Extra<'_> {
    /// The runs of `policy` (journal key `key`) on seeds `reps` on `engine`; `None` if stopped.
    fn runs_of(
        &mut self,
        key: &str,
        policy: PolicySpec,
        reps: std::ops::Range<u32>,
        engine: EngineKind,
    ) -> Result<Option<Vec<Figures>>, TuneError> {
        let mut scenario = self.pool.scenario(policy).map_err(TuneError::Spec)?;
        if engine == EngineKind::Async {
            if let Some(store) = &self.real_store {
                scenario.store = store.clone();
            }
        }
        let jobs: Vec<Job<'_>> = reps
            .map(|rep| Job {
                key,
                scenario: &scenario,
                rep,
                engine,
            })
            .collect();
        self.bench.measure(&jobs)
    }

    /// As [`Self::runs_of`], aggregated.
    fn measure(
        &mut self,
        key: &str,
        policy: PolicySpec,
        reps: std::ops::Range<u32>,
        engine: EngineKind,
    ) -> Result<Option<Aggregate>, TuneError> {
        Ok(self
            .runs_of(key, policy, reps, engine)?
            .map(|f| Aggregate::of(&f)))
    }

    fn measured(&self, label: String, engine: EngineKind, seeds: &str, a: Aggregate) -> Measured {
        let (feasible, _, costs) = judge(&self.request.goal, &a);
        Measured {
            label,
            engine: engine.name().to_owned(),
            seeds: seeds.to_owned(),
            aggregate: a,
            feasible,
            cost: costs[0],
        }
    }

    /// Picks the winner and runner-up among the [`FINALISTS`] best configurations on the search
    /// seeds and as many validation seeds again: the best on one set of seeds is partly the
    /// luckiest there (it often just meets a bound), so the choice is made on twice the seeds
    /// and the held-out seeds, used after, stay unseen. `None` when a stop cut it short.
    fn validate(
        &mut self,
        candidates: &[CandidateRecord],
        measured: &mut Vec<Measured>,
    ) -> Result<Option<Finalists>, TuneError> {
        let r = self.request;
        let goal = &r.goal;
        let mut ranked: Vec<usize> = (0..candidates.len())
            .filter(|&i| candidates[i].fate == Fate::Complete)
            .collect();
        ranked.sort_by(|&a, &b| rank_order(&candidates[a], &candidates[b]));
        ranked.truncate(FINALISTS);
        let label = format!("{}-tuned", self.pool.name());
        let mut combined: Vec<(usize, CandidateRecord)> = Vec::new();
        let before = self.bench.runs();
        for &i in &ranked {
            let c = &candidates[i];
            let values = self.space.decode(&c.point);
            let spec = self
                .pool
                .policy(self.space, &values, &label)
                .map_err(TuneError::Spec)?;
            let Some(more) = self.runs_of(&c.key, spec, r.seeds..2 * r.seeds, r.engine)? else {
                return Ok(None);
            };
            let all: Vec<_> = c.runs.iter().copied().chain(more).collect();
            let rec = search::record(
                goal,
                &c.point,
                &values,
                c.key.clone(),
                c.started_at_run,
                Fate::Complete,
                all,
            );
            combined.push((i, rec));
        }
        self.runs.validation += self.bench.runs() - before;
        combined.sort_by(|a, b| rank_order(&a.1, &b.1));
        for ((_, rec), role) in combined.iter().zip(["winner", "runner-up"]) {
            measured.push(self.measured(
                role.to_owned(),
                r.engine,
                "search + validation",
                rec.aggregate.clone(),
            ));
        }
        Ok(Some((
            combined.first().map(|c| c.0),
            combined.get(1).map(|c| c.0),
        )))
    }

    /// Returns whether a stop cut it short.
    fn around(
        &mut self,
        candidates: &[CandidateRecord],
        winner: Option<usize>,
        runner_up: Option<usize>,
        measured: &mut Vec<Measured>,
        sensitivity: &mut Vec<Sensitivity>,
    ) -> Result<bool, TuneError> {
        let r = self.request;
        let search_seeds = 0..r.seeds;
        let engine = r.engine;
        let start = self.pool.starting_policy().clone();
        let mut baselines = vec![(
            format!("start ({})", start.label()),
            format!("start:{}", start.label()),
            start,
        )];
        for name in &r.presets {
            let spec = PolicySpec::preset(name).map_err(|e| TuneError::Spec(e.to_string()))?;
            baselines.push((name.clone(), format!("preset:{name}"), spec));
        }
        for (label, key, spec) in baselines {
            let before = self.bench.runs();
            let Some(a) = self.measure(&key, spec, search_seeds.clone(), engine)? else {
                return Ok(true);
            };
            self.runs.baselines += self.bench.runs() - before;
            measured.push(self.measured(label, engine, "search", a));
        }
        let finalists: Vec<(&str, usize)> = [("winner", winner), ("runner-up", runner_up)]
            .into_iter()
            .filter_map(|(l, i)| i.map(|i| (l, i)))
            .collect();
        let label = format!("{}-tuned", self.pool.name());
        for (role, i) in &finalists {
            let c = &candidates[*i];
            measured.push(self.measured((*role).to_owned(), engine, "search", c.aggregate.clone()));
            let values = self.space.decode(&c.point);
            let spec = self
                .pool
                .policy(self.space, &values, &label)
                .map_err(TuneError::Spec)?;
            if r.held_out > 0 {
                let before = self.bench.runs();
                let reps = 2 * r.seeds..2 * r.seeds + r.held_out;
                let Some(a) = self.measure(&c.key, spec.clone(), reps, engine)? else {
                    return Ok(true);
                };
                self.runs.held_out += self.bench.runs() - before;
                measured.push(self.measured((*role).to_owned(), engine, "held-out", a));
            }
            if r.threads_runs > 0 && engine == EngineKind::Sim {
                let before = self.bench.runs();
                let reps = 0..r.threads_runs;
                let Some(a) = self.measure(&c.key, spec.clone(), reps, EngineKind::Threads)? else {
                    return Ok(true);
                };
                self.runs.threads += self.bench.runs() - before;
                measured.push(self.measured((*role).to_owned(), EngineKind::Threads, "search", a));
            }
            if r.real_runs > 0 && self.real_store.is_some() {
                let before = self.bench.runs();
                let reps = 0..r.real_runs;
                let Some(a) = self.measure(&c.key, spec, reps, EngineKind::Async)? else {
                    return Ok(true);
                };
                self.runs.real_store += self.bench.runs() - before;
                measured.push(self.measured((*role).to_owned(), EngineKind::Async, "search", a));
            }
        }
        if let (true, Some(w)) = (r.sensitivity, winner) {
            let before = self.bench.runs();
            for (d, param) in self.space.params.iter().enumerate() {
                let Some(points) = self.vary(&candidates[w], d, &label)? else {
                    return Ok(true);
                };
                sensitivity.push(Sensitivity {
                    param: param.name.clone(),
                    points,
                });
            }
            self.runs.sensitivity += self.bench.runs() - before;
        }
        Ok(false)
    }

    /// Parameter `d` at a spread of values, the others at the winner's.
    fn vary(
        &mut self,
        winner: &CandidateRecord,
        d: usize,
        label: &str,
    ) -> Result<Option<Vec<SensitivityPoint>>, TuneError> {
        let domain = &self.space.params[d].domain;
        let mut coords: Vec<f64> = match domain.count() {
            Some(n) if n <= 12 => (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect(),
            _ => vec![0.02, 0.25, 0.5, 0.75, 0.98],
        };
        coords.push(winner.point[d]);
        let goal = &self.request.goal;
        let metric = goal.objectives[0].metric;
        let mut points: Vec<SensitivityPoint> = Vec::new();
        for u in coords {
            let mut point = winner.point.clone();
            point[d] = u;
            let values = self.space.decode(&point);
            let value = values[d].clone();
            if points.iter().any(|p| p.value == value.text) {
                continue;
            }
            let key = self.space.key(&values);
            let Ok(spec) = self.pool.policy(self.space, &values, label) else {
                continue;
            };
            let Some(a) = self.measure(&key, spec, 0..self.request.seeds, self.request.engine)?
            else {
                return Ok(None);
            };
            let (feasible, _, _) = judge(goal, &a);
            points.push(SensitivityPoint {
                is_winner: value.text == winner.values[d],
                value: value.text,
                number: value.number,
                objective: a.mean(metric),
                feasible,
            });
        }
        if !matches!(domain, Domain::Choice(_)) {
            points.sort_by(|a, b| a.number.total_cmp(&b.number));
        }
        Ok(Some(points))
    }
}

/// The winner's policy as a block to paste into the pool's `[[pools]]` entry.
fn policy_block(spec: &PolicySpec, goal: &Goal, manifest: &TuneManifest) -> String {
    let mut table = toml::Table::new();
    table.insert(
        "policy".into(),
        toml::Value::try_from(spec).unwrap_or(toml::Value::Table(toml::Table::new())),
    );
    let body = toml::to_string(&table).unwrap_or_default();
    let body: String = body
        .lines()
        .map(|l| match l.strip_prefix("[policy") {
            Some(rest) => format!("[pools.policy{rest}\n"),
            None => format!("{l}\n"),
        })
        .collect();
    format!(
        "# retrylab tune: {} for pool `{}` of {} ({} seeds per configuration, seed {}, {} engine)\n{body}",
        goal.text(),
        manifest.pool,
        manifest.origin,
        manifest.seeds,
        manifest.seed,
        manifest.engine
    )
}

/// Sentences saying how sure the answer is, each from a measured comparison.
fn assurance(
    goal: &Goal,
    candidates: &[CandidateRecord],
    winner: Option<usize>,
    runner_up: Option<usize>,
    measured: &[Measured],
    runs: &RunCounts,
    found: &search::SearchOutcome,
) -> Vec<String> {
    let mut out = Vec::new();
    let complete = candidates
        .iter()
        .filter(|c| c.fate == Fate::Complete)
        .count();
    let dropped = candidates
        .iter()
        .filter(|c| matches!(c.fate, Fate::Dropped { .. }))
        .count();
    out.push(format!(
        "{} configurations measured in {} search runs: {complete} on every seed, {dropped} dropped \
         early by racing{}.",
        candidates.len(),
        runs.search,
        if found.exhausted {
            "; the space held no more new configurations"
        } else {
            ""
        }
    ));
    let Some(w) = winner else {
        return out;
    };
    let metric = goal.objectives[0].metric;
    let name = metric.name();
    let cw = &candidates[w];
    if let Some(r) = runner_up {
        let cr = &candidates[r];
        let o = &goal.objectives[0];
        let diffs: Vec<f64> = cw
            .runs
            .iter()
            .zip(&cr.runs)
            .map(|(a, b)| o.cost(o.metric.of(b)) - o.cost(o.metric.of(a)))
            .filter(|d| d.is_finite())
            .collect();
        let wins = diffs.iter().filter(|d| **d > 0.0).count();
        let (mean, _) = mean_sd(&diffs);
        let half = half_width_95(&diffs)
            .map(|h| format!(" (95 % interval ± {})", metric.format(h)))
            .unwrap_or_default();
        let why = if cw.feasible && !cr.feasible {
            " and, unlike it, meets every constraint".to_owned()
        } else if !cw.feasible {
            format!(
                "; neither meets every constraint, and the winner misses by less ({:.0} % against {:.0} %)",
                cw.violation * 100.0,
                cr.violation * 100.0
            )
        } else {
            String::new()
        };
        let direction = if mean >= 0.0 { "better" } else { "worse" };
        out.push(format!(
            "Runner-up: {}. On the search seeds the winner's {name} is {direction} on average by \
             {}{half}, better on {wins} of {} shared seeds{why}.",
            cr.key,
            metric.format(mean.abs()),
            diffs.len(),
        ));
    }
    let validated: Vec<&Measured> = measured
        .iter()
        .filter(|m| m.seeds == "search + validation")
        .collect();
    if let Some(w) = validated.first() {
        out.push(format!(
            "Chosen among the {FINALISTS} best by their means over {} seeds (the search's and as \
             many validation seeds): the winner's {name} is {}{}.",
            w.aggregate.runs,
            w.aggregate.text(metric),
            validated
                .get(1)
                .map(|r| format!(", the runner-up's {}", r.aggregate.text(metric)))
                .unwrap_or_default()
        ));
    }
    for m in measured
        .iter()
        .filter(|m| m.label == "winner" && m.seeds == "held-out")
    {
        out.push(format!(
            "On {} held-out seeds the winner's {name} is {} (search seeds: {}); it {} every constraint.",
            m.aggregate.runs,
            m.aggregate.text(metric),
            cw.aggregate.text(metric),
            if m.feasible { "meets" } else { "does NOT meet" }
        ));
    }
    for (engine, place) in [("threads", "real threads"), ("async", "the real store")] {
        let on: Vec<&Measured> = measured.iter().filter(|m| m.engine == engine).collect();
        let Some(tw) = on.iter().find(|m| m.label == "winner") else {
            continue;
        };
        let mut line = format!(
            "On {place} ({} runs) the winner's {name} is {} and it {} every constraint",
            tw.aggregate.runs,
            tw.aggregate.text(metric),
            if tw.feasible {
                "meets"
            } else {
                "does NOT meet"
            }
        );
        if let Some(tr) = on.iter().find(|m| m.label == "runner-up") {
            let holds = match (tw.cost, tr.cost) {
                (Some(a), Some(b)) => tw.feasible >= tr.feasible && a <= b,
                _ => false,
            };
            line.push_str(&format!(
                "; the runner-up's is {}: the order {}",
                tr.aggregate.text(metric),
                if holds {
                    format!("holds on {place}")
                } else {
                    format!("does NOT hold on {place}, so this result may hold only in the model")
                }
            ));
        }
        if !tw.feasible {
            line.push_str(" (flagged: the constraints hold only in the model)");
        }
        line.push('.');
        out.push(line);
    }
    if let Some(start) = measured.iter().find(|m| m.label.starts_with("start")) {
        if let (Some(a), Some(b)) = (cw.aggregate.mean(metric), start.aggregate.mean(metric)) {
            out.push(format!(
                "The starting policy, {}, has {name} {} ({}); the winner {} ({}).",
                start.label,
                metric.format(b),
                if start.feasible {
                    "feasible"
                } else {
                    "infeasible"
                },
                metric.format(a),
                if b != 0.0 {
                    format!("{}× the start", crate::metrics::format::fmt_sig(a / b))
                } else {
                    "the start is zero".to_owned()
                }
            ));
        }
    }
    out
}

/// When nothing met the constraints: each constraint and the closest any configuration came.
fn infeasible_notes(
    goal: &Goal,
    candidates: &[CandidateRecord],
    winner: Option<usize>,
) -> Vec<String> {
    if winner.is_some_and(|w| candidates[w].feasible) || goal.constraints.is_empty() {
        return Vec::new();
    }
    goal.constraints
        .iter()
        .map(|c| {
            let best = candidates
                .iter()
                .filter(|r| !r.runs.is_empty())
                .filter_map(|r| {
                    r.aggregate
                        .mean(c.metric)
                        .map(|v| (c.violation(Some(v)), v, &r.key))
                })
                .min_by(|a, b| a.0.total_cmp(&b.0));
            match best {
                Some((v, value, key)) if v > 0.0 => format!(
                    "`{}` was never met: the closest was {} ({}), {:.0} % beyond the bound.",
                    c.text,
                    c.metric.format(value),
                    key,
                    v * 100.0
                ),
                Some((_, value, key)) => format!(
                    "`{}` can be met ({} with {key}), but not together with the other constraints.",
                    c.text,
                    c.metric.format(value)
                ),
                None => format!("`{}`: no configuration committed anything.", c.text),
            }
        })
        .collect()
}

/// Creates and locks the folder, and checks it can take this search: a folder of the same
/// search is resumed (a larger budget continues it); another search, or a folder holding
/// anything else without `force`, is refused.
fn prepare_folder(
    dir: &Path,
    manifest: &TuneManifest,
    force: bool,
) -> Result<SweepLock, TuneError> {
    let io = |e: std::io::Error| TuneError::Folder(format!("cannot use {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(io)?;
    let lock = SweepLock::acquire(dir)?;
    let path = dir.join(MANIFEST_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(io)?;
        let old: TuneManifest = serde_json::from_str(&text).map_err(|e| {
            TuneError::FolderInUse(format!(
                "{} is damaged ({e}): delete the folder, or give another --out",
                path.display()
            ))
        })?;
        if let Some((setting, was, now)) = old.differs(manifest) {
            return Err(TuneError::FolderInUse(format!(
                "{} holds a search made with another {setting} (`{was}`, now `{now}`): resuming \
                 would mix two searches; give another --out, or delete the folder",
                dir.display()
            )));
        }
    } else {
        if holds_more_than_lock(dir).map_err(io)? && !force {
            return Err(TuneError::FolderInUse(format!(
                "{} holds files but no search: give an empty or new --out, or --force to write \
                 beside them",
                dir.display()
            )));
        }
    }
    let json =
        serde_json::to_string_pretty(manifest).map_err(|e| TuneError::Folder(e.to_string()))?;
    write_atomic(&path, &json)?;
    Ok(lock)
}

fn write_atomic(path: &Path, contents: &str) -> Result<(), TuneError> {
    crate::metrics::output::write_atomic(path, contents)
        .map_err(|(path, e)| TuneError::Folder(format!("cannot write {}: {e}", path.display())))
}

fn write_summary(dir: &Path, summary: &TuneSummary) -> Result<(), TuneError> {
    let json =
        serde_json::to_string_pretty(summary).map_err(|e| TuneError::Folder(e.to_string()))?;
    write_atomic(&dir.join(SUMMARY_FILE), &json)?;
    if let Some(block) = &summary.winner_toml {
        write_atomic(&dir.join(BEST_FILE), block)?;
    }
    Ok(())
}

/// Checks a scenario's `[tune]` table as `retrylab tune` would read it with no flags: its pool,
/// parameters (against the pool's policy) and goal. A scenario without one passes.
pub fn check_table(scenario: &Scenario) -> Result<(), TuneError> {
    let Some(t) = &scenario.tune else {
        return Ok(());
    };
    let pool = match (&t.pool, scenario.pools.as_slice()) {
        (Some(p), _) => p.clone(),
        (None, [only]) => only.name.clone(),
        (None, _) => {
            return Err(TuneError::Spec(
                "[tune] names no pool and the scenario has several: add pool = \"NAME\"".into(),
            ));
        }
    };
    let tuned = TunedPool::new(scenario, &pool).map_err(TuneError::Spec)?;
    if !t.params.is_empty() {
        tuned
            .check(&Space::parse(&t.params, &pool)?)
            .map_err(TuneError::Spec)?;
    }
    if !(t.maximize.is_empty() && t.minimize.is_empty()) {
        Goal::parse(&t.maximize, &t.minimize, &t.subject_to)?;
    }
    Ok(())
}

/// The real store a scenario names, in words for the manifest (never its URL: it may hold a
/// password).
fn real_store_text(store: &StoreSpec) -> Option<String> {
    store.postgres().map(|p| {
        format!(
            "postgres (occ {:?}, {} connections)",
            p.occ,
            p.pool_size.get()
        )
    })
}

/// The metrics a `--maximize`, `--minimize` or constraint may name, for help texts.
pub fn metric_names() -> Vec<&'static str> {
    Metric::ALL.iter().map(|m| m.name()).collect()
}
