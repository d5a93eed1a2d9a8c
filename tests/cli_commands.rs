//! The binary, end to end: bad scenario files exit 2 with a message naming file, line and
//! field; good files validate; `run --quick` writes a results folder that reads back; Ctrl-C
//! keeps the partial results and exits 130.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use retrylab::metrics::results::Results;

fn retrylab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retrylab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

/// Each bad file, the line at fault (None: a whole-file rule) and a fragment naming the field.
const BAD: &[(&str, Option<u32>, &str)] = &[
    ("bad-duration.toml", Some(4), "duration"),
    (
        "duplicate-pool-names.toml",
        Some(5),
        "pool names must be unique",
    ),
    ("empty-pools.toml", Some(2), "pools"),
    (
        "inverted-uniform.toml",
        Some(8),
        "low (5ms) is above high (1ms)",
    ),
    ("malformed-toml.toml", Some(2), "[run"),
    ("mix-without-weight.toml", Some(8), "mix"),
    (
        "misspelled-key-field.toml",
        Some(8),
        "unknown field `scramble`",
    ),
    (
        "field-on-fieldless-backoff.toml",
        Some(9),
        "unknown field `base`",
    ),
    ("rate-on-closed-loop.toml", Some(8), "unknown field `rate`"),
    ("negative-sigma.toml", Some(8), "sigma"),
    ("open-rate-zero.toml", Some(9), "open-loop rate = 0"),
    ("never-ends.toml", None, "duration"),
    (
        "probability-out-of-range.toml",
        Some(3),
        "fault_probability",
    ),
    ("shards-not-power-of-two.toml", Some(3), "shards"),
    ("unknown-arrival.toml", Some(8), "arrival"),
    ("unknown-key.toml", Some(8), "unknown field `writerz`"),
    (
        "unknown-preset.toml",
        Some(8),
        "unknown policy preset `sometimes`",
    ),
    (
        "unknown-store-kind.toml",
        Some(3),
        "unknown variant `quantum`",
    ),
    ("wrong-type.toml", Some(7), "writers"),
    ("zero-actors.toml", Some(3), "actors"),
    ("zero-writers.toml", Some(7), "writers"),
    // Issue 10: what a run would refuse, waste memory on, or silently misread.
    ("bare-number-duration.toml", Some(4), "\"5s\""),
    ("bare-number-think.toml", Some(8), "\"100us\""),
    ("blank-pool-name.toml", Some(6), "`name` is blank"),
    (
        "hotspot-zero-hot-fraction.toml",
        Some(8),
        "hot_fraction = 0",
    ),
    ("latest-infinite-exponent.toml", Some(8), "exponent = inf"),
    ("long-pool-name.toml", Some(6), "`name` is 65 characters"),
    (
        "long-scenario-name.toml",
        Some(1),
        "`name` is 65 characters",
    ),
    ("open-rate-too-high.toml", Some(9), "open-loop rate"),
    ("pool-names-share-a-file.toml", Some(10), "a_b.hlog"),
    ("prefill-too-large.toml", Some(3), "prefill_events"),
    ("start-spread-past-run.toml", Some(8), "start_spread"),
    ("store-latency-inverted.toml", Some(3), "latency"),
    ("think-too-long.toml", Some(8), "mean = 7200s"),
    ("too-many-writers.toml", Some(7), "writers = 1000001"),
    ("window-too-small.toml", Some(5), "window = \"10us\""),
    ("zero-duration.toml", Some(4), "duration"),
    ("zero-operations.toml", Some(8), "operations = 0"),
    ("zipf-nan-exponent.toml", Some(8), "exponent = NaN"),
    ("zipf-negative-exponent.toml", Some(8), "exponent = -1"),
    ("zipf-tables-too-large-together.toml", Some(14), "pool `b`"),
    ("zipf-too-many-actors.toml", Some(8), "pool `p`"),
];

