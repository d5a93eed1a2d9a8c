//! What a tuning folder holds: the manifest (the search as asked), the journal (one line per
//! run, so a stopped search resumes without rerunning anything), and the summary every report
//! is drawn from.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::figures::Figures;
use super::goal::Goal;
use super::stats::Aggregate;

/// The manifest's file name.
pub const MANIFEST_FILE: &str = "tune.json";
/// The journal's file name.
pub const JOURNAL_FILE: &str = "journal.jsonl";
/// The summary's file name.
pub const SUMMARY_FILE: &str = "summary.json";
/// The winner's policy, as a TOML block.
pub const BEST_FILE: &str = "best.toml";

/// A search as asked: a resumed search must ask the same (the budget may grow).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TuneManifest {
    /// The scenario's name.
    pub scenario_name: String,
    /// Where the scenario came from.
    pub origin: String,
    /// The scenario text as read.
    pub scenario_toml: String,
    /// The tuned pool.
    pub pool: String,
    /// The `--param` arguments.
    pub params: Vec<String>,
    /// The objectives and constraints.
    pub goal: Goal,
    /// The most search runs.
    pub budget: u64,
    /// Seeds per configuration.
    pub seeds: u32,
    /// The search's own seed (its sampler) and the scenario seed runs derive theirs from.
    pub seed: u64,
    /// The sampler's own stream (`--search-seed`).
    #[serde(default)]
    pub search_seed: u32,
    /// The engine the search runs on.
    pub engine: String,
    /// The real store the scenario names (its finalists are confirmed there), in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_store: Option<String>,
    /// Runs scaled down (`--quick`).
    pub quick: bool,
}

impl TuneManifest {
    /// The first setting that differs from `asked`, other than the budget, as
    /// `(setting, saved, asked)`.
    pub fn differs(&self, asked: &TuneManifest) -> Option<(&'static str, String, String)> {
        let pairs = [
            (
                "the scenario",
                self.scenario_toml.clone(),
                asked.scenario_toml.clone(),
            ),
            ("--pool", self.pool.clone(), asked.pool.clone()),
            ("--param", self.params.join(" "), asked.params.join(" ")),
            (
                "the objective and constraints",
                self.goal.text(),
                asked.goal.text(),
            ),
            ("--seeds", self.seeds.to_string(), asked.seeds.to_string()),
            ("--seed", self.seed.to_string(), asked.seed.to_string()),
            (
                "--search-seed",
                self.search_seed.to_string(),
                asked.search_seed.to_string(),
            ),
            ("--engine", self.engine.clone(), asked.engine.clone()),
            (
                "store",
                self.real_store.clone().unwrap_or_default(),
                asked.real_store.clone().unwrap_or_default(),
            ),
            ("--quick", self.quick.to_string(), asked.quick.to_string()),
        ];
        pairs.into_iter().find(|(_, a, b)| a != b)
    }
}

/// One run in the journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalLine {
    /// The configuration (its values as text), or a baseline's label.
    pub key: String,
    /// The seed's index (repeat number).
    pub rep: u32,
    /// The engine it ran on.
    pub engine: String,
    /// What it measured.
    pub figures: Figures,
}

/// Runs already made, by (key, rep, engine).
pub type JournalIndex = HashMap<(String, u32, String), Figures>;

/// Reads a journal; a missing one is empty. A last line cut short (the process died writing
/// it) is skipped; any other unreadable line is an error naming it.
pub fn read_journal(path: &Path) -> Result<JournalIndex, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut index = HashMap::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        match serde_json::from_str::<JournalLine>(line) {
            Ok(l) => {
                index.insert((l.key, l.rep, l.engine), l.figures);
            }
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {}
            Err(e) => {
                return Err(format!(
                    "{} line {} is damaged ({e}): delete the folder to start the search afresh",
                    path.display(),
                    i + 1
                ));
            }
        }
    }
    Ok(index)
}

/// Appends one line to the journal and flushes it.
pub fn append_journal(file: &mut std::fs::File, line: &JournalLine) -> std::io::Result<()> {
    let mut text = serde_json::to_string(line).map_err(std::io::Error::other)?;
    text.push('\n');
    file.write_all(text.as_bytes())?;
    file.flush()
}

/// How a configuration's race ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Fate {
    /// Measured on every seed.
    Complete,
    /// Dropped after `runs` seeds: a paired test said it loses to the incumbent.
    Dropped {
        /// Seeds measured before the drop.
        runs: u32,
    },
    /// The budget (or a stop) ended its race early.
    Cut,
    /// Not a valid policy (no runs).
    Invalid {
        /// Why.
        why: String,
    },
}

/// One configuration the search measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CandidateRecord {
    /// Its values, in the parameters' order, as text.
    pub values: Vec<String>,
    /// The same as numbers for charts (ns, numbers, a choice's position).
    pub numbers: Vec<f64>,
    /// Its key (`base=1ms cap=10ms`).
    pub key: String,
    /// The point it was proposed at (a coordinate in `[0, 1)` per parameter): what the
    /// sampler learns from.
    pub point: Vec<f64>,
    /// Search runs spent before it started.
    pub started_at_run: u64,
    /// How its race ended.
    pub fate: Fate,
    /// Its runs, seed by seed.
    pub runs: Vec<Figures>,
    /// Their aggregate.
    pub aggregate: Aggregate,
    /// Whether its means meet every constraint.
    pub feasible: bool,
    /// Its objective costs (smaller is better, one per objective), from the means.
    pub costs: Vec<Option<f64>>,
    /// The sum of its constraints' relative violations (0 when feasible).
    pub violation: f64,
}

