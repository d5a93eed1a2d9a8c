//! Running a sweep: every point, every repeat, saved as each finishes so an interrupted sweep
//! keeps its work and a re-run skips what is done.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use super::error::SweepError;
use super::lock::{SweepLock, holds_more_than_lock};
use super::manifest::{
    MANIFEST_FILE, PointData, SweepData, SweepManifest, read_manifest, read_rep, rep_dir,
};
use super::spec::{SweepSpec, seed_for_repeat};
use crate::engine::EngineError;
use crate::metrics::output;
use crate::metrics::results::Results;
use crate::metrics::sweep::SweepDataError;
use crate::workload::scenario::Scenario;

/// How to run a sweep (clap-free; the command line fills it).
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// The sweep folder (created; a folder of the same sweep is resumed; locked while the sweep
    /// runs).
    pub out: PathBuf,
    /// Run points in parallel (for the simulated engine; the threaded engine needs the cores,
    /// so its points run one after another).
    pub parallel: bool,
    /// Show a progress bar.
    pub progress: bool,
    /// The engine's name, saved in the manifest; a resumed sweep must use the same one.
    pub engine: String,
    /// Whether `runner` runs each pool alone (the default) rather than all pools together
    /// (`--together`), saved in the manifest; a resumed sweep must match it.
    pub alone: bool,
    /// Whether `runner` scales points down (`--quick`), saved in the manifest; a resumed sweep
    /// must match it.
    pub quick: bool,
    /// Write into a non-empty folder that is not a sweep folder. A folder holding another
    /// sweep, or this sweep made with other settings, is refused even so.
    pub force: bool,
    /// Set to stop starting new points (Ctrl-C); finished ones stay saved.
    pub stop: Option<Arc<AtomicBool>>,
    /// Run every point now, never resuming: a sweep saved in the folder (this one or another)
    /// is replaced point by point. For a measurement made in one go, such as a comparison
    /// written with `--force` over an older one.
    pub fresh: bool,
}

/// What a sweep did.
#[derive(Clone, Debug)]
pub struct SweepOutcome {
    /// Everything measured (finished repeats of every point, resumed ones included).
    pub data: SweepData,
    /// Repeats run now.
    pub ran: usize,
    /// Repeats found finished and skipped.
    pub skipped: usize,
    /// True when stopped before every repeat finished.
    pub interrupted: bool,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError + '_ {
    move |source| {
        SweepDataError::Io {
            path: path.to_owned(),
            source,
        }
        .into()
    }
}

/// [`output::write_atomic`], its failure as a sweep error.
fn write_atomic(path: &Path, contents: &str) -> Result<(), SweepError> {
    output::write_atomic(path, contents).map_err(|(path, e)| io(&path)(e))
}

struct Job<'a> {
    point: usize,
    rep: u32,
    label: &'a str,
    scenario: Scenario,
    dir: PathBuf,
}

