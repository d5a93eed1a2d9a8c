//! Running sweeps: every point and repeat runs once, results are saved per point, a re-run
//! skips what finished, and the "when to use" table picks winners from the measurements.

mod report_support;

use std::sync::atomic::{AtomicUsize, Ordering};

use retrylab::engine::EngineError;
use retrylab::sweep::{self, SweepOptions, SweepSpec};
use retrylab::workload::scenario::Scenario;

fn options(out: &std::path::Path, parallel: bool) -> SweepOptions {
    SweepOptions {
        out: out.to_owned(),
        parallel,
        progress: false,
        engine: "test-driver".into(),
        alone: true,
        quick: false,
        force: false,
        stop: None,
        fresh: false,
    }
}

/// Runs `spec` over the two-pool scenario into `opts.out`.
fn two_pools<R>(
    spec: &SweepSpec,
    opts: &SweepOptions,
    runner: &R,
) -> Result<sweep::SweepOutcome, sweep::SweepError>
where
    R: Fn(&Scenario) -> Result<retrylab::metrics::results::Results, EngineError> + Sync,
{
    sweep::run_sweep(
        report_support::TWO_POOLS,
        "two-pools.toml",
        spec,
        opts,
        runner,
    )
}

#[test]
fn every_point_and_repeat_runs_once_with_derived_seeds_and_resume_skips_them() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SweepSpec::parse(&["writers=2,4".into()], 2).unwrap();
    let calls = AtomicUsize::new(0);
    let seeds = std::sync::Mutex::new(Vec::new());
    let runner = |s: &retrylab::workload::scenario::Scenario| {
        calls.fetch_add(1, Ordering::SeqCst);
        seeds.lock().unwrap().push((s.pools[0].writers, s.seed));
        Ok(report_support::drive(s))
    };
    let first = sweep::run_sweep(
        report_support::TWO_POOLS,
        "two-pools.toml",
        &spec,
        &options(dir.path(), true),
        &runner,
    )
    .unwrap();
    assert_eq!((first.ran, first.skipped, first.interrupted), (4, 0, false));
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    let mut seeds = seeds.lock().unwrap().clone();
    seeds.sort();
    assert_eq!(seeds[0].1, 7, "repeat 0 keeps the scenario's seed");
    assert_ne!(seeds[0].1, seeds[1].1, "repeats get different seeds");
    assert_eq!(
        (seeds[0].1, seeds[1].1),
        (seeds[2].1, seeds[3].1),
        "every point uses the same seeds"
    );
    for point in &first.data.points {
        assert_eq!(point.reps.len(), 2);
    }
    assert!(
        dir.path()
            .join("points/writers=4/rep-1/results.json")
            .exists()
    );
    assert!(
        dir.path()
            .join("points/writers=4/rep-1/scenario.toml")
            .exists()
    );

    // Resume: nothing left to run.
    let again = sweep::run_sweep(
        report_support::TWO_POOLS,
        "two-pools.toml",
        &spec,
        &options(dir.path(), false),
        &runner,
    )
    .unwrap();
    assert_eq!((again.ran, again.skipped), (0, 4));
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    let figures = |d: &sweep::SweepData| -> Vec<(String, usize, u64)> {
        d.points
            .iter()
            .flat_map(|p| {
                p.reps
                    .iter()
                    .map(|r| (p.label.clone(), p.reps.len(), r.pools[0].counters.committed))
            })
            .collect()
    };
    assert_eq!(
        figures(&again.data),
        figures(&first.data),
        "resumed figures differ"
    );

    // Lose one point: only it reruns. More repeats: only the new ones run.
    std::fs::remove_file(dir.path().join("points/writers=2/rep-0/results.json")).unwrap();
    let more = SweepSpec::parse(&["writers=2,4".into()], 3).unwrap();
    let third = sweep::run_sweep(
        report_support::TWO_POOLS,
        "two-pools.toml",
        &more,
        &options(dir.path(), false),
        &runner,
    )
    .unwrap();
    assert_eq!((third.ran, third.skipped), (3, 3));
    assert_eq!(sweep::load(dir.path()).unwrap().points[0].reps.len(), 3);
}

