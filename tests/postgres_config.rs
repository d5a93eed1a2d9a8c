//! The `postgres` store kind in a scenario, in any build (no feature, no server): its fields
//! parse and are bounded, the password never reaches what is written, the threaded and
//! simulated engines refuse it with exit 2 and point at the async engine, and a build without
//! the `postgres` feature says how to get one.

use std::process::Command;

use retrylab::store::StoreChoice;
use retrylab::store::postgres::OccShape;
use retrylab::workload::scenario::Scenario;

fn scenario(store: &str) -> String {
    format!(
        "name = \"pg\"\n[store]\n{store}\n[run]\nactors = 10\nduration = \"1s\"\n\
         [[pools]]\nname = \"p\"\nwriters = 2\npolicy = \"immediate\"\n"
    )
}

const PG: &str = "kind = \"postgres\"\nurl = \"postgres://rl:hunter2@127.0.0.1:15432/rl\"\n\
                  pool_size = 4\nocc = \"head-row\"";

#[test]
fn a_postgres_store_parses_with_its_fields_and_hides_its_password() {
    let s = Scenario::from_toml(&scenario(PG), "pg.toml").expect("parses");
    assert_eq!(s.store.kind, StoreChoice::Postgres);
    let spec = s.store.postgres().expect("a postgres spec");
    assert_eq!((spec.pool_size.get(), spec.occ), (4, OccShape::HeadRow));
    assert_eq!(
        spec.url.as_ref().map(|u| u.expose()),
        Some("postgres://rl:hunter2@127.0.0.1:15432/rl")
    );
    for shown in [
        serde_json::to_string(&s).unwrap(),
        format!("{s:?}"),
        format!("{spec}"),
    ] {
        assert!(!shown.contains("hunter2"), "{shown}");
    }
    assert!(
        serde_json::to_string(&s)
            .unwrap()
            .contains("rl:***@127.0.0.1")
    );
    // Defaults: unique, 8 connections; a url may come later (--store-url).
    let bare = Scenario::from_toml(&scenario("kind = \"postgres\""), "pg.toml").unwrap();
    let spec = bare.store.postgres().unwrap();
    assert_eq!(
        (spec.pool_size.get(), spec.occ, spec.url),
        (8, OccShape::Unique, None)
    );
}

#[test]
fn postgres_fields_are_checked_and_belong_to_postgres_only() {
    let cases = [
        (
            "kind = \"postgres\"\npool_size = 0",
            "pool_size = 0: use 1 to 64",
        ),
        ("kind = \"postgres\"\npool_size = 65", "pool_size = 65"),
        (
            "kind = \"postgres\"\nocc = \"pessimistic\"",
            "unknown variant `pessimistic`",
        ),
        (
            "kind = \"lock-free\"\nurl = \"postgres://h/d\"",
            "applies to kind = \"postgres\" only",
        ),
        ("occ = \"unique\"", "applies to kind = \"postgres\" only"),
    ];
    for (store, expected) in cases {
        let e = Scenario::from_toml(&scenario(store), "pg.toml").expect_err(store);
        assert!(e.to_string().contains(expected), "{store}: {e}");
    }
}

#[test]
fn engines_without_a_network_driver_refuse_postgres_with_exit_2_and_name_async() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pg.toml");
    std::fs::write(&file, scenario(PG)).unwrap();
    for engine in ["threads", "sim"] {
        let out = run_with(&file, &["--engine", engine], &dir.path().join(engine));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{engine}: {stderr}");
        assert!(
            stderr.contains("runs on the async engine only") && stderr.contains("--engine async"),
            "{engine}: {stderr}"
        );
        assert!(!stderr.contains("hunter2"), "{stderr}");
        assert!(
            !dir.path().join(engine).exists(),
            "refused before any folder was made"
        );
    }
}

/// Without the feature, the async engine (the default for postgres) says how to build one.
#[cfg(not(feature = "postgres"))]
#[test]
fn a_build_without_postgres_says_how_to_build_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pg.toml");
    std::fs::write(&file, scenario(PG)).unwrap();
    let out = run_with(&file, &[], &dir.path().join("out"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--features postgres"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

fn run_with(file: &std::path::Path, args: &[&str], out: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_retrylab"))
        .args(["run", file.to_str().unwrap(), "--quick"])
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .expect("the binary runs")
}
