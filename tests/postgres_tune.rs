//! `retrylab tune` for a scenario on a PostgreSQL server: the search runs on the simulator
//! (the server modelled by the scenario's [sim.store_cost]) and the winner and runner-up are
//! then run on the server itself, through the command line. Needs `RETRYLAB_PG_URL`.

mod pg_support;

use std::process::Command;

use retrylab::metrics::tune::record::read_summary;

const SCENARIO: &str = r#"
name = "pg-tune"
seed = 11
[store]
kind = "postgres"
occ = "head-row"
pool_size = 4
[run]
actors = 1
duration = "500ms"
warmup = "100ms"
[sim.store_cost]
read = "190us"
append = "430us"
scan = "190us"
scan_per_event = "1us"
[[pools]]
name = "service"
writers = 4
policy = "exponential-full-jitter"
keys = { kind = "hot-actor" }
think = { kind = "uniform", low = "500us", high = "1500us" }
"#;

#[test]
fn a_postgres_scenario_is_searched_on_the_simulator_and_confirmed_on_the_server() {
    let Some(url) = pg_support::url("postgres_tune") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pg.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    let out = dir.path().join("t");
    let done = Command::new(env!("CARGO_BIN_EXE_retrylab"))
        .args([
            "tune",
            &file.display().to_string(),
            "--store-url",
            &url,
            "--param",
            "base=10us..10ms:log",
            "--param",
            "max_retries=1..10",
            "--minimize",
            "attempts_per_commit",
            "--budget",
            "20",
            "--real-runs",
            "1",
            "--threads-runs",
            "0",
            "--presets",
            "none",
            "--no-sensitivity",
            "--out",
            &out.display().to_string(),
        ])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&done.stdout),
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(done.status.code(), Some(0), "{text}");
    let s = read_summary(&out).unwrap();
    assert_eq!(s.manifest.engine, "sim");
    assert!(
        s.manifest
            .real_store
            .as_deref()
            .is_some_and(|r| r.starts_with("postgres")),
        "{:?}",
        s.manifest.real_store
    );
    // The password never reaches the folder.
    let manifest = std::fs::read_to_string(out.join("tune.json")).unwrap();
    assert!(
        !manifest.contains(&url),
        "the server's URL was written to tune.json"
    );
    let on_server: Vec<_> = s.measured.iter().filter(|m| m.engine == "async").collect();
    assert_eq!(on_server.len(), 2, "{:?}", s.measured);
    for m in on_server {
        assert_eq!(m.aggregate.runs, 1);
        let committed = m
            .aggregate
            .mean(retrylab::metrics::tune::figures::Metric::Goodput);
        assert!(committed.is_some_and(|g| g > 0.0), "{m:?}");
    }
    assert_eq!(s.runs.real_store, 2);
    assert!(text.contains("On the real store (1 runs)"), "{text}");
}