#[test]
fn a_failed_point_keeps_the_others_and_another_sweep_is_not_mixed_in() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SweepSpec::parse(&["writers=2,3,4".into()], 1).unwrap();
    let runner = |s: &retrylab::workload::scenario::Scenario| {
        if s.pools[0].writers == 3 {
            Err(EngineError::Unsupported("three is unlucky".into()))
        } else {
            Ok(report_support::drive(s))
        }
    };
    let err = sweep::run_sweep(
        report_support::TWO_POOLS,
        "two-pools.toml",
        &spec,
        &options(dir.path(), false),
        &runner,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("writers=3") && err.contains("unlucky"),
        "{err}"
    );
    assert!(
        dir.path()
            .join("points/writers=2/rep-0/results.json")
            .exists()
    );
    assert!(
        dir.path()
            .join("points/writers=4/rep-0/results.json")
            .exists()
    );
    assert!(
        !dir.path()
            .join("points/writers=3/rep-0/results.json")
            .exists()
    );

    let other = SweepSpec::parse(&["actors=2,3".into()], 1).unwrap();
    let err = sweep::run_sweep(
        report_support::TWO_POOLS,
        "two-pools.toml",
        &other,
        &options(dir.path(), false),
        &runner,
    )
    .unwrap_err();
    assert!(matches!(err, sweep::SweepError::OtherSweep(_)), "{err}");
}

#[test]
fn a_stop_request_leaves_the_rest_for_a_resume() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SweepSpec::parse(&["writers=2,3,4".into()], 1).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut opts = options(dir.path(), false);
    opts.stop = Some(stop.clone());
    let runner = |s: &retrylab::workload::scenario::Scenario| {
        stop.store(true, Ordering::SeqCst); // Ctrl-C during the first point
        Ok(report_support::drive(s))
    };
    let outcome = sweep::run_sweep(
        report_support::TWO_POOLS,
        "two-pools.toml",
        &spec,
        &opts,
        &runner,
    )
    .unwrap();
    assert!(outcome.interrupted);
    assert_eq!(outcome.ran, 1);
    assert_eq!(
        outcome
            .data
            .points
            .iter()
            .filter(|p| !p.reps.is_empty())
            .count(),
        1
    );
}

#[test]
fn a_non_empty_folder_that_is_no_sweep_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "keep me").unwrap();
    let spec = SweepSpec::parse(&["writers=2,4".into()], 1).unwrap();
    let runner = |s: &retrylab::workload::scenario::Scenario| Ok(report_support::drive(s));
    let run = |opts: &SweepOptions| {
        sweep::run_sweep(
            report_support::TWO_POOLS,
            "two-pools.toml",
            &spec,
            opts,
            &runner,
        )
    };
    let err = run(&options(dir.path(), false)).unwrap_err();
    assert!(
        matches!(err, sweep::SweepError::NotASweepFolder(_)),
        "{err}"
    );
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing written"
    );
    let mut forced = options(dir.path(), false);
    forced.force = true;
    assert_eq!(run(&forced).unwrap().ran, 2);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn a_resume_with_other_settings_is_refused_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SweepSpec::parse(&["writers=2,4".into()], 1).unwrap();
    let runner = |s: &retrylab::workload::scenario::Scenario| Ok(report_support::drive(s));
    let run = |opts: &SweepOptions| {
        sweep::run_sweep(
            report_support::TWO_POOLS,
            "two-pools.toml",
            &spec,
            opts,
            &runner,
        )
    };
    let mut first = options(dir.path(), false);
    first.quick = true;
    run(&first).unwrap();
    let manifest = dir.path().join("sweep.json");
    let saved = std::fs::read(&manifest).unwrap();

    let mut together = first.clone();
    together.alone = false;
    let mut slow = first.clone();
    slow.quick = false;
    let mut other_engine = first.clone();
    other_engine.engine = "sim".into();
    for (opts, setting, fix) in [
        (together, "--together", "without --together"),
        (slow, "--quick", "pass --quick"),
        (other_engine, "--engine", "pass --engine test-driver"),
    ] {
        for force in [false, true] {
            let mut opts = opts.clone();
            opts.force = force;
            let err = run(&opts).unwrap_err();
            let msg = err.to_string();
            assert!(
                matches!(err, sweep::SweepError::SettingsDiffer { setting: s, .. } if s == setting),
                "{msg}"
            );
            assert!(msg.contains(fix), "{setting}: {msg}");
        }
    }
    assert_eq!(
        std::fs::read(&manifest).unwrap(),
        saved,
        "the manifest is untouched"
    );
    assert_eq!(run(&first).unwrap().skipped, 2, "the same settings resume");

    // A folder from before the settings were recorded cannot be checked, so is not mixed into.
    let text = String::from_utf8(saved).unwrap();
    let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
    let map = old.as_object_mut().unwrap();
    map.remove("alone");
    map.remove("quick");
    std::fs::write(&manifest, serde_json::to_string(&old).unwrap()).unwrap();
    assert!(
        sweep::load(dir.path()).is_ok(),
        "an older folder still loads"
    );
    let msg = run(&first).unwrap_err().to_string();
    assert!(
        msg.contains("unrecorded") && msg.contains("cannot be resumed"),
        "{msg}"
    );
}

