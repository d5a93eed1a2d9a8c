//! What the PostgreSQL tests share: the server's URL, a runtime, a fresh store per test.

#![allow(dead_code, unreachable_pub)] // Each test file uses a different part.

use retrylab::store::postgres::{Keep, OccShape, PostgresSpec, PostgresStore, StoreUrl};

/// The variable holding the test server's URL.
pub const URL_VAR: &str = "RETRYLAB_PG_URL";

/// The server's URL, or `None` (the test then returns at once, saying so loudly). Under `CI`
/// a missing URL fails the test instead: a check that did not run must not pass.
pub fn url(test: &str) -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var_os("CI").is_some() => panic!(
            "{test}: {URL_VAR} is not set but CI is: run `bash ci/test-postgres.sh`, which \
             starts a server and sets it"
        ),
        _ => {
            // Straight to the process's stderr: libtest captures `eprintln!` of passing tests,
            // and a skip must be seen.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {test}: {URL_VAR} not set; run `bash ci/test-postgres.sh` (or \
                 `bash ci/postgres.sh start` and export {URL_VAR}=$(bash ci/postgres.sh url))"
            );
            None
        }
    }
}

/// A multi-threaded tokio runtime of two workers (this machine's cores).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The spec of a store on the test server in `occ` shape.
pub fn spec(url: &str, occ: OccShape, pool_size: u64) -> PostgresSpec {
    let mut spec = PostgresSpec::new(Some(StoreUrl::new(url)));
    spec.occ = occ;
    spec.pool_size = retrylab::store::postgres::PoolSize::new(pool_size).unwrap();
    spec
}

/// Opens a fresh store, runs `body` on it, then drops its schema and checks it is gone.
pub async fn with_store<F, Fut>(url: &str, occ: OccShape, run: &str, body: F)
where
    F: FnOnce(std::sync::Arc<PostgresStore>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let store = std::sync::Arc::new(
        PostgresStore::open(&spec(url, occ, 8), run)
            .await
            .unwrap_or_else(|e| panic!("open {occ}: {e}")),
    );
    let ns = store.namespace().clone();
    body(store.clone()).await;
    let store = std::sync::Arc::into_inner(store).expect("the test let go of the store");
    store.close(Keep::Drop).await.expect("schema dropped");
    assert!(!schema_exists(url, ns.name()).await, "{ns} left behind");
}

/// Whether a schema of that name exists on the server (a plain connection, not the store's).
pub async fn schema_exists(url: &str, name: &str) -> bool {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    let task = tokio::spawn(conn);
    let row = client
        .query_one(
            "SELECT count(*) FROM pg_namespace WHERE nspname = $1",
            &[&name],
        )
        .await
        .expect("query");
    drop(client);
    let _ = task.await;
    row.get::<_, i64>(0) == 1
}

/// Terminates every connection whose `application_name` is `app` every `period` until `stop`,
/// starting after `delay`; counts the connections it killed into `kills`.
pub async fn kill_connections(
    url: &str,
    app: &str,
    delay: std::time::Duration,
    period: std::time::Duration,
    stop: &std::sync::atomic::AtomicBool,
    kills: &std::sync::atomic::AtomicU64,
) {
    use std::sync::atomic::Ordering;
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("the killer connects");
    tokio::spawn(conn);
    tokio::time::sleep(delay).await;
    while !stop.load(Ordering::Relaxed) {
        let rows = client
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE application_name = $1 AND pid <> pg_backend_pid()",
                &[&app],
            )
            .await
            .expect("the killer's query");
        kills.fetch_add(rows.len() as u64, Ordering::Relaxed);
        tokio::time::sleep(period).await;
    }
}
