//! `retrylab tune` through the binary: a search writes its folder and the winner's block, the
//! same command resumes from the journal (and a larger budget continues to the answer a fresh
//! search gives), bad specs exit 2 naming what is wrong, and an infeasible search exits 1
//! saying how close it came.

use std::path::Path;
use std::process::{Command, Output};

use retrylab::metrics::tune::record::read_summary;

fn retrylab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retrylab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const SCENARIO: &str = r#"
name = "tune-cli"
seed = 3
[store]
latency = { kind = "lognormal", median = "20us", sigma = 0.4 }
[run]
actors = 1
duration = "30ms"
warmup = "5ms"
[[pools]]
name = "service"
writers = 6
policy = "exponential-us"
keys = { kind = "hot-actor" }
think = { kind = "exponential", mean = "20us" }
[[pools]]
name = "other"
writers = 2
policy = "immediate"
keys = { kind = "hot-actor" }

[tune]
pool = "service"
params = ["base=1us..1ms:log", "jitter=none,full,decorrelated", "max_retries=0..9"]
minimize = ["attempts_per_commit"]
subject_to = ["give_up_rate<=1%"]
"#;

fn scenario(dir: &Path) -> String {
    let file = dir.join("t.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    file.display().to_string()
}

fn tune(file: &str, out: &Path, extra: &[&str]) -> Output {
    let out = out.display().to_string();
    let mut args = vec![
        "tune",
        file,
        "--out",
        &out,
        "--threads-runs",
        "0",
        "--presets",
        "immediate",
        "--held-out",
        "2",
    ];
    args.extend_from_slice(extra);
    retrylab(&args)
}

#[test]
fn a_search_writes_its_answer_and_resumes_to_the_same_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let (resumed, fresh) = (dir.path().join("resumed"), dir.path().join("fresh"));
    let first = tune(&file, &resumed, &["--budget", "20"]);
    assert!(first.status.code().is_some(), "{}", text(&first));
    for f in ["tune.json", "journal.jsonl", "summary.json"] {
        assert!(resumed.join(f).is_file(), "{f} missing: {}", text(&first));
    }
    // The same command again: every run comes from the journal.
    let again = tune(&file, &resumed, &["--budget", "20"]);
    let s = read_summary(&resumed).unwrap();
    assert_eq!(s.runs.search, 20);
    let made_now =
        s.runs.search + s.runs.baselines + s.runs.validation + s.runs.held_out + s.runs.sensitivity
            - s.runs.from_journal;
    assert_eq!(made_now, 0, "{}", text(&again));
    // A larger budget continues it, to the answer a fresh search of that budget gives.
    let more = tune(&file, &resumed, &["--budget", "50"]);
    assert_eq!(more.status.code(), Some(0), "{}", text(&more));
    let done = tune(&file, &fresh, &["--budget", "50"]);
    assert_eq!(done.status.code(), Some(0), "{}", text(&done));
    let (a, b) = (
        read_summary(&resumed).unwrap(),
        read_summary(&fresh).unwrap(),
    );
    let keys = |s: &retrylab::metrics::tune::record::TuneSummary| {
        s.candidates
            .iter()
            .map(|c| c.key.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&a), keys(&b));
    assert_eq!(a.winner, b.winner);
    assert!(a.runs.from_journal >= 20, "{:?}", a.runs);
    let best = std::fs::read_to_string(fresh.join("best.toml")).unwrap();
    assert!(best.contains("[pools.policy]"), "{best}");
    assert!(text(&done).contains("[pools.policy]"));
    assert!(
        text(&done).contains("Chosen among the 3 best by their means over 10 seeds"),
        "{}",
        text(&done)
    );
    // The block is a policy a scenario accepts.
    let with_block = SCENARIO.replace(
        "policy = \"exponential-us\"\nkeys = { kind = \"hot-actor\" }\nthink = { kind = \"exponential\", mean = \"20us\" }\n[[pools]]",
        &format!("keys = {{ kind = \"hot-actor\" }}\n{best}\n[[pools]]"),
    );
    assert_ne!(
        with_block, SCENARIO,
        "the block was not put in the scenario"
    );
    let parsed = retrylab::workload::scenario::Scenario::from_toml(&with_block, "best")
        .unwrap_or_else(|e| panic!("{e}\n{with_block}"));
    assert_eq!(
        parsed.pools[0].policy.spec().label(),
        "service-tuned",
        "{with_block}"
    );
    // The report is drawn, and redrawn from the folder without rerunning.
    assert!(fresh.join("report/index.html").is_file(), "{}", text(&done));
    assert!(fresh.join("report/charts/tune-convergence.svg").is_file());
    assert!(
        fresh
            .join("report/charts/tune-sensitivity-jitter.svg")
            .is_file()
    );
    let redrawn = dir.path().join("redrawn");
    let out = retrylab(&[
        "report",
        &fresh.display().to_string(),
        "--out",
        &redrawn.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let md = std::fs::read_to_string(redrawn.join("report.md")).unwrap();
    assert!(
        md.contains("[pools.policy]") && md.contains("Each parameter around the winner"),
        "{md}"
    );
    // Another search in the same folder is refused.
    let other = tune(
        &file,
        &fresh,
        &["--budget", "50", "--param", "max_retries=0..3"],
    );
    assert_eq!(other.status.code(), Some(2), "{}", text(&other));
    assert!(text(&other).contains("another --param"), "{}", text(&other));
}

#[test]
fn bad_specs_exit_2_and_name_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let cases: &[(&[&str], &str)] = &[
        (&["--param", "base=1ms..1us"], "empty"),
        (&["--param", "speed=1..2"], "unknown parameter `speed`"),
        (
            &["--minimize", "p99", "--subject-to", "fairness>=2"],
            "can never be met",
        ),
        (&["--minimize", "latency"], "unknown metric `latency`"),
        (&["--pool", "nope"], "no pool `nope`"),
        (&["--pool", "other", "--param", "base=1us..1ms"], "base"),
        (&["--budget", "0"], "--budget 0"),
        (&["--minimize", "p99", "--subject-to", "p99<=20"], "no unit"),
    ];
    for (i, (extra, expected)) in cases.iter().enumerate() {
        let out = tune(&file, &dir.path().join(format!("bad{i}")), extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", text(&out));
        assert!(text(&out).contains(expected), "{extra:?}: {}", text(&out));
        assert!(!text(&out).contains("panicked"), "{}", text(&out));
    }
}

#[test]
fn validate_checks_the_tune_table_words() {
    let dir = tempfile::tempdir().unwrap();
    let good = scenario(dir.path());
    let ok = retrylab(&["validate", &good]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, SCENARIO.replace("max_retries=0..9", "speed=1..2")).unwrap();
    let out = retrylab(&["validate", &bad.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("[tune]: unknown parameter `speed`"),
        "{}",
        text(&out)
    );
}

#[test]
fn an_infeasible_search_exits_1_and_says_how_close_it_came() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let out = tune(
        &file,
        &dir.path().join("inf"),
        &[
            "--budget",
            "10",
            "--minimize",
            "attempts_per_commit",
            "--subject-to",
            "p99<=10ns",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("was never met: the closest was"),
        "{}",
        text(&out)
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_prints_the_best_so_far_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let out = dir.path().join("stopped");
    // Real threads, so each run takes its 35 ms of real time and the search is still going.
    let child = Command::new(env!("CARGO_BIN_EXE_retrylab"))
        .args([
            "tune",
            &file,
            "--out",
            &out.display().to_string(),
            "--engine",
            "threads",
            "--budget",
            "2000",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let done = child.wait_with_output().unwrap();
    assert_eq!(done.status.code(), Some(130), "{}", text(&done));
    assert!(text(&done).contains("interrupted"), "{}", text(&done));
    assert!(
        text(&done).contains("best configuration"),
        "{}",
        text(&done)
    );
    let s = read_summary(&out).unwrap();
    assert!(s.interrupted);
    assert!(s.runs.search > 0 && s.runs.search < 2000, "{:?}", s.runs);
    assert!(out.join("report/index.html").is_file());
}
