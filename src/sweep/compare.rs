//! `retrylab compare` as a built-in sweep: every pattern (pool) alone at rising contention,
//! writers 1 to 64 on the scenario's hot set, on the simulator by default; then the threaded
//! engine at a few of the same points, to show where the simulator can be trusted on this
//! machine. Both are ordinary sweeps ([`run_sweep`]) written into one comparison folder
//! (`metrics::sweep::compare` describes it), which `retrylab report` redraws.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::error::SweepError;
use super::lock::SweepLock;
use super::runner::{SweepOptions, run_sweep};
use super::spec::SweepSpec;
use crate::engine::sequential::run_each_pool;
use crate::engine::{EngineKind, RunOptions};
use crate::metrics::sweep::SweepDataError;
use crate::metrics::sweep::compare::{
    COMPARE_FILE, CONFIRMATION_DIR, CONTENTION_DIR, CompareData, CompareManifest,
};
use crate::workload::scenario::{Scenario, StoreOverride};

/// Writers per pool in a full comparison: doubling, from no contention to more writers than
/// the built-in scenario has actors.
pub const WRITERS: &[u32] = &[1, 2, 4, 8, 16, 32, 64];

/// Writers per pool with `--quick`: the ends and two points between, so the rules still see a
/// 1-writer, a low (2) and a high (64) level.
pub const QUICK_WRITERS: &[u32] = &[1, 2, 8, 64];

/// Where the threaded engine confirms the simulator: few writers, because the threads need the
/// cores (CI machines have 2) and more writers than cores would measure the scheduler.
pub const CONFIRM_WRITERS: &[u32] = &[1, 2, 4];

/// The confirmation points with `--quick`.
pub const QUICK_CONFIRM_WRITERS: &[u32] = &[1, 2];

/// What a comparison runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComparePlan {
    /// The contention sweep's engine.
    pub engine: EngineKind,
    /// Its writer counts.
    pub writers: Vec<u32>,
    /// The threaded confirmation's writer counts; empty when the contention sweep itself runs
    /// on threads (there is nothing to confirm).
    pub confirm_writers: Vec<u32>,
    /// Every run scaled down (`Scenario::quick`).
    pub quick: bool,
}

impl ComparePlan {
    /// The plan for `engine`, full or `quick`.
    pub fn new(engine: EngineKind, quick: bool) -> Self {
        let (writers, confirm) = if quick {
            (QUICK_WRITERS, QUICK_CONFIRM_WRITERS)
        } else {
            (WRITERS, CONFIRM_WRITERS)
        };
        ComparePlan {
            engine,
            writers: writers.to_vec(),
            confirm_writers: match engine {
                EngineKind::Sim => confirm.to_vec(),
                EngineKind::Threads | EngineKind::Async => Vec::new(),
            },
            quick,
        }
    }

    fn spec(writers: &[u32]) -> Result<SweepSpec, SweepError> {
        let list: Vec<String> = writers.iter().map(u32::to_string).collect();
        SweepSpec::parse(&[format!("writers={}", list.join(","))], 1)
    }

    /// The contention sweep: `writers` over [`ComparePlan::writers`], one repeat.
    pub fn contention(&self) -> Result<SweepSpec, SweepError> {
        Self::spec(&self.writers)
    }

    /// The confirmation sweep, when there is one.
    pub fn confirmation(&self) -> Result<Option<SweepSpec>, SweepError> {
        if self.confirm_writers.is_empty() {
            return Ok(None);
        }
        Self::spec(&self.confirm_writers).map(Some)
    }
}

/// What a comparison did.
#[derive(Clone, Debug)]
pub struct CompareOutcome {
    /// Everything measured.
    pub data: CompareData,
    /// Runs (points) made.
    pub ran: usize,
    /// True when stopped before every point finished.
    pub interrupted: bool,
}

/// How to run a comparison (the command line fills it).
#[derive(Clone, Debug)]
pub struct CompareOptions {
    /// The comparison folder, already made and checked by the caller (new, empty, or `--force`).
    pub out: PathBuf,
    /// Show progress bars.
    pub progress: bool,
    /// Set to stop starting new points (Ctrl-C).
    pub stop: Option<Arc<AtomicBool>>,
    /// Run every point on this store instead of the scenario's (`--store`, `--store-url`).
    pub store: Option<StoreOverride>,
    /// Keep each point's PostgreSQL schema (`--keep`).
    pub keep_store: bool,
}

