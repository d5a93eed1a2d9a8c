//! Where a search's runs are made: each (configuration, seed, engine) runs once, on the engine
//! asked for, and goes into the journal as it finishes, so a search that stops resumes without
//! rerunning anything and the same search on the same journal gives the same answer.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::TuneError;
use crate::engine::{self, EngineKind, RunOptions};
use crate::metrics::tune::figures::Figures;
use crate::metrics::tune::record::{JournalIndex, JournalLine, append_journal, read_journal};
use crate::sweep::spec::seed_for_repeat;
use crate::workload::scenario::Scenario;

/// One run asked for: a configuration's key, its scenario, the seed's index, the engine.
#[derive(Clone, Debug)]
pub struct Job<'a> {
    /// The configuration's key (or a baseline's label).
    pub key: &'a str,
    /// The scenario (the tuned pool alone).
    pub scenario: &'a Scenario,
    /// The seed's index.
    pub rep: u32,
    /// The engine.
    pub engine: EngineKind,
}

/// Makes runs, once each, through the journal.
#[derive(Debug)]
pub struct Bench {
    journal: JournalIndex,
    file: Option<File>,
    quick: bool,
    stop: Option<Arc<AtomicBool>>,
    /// Runs found in the journal.
    pub from_journal: u64,
    /// Runs made now.
    pub made: u64,
    /// Attempts those runs made (for the speed line).
    pub attempts: u64,
}

impl Bench {
    /// A bench writing to the journal at `path` (read first, so its runs are reused), or
    /// keeping runs in memory only when `path` is `None`.
    pub fn open(
        path: Option<&Path>,
        quick: bool,
        stop: Option<Arc<AtomicBool>>,
    ) -> Result<Self, TuneError> {
        let (journal, file) = match path {
            Some(path) => {
                let journal = read_journal(path).map_err(TuneError::Folder)?;
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| {
                        TuneError::Folder(format!("cannot write {}: {e}", path.display()))
                    })?;
                (journal, Some(file))
            }
            None => (JournalIndex::new(), None),
        };
        Ok(Self {
            journal,
            file,
            quick,
            stop,
            from_journal: 0,
            made: 0,
            attempts: 0,
        })
    }

    /// Runs handed out so far, from the journal or made now.
    pub fn runs(&self) -> u64 {
        self.made + self.from_journal
    }

    /// Whether a stop was asked for.
    pub fn stopped(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    }

    /// The figures of every job, in order: from the journal where it holds them, the rest run
    /// in parallel on the simulator (one at a time on a real-clock engine, which needs the
    /// cores). `None` when a stop cut the runs short.
    pub fn measure(&mut self, jobs: &[Job<'_>]) -> Result<Option<Vec<Figures>>, TuneError> {
        let mut out: Vec<Option<Figures>> = jobs
            .iter()
            .map(|j| self.journal.get(&index_key(j)).copied())
            .collect();
        self.from_journal += out.iter().filter(|f| f.is_some()).count() as u64;
        let todo: Vec<usize> = (0..jobs.len()).filter(|&i| out[i].is_none()).collect();
        if todo.is_empty() {
            return Ok(Some(out.into_iter().flatten().collect()));
        }
        if self.stopped() {
            return Ok(None);
        }
        let quick = self.quick;
        let stop = self.stop.clone();
        let run = |&i: &usize| run_one(&jobs[i], quick, stop.clone());
        let sim_only = todo.iter().all(|&i| jobs[i].engine == EngineKind::Sim);
        let made: Vec<Result<(Figures, u64, bool), TuneError>> = if sim_only {
            todo.par_iter().map(run).collect()
        } else {
            todo.iter().map(run).collect()
        };
        let mut cut = false;
        for (&i, result) in todo.iter().zip(made) {
            let (figures, attempts, partial) = result?;
            if partial {
                cut = true;
                continue;
            }
            self.made += 1;
            self.attempts += attempts;
            let line = JournalLine {
                key: jobs[i].key.to_owned(),
                rep: jobs[i].rep,
                engine: jobs[i].engine.name().to_owned(),
                figures,
            };
            if let Some(file) = self.file.as_mut() {
                append_journal(file, &line)
                    .map_err(|e| TuneError::Folder(format!("cannot write the journal: {e}")))?;
            }
            self.journal.insert(index_key(&jobs[i]), figures);
            out[i] = Some(figures);
        }
        Ok((!cut).then(|| out.into_iter().flatten().collect()))
    }
}

fn index_key(job: &Job<'_>) -> (String, u32, String) {
    (job.key.to_owned(), job.rep, job.engine.name().to_owned())
}

/// Runs one job: the tuned pool's figures, the attempts made, and whether a stop cut it.
fn run_one(
    job: &Job<'_>,
    quick: bool,
    stop: Option<Arc<AtomicBool>>,
) -> Result<(Figures, u64, bool), TuneError> {
    let mut scenario = if quick {
        job.scenario.clone().quick()
    } else {
        job.scenario.clone()
    };
    scenario.seed = seed_for_repeat(scenario.seed, job.rep);
    let options = RunOptions {
        progress: false,
        stop,
        keep_store: false,
    };
    let out =
        engine::run_without_scenario_text(&scenario, job.engine, &options).map_err(|source| {
            TuneError::Run {
                key: job.key.to_owned(),
                rep: job.rep,
                source,
            }
        })?;
    let results = out.results;
    if !results.integrity.ok {
        return Err(TuneError::Audit {
            key: job.key.to_owned(),
            rep: job.rep,
            problems: results.integrity.problems.len(),
        });
    }
    let pool = &results.pools[0];
    Ok((Figures::of(pool), pool.counters.attempts, results.partial))
}