#[test]
fn a_locked_folder_is_refused_naming_the_lock_its_pid_and_the_fix() {
    use retrylab::exit::Classify;
    let dir = tempfile::tempdir().unwrap();
    let spec = SweepSpec::parse(&["writers=2,4".into()], 1).unwrap();
    let calls = AtomicUsize::new(0);
    let lock_path = dir.path().join(sweep::LOCK_FILE);
    let runner = |s: &Scenario| {
        calls.fetch_add(1, Ordering::SeqCst);
        // Held for the whole sweep, by this process.
        let text = std::fs::read_to_string(&lock_path).expect("locked while a point runs");
        assert!(
            text.contains(&format!("pid {}\n", std::process::id())),
            "{text}"
        );
        Ok(report_support::drive(s))
    };
    let run = || two_pools(&spec, &options(dir.path(), false), &runner);

    // Another sweep (here: this test) holds the folder.
    let held = sweep::SweepLock::acquire(dir.path()).unwrap();
    let err = run().unwrap_err();
    let msg = err.to_string();
    let pid = std::process::id();
    assert!(
        matches!(&err, sweep::SweepError::Locked { lock, pid: Some(p), started: Some(_) }
            if *lock == lock_path && *p == pid),
        "{err:?}"
    );
    assert_eq!(err.exit_kind().code(), 2, "bad input, like a taken folder");
    for says in [
        lock_path.display().to_string(),
        format!("pid {pid}"),
        "Wait for that sweep to end".into(),
        format!("if process {pid} is gone"),
        format!("delete {}", lock_path.display()),
    ] {
        assert!(msg.contains(&says), "says {says:?}: {msg}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0, "nothing ran");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing written but the lock"
    );
    drop(held);

    // Free again: the sweep runs, holding the lock throughout, and lets it go at the end.
    assert_eq!(run().unwrap().ran, 2);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(!lock_path.exists(), "the lock goes when the sweep ends");
    // And a resume takes it again, as any sweep.
    assert_eq!(run().unwrap().skipped, 2);
    assert!(!lock_path.exists());
}

#[test]
fn a_lock_left_behind_is_never_removed_silently() {
    let dir = tempfile::tempdir().unwrap();
    let lock_path = dir.path().join(sweep::LOCK_FILE);
    // As a killed sweep leaves it: a pid no process has.
    let left = "retrylab: a sweep is writing into this folder\npid 4000000000\n";
    std::fs::write(&lock_path, left).unwrap();
    let spec = SweepSpec::parse(&["writers=2".into()], 1).unwrap();
    let runner = |s: &Scenario| Ok(report_support::drive(s));
    for force in [false, true] {
        let mut opts = options(dir.path(), false);
        opts.force = force;
        let err = two_pools(&spec, &opts, &runner).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(
                err,
                sweep::SweepError::Locked {
                    pid: Some(4_000_000_000),
                    ..
                }
            ),
            "--force {force}: {msg}"
        );
        assert!(msg.contains("if process 4000000000 is gone"), "{msg}");
        assert_eq!(std::fs::read_to_string(&lock_path).unwrap(), left);
    }
    // Deleting it, as the message says, lets the sweep run.
    std::fs::remove_file(&lock_path).unwrap();
    assert_eq!(
        two_pools(&spec, &options(dir.path(), false), &runner)
            .unwrap()
            .ran,
        1
    );
}