/// Runs `plan` on `base_text` (the scenario file's text, seed already set; from `origin`) into
/// `options.out`: `compare.json`, the contention sweep, then the confirmation. Every point is
/// run now (a comparison is one measurement, never resumed), each pool alone. The folder is
/// locked ([`SweepLock`]) until this returns: a comparison started on a folder another sweep or
/// comparison holds is refused with [`SweepError::Locked`], before anything is written.
pub fn run_compare(
    base_text: &str,
    origin: &str,
    plan: &ComparePlan,
    options: &CompareOptions,
) -> Result<CompareOutcome, SweepError> {
    let base = Scenario::from_toml(base_text, origin)?;
    let contention = plan.contention()?;
    let confirmation = plan.confirmation()?;
    let manifest = CompareManifest {
        scenario_name: base.name.clone(),
        seed: base.seed,
        engine: plan.engine.name().to_owned(),
        confirmation_engine: confirmation
            .as_ref()
            .map(|_| EngineKind::Threads.name().to_owned()),
        quick: plan.quick,
    };
    // Held for both sweeps, so another comparison cannot start in this folder between them
    // (each sweep also locks its own subfolder).
    let _lock = SweepLock::acquire(&options.out)?;
    write_manifest(&options.out, &manifest)?;
    let sweep = |spec: &SweepSpec, engine: EngineKind, dir: &str| {
        let sweep_options = SweepOptions {
            out: options.out.join(dir),
            parallel: engine == EngineKind::Sim,
            progress: options.progress,
            engine: engine.name().to_owned(),
            alone: true,
            quick: plan.quick,
            force: true,
            stop: options.stop.clone(),
            fresh: true,
        };
        let run_options = RunOptions {
            progress: false,
            stop: options.stop.clone(),
            keep_store: options.keep_store,
        };
        let quick = plan.quick;
        run_sweep(base_text, origin, spec, &sweep_options, &|s: &Scenario| {
            let mut s = if quick { s.clone().quick() } else { s.clone() };
            if let Some(store) = &options.store {
                store.apply(&mut s.store);
            }
            run_each_pool(&s, engine, &run_options, |_| {}).map(|out| out.results)
        })
    };
    let first = sweep(&contention, plan.engine, CONTENTION_DIR)?;
    let stopped = || {
        options
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    };
    let second = match &confirmation {
        Some(spec) if !first.interrupted && !stopped() => {
            Some(sweep(spec, EngineKind::Threads, CONFIRMATION_DIR)?)
        }
        _ => None,
    };
    let interrupted = first.interrupted
        || confirmation.is_some() && second.as_ref().is_none_or(|s| s.interrupted);
    Ok(CompareOutcome {
        ran: first.ran + second.as_ref().map_or(0, |s| s.ran),
        interrupted,
        data: CompareData {
            manifest,
            contention: first.data,
            confirmation: second.map(|s| s.data),
        },
    })
}

fn write_manifest(out: &Path, manifest: &CompareManifest) -> Result<(), SweepError> {
    let path = out.join(COMPARE_FILE);
    let json = serde_json::to_string_pretty(manifest).map_err(|e| SweepDataError::Damaged {
        path: path.clone(),
        message: e.to_string(),
    })?;
    std::fs::write(&path, json).map_err(|source| SweepDataError::Io { path, source })?;
    Ok(())
}

