//! The async engine against a real PostgreSQL server, in both OCC shapes: contended runs pass
//! the audit of every stream read back from the server, results name the server and the shape,
//! the run's schema is dropped (or kept with `keep_store`), connections killed mid-run lose
//! nothing acknowledged, and the command line runs the ready scenario and refuses a server it
//! cannot reach with exit 2 before making anything. Needs `RETRYLAB_PG_URL`.

mod pg_support;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use retrylab::engine::{self, EngineKind, RunOptions};
use retrylab::metrics::results::Results;
use retrylab::store::postgres::OccShape;
use retrylab::workload::scenario::Scenario;

/// 8 writers on 2 actors, re-reading and retrying every conflict and every error.
fn contended(url: &str, occ: OccShape, duration: &str) -> Scenario {
    let text = format!(
        "name = \"pg-engine\"\nseed = 3\n[store]\nkind = \"postgres\"\nurl = \"{url}\"\n\
         occ = \"{occ}\"\npool_size = 8\n[run]\nactors = 2\nduration = \"{duration}\"\n\
         warmup = \"50ms\"\n[[pools]]\nname = \"p\"\nwriters = 8\n\
         think = {{ kind = \"uniform\", low = \"50us\", high = \"200us\" }}\n\
         [pools.policy]\nbackoff = {{ kind = \"immediate\" }}\non_error = \"retry\"\n\
         max_attempts = 1000\n"
    );
    Scenario::from_toml(&text, "test").unwrap()
}