#[test]
fn the_lock_goes_when_a_sweep_fails_is_refused_or_stops_and_the_rest_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let lock_path = dir.path().join(sweep::LOCK_FILE);
    let spec = SweepSpec::parse(&["writers=2,3,4".into()], 1).unwrap();
    let failing = |s: &Scenario| {
        if s.pools[0].writers == 3 {
            Err(EngineError::Unsupported("three is unlucky".into()))
        } else {
            Ok(report_support::drive(s))
        }
    };
    let err = two_pools(&spec, &options(dir.path(), false), &failing).unwrap_err();
    assert!(matches!(err, sweep::SweepError::Run { .. }), "{err}");
    assert!(!lock_path.exists(), "gone after a failed sweep");

    // Refused (another sweep's folder): the refusal lets go of the lock too.
    let other = SweepSpec::parse(&["actors=2,3".into()], 1).unwrap();
    let err = two_pools(&other, &options(dir.path(), false), &failing).unwrap_err();
    assert!(matches!(err, sweep::SweepError::OtherSweep(_)), "{err}");
    assert!(!lock_path.exists(), "gone after a refusal");

    // Stopped during its only point to run: the lock goes, and a resume finishes the sweep.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut stoppable = options(dir.path(), false);
    stoppable.stop = Some(stop.clone());
    let stopping = |s: &Scenario| {
        stop.store(true, Ordering::SeqCst);
        let mut results = report_support::drive(s);
        results.partial = true;
        Ok(results)
    };
    let stopped = two_pools(&spec, &stoppable, &stopping).unwrap();
    assert!(stopped.interrupted);
    assert!(!lock_path.exists(), "gone after a stopped sweep");
    let ok = |s: &Scenario| Ok(report_support::drive(s));
    let resumed = two_pools(&spec, &options(dir.path(), false), &ok).unwrap();
    assert_eq!((resumed.ran, resumed.skipped), (1, 2));
    assert!(!lock_path.exists());
}

#[test]
fn a_second_sweep_started_while_one_runs_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SweepSpec::parse(&["writers=2".into()], 1).unwrap();
    // The first sweep waits inside its point until the second has been answered.
    let in_point = std::sync::Barrier::new(2);
    let answered = std::sync::Barrier::new(2);
    let first_runner = |s: &Scenario| {
        in_point.wait();
        answered.wait();
        Ok(report_support::drive(s))
    };
    let second_calls = AtomicUsize::new(0);
    let second_runner = |s: &Scenario| {
        second_calls.fetch_add(1, Ordering::SeqCst);
        Ok(report_support::drive(s))
    };
    std::thread::scope(|scope| {
        let first = scope.spawn(|| two_pools(&spec, &options(dir.path(), false), &first_runner));
        in_point.wait();
        let second = two_pools(&spec, &options(dir.path(), false), &second_runner);
        answered.wait();
        let err = second.unwrap_err();
        assert!(
            matches!(err, sweep::SweepError::Locked { pid: Some(p), .. } if p == std::process::id()),
            "{err}"
        );
        assert_eq!(first.join().unwrap().unwrap().ran, 1);
    });
    assert_eq!(second_calls.load(Ordering::SeqCst), 0);
    assert!(!dir.path().join(sweep::LOCK_FILE).exists());
}
