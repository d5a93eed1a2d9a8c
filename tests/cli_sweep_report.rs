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