/// Runs the sweep of `spec` over the scenario text `base_text` (from `origin`), calling
/// `runner` for each point and repeat. The threaded engine's `engine::run` fits `runner`.
///
/// The folder is created if missing and locked ([`SweepLock`]) from before it is checked until
/// this returns, whether the sweep finished, failed or was stopped: a sweep started on a folder
/// another one holds is refused with [`SweepError::Locked`], before anything is written.
pub fn run_sweep<R>(
    base_text: &str,
    origin: &str,
    spec: &SweepSpec,
    options: &SweepOptions,
    runner: &R,
) -> Result<SweepOutcome, SweepError>
where
    R: Fn(&Scenario) -> Result<Results, EngineError> + Sync,
{
    // Every point is built and validated before anything runs.
    let points = spec.scenarios(base_text, origin)?;
    let manifest = SweepManifest {
        scenario_name: points
            .first()
            .map(|(_, _, s)| s.name.clone())
            .unwrap_or_default(),
        origin: origin.to_owned(),
        base_toml: base_text.to_owned(),
        params: spec.axes(),
        repeat: spec.repeat,
        engine: options.engine.clone(),
        alone: Some(options.alone),
        quick: Some(options.quick),
    };
    let out = &options.out;
    // The folder is locked before it is checked and held until the sweep returns, so no other
    // sweep writes into it between the check and the last point.
    std::fs::create_dir_all(out).map_err(io(out))?;
    let _lock = SweepLock::acquire(out)?;
    if !options.fresh {
        prepare_folder(out, &manifest, options.force)?;
    }
    // The longest point folder is made now, so a name the disk refuses fails before any run.
    if let Some((_, label, _)) = points.iter().max_by_key(|(_, label, _)| label.len()) {
        let dir = rep_dir(out, label, 0);
        let parent = dir.parent().unwrap_or(out);
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let manifest_json =
        serde_json::to_string_pretty(&manifest).map_err(|e| SweepDataError::Damaged {
            path: out.join(MANIFEST_FILE),
            message: e.to_string(),
        })?;
    write_atomic(&out.join(MANIFEST_FILE), &manifest_json)?;

    let mut finished: Vec<Vec<Option<Results>>> =
        vec![vec![None; spec.repeat as usize]; points.len()];
    let mut jobs = Vec::new();
    for (i, (_, label, scenario)) in points.iter().enumerate() {
        for rep in 0..spec.repeat {
            let dir = rep_dir(out, label, rep);
            if options.fresh {
                // A result saved by an earlier sweep must not stand in for this one's.
                match std::fs::remove_file(dir.join("results.json")) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(io(&dir)(e));
                    }
                    _ => {}
                }
            } else if let Some(done) = read_rep(&dir)? {
                finished[i][rep as usize] = Some(done);
                continue;
            }
            let mut scenario = scenario.clone();
            scenario.seed = seed_for_repeat(scenario.seed, rep);
            jobs.push(Job {
                point: i,
                rep,
                label,
                scenario,
                dir,
            });
        }
    }
    let skipped = finished.iter().flatten().filter(|r| r.is_some()).count();
    let bar = if options.progress {
        let bar = ProgressBar::new(jobs.len() as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:40} {pos}/{len} points·repeats  {elapsed} (eta {eta})  {msg}",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let stopped = || {
        options
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    };
    let run_one = |job: &Job<'_>| -> Option<Result<Results, SweepError>> {
        if stopped() {
            return None;
        }
        bar.set_message(format!("{} rep {}", job.label, job.rep));
        let outcome = runner(&job.scenario)
            .map_err(|source| SweepError::Run {
                point: job.label.to_owned(),
                rep: job.rep,
                source,
            })
            .and_then(|results| {
                // An interrupted run is not a finished point: a re-run must redo it.
                if !results.partial {
                    save(job, &results)?;
                }
                Ok(results)
            });
        bar.inc(1);
        Some(outcome)
    };
    let outcomes: Vec<Option<Result<Results, SweepError>>> = if options.parallel {
        jobs.par_iter().map(run_one).collect()
    } else {
        jobs.iter().map(run_one).collect()
    };
    bar.finish_and_clear();
    let ran = outcomes
        .iter()
        .filter(|o| matches!(o, Some(Ok(r)) if !r.partial))
        .count();
    let mut interrupted = false;
    let mut first_error = None;
    for (job, outcome) in jobs.iter().zip(outcomes) {
        match outcome {
            Some(Ok(r)) if !r.partial => finished[job.point][job.rep as usize] = Some(r),
            Some(Ok(_)) | None => interrupted = true,
            Some(Err(e)) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let points = points
        .into_iter()
        .zip(finished)
        .map(|((coords, label, _), reps)| PointData {
            coords,
            label,
            reps: reps.into_iter().flatten().collect(),
        })
        .collect();
    Ok(SweepOutcome {
        data: SweepData { manifest, points },
        ran,
        skipped,
        interrupted,
    })
}

/// Checks that the existing, locked folder `out` can take the sweep `manifest` before anything
/// runs: resumes it only if it holds the same sweep made the same way; refuses a folder that
/// holds anything but the lock and is not a sweep folder, unless `force`.
fn prepare_folder(out: &Path, manifest: &SweepManifest, force: bool) -> Result<(), SweepError> {
    if out.join(MANIFEST_FILE).exists() {
        let old = read_manifest(out)?;
        if !old.same_experiment(manifest) {
            return Err(SweepError::OtherSweep(out.to_owned()));
        }
        if let Some(d) = old.setting_diff(manifest) {
            return Err(SweepError::SettingsDiffer {
                dir: out.to_owned(),
                setting: d.setting,
                was: d.was,
                now: d.now,
                fix: d.fix,
            });
        }
        return Ok(());
    }
    if holds_more_than_lock(out).map_err(io(out))? && !force {
        return Err(SweepError::NotASweepFolder(out.to_owned()));
    }
    Ok(())
}

fn save(job: &Job<'_>, results: &Results) -> Result<(), SweepError> {
    std::fs::create_dir_all(&job.dir).map_err(io(&job.dir))?;
    // The results carry the scenario as run (--quick applied); serialising it again costs as
    // much as a short simulation.
    if !results.scenario_toml.is_empty() {
        write_atomic(&job.dir.join("scenario.toml"), &results.scenario_toml)?;
    } else if let Ok(text) = toml::to_string(&job.scenario) {
        write_atomic(&job.dir.join("scenario.toml"), &text)?;
    }
    // Compact: a sweep writes thousands of these for reports to read back, and the pretty form
    // is twice the bytes to format and write.
    let json = serde_json::to_string(results).map_err(|e| SweepDataError::Damaged {
        path: job.dir.join("results.json"),
        message: e.to_string(),
    })?;
    write_atomic(&job.dir.join("results.json"), &json)
}