#[test]
fn every_bad_scenario_exits_2_naming_file_line_and_field() {
    let dir = corpus("bad_scenarios");
    let on_disk = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(on_disk, BAD.len(), "every corpus file has an expectation");
    for &(file, line, field) in BAD {
        let path = dir.join(file);
        for command in ["validate", "run"] {
            let out = retrylab(
                &[command, path.to_str().unwrap(), "--quick"]
                    [..if command == "run" { 3 } else { 2 }],
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {file}: {stderr}");
            assert!(stderr.contains(file), "{file}: names the file: {stderr}");
            if let Some(line) = line {
                assert!(
                    stderr.contains(&format!("line {line}")),
                    "{file}: names line {line}: {stderr}"
                );
            }
            assert!(stderr.contains(field), "{file}: names `{field}`: {stderr}");
            assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        }
    }
}

#[test]
fn good_files_validate() {
    let tiny = corpus("good_scenarios").join("tiny.toml");
    let out = retrylab(&["validate", tiny.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok"));
}

#[test]
fn run_quick_writes_a_results_folder_that_reads_back() {
    let tiny = corpus("good_scenarios").join("tiny.toml");
    let out_dir = tempfile::tempdir().unwrap();
    let folder = out_dir.path().join("run");
    let out = retrylab(&[
        "run",
        tiny.to_str().unwrap(),
        "--quick",
        "--seed",
        "99",
        "--out",
        folder.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("seed 99"), "{stdout}");
    let results = Results::load(&folder.join("results.json")).unwrap();
    assert_eq!(results.seed, 99);
    assert!(results.integrity.ok);
    assert!(
        results.measured_ns <= 500_000_000,
        "--quick scales the run down"
    );
    assert!(results.pools[0].counters.committed > 0);
    for file in ["pools.csv", "timeseries.csv", "p.hlog"] {
        assert!(folder.join(file).is_file(), "{file} written");
    }
}

#[test]
fn compare_runs_each_pool_alone_at_rising_writers_and_prints_one_row_each() {
    let two = "name = \"two\"\n[run]\nactors = 1\nduration = \"1s\"\n\
               [[pools]]\nname = \"first\"\nwriters = 2\npolicy = \"immediate\"\n\
               think = { kind = \"constant\", value = \"200us\" }\n\
               [[pools]]\nname = \"second\"\nwriters = 2\npolicy = \"immediate\"\n\
               think = { kind = \"constant\", value = \"200us\" }\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("two.toml");
    std::fs::write(&file, two).unwrap();
    let folder = dir.path().join("out");
    let out = retrylab(&[
        "compare",
        "--quick",
        "--scenario",
        file.to_str().unwrap(),
        "--out",
        folder.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("first") && stdout.contains("second"),
        "{stdout}"
    );
    // The simulator by default, at the quick plan's writer counts, each pool alone.
    let sweep = std::fs::read_to_string(folder.join("contention/sweep.json")).unwrap();
    assert!(
        sweep.contains("\"engine\": \"sim\"") && sweep.contains("\"alone\": true"),
        "{sweep}"
    );
    for writers in [1, 2, 8, 64] {
        let results = Results::load(&folder.join(format!(
            "contention/points/writers={writers}/rep-0/results.json"
        )))
        .unwrap();
        assert_eq!(results.pools.len(), 2);
        assert!(results.pools.iter().all(|p| p.writers == writers));
        assert!(results.integrity.ok);
    }
    // Threads confirm the simulator where the cores allow.
    let threads =
        Results::load(&folder.join("confirm-threads/points/writers=2/rep-0/results.json")).unwrap();
    assert_eq!(threads.engine, "threads");
    assert!(
        stdout.contains("the simulator against real threads"),
        "{stdout}"
    );
}

#[test]
fn the_simulated_engine_runs_or_is_a_polite_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sim.toml");
    std::fs::write(
        &file,
        "name = \"sim\"\n[run]\nactors = 1\n[[pools]]\nname = \"p\"\nwriters = 2\n\
         policy = \"immediate\"\noperations = 10\nthink = { kind = \"constant\", value = \"10us\" }\n",
    )
    .unwrap();
    let folder = dir.path().join("out");
    let out = retrylab(&[
        "run",
        file.to_str().unwrap(),
        "--engine",
        "sim",
        "--out",
        folder.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        // Wired in: the results say which engine ran.
        Some(0) => assert_eq!(
            Results::load(&folder.join("results.json")).unwrap().engine,
            "sim"
        ),
        // Not yet: a refusal that says what to use instead.
        Some(2) => assert!(stderr.contains("--engine threads"), "{stderr}"),
        other => panic!("exit {other:?}: {stderr}"),
    }
}

#[test]
fn bad_arguments_exit_2_and_help_exits_0() {
    assert_eq!(retrylab(&["run"]).status.code(), Some(2));
    assert_eq!(retrylab(&["frobnicate"]).status.code(), Some(2));
    let help = retrylab(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("retrylab compare --quick"));
}

#[test]
fn list_names_policies_distributions_and_stores() {
    let out = retrylab(&["list"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in ["immediate", "zipf", "exponential", "lock-free", "open"] {
        assert!(text.contains(needle), "list mentions {needle}: {text}");
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_run_and_still_writes_partial_results() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.toml");
    std::fs::write(
        &file,
        "name = \"long\"\n[run]\nactors = 1\nduration = \"60s\"\n\
         [[pools]]\nname = \"p\"\nwriters = 2\npolicy = \"immediate\"\n",
    )
    .unwrap();
    let folder = dir.path().join("out");
    let child = Command::new(env!("CARGO_BIN_EXE_retrylab"))
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            folder.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let started = std::time::Instant::now();
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // A partial run is not a success: it exits 130, the documented code for an interruption.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted") && stderr.contains(folder.to_str().unwrap()),
        "says it was interrupted and where the partial results are: {stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("PARTIAL"));
    let results = Results::load(&folder.join("results.json")).unwrap();
    assert!(results.partial);
    assert!(results.integrity.ok);
}

#[test]
fn compare_quick_measures_the_seeds_table_and_report_redraws_it() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("cmp");
    let started = std::time::Instant::now();
    let out = retrylab(&["compare", "--quick", "--out", folder.to_str().unwrap()]);
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Generous against a loaded CI machine; the README quotes the measured time.
    assert!(elapsed.as_secs() < 60, "compare --quick took {elapsed:?}");
    for claim in [
        "Default choice for most apps",
        "Event replay is expensive",
        "Many concurrent writers",
        "Use CurrentVersion for retries",
    ] {
        assert!(stdout.contains(claim), "{claim}: {stdout}");
    }
    assert!(
        ["holds", "does not hold here", "not tested by this load"]
            .iter()
            .any(|v| stdout.contains(v)),
        "{stdout}"
    );
    let report = folder.join("report");
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    for part in [
        "When to use each pattern, measured",
        "The rules",
        "each pool alone",
        "The simulator against real threads",
        "charts/sweep-goodput.png",
        "charts/sweep-p99.png",
        "charts/sweep-attempts-per-commit.png",
    ] {
        assert!(md.contains(part), "{part}");
    }
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(html.contains("When to use each pattern, measured"));

    // Redrawn from the folder alone, nothing rerun: the same verdicts.
    let redrawn = dir.path().join("redrawn");
    let again = retrylab(&[
        "report",
        folder.to_str().unwrap(),
        "--out",
        redrawn.to_str().unwrap(),
    ]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let redrawn_md = std::fs::read_to_string(redrawn.join("report.md")).unwrap();
    let verdicts = |text: &str| {
        let start = text.find("| pattern |").unwrap();
        let end = text[start..].find("\n\n").unwrap();
        text[start..start + end].to_owned()
    };
    assert_eq!(verdicts(&redrawn_md), verdicts(&md));
}
