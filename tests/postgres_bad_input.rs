//! Bad input before a run starts: no url, a malformed url, no server at the address, a wrong
//! password. Each is a clear error naming the fix and classified as bad input (exit 2), and no
//! message shows the password. The wrong-password case needs `RETRYLAB_PG_URL`.

mod pg_support;

use retrylab::exit::{Classify, ExitKind};
use retrylab::store::postgres::{OccShape, PostgresError, PostgresSpec, PostgresStore, StoreUrl};

fn open_error(spec: &PostgresSpec) -> PostgresError {
    pg_support::runtime()
        .block_on(PostgresStore::open(spec, "bad input"))
        .expect_err("opened a store from bad input")
}

#[test]
fn a_missing_url_names_where_to_give_one() {
    let e = open_error(&PostgresSpec::new(None));
    assert!(matches!(e, PostgresError::MissingUrl), "{e:?}");
    assert_eq!(e.exit_kind(), ExitKind::BadInput);
    let text = e.to_string();
    assert!(
        text.contains("url") && text.contains("--store-url"),
        "{text}"
    );
}

#[test]
fn a_malformed_url_is_refused_without_repeating_it() {
    let e = open_error(&PostgresSpec::new(Some(StoreUrl::new(
        "postgres://u:s3cret@host:notaport/db",
    ))));
    assert!(matches!(e, PostgresError::BadUrl { .. }), "{e:?}");
    assert_eq!(e.exit_kind(), ExitKind::BadInput);
    assert!(!format!("{e} {e:?}").contains("s3cret"));
}

#[test]
fn an_unreachable_server_says_to_start_one() {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    let mut spec = PostgresSpec::new(Some(StoreUrl::new(
        "postgres://retrylab:s3cret@127.0.0.1:1/retrylab",
    )));
    spec.connect_timeout = std::time::Duration::from_secs(2);
    let started = std::time::Instant::now();
    let e = open_error(&spec);
    assert!(started.elapsed().as_secs() < 10, "bounded wait");
    assert!(matches!(e, PostgresError::Unreachable { .. }), "{e:?}");
    assert_eq!(e.exit_kind(), ExitKind::BadInput);
    let text = e.to_string();
    assert!(
        text.contains("127.0.0.1:1") && text.contains("ci/postgres.sh start"),
        "{text}"
    );
    assert!(!format!("{e} {e:?}").contains("s3cret"));
}

#[test]
fn a_wrong_password_says_to_check_it_and_never_shows_it() {
    let Some(url) = pg_support::url("wrong_password") else {
        return;
    };
    let good: tokio_postgres::Config = url.parse().expect("RETRYLAB_PG_URL parses");
    let user = good.get_user().unwrap_or("retrylab").to_owned();
    let host = "127.0.0.1";
    let port = good.get_ports().first().copied().unwrap_or(5432);
    let db = good.get_dbname().unwrap_or("retrylab").to_owned();
    let bad = format!("postgres://{user}:Wr0ngPassw0rd@{host}:{port}/{db}");
    let e = open_error(&pg_support::spec(&bad, OccShape::Unique, 1));
    assert!(matches!(e, PostgresError::Authentication { .. }), "{e:?}");
    assert_eq!(e.exit_kind(), ExitKind::BadInput);
    let text = e.to_string();
    assert!(text.contains("password") && text.contains(&user), "{text}");
    assert!(!format!("{e} {e:?}").contains("Wr0ngPassw0rd"));
}