/// Whether `a` ranks before `b` as a search ranks configurations: meeting every constraint
/// first, then the smaller total violation, then the first objective's cost.
pub fn ranks_before(a: &CandidateRecord, b: &CandidateRecord) -> bool {
    match (a.feasible, b.feasible) {
        (true, false) => true,
        (false, true) => false,
        (false, false) => a.violation < b.violation,
        (true, true) => {
            let cost =
                |c: &CandidateRecord| c.costs.first().copied().flatten().unwrap_or(f64::INFINITY);
            cost(a) < cost(b)
        }
    }
}

/// [`ranks_before`] as an ordering, for sorting: best first.
pub fn rank_order(a: &CandidateRecord, b: &CandidateRecord) -> std::cmp::Ordering {
    if ranks_before(a, b) {
        std::cmp::Ordering::Less
    } else if ranks_before(b, a) {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
    }
}

/// A policy measured beside the search on the same seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Its label: `winner`, `runner-up`, `start (<policy>)`, or a preset's name.
    pub label: String,
    /// The engine.
    pub engine: String,
    /// Which seeds: `search` (the search's own), `held-out`.
    pub seeds: String,
    /// Its aggregate.
    pub aggregate: Aggregate,
    /// Whether it meets every constraint.
    pub feasible: bool,
    /// The first objective's cost.
    pub cost: Option<f64>,
}

/// One parameter varied around the winner, the others held.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    /// The parameter.
    pub param: String,
    /// Each value tried: its text, number, aggregate over the search seeds, feasibility.
    pub points: Vec<SensitivityPoint>,
}

/// One value of a [`Sensitivity`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SensitivityPoint {
    /// As text.
    pub value: String,
    /// As a number for the chart.
    pub number: f64,
    /// The winner's own value.
    pub is_winner: bool,
    /// The first objective's mean value (not its cost).
    pub objective: Option<f64>,
    /// Meets every constraint.
    pub feasible: bool,
}

/// Best so far after some search runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConvergencePoint {
    /// Search runs spent.
    pub runs: u64,
    /// The incumbent's first-objective value (not its cost), if any configuration finished.
    pub best: Option<f64>,
    /// Whether the incumbent is feasible.
    pub feasible: bool,
}

/// How many runs each part took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunCounts {
    /// Search runs (the budget's).
    pub search: u64,
    /// Of all runs, those found in the journal.
    pub from_journal: u64,
    /// Baselines: the starting policy and the presets, on the search seeds.
    pub baselines: u64,
    /// The finalists on validation seeds, before the winner is chosen.
    #[serde(default)]
    pub validation: u64,
    /// Winner and runner-up on held-out seeds.
    pub held_out: u64,
    /// Confirmation on the threaded engine.
    pub threads: u64,
    /// The sensitivity study.
    pub sensitivity: u64,
    /// Confirmation on the real store.
    #[serde(default)]
    pub real_store: u64,
}

/// Everything a search found, for the terminal, the report and scripts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TuneSummary {
    /// The search as asked.
    pub manifest: TuneManifest,
    /// Parameter names, in order.
    pub param_names: Vec<String>,
    /// Every configuration, in the order measured.
    pub candidates: Vec<CandidateRecord>,
    /// The winner (index into `candidates`).
    pub winner: Option<usize>,
    /// The runner-up.
    pub runner_up: Option<usize>,
    /// The non-dominated set (several objectives), indices.
    pub pareto: Vec<usize>,
    /// The winner's `[pools.policy]` block, ready to paste.
    pub winner_toml: Option<String>,
    /// Each Pareto point's block.
    pub pareto_toml: Vec<String>,
    /// The incumbent after each configuration.
    pub convergence: Vec<ConvergencePoint>,
    /// Baselines on the search seeds, and the winner and runner-up on held-out seeds and
    /// other engines.
    pub measured: Vec<Measured>,
    /// Each parameter around the winner.
    pub sensitivity: Vec<Sensitivity>,
    /// "How sure are we": plain sentences, each from a measured comparison.
    pub assurance: Vec<String>,
    /// When nothing was feasible: each constraint and the closest any configuration came.
    pub infeasible: Vec<String>,
    /// Run counts.
    pub runs: RunCounts,
    /// Wall time of the whole command, seconds.
    pub wall_s: f64,
    /// Whether a stop (Ctrl-C) ended the search early.
    pub interrupted: bool,
    /// Whether the search space ran out before the budget did.
    pub exhausted: bool,
}

/// Reads a summary.
pub fn read_summary(dir: &Path) -> Result<TuneSummary, String> {
    let path = dir.join(SUMMARY_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is damaged: {e}", path.display()))
}