/// `text` with its top-level `seed` set to `seed` (comments are kept when the seed is already
/// the one asked for; otherwise the file is rewritten without them).
pub fn with_seed(text: &str, origin: &str, seed: Option<u64>) -> Result<String, SweepError> {
    let Some(seed) = seed else {
        return Ok(text.to_owned());
    };
    let invalid = |message: String| crate::workload::scenario::ScenarioError::Invalid {
        path: origin.to_owned(),
        message,
    };
    let mut doc: toml::Value = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
    if doc.get("seed").and_then(toml::Value::as_integer) == i64::try_from(seed).ok() {
        return Ok(text.to_owned());
    }
    let value = i64::try_from(seed).map_err(|_| {
        invalid(format!(
            "--seed {seed} does not fit a scenario file's seed: use one below 2^63"
        ))
    })?;
    if let Some(table) = doc.as_table_mut() {
        table.insert("seed".into(), toml::Value::Integer(value));
    }
    Ok(toml::to_string(&doc).map_err(|e| invalid(e.to_string()))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(spec: &SweepSpec) -> (String, Vec<String>) {
        let axis = &spec.axes()[0];
        (axis.path.clone(), axis.values.clone())
    }

    #[test]
    fn the_plan_doubles_writers_on_the_simulator_and_confirms_on_threads() {
        let full = ComparePlan::new(EngineKind::Sim, false);
        let (path, writers) = values(&full.contention().unwrap());
        assert_eq!(
            path, "pools.*.writers",
            "every pool gets the same writer count"
        );
        assert_eq!(writers, ["1", "2", "4", "8", "16", "32", "64"]);
        let (_, confirm) = values(&full.confirmation().unwrap().unwrap());
        assert_eq!(confirm, ["1", "2", "4"]);
        assert!(full.contention().unwrap().repeat == 1 && !full.quick);

        let quick = ComparePlan::new(EngineKind::Sim, true);
        assert_eq!(
            values(&quick.contention().unwrap()).1,
            ["1", "2", "8", "64"]
        );
        assert_eq!(
            values(&quick.confirmation().unwrap().unwrap()).1,
            ["1", "2"]
        );
        assert!(quick.quick);
        // Every confirmation point is a contention point, so the two can be set side by side.
        for plan in [&full, &quick] {
            assert!(
                plan.confirm_writers
                    .iter()
                    .all(|w| plan.writers.contains(w))
            );
        }

        let threads = ComparePlan::new(EngineKind::Threads, false);
        assert_eq!(threads.engine, EngineKind::Threads);
        assert_eq!(threads.confirmation().unwrap(), None, "nothing to confirm");
    }

    #[test]
    fn a_comparison_runs_each_pool_alone_and_every_point_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let text = "name = \"t\"\nseed = 1\n[run]\nactors = 1\nduration = \"5ms\"\n\
                    [[pools]]\nname = \"a\"\nwriters = 1\npolicy = \"immediate\"\n\
                    think = { kind = \"constant\", value = \"50us\" }\n\
                    [[pools]]\nname = \"b\"\nwriters = 1\npolicy = \"immediate\"\n\
                    think = { kind = \"constant\", value = \"50us\" }\n";
        let plan = ComparePlan {
            engine: EngineKind::Sim,
            writers: vec![1, 2],
            confirm_writers: Vec::new(),
            quick: false,
        };
        let options = CompareOptions {
            out: dir.path().to_owned(),
            progress: false,
            stop: None,
            store: None,
            keep_store: false,
        };
        let first = run_compare(text, "t.toml", &plan, &options).unwrap();
        assert_eq!((first.ran, first.interrupted), (2, false));
        let manifest = &first.data.contention.manifest;
        assert_eq!(
            (manifest.alone, manifest.engine.as_str()),
            (Some(true), "sim")
        );
        // Alone, one writer per pool on one actor never conflicts: the pools did not meet.
        let one = &first.data.contention.points[0].reps[0];
        assert!(
            one.pools.iter().all(|p| p.counters.conflicts == 0),
            "{one:?}"
        );
        assert!(first.data.confirmation.is_none());
        // Run again into the same folder: every point runs again, none is resumed.
        let again = run_compare(text, "t.toml", &plan, &options).unwrap();
        assert_eq!(again.ran, 2);
        // Neither the comparison's lock nor its sweep's is left behind.
        let lock = super::super::lock::LOCK_FILE;
        assert!(!dir.path().join(lock).exists());
        assert!(!dir.path().join(CONTENTION_DIR).join(lock).exists());

        // Held by another comparison: refused before anything is written, its lock kept.
        let held = SweepLock::acquire(dir.path()).unwrap();
        std::fs::remove_file(dir.path().join(COMPARE_FILE)).unwrap();
        let err = run_compare(text, "t.toml", &plan, &options).unwrap_err();
        assert!(matches!(err, SweepError::Locked { .. }), "{err}");
        assert!(!dir.path().join(COMPARE_FILE).exists(), "nothing written");
        assert!(held.path().exists());
    }

    #[test]
    fn a_seed_is_written_into_the_scenario_text() {
        let text = "# kept\nname = \"t\"\nseed = 4\n[run]\nactors = 1\nduration = \"5ms\"\n\
                    [[pools]]\nname = \"a\"\nwriters = 1\npolicy = \"immediate\"\n";
        assert_eq!(with_seed(text, "t", None).unwrap(), text);
        assert_eq!(
            with_seed(text, "t", Some(4)).unwrap(),
            text,
            "comments kept"
        );
        let seeded = with_seed(text, "t", Some(9)).unwrap();
        assert_eq!(Scenario::from_toml(&seeded, "t").unwrap().seed, 9);
        let err = with_seed(text, "t", Some(u64::MAX))
            .unwrap_err()
            .to_string();
        assert!(err.contains("below 2^63"), "{err}");
    }
}
