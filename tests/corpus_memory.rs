//! No input in the corpus panics or takes more than 1 GiB: every bad scenario
//! (`tests/bad_scenarios`, refused at validation), every good one (`tests/good_scenarios`) and
//! every ready scenario (`scenarios/`, run scaled down on the simulator) goes through the
//! binary, whose peak resident memory the kernel reports when it exits (`wait4`).

#![cfg(target_os = "linux")]

use std::path::Path;

mod corpus_support;
use corpus_support::toml_files;
use std::process::{Command, Stdio};

/// The most memory any input may take.
const LIMIT_KB: i64 = 1024 * 1024;

/// Runs the binary with `args`; returns its exit code, its stderr and its peak RSS in KiB.
// The child is reaped by `wait4` (which also reports its peak memory), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run_measured(args: &[&str], stderr_file: &Path) -> (Option<i32>, String, i64) {
    let child = Command::new(env!("CARGO_BIN_EXE_retrylab"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(stderr_file).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for; status and usage are valid pointers.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let stderr = std::fs::read_to_string(stderr_file).unwrap_or_default();
    (code, stderr, usage.ru_maxrss)
}

#[test]
fn no_input_in_the_corpus_panics_or_takes_more_than_a_gibibyte() {
    let tmp = tempfile::tempdir().unwrap();
    let stderr_file = tmp.path().join("stderr");
    let mut checked = 0;
    let mut worst = (0, String::new());
    let mut problems = Vec::new();
    let mut run = |label: String, args: Vec<String>, expect_bad: bool| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stderr, rss) = run_measured(&args, &stderr_file);
        if rss > worst.0 {
            worst = (rss, label.clone());
        }
        if stderr.contains("panicked") || code.is_none() {
            problems.push(format!("{label}: crashed (exit {code:?}): {stderr}"));
        } else if rss > LIMIT_KB {
            problems.push(format!("{label}: {rss} KiB peak"));
        } else if expect_bad && code != Some(2) {
            problems.push(format!("{label}: exit {code:?}, not 2: {stderr}"));
        }
    };
    // Bad files must be refused (exit 2); the rest run scaled down on the simulator (files
    // only a postgres build runs are refused here, exit 2: still measured).
    let bad = toml_files("tests/bad_scenarios")
        .into_iter()
        .map(|f| (f, true));
    let runnable = toml_files("tests/good_scenarios")
        .into_iter()
        .chain(toml_files("scenarios"))
        .map(|f| (f, false));
    for (i, (f, expect_bad)) in bad.chain(runnable).enumerate() {
        let out = tmp.path().join(format!("run-{i}"));
        let mut args: Vec<String> = vec!["run".into(), f.display().to_string()];
        args.extend(["--engine", "sim"].map(String::from));
        if !expect_bad {
            args.extend(["--quick", "--no-report"].map(String::from));
        }
        args.extend(["--out".to_owned(), out.display().to_string()]);
        checked += 1;
        run(f.display().to_string(), args, expect_bad);
    }
    assert!(checked >= 50, "the corpus is there: {checked} inputs");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Straight to stderr, so the figure shows with --nocapture.
    eprintln!(
        "{checked} inputs; the most memory any took: {} KiB ({})",
        worst.0, worst.1
    );
}
