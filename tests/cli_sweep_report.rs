//! `retrylab sweep` and `retrylab report`, end to end through the binary: a sweep writes every
//! point and a report, a rerun resumes instead of rerunning, a redraw needs no run, and bad
//! sweep arguments exit 2 with a message that says what is allowed.

use std::path::Path;
use std::process::{Command, Output};

fn retrylab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retrylab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

const SCENARIO: &str = r#"
name = "sweep-cli"
seed = 5
[store]
latency = { kind = "constant", value = "5us" }
[run]
actors = 4
duration = "20ms"
[[pools]]
name = "immediate"
writers = 2
policy = "immediate"
[[pools]]
name = "jittered"
writers = 2
policy = "exponential-full-jitter"
"#;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_sweep_runs_every_point_resumes_and_redraws() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    let out_dir = dir.path().join("sweep");
    let args = [
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "writers=1,2,3",
        "--repeat",
        "2",
        "--engine",
        "sim",
        "--alone",
        "--out",
        out_dir.to_str().unwrap(),
    ];
    let first = retrylab(&args);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout(&first).contains("6 run(s), 0 resumed"),
        "{}",
        stdout(&first)
    );
    let html = out_dir.join("report").join("index.html");
    assert!(html.exists());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("immediate") && page.contains("jittered"));

    let again = retrylab(&args);
    assert!(again.status.success());
    assert!(
        stdout(&again).contains("0 run(s), 6 resumed"),
        "{}",
        stdout(&again)
    );

    let redraw_dir = dir.path().join("redrawn");
    let redraw = retrylab(&[
        "report",
        out_dir.to_str().unwrap(),
        "--out",
        redraw_dir.to_str().unwrap(),
    ]);
    assert!(
        redraw.status.success(),
        "{}",
        String::from_utf8_lossy(&redraw.stderr)
    );
    assert!(Path::new(&redraw_dir).join("report.md").exists());
}

#[test]
fn bad_sweep_arguments_exit_2_and_say_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    for (vary, says) in [
        ("writerz=1,2", "unknown sweep parameter `writerz`"),
        ("writers", "expected NAME=VALUES"),
        ("writers=0,1", "writers"),
    ] {
        let out = retrylab(&[
            "sweep",
            file.to_str().unwrap(),
            "--vary",
            vary,
            "--engine",
            "sim",
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--vary {vary}: {stderr}");
        assert!(stderr.contains(says), "--vary {vary}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let missing = retrylab(&["report", dir.path().join("nothing-here").to_str().unwrap()]);
    assert_eq!(
        missing.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

/// Two one-writer pools on one actor: alone, a single writer never meets a conflict; together,
/// each meets the other's appends.
const ONE_ACTOR: &str = r#"
name = "one-actor"
seed = 3
[run]
actors = 1
duration = "20ms"
[[pools]]
name = "a"
writers = 1
policy = "immediate"
think = { kind = "exponential", mean = "50us" }
[[pools]]
name = "b"
writers = 1
policy = "immediate"
think = { kind = "exponential", mean = "50us" }
"#;

#[test]
fn a_sweep_runs_each_pool_alone_unless_told_together_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("one.toml");
    std::fs::write(&file, ONE_ACTOR).unwrap();
    let sweep = |out: &str, extra: &[&str]| {
        let out_dir = dir.path().join(out);
        let mut args = vec![
            "sweep",
            file.to_str().unwrap(),
            "--vary",
            "actors=1",
            "--engine",
            "sim",
            "--out",
            out_dir.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let run = retrylab(&args);
        assert!(
            run.status.success(),
            "{extra:?}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let results = retrylab::metrics::results::Results::load(
            &out_dir.join("points/actors=1/rep-0/results.json"),
        )
        .unwrap();
        let conflicts: Vec<u64> = results.pools.iter().map(|p| p.counters.conflicts).collect();
        let manifest = std::fs::read_to_string(out_dir.join("sweep.json")).unwrap();
        let report = std::fs::read_to_string(out_dir.join("report/report.md")).unwrap();
        (conflicts, manifest, report)
    };
    let (alone, manifest, report) = sweep("alone", &[]);
    assert_eq!(alone, [0, 0], "a writer alone on its store never conflicts");
    assert!(manifest.contains("\"alone\": true"), "{manifest}");
    assert!(report.contains("each pool alone"), "{report}");

    let (together, manifest, report) = sweep("together", &["--together"]);
    assert!(
        together.iter().sum::<u64>() > 0,
        "together, the two writers meet: {together:?}"
    );
    assert!(manifest.contains("\"alone\": false"), "{manifest}");
    assert!(report.contains("pools together, competing"), "{report}");

    let (synonym, _, _) = sweep("synonym", &["--alone"]);
    assert_eq!(synonym, [0, 0], "--alone is the default, still accepted");
    let both = retrylab(&[
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "actors=1",
        "--alone",
        "--together",
    ]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn a_sweep_or_comparison_into_a_folder_another_holds_exits_2_naming_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    let out_dir = dir.path().join("sweep");
    std::fs::create_dir(&out_dir).unwrap();
    let lock = out_dir.join(retrylab::sweep::LOCK_FILE);
    let pid = std::process::id();
    let sweep_args = [
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "writers=1,2",
        "--engine",
        "sim",
        "--out",
        out_dir.to_str().unwrap(),
    ];
    let compare_args = [
        "compare",
        "--quick",
        "--scenario",
        file.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--force",
    ];

    // This test stands for another sweep running into the folder.
    let held = retrylab::sweep::SweepLock::acquire(&out_dir).unwrap();
    for args in [&sweep_args[..], &compare_args[..]] {
        let refused = retrylab(args);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(2), "{}: {stderr}", args[0]);
        for says in [
            lock.display().to_string(),
            format!("pid {pid}"),
            "Wait for that sweep to end".into(),
            format!("delete {}", lock.display()),
        ] {
            assert!(
                stderr.contains(&says),
                "{} says {says:?}: {stderr}",
                args[0]
            );
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(lock.exists(), "{}: the other sweep's lock is kept", args[0]);
        assert_eq!(
            std::fs::read_dir(&out_dir).unwrap().count(),
            1,
            "{}: nothing written but the lock",
            args[0]
        );
    }
    drop(held);

    let ran = retrylab(&sweep_args);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert!(!lock.exists(), "the lock goes when the sweep ends");
}
