//! Results are never lost, through the binary: `--out` into a folder that holds files is
//! refused before anything runs (unless `--force`), default folders never collide, a folder
//! that cannot be written fails before the run, and the exit status follows from the error's
//! kind (2 bad input, 1 failure, 130 interrupted).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn retrylab_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retrylab"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A simulated scenario that runs in a few milliseconds.
const TINY: &str = "name = \"tiny-sim\"\n[run]\nactors = 1\n[[pools]]\nname = \"p\"\n\
                    writers = 2\npolicy = \"immediate\"\noperations = 10\n\
                    think = { kind = \"constant\", value = \"10us\" }\n";

/// Two pools, for `compare`.
const TWO: &str = "name = \"two-sim\"\n[run]\nactors = 1\n\
                   [[pools]]\nname = \"first\"\nwriters = 2\npolicy = \"immediate\"\noperations = 10\n\
                   think = { kind = \"constant\", value = \"10us\" }\n\
                   [[pools]]\nname = \"second\"\nwriters = 2\npolicy = \"immediate\"\noperations = 10\n\
                   think = { kind = \"constant\", value = \"10us\" }\n";

/// A threaded scenario that would run for a minute: a command that fails on it within a few
/// seconds failed before the run.
const LONG: &str = "name = \"long\"\n[run]\nactors = 1\nduration = \"60s\"\n\
                    [[pools]]\nname = \"p\"\nwriters = 2\npolicy = \"immediate\"\n";

struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Lab {
        let lab = Lab {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::write(lab.path("tiny.toml"), TINY).unwrap();
        std::fs::write(lab.path("two.toml"), TWO).unwrap();
        std::fs::write(lab.path("long.toml"), LONG).unwrap();
        lab
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        retrylab_in(self.dir.path(), args)
    }
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn assert_refused_naming(out: &Output, folder: &Path, what: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    assert!(
        err.contains(&folder.display().to_string()),
        "{what}: names the folder: {err}"
    );
    assert!(err.contains("--force"), "{what}: says --force: {err}");
    assert!(
        err.contains("another folder") || err.contains("another --out"),
        "{what}: says to choose another folder: {err}"
    );
    assert!(!err.contains("panicked"), "{what}: {err}");
}

#[test]
fn run_into_an_existing_results_folder_is_refused_and_leaves_it_untouched() {
    let lab = Lab::new();
    let folder = lab.path("out");
    let first = lab.run(&[
        "run",
        "tiny.toml",
        "--engine",
        "sim",
        "--quick",
        "--seed",
        "1",
        "--out",
        "out",
    ]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let before = snapshot(&folder);
    assert!(before.keys().any(|p| p.ends_with("results.json")));

    let again = lab.run(&[
        "run",
        "tiny.toml",
        "--engine",
        "sim",
        "--quick",
        "--seed",
        "2",
        "--out",
        "out",
    ]);
    assert_refused_naming(&again, Path::new("out"), "run into a results folder");
    assert!(
        !stderr(&again).contains("running `"),
        "refused before the run: {}",
        stderr(&again)
    );
    assert_eq!(
        snapshot(&folder),
        before,
        "the earlier results are byte-identical"
    );

    let forced = lab.run(&[
        "run",
        "tiny.toml",
        "--engine",
        "sim",
        "--quick",
        "--seed",
        "2",
        "--out",
        "out",
        "--force",
    ]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    let text = std::fs::read_to_string(folder.join("results.json")).unwrap();
    assert!(text.contains("\"seed\": 2"), "--force writes over it");
}

#[test]
fn run_and_compare_refuse_any_non_empty_folder_before_running() {
    let lab = Lab::new();
    let folder = lab.path("notes");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("thesis.txt"), "months of work").unwrap();
    let before = snapshot(&folder);
    let started = Instant::now();
    // The threaded 60 s scenario: a refusal within seconds came before the run.
    let run = lab.run(&["run", "long.toml", "--out", "notes"]);
    assert_refused_naming(&run, Path::new("notes"), "run into a non-empty folder");
    let compare = lab.run(&["compare", "--scenario", "long.toml", "--out", "notes"]);
    assert_refused_naming(
        &compare,
        Path::new("notes"),
        "compare into a non-empty folder",
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(snapshot(&folder), before);

    // An empty folder is fine.
    std::fs::create_dir(lab.path("empty")).unwrap();
    let ok = lab.run(&[
        "compare",
        "--scenario",
        "two.toml",
        "--engine",
        "sim",
        "--quick",
        "--out",
        "empty",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(lab.path("empty/compare.json").is_file());

    // A comparison is refused like a run's results, and --force replaces it.
    let again = lab.run(&[
        "compare",
        "--scenario",
        "two.toml",
        "--quick",
        "--out",
        "empty",
    ]);
    assert_refused_naming(&again, Path::new("empty"), "compare over a comparison");
    assert!(
        stderr(&again).contains("a comparison (compare.json)"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn default_folders_never_collide_even_for_runs_started_together() {
    let lab = Lab::new();
    let children: Vec<_> = (0..3)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_retrylab"))
                .args([
                    "run",
                    "tiny.toml",
                    "--engine",
                    "sim",
                    "--quick",
                    "--seed",
                    "5",
                ])
                .current_dir(lab.dir.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let folders: Vec<_> = std::fs::read_dir(lab.path("reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(folders.len(), 3, "three runs, three folders: {folders:?}");
    for f in &folders {
        let name = f.file_name().unwrap().to_string_lossy();
        assert!(name.starts_with("tiny-sim-seed5-"), "{name}");
        assert!(f.join("results.json").is_file(), "{name} has its results");
    }
}

#[test]
fn an_unusable_out_fails_before_the_run() {
    let lab = Lab::new();
    std::fs::write(lab.path("a-file"), "x").unwrap();
    let long_name = "x".repeat(300);
    for (out, says) in [
        ("a-file", "is a file"),
        ("a-file/inside", "cannot write results into"),
        (long_name.as_str(), "cannot write results into"),
    ] {
        let started = Instant::now();
        let run = lab.run(&["run", "long.toml", "--out", out]);
        let err = stderr(&run);
        assert_eq!(run.status.code(), Some(2), "--out {out}: {err}");
        assert!(err.contains(says), "--out {out}: {err}");
        assert!(err.contains("--out"), "--out {out}: says how to fix: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "--out {out}: failed only after the run"
        );
    }
    assert_eq!(std::fs::read(lab.path("a-file")).unwrap(), b"x");
}

#[test]
fn a_long_scenario_name_still_gets_a_default_folder() {
    let lab = Lab::new();
    // The longest name validation allows (`limits::MAX_NAME_CHARS`).
    let name = "n".repeat(retrylab::workload::scenario::limits::MAX_NAME_CHARS);
    std::fs::write(lab.path("named.toml"), TINY.replace("tiny-sim", &name)).unwrap();
    let run = lab.run(&["run", "named.toml", "--engine", "sim", "--quick"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(std::fs::read_dir(lab.path("reports")).unwrap().count(), 1);
}

#[test]
fn report_out_into_a_non_empty_folder_is_refused_unless_forced() {
    let lab = Lab::new();
    let run = lab.run(&[
        "run",
        "tiny.toml",
        "--engine",
        "sim",
        "--quick",
        "--out",
        "run",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    // Redrawing into the run's own report folder replaces the earlier report.
    let redraw = lab.run(&["report", "run"]);
    assert_eq!(redraw.status.code(), Some(0), "{}", stderr(&redraw));

    let other = lab.path("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("keep.txt"), "mine").unwrap();
    let before = snapshot(&other);
    let refused = lab.run(&["report", "run", "--out", "other"]);
    assert_refused_naming(&refused, Path::new("other"), "report --out");
    assert_eq!(snapshot(&other), before);
    // Into another run's results folder too.
    let into_run = lab.run(&["report", "run", "--out", "run"]);
    assert_refused_naming(&into_run, Path::new("run"), "report --out a results folder");

    let forced = lab.run(&["report", "run", "--out", "other", "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert!(other.join("index.html").is_file());
    assert_eq!(std::fs::read(other.join("keep.txt")).unwrap(), b"mine");
}

fn sweep_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "sweep",
        "tiny.toml",
        "--vary",
        "writers=1,2",
        "--engine",
        "sim",
        "--quick",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn sweep_refuses_a_non_empty_folder_that_is_not_its_own() {
    let lab = Lab::new();
    let folder = lab.path("busy");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("data.csv"), "1,2,3").unwrap();
    let before = snapshot(&folder);
    let refused = lab.run(&sweep_args(&["--out", "busy"]));
    assert_refused_naming(&refused, Path::new("busy"), "sweep into a non-sweep folder");
    assert_eq!(snapshot(&folder), before);

    let forced = lab.run(&sweep_args(&["--out", "busy", "--force"]));
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert!(folder.join("sweep.json").is_file());
    assert_eq!(std::fs::read(folder.join("data.csv")).unwrap(), b"1,2,3");

    // Its own folder resumes, without --force.
    let resumed = lab.run(&sweep_args(&["--out", "busy"]));
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    assert!(String::from_utf8_lossy(&resumed.stdout).contains("0 run(s), 2 resumed"));
}

#[test]
fn a_resumed_sweep_refuses_points_made_differently() {
    let lab = Lab::new();
    let first = lab.run(&sweep_args(&["--out", "sw"]));
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let folder = lab.path("sw");
    let before = snapshot(&folder);
    let mut without_quick = sweep_args(&["--out", "sw"]);
    without_quick.retain(|a| *a != "--quick");
    let threads: Vec<&str> = sweep_args(&["--out", "sw"])
        .into_iter()
        .map(|a| if a == "sim" { "threads" } else { a })
        .collect();
    for (args, setting, fix) in [
        (
            sweep_args(&["--out", "sw", "--together"]),
            "--together",
            "without --together",
        ),
        (without_quick, "--quick", "pass --quick"),
        (threads, "--engine", "--engine sim"),
    ] {
        let out = lab.run(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{setting}: {err}");
        assert!(
            err.contains(setting) && err.contains(fix),
            "{setting}: {err}"
        );
        assert!(err.contains("sw"), "{err}");
        // --force does not mix them either.
        let mut forced = args.clone();
        forced.push("--force");
        assert_eq!(lab.run(&forced).status.code(), Some(2), "{setting} --force");
    }
    assert_eq!(snapshot(&folder), before, "the saved sweep is untouched");
    let manifest = std::fs::read_to_string(folder.join("sweep.json")).unwrap();
    assert!(
        manifest.contains("\"alone\": true") && manifest.contains("\"quick\": true"),
        "{manifest}"
    );
}

#[test]
fn bad_sweep_plans_exit_2_before_running() {
    let lab = Lab::new();
    for (vary, repeat, says) in [
        ("writers=1,1", "1", "more than once"),
        ("writers=1,2,01", "1", "more than once"),
        ("think=1us,1000ns", "1", "`1us` is given more than once"),
        ("policy=immediate,Immediate", "1", "same folder name"),
        ("writers=1..8 step 1.5", "1", "the step 1.5 is not"),
        ("writers=1,2", "1000000000", "1000"),
        ("writers=1..1000 step 1", "1000", "100000"),
    ] {
        let started = Instant::now();
        let out = lab.run(&[
            "sweep",
            "long.toml",
            "--vary",
            vary,
            "--repeat",
            repeat,
            "--out",
            "plan",
        ]);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(2),
            "--vary {vary} --repeat {repeat}: {err}"
        );
        assert!(err.contains(says), "--vary {vary} --repeat {repeat}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{vary}");
        assert!(!lab.path("plan").exists(), "{vary}: nothing written");
    }
}

#[test]
fn help_names_the_folders_the_code_writes() {
    let lab = Lab::new();
    let sweep = lab.run(&[
        "sweep",
        "tiny.toml",
        "--vary",
        "writers=1,2",
        "--engine",
        "sim",
        "--quick",
    ]);
    assert_eq!(sweep.status.code(), Some(0), "{}", stderr(&sweep));
    assert!(
        lab.path("reports/sweep-tiny-sim-writers/sweep.json")
            .is_file()
    );
    let help = String::from_utf8_lossy(&lab.run(&["sweep", "--help"]).stdout).into_owned();
    assert!(help.contains("reports/sweep-<scenario>-<param>"), "{help}");
    let report_help = String::from_utf8_lossy(&lab.run(&["report", "--help"]).stdout).into_owned();
    assert!(
        report_help.contains("reports/sweep-hot-actor-writers"),
        "{report_help}"
    );
    assert!(report_help.contains("PATH/report"), "{report_help}");
    let run_help = String::from_utf8_lossy(&lab.run(&["run", "--help"]).stdout).into_owned();
    assert!(
        run_help.contains("reports/<scenario>-seed<seed>-<date-time>"),
        "{run_help}"
    );
    let top = String::from_utf8_lossy(&lab.run(&["--help"]).stdout).into_owned();
    assert!(top.contains("130") && top.contains("interrupted"), "{top}");
}

/// Starts `args`, interrupts it after `after`, and returns its output.
#[cfg(unix)]
fn interrupt(lab: &Lab, args: &[&str], after: Duration) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_retrylab"))
        .args(args)
        .current_dir(lab.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn interrupted_compare_and_sweep_write_what_they_have_and_exit_130() {
    let lab = Lab::new();
    std::fs::write(
        lab.path("long-two.toml"),
        format!("{LONG}[[pools]]\nname = \"q\"\nwriters = 2\npolicy = \"immediate\"\n"),
    )
    .unwrap();
    let compare = interrupt(
        &lab,
        &[
            "compare",
            "--scenario",
            "long-two.toml",
            "--engine",
            "threads",
            "--out",
            "cmp",
        ],
        Duration::from_millis(500),
    );
    assert_eq!(compare.status.code(), Some(130), "{}", stderr(&compare));
    assert!(
        stderr(&compare).contains("interrupted"),
        "{}",
        stderr(&compare)
    );
    assert!(
        lab.path("cmp/compare.json").is_file() && lab.path("cmp/report/index.html").is_file(),
        "what finished is kept and reported"
    );

    let sweep = interrupt(
        &lab,
        &["sweep", "long.toml", "--vary", "writers=1,2", "--out", "sw"],
        Duration::from_millis(500),
    );
    let err = stderr(&sweep);
    assert_eq!(sweep.status.code(), Some(130), "{err}");
    assert!(err.contains("rerun the same command to resume"), "{err}");
    assert!(lab.path("sw/sweep.json").is_file());
    assert!(
        lab.path("sw/report/index.html").is_file(),
        "the report is drawn"
    );
}
