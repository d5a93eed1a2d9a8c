//! The store contract (tests/contract_support, shared with the in-memory stores) run against
//! PostgreSQL in both OCC shapes through [`AsyncEventStore`], and what only this store has:
//! second reads, runs isolated in namespaces, the schema version. Needs a server:
//! `RETRYLAB_PG_URL` (ci/test-postgres.sh); without one every test says SKIPPED (and fails
//! under `CI`).

mod contract_support;
mod pg_support;

use std::cell::Cell;
use std::sync::Arc;

use contract_support::{Case, ContractStore, event};
use retrylab::store::postgres::{Keep, Namespace, OccShape, PostgresStore, SCHEMA_VERSION};
use retrylab::store::{ActorId, AsyncEventStore, Event, SaveError, Version};

/// The largest version PostgreSQL's `bigint` holds; the store answers a save past it by a
/// plain read, without trying an insert.
const MAX_STORED: Version = i64::MAX as Version;

/// A PostgreSQL store seen through the contract's blocking view: each call is `block_on` of
/// the runtime's handle, from a blocking thread. It counts the conflicts it saw that tried an
/// insert, so the runner can check the second reads they cost.
struct Blocking {
    handle: tokio::runtime::Handle,
    store: Arc<PostgresStore>,
    insert_conflicts: Cell<u64>,
}

impl Blocking {
    fn read<T>(
        &self,
        what: &str,
        call: impl Future<Output = Result<T, impl std::fmt::Display>>,
    ) -> T {
        self.handle
            .block_on(call)
            .unwrap_or_else(|e| panic!("{}: {what}: {e}", self.store.name()))
    }
}

impl ContractStore for Blocking {
    fn name(&self) -> &'static str {
        self.store.name()
    }
    fn save(&self, event: Event) -> Result<(), SaveError> {
        let outcome = self.handle.block_on(self.store.save(event));
        if matches!(&outcome, Err(SaveError::Conflict(c)) if c.attempted <= MAX_STORED) {
            self.insert_conflicts.set(self.insert_conflicts.get() + 1);
        }
        outcome
    }
    fn latest_version(&self, actor: ActorId) -> Version {
        self.read("latest_version", self.store.latest_version(actor))
    }
    fn events(&self, actor: ActorId, from: Version) -> Vec<Event> {
        self.read("events", self.store.events(actor, from))
    }
    fn event_at(&self, actor: ActorId, version: Version) -> Option<Event> {
        self.read("event_at", self.store.event_at(actor, version))
    }
    fn event_count(&self) -> u64 {
        self.read("event_count", self.store.event_count())
    }
    fn actors(&self) -> Vec<ActorId> {
        self.read("actors", self.store.actors())
    }
}

/// Runs `case` on a fresh store of each shape (its schema dropped after), then checks what
/// every store must say after any case: its shape's name, and one second read per conflict
/// that tried an insert in `unique`, none in `head-row`.
fn each_shape(test: &str, case: Case) {
    let Some(url) = pg_support::url(test) else {
        return;
    };
    let runtime = pg_support::runtime();
    for occ in OccShape::ALL {
        runtime.block_on(pg_support::with_store(
            &url,
            occ,
            test,
            |store| async move {
                assert_eq!(store.name(), format!("postgres-{occ}"));
                let handle = tokio::runtime::Handle::current();
                // The case blocks on the runtime: off its workers, on a blocking thread.
                let ran = tokio::task::spawn_blocking(move || {
                    let blocking = Blocking {
                        handle,
                        store,
                        insert_conflicts: Cell::new(0),
                    };
                    case(&blocking);
                    let expected = if occ.conflict_needs_second_read() {
                        blocking.insert_conflicts.get()
                    } else {
                        0
                    };
                    assert_eq!(
                        blocking.store.second_reads(),
                        expected,
                        "{occ}: second reads"
                    );
                })
                .await;
                if let Err(e) = ran {
                    std::panic::resume_unwind(e.into_panic());
                }
            },
        ));
    }
}

contract_support::contract_tests!(each_shape);

#[test]
fn only_unique_pays_a_second_read_per_conflict() {
    each_shape("second_reads", |store| {
        // Two conflicts that try an insert: each_shape then finds two second reads in
        // `unique` and none in `head-row`.
        let name = store.name();
        store.save(event(5, 1)).unwrap();
        assert!(
            store.save(event(5, 1)).unwrap_err().as_conflict().is_some(),
            "{name}"
        );
        assert!(
            store.save(event(5, 3)).unwrap_err().as_conflict().is_some(),
            "{name}"
        );
    });
}

#[test]
fn runs_are_isolated_versioned_and_kept_when_asked() {
    let Some(url) = pg_support::url("namespaces") else {
        return;
    };
    pg_support::runtime().block_on(async {
        let spec = pg_support::spec(&url, OccShape::HeadRow, 2);
        let a = PostgresStore::open(&spec, "same run").await.unwrap();
        let b = PostgresStore::open(&spec, "same run").await.unwrap();
        assert_ne!(a.namespace(), b.namespace());
        a.save(event(1, 1)).await.unwrap();
        // b has its own streams: version 1 of actor 1 is free there.
        b.save(event(1, 1)).await.unwrap();
        assert_eq!(a.event_count().await.unwrap(), 1);
        assert!(a.server_version().await.unwrap().starts_with("15"));

        // Kept: reopening finds the events and the recorded schema version.
        let kept = a.namespace().clone();
        a.close(Keep::Keep).await.unwrap();
        assert!(pg_support::schema_exists(&url, kept.name()).await);
        let again = PostgresStore::open_in(&spec, Namespace::exact(kept.name()).unwrap())
            .await
            .unwrap();
        assert_eq!(again.latest_version(1).await.unwrap(), 1);
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let v: i32 = client
            .query_one(
                &format!("SELECT max(version) FROM \"{kept}\".schema_version"),
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(v, SCHEMA_VERSION);
        again.close(Keep::Drop).await.unwrap();
        b.close(Keep::Drop).await.unwrap();
        assert!(!pg_support::schema_exists(&url, kept.name()).await);
    });
}
