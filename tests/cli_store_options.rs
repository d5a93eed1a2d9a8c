//! `--store` and `--store-url` replace a scenario's store from the command line: a PostgreSQL
//! scenario's load runs in memory with `--store lock-free` (no server needed), and
//! contradictory options are refused with exit 2 before anything is made.

use std::process::Command;

const SCENARIO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/postgres-hot-actor.toml"
);

fn retrylab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_retrylab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn a_postgres_scenario_runs_in_memory_with_store_lock_free_on_either_real_clock_engine() {
    let dir = tempfile::tempdir().unwrap();
    for (engine, args) in [("threads", vec![]), ("async", vec!["--engine", "async"])] {
        let out_dir = dir.path().join(engine);
        let mut all = vec!["run", SCENARIO, "--quick", "--store", "lock-free"];
        all.extend(args);
        all.extend(["--out", out_dir.to_str().unwrap()]);
        let out = retrylab(&all);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{engine}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("engine {engine} | store lock-free")),
            "{stdout}"
        );
        let results = std::fs::read_to_string(out_dir.join("results.json")).unwrap();
        assert!(
            !results.contains("\"server\""),
            "no server behind an in-memory store"
        );
        assert!(
            !results.contains("pool_size"),
            "the server's settings were dropped"
        );
    }
}

#[test]
fn contradictory_store_options_are_exit_2_before_anything_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = dir.path().join("out");
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "--store",
                "lock-free",
                "--store-url",
                "postgres://u:p@127.0.0.1:1/d",
            ],
            "drop one of them",
        ),
        (&["--occ", "head-row"], "--store-url"),
        (&["--store", "mysql"], "no store `mysql`"),
    ];
    for (extra, says) in cases {
        let mut args = vec!["run", SCENARIO, "--quick", "--out", out.to_str().unwrap()];
        args.extend(extra);
        let o = retrylab(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(says), "{extra:?}: {stderr}");
        assert!(!out_dir.exists(), "{extra:?}: a folder was made");
    }
}