fn run(s: &Scenario, keep: bool) -> Results {
    let opts = RunOptions {
        keep_store: keep,
        ..RunOptions::default()
    };
    engine::run(s, EngineKind::Async, &opts).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn contended_runs_pass_the_audit_and_name_their_server_in_both_shapes() {
    let Some(url) = pg_support::url("engine_both_shapes") else {
        return;
    };
    for occ in OccShape::ALL {
        let r = run(&contended(&url, occ, "400ms"), false);
        assert!(r.integrity.ok, "{occ}: {:?}", r.integrity.problems);
        assert_eq!(r.engine, "async");
        assert_eq!(r.store, format!("postgres-{occ}"));
        let p = &r.pools[0];
        assert!(p.counters.committed > 20, "{occ}: {:?}", p.counters);
        assert!(p.counters.conflicts > 0, "{occ}: 8 writers on 2 actors");
        let server = r.server.as_ref().expect("results name the server");
        assert!(
            server.server_version.starts_with(char::is_numeric),
            "{server:?}"
        );
        assert_eq!(server.occ_shape, occ.name());
        assert!(!server.kept);
        // Only `unique` needs a second read to learn a conflict's current version.
        assert_eq!(
            server.second_reads > 0,
            occ == OccShape::Unique,
            "{server:?}"
        );
        let json = serde_json::to_string(&r).unwrap();
        let password = url_password(&url);
        assert!(
            password.is_empty() || !json.contains(password),
            "the password reached results.json"
        );
        let rt = pg_support::runtime();
        assert!(
            !rt.block_on(pg_support::schema_exists(&url, &server.namespace)),
            "{occ}: schema {} left behind",
            server.namespace
        );
    }
}

#[test]
fn keep_store_leaves_the_schema_with_every_event() {
    let Some(url) = pg_support::url("engine_keep") else {
        return;
    };
    let r = run(&contended(&url, OccShape::HeadRow, "150ms"), true);
    assert!(r.integrity.ok, "{:?}", r.integrity.problems);
    let server = r.server.unwrap();
    assert!(server.kept);
    let rt = pg_support::runtime();
    rt.block_on(async {
        assert!(pg_support::schema_exists(&url, &server.namespace).await);
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let task = tokio::spawn(conn);
        let row = client
            .query_one(
                &format!("SELECT count(*) FROM \"{}\".events", server.namespace),
                &[],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<_, i64>(0) as u64, r.integrity.stored_events);
        client
            .batch_execute(&format!("DROP SCHEMA \"{}\" CASCADE", server.namespace))
            .await
            .unwrap();
        drop(client);
        let _ = task.await;
    });
}

/// This test's own connections, so the killer spares every other test's.
const APP: &str = "retrylab_engine_killed_test";

#[test]
fn connections_killed_mid_run_lose_nothing_acknowledged() {
    let Some(url) = pg_support::url("engine_killed") else {
        return;
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    let store_url = format!("{url}{sep}application_name={APP}");
    for occ in OccShape::ALL {
        let stop = Arc::new(AtomicBool::new(false));
        let kills = Arc::new(AtomicU64::new(0));
        let killer = {
            let (url, stop, kills) = (url.clone(), Arc::clone(&stop), Arc::clone(&kills));
            std::thread::spawn(move || {
                // From 300 ms on, once the store is open and migrated (a connection killed
                // during setup is refused setup, another test), every 20 ms.
                let (delay, every) = (Duration::from_millis(300), Duration::from_millis(20));
                pg_support::runtime().block_on(pg_support::kill_connections(
                    &url, APP, delay, every, &stop, &kills,
                ));
            })
        };
        let r = run(&contended(&store_url, occ, "1500ms"), false);
        stop.store(true, Ordering::Relaxed);
        killer.join().unwrap();
        let p = &r.pools[0];
        assert!(
            kills.load(Ordering::Relaxed) > 0,
            "{occ}: nothing was killed"
        );
        assert!(
            p.counters.other_errors + p.counters.timeouts > 0,
            "{occ}: kills, but no writer saw a failure: {:?}",
            p.counters
        );
        assert!(r.integrity.ok, "{occ}: {:?}", r.integrity.problems);
        assert!(p.counters.committed > 0, "{occ}");
    }
}

/// The password in `url`, if any (between the user's `:` and the `@`).
fn url_password(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let Some((userinfo, _)) = rest.split_once('@') else {
        return "";
    };
    userinfo.split_once(':').map_or("", |(_, p)| p)
}

fn retrylab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_retrylab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn the_ready_scenario_runs_from_the_command_line_in_both_shapes() {
    let Some(url) = pg_support::url("engine_cli") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/postgres-hot-actor.toml"
    );
    for occ in ["unique", "head-row"] {
        let out_dir = dir.path().join(occ);
        let out = retrylab(&[
            "run",
            scenario,
            "--quick",
            "--store-url",
            &url,
            "--occ",
            occ,
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(0), "{occ}: {stdout}\n{stderr}");
        assert!(
            stdout.contains(&format!("store postgres-{occ}")),
            "{stdout}"
        );
        assert!(stdout.contains("audit ok"), "{stdout}");
        let results = std::fs::read_to_string(out_dir.join("results.json")).unwrap();
        let r: Results = serde_json::from_str(&results).unwrap();
        assert_eq!(r.server.unwrap().occ_shape, occ);
        let password = url_password(&url);
        for text in [&results, &stdout.to_string(), &stderr.to_string()] {
            assert!(
                password.is_empty() || !text.contains(password),
                "password shown"
            );
        }
    }
}

#[test]
fn an_unreachable_server_a_wrong_password_or_no_url_is_exit_2_before_anything_is_made() {
    let Some(url) = pg_support::url("engine_cli_bad_input") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/postgres-hot-actor.toml"
    );
    let wrong_password = match url.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.rsplit_once(':').map_or(userinfo, |(u, _)| u);
            format!("{user}:not-the-password-0451@{host}")
        }
        None => return,
    };
    let cases = [
        (
            "postgres://retrylab:pw-0451@127.0.0.1:1/retrylab",
            "no PostgreSQL server reachable",
        ),
        (wrong_password.as_str(), "check the user and password"),
    ];
    for (i, (bad, says)) in cases.iter().enumerate() {
        let out_dir = dir.path().join(format!("out-{i}"));
        let out = retrylab(&[
            "run",
            scenario,
            "--quick",
            "--store-url",
            bad,
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        check_refused(&out, says, &out_dir);
    }
    // The ready scenario names no server: without --store-url it says where to give one.
    let out_dir = dir.path().join("out-no-url");
    let out = retrylab(&[
        "run",
        scenario,
        "--quick",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    check_refused(&out, "pass --store-url", &out_dir);
}

/// Exit 2, saying `says`, no password, and the results folder removed again.
fn check_refused(out: &std::process::Output, says: &str, out_dir: &std::path::Path) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{says}: {stderr}");
    assert!(stderr.contains(says), "{stderr}");
    assert!(!stderr.contains("0451"), "a password was printed: {stderr}");
    assert!(!out_dir.exists(), "{says}: the results folder was left");
}
