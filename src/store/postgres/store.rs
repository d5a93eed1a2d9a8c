//! The store: a pool of connections, one namespace, one OCC shape.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::{NoTls, Row};

use super::migration::migrate;
use super::{Namespace, OccShape, PostgresError, PostgresSpec};
use crate::store::{
    AbortCause, ActorId, AsyncEventStore, Event, SaveError, TransactionAborted, Version,
    VersionConflict,
};

/// Whether [`PostgresStore::close`] leaves the run's schema in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Drop the schema and everything in it (the default after an audit).
    Drop,
    /// Leave it, to inspect or reopen with [`Namespace::exact`].
    Keep,
}

/// An [`AsyncEventStore`] on a PostgreSQL server. See [`crate::store::postgres`].
pub struct PostgresStore {
    pool: Pool,
    ns: Namespace,
    occ: OccShape,
    call_timeout: Duration,
    server: String,
    sql: Statements,
    second_reads: AtomicU64,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("server", &self.server)
            .field("namespace", &self.ns)
            .field("occ", &self.occ)
            .field("pool_size", &self.pool.status().max_size)
            .finish_non_exhaustive()
    }
}

/// The SQL of each call, with the schema name filled in.
struct Statements {
    insert_unique: String,
    append_head: String,
    latest_unique: String,
    latest_head: String,
    events_from: String,
    event_at: String,
    count: String,
    actors: String,
    all: String,
    prefill_events: String,
    prefill_heads: String,
}

impl Statements {
    fn new(ns: &Namespace) -> Self {
        let s = ns.quoted();
        Self {
            // Gapless: version v goes in only if v - 1 is there; the key refuses a second v.
            insert_unique: format!(
                "INSERT INTO {s}.events (stream, version, event_type, payload, timestamp_ns) \
                 SELECT $1::bigint, $2::bigint, $3::bigint, $4::bigint, $5::bigint \
                 WHERE $2::bigint = 1 OR EXISTS (SELECT 1 FROM {s}.events \
                 WHERE stream = $1::bigint AND version = $2::bigint - 1)"
            ),
            append_head: format!(
                "SELECT appended, current FROM {s}.append_head($1, $2, $3, $4, $5)"
            ),
            latest_unique: format!(
                "SELECT coalesce(max(version), 0) FROM {s}.events WHERE stream = $1"
            ),
            latest_head: format!(
                "SELECT coalesce((SELECT version FROM {s}.streams WHERE stream = $1), 0)"
            ),
            events_from: format!(
                "SELECT stream, version, event_type, payload, timestamp_ns FROM {s}.events \
                 WHERE stream = $1 AND version >= $2 ORDER BY version"
            ),
            event_at: format!(
                "SELECT stream, version, event_type, payload, timestamp_ns FROM {s}.events \
                 WHERE stream = $1 AND version = $2"
            ),
            count: format!("SELECT count(*) FROM {s}.events"),
            actors: format!("SELECT DISTINCT stream FROM {s}.events"),
            all: format!(
                "SELECT stream, version, event_type, payload, timestamp_ns FROM {s}.events \
                 ORDER BY stream, version"
            ),
            // Actors `0..$1` as `bigint`s, `$2` events each, in one statement.
            prefill_events: format!(
                "INSERT INTO {s}.events (stream, version, event_type, payload, timestamp_ns) \
                 SELECT a, v, 0, $3::bigint, 0 FROM generate_series(0::bigint, $1::bigint - 1) a, \
                 generate_series(1::bigint, $2::bigint) v"
            ),
            prefill_heads: format!(
                "INSERT INTO {s}.streams (stream, version) \
                 SELECT a, $2::bigint FROM generate_series(0::bigint, $1::bigint - 1) a"
            ),
        }
    }
}

/// `host:port` of the first host in `cfg`, for messages (never the password).
fn server_of(cfg: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    let host = match cfg.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}

impl PostgresStore {
    /// Connects, creates a fresh namespace for the run named `run` and migrates it.
    ///
    /// # Errors
    ///
    /// [`PostgresError::MissingUrl`], [`PostgresError::BadUrl`], [`PostgresError::Unreachable`],
    /// [`PostgresError::Authentication`], [`PostgresError::Refused`]: all bad input, before
    /// anything is written.
    pub async fn open(spec: &PostgresSpec, run: &str) -> Result<Self, PostgresError> {
        Self::open_in(spec, Namespace::for_run(run)).await
    }

    /// Like [`PostgresStore::open`], in a given namespace (created if missing, reopened and
    /// migrated if kept by an earlier run).
    ///
    /// # Errors
    ///
    /// As [`PostgresStore::open`], and [`PostgresError::SchemaTooNew`].
    pub async fn open_in(spec: &PostgresSpec, ns: Namespace) -> Result<Self, PostgresError> {
        let url = spec.url.as_ref().ok_or(PostgresError::MissingUrl)?;
        let mut cfg: tokio_postgres::Config =
            url.expose()
                .parse()
                .map_err(|e: tokio_postgres::Error| PostgresError::BadUrl {
                    reason: e.to_string(),
                })?;
        let bound = |d: Duration| d.min(PostgresSpec::MAX_TIMEOUT);
        if cfg.get_connect_timeout().is_none() {
            cfg.connect_timeout(bound(spec.connect_timeout));
        }
        if cfg.get_application_name().is_none() {
            cfg.application_name("retrylab");
        }
        let server = server_of(&cfg);
        let user = cfg.get_user().unwrap_or("(the login user)").to_owned();
        let manager = Manager::from_config(
            cfg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let call_timeout = bound(spec.call_timeout);
        let pool = Pool::builder(manager)
            .max_size(spec.pool_size.get())
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(call_timeout))
            .create_timeout(Some(bound(spec.connect_timeout) + Duration::from_secs(1)))
            .recycle_timeout(Some(call_timeout))
            .build()
            .map_err(|e| PostgresError::BadUrl {
                reason: e.to_string(),
            })?;
        let mut client = pool
            .get()
            .await
            .map_err(|e| connect_error(e, &server, &user))?;
        migrate(&mut client, &ns, &server).await?;
        drop(client);
        Ok(Self {
            pool,
            sql: Statements::new(&ns),
            ns,
            occ: spec.occ,
            call_timeout,
            server,
            second_reads: AtomicU64::new(0),
        })
    }

    /// The run's schema.
    pub fn namespace(&self) -> &Namespace {
        &self.ns
    }

    /// Connections the pool keeps open at most.
    pub fn pool_size(&self) -> usize {
        self.pool.status().max_size
    }

    /// The OCC shape appends use.
    pub fn occ(&self) -> OccShape {
        self.occ
    }

    /// How many conflicts needed a second read to learn the current version (only the
    /// `unique` shape does; `head-row` returns it with the conflict).
    pub fn second_reads(&self) -> u64 {
        self.second_reads.load(Ordering::Relaxed)
    }

    /// The server's version string (`SHOW server_version`), for results.
    ///
    /// # Errors
    ///
    /// [`PostgresError::Call`] or [`PostgresError::Timeout`].
    pub async fn server_version(&self) -> Result<String, PostgresError> {
        self.read("server_version", async {
            let c = self.client().await?;
            let row = c.query_one("SHOW server_version", &[]).await?;
            Ok(row.get(0))
        })
        .await
    }

    /// Closes the pool; drops the run's schema unless `keep` says otherwise.
    ///
    /// # Errors
    ///
    /// [`PostgresError::Call`] or [`PostgresError::Timeout`] if the drop failed (the schema is
    /// then left behind under its printed name).
    pub async fn close(self, keep: Keep) -> Result<(), PostgresError> {
        if keep == Keep::Drop {
            let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.ns.quoted());
            self.read("drop schema", async {
                let c = self.client().await?;
                c.batch_execute(&sql).await?;
                Ok(())
            })
            .await?;
        }
        self.pool.close();
        Ok(())
    }

    /// Opens every connection of the pool and prepares the statements appends and reads use
    /// on each, so a run's first operations measure the store, not the login handshake (a
    /// new connection costs milliseconds) or statement planning.
    ///
    /// # Errors
    ///
    /// [`PostgresError::Call`] or [`PostgresError::Timeout`].
    pub async fn warm_up(&self) -> Result<(), PostgresError> {
        let call = async {
            let size = self.pool.status().max_size;
            let mut held = Vec::with_capacity(size);
            for _ in 0..size {
                held.push(self.client().await?);
            }
            let hot = [
                &self.sql.insert_unique,
                &self.sql.append_head,
                &self.sql.latest_unique,
                &self.sql.latest_head,
                &self.sql.events_from,
                &self.sql.event_at,
            ];
            for c in &held {
                for sql in hot {
                    c.prepare_cached(sql).await?;
                }
            }
            Ok(())
        };
        within("warm up the connections", PostgresSpec::MAX_TIMEOUT, call).await
    }

    /// Returns once every statement sent before has ended on the server. A call whose future
    /// was dropped (the run's end, a timeout) leaves its statement running on its connection,
    /// and a connection answers in order: holding every connection of the pool at once and
    /// making one round trip on each waits them all out.
    async fn settle(&self) -> Result<(), CallError> {
        let size = self.pool.status().max_size;
        let mut held = Vec::with_capacity(size);
        for _ in 0..size {
            held.push(self.client().await?);
        }
        for c in &held {
            match c.simple_query("SELECT 1").await {
                // A connection that closed took its statements with it: ended too.
                Err(_) if c.is_closed() => {}
                Err(e) => return Err(e.into()),
                Ok(_) => {}
            }
        }
        Ok(())
    }

    async fn client(&self) -> Result<Object, CallError> {
        self.pool.get().await.map_err(CallError::Pool)
    }

    /// Runs a read under the call timeout, naming it in any error.
    async fn read<T>(
        &self,
        what: &'static str,
        call: impl Future<Output = Result<T, CallError>>,
    ) -> Result<T, PostgresError> {
        within(what, self.call_timeout, call).await
    }

    async fn save_unique(&self, e: Event) -> Result<(), SaveError> {
        let c = self.client().await.map_err(|_| SaveError::Unavailable)?;
        let stmt = c
            .prepare_cached(&self.sql.insert_unique)
            .await
            .map_err(save_error(e))?;
        let params = params(&e);
        let refs: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
            [&params[0], &params[1], &params[2], &params[3], &params[4]];
        match c.execute(&stmt, &refs).await {
            Ok(1) => return Ok(()),
            // No row: `version - 1` was not there (too new, or not yet committed).
            Ok(_) => {}
            Err(err) if err.code() == Some(&SqlState::UNIQUE_VIOLATION) => {}
            Err(err) => return Err(save_error(e)(err)),
        }
        // The second read this shape needs: the conflict did not say the current version.
        self.second_reads.fetch_add(1, Ordering::Relaxed);
        let row = c
            .query_one(&self.sql.latest_unique, &[&(e.actor as i64)])
            .await
            .map_err(save_error(e))?;
        Err(conflict(e, row.get::<_, i64>(0)))
    }

    async fn save_head(&self, e: Event) -> Result<(), SaveError> {
        let c = self.client().await.map_err(|_| SaveError::Unavailable)?;
        let stmt = c
            .prepare_cached(&self.sql.append_head)
            .await
            .map_err(save_error(e))?;
        let params = params(&e);
        let refs: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
            [&params[0], &params[1], &params[2], &params[3], &params[4]];
        let row = c.query_one(&stmt, &refs).await.map_err(save_error(e))?;
        if row.get::<_, bool>(0) {
            Ok(())
        } else {
            Err(conflict(e, row.get::<_, i64>(1)))
        }
    }

    async fn latest(&self, actor: ActorId) -> Result<Version, CallError> {
        let sql = match self.occ {
            OccShape::Unique => &self.sql.latest_unique,
            OccShape::HeadRow => &self.sql.latest_head,
        };
        let c = self.client().await?;
        let stmt = c.prepare_cached(sql).await?;
        let row = c.query_one(&stmt, &[&(actor as i64)]).await?;
        Ok(row.get::<_, i64>(0) as Version)
    }
}

/// Runs `call` for at most `limit`, naming it in any error.
async fn within<T>(
    what: &'static str,
    limit: Duration,
    call: impl Future<Output = Result<T, CallError>>,
) -> Result<T, PostgresError> {
    match tokio::time::timeout(limit, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(PostgresError::Call {
            what,
            source: e.boxed(),
        }),
        Err(_) => Err(PostgresError::Timeout {
            what,
            seconds: limit.as_secs(),
        }),
    }
}

/// The five columns of an event, as `bigint`s (bit for bit).
fn params(e: &Event) -> [i64; 5] {
    [
        e.actor as i64,
        e.version as i64,
        i64::from(e.event_type),
        e.payload as i64,
        e.timestamp_ns as i64,
    ]
}

fn conflict(e: Event, current: i64) -> SaveError {
    SaveError::Conflict(VersionConflict {
        actor: e.actor,
        current: current as Version,
        attempted: e.version,
    })
}

/// A failed append: the server's aborts are their own class, anything else (connection lost,
/// server gone) is unavailable.
fn save_error(e: Event) -> impl Fn(tokio_postgres::Error) -> SaveError {
    move |err| {
        let cause = match err.code() {
            Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE => AbortCause::Serialization,
            Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED => AbortCause::Deadlock,
            _ => {
                tracing::debug!(actor = e.actor, version = e.version, error = %err, "postgres save failed");
                return SaveError::Unavailable;
            }
        };
        SaveError::Aborted(TransactionAborted {
            actor: e.actor,
            attempted: e.version,
            cause,
        })
    }
}

fn event_of(row: &Row) -> Event {
    Event {
        actor: row.get::<_, i64>(0) as ActorId,
        version: row.get::<_, i64>(1) as Version,
        event_type: row.get::<_, i64>(2) as u32,
        payload: row.get::<_, i64>(3) as u64,
        timestamp_ns: row.get::<_, i64>(4) as u64,
    }
}

/// The first connection's error, told as what the user should fix.
fn connect_error(e: PoolError, server: &str, user: &str) -> PostgresError {
    let server = server.to_owned();
    match e {
        PoolError::Backend(err) => match err.code() {
            Some(c)
                if *c == SqlState::INVALID_PASSWORD
                    || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
            {
                PostgresError::Authentication {
                    server,
                    user: user.to_owned(),
                    source: Box::new(err),
                }
            }
            Some(_) => PostgresError::Refused {
                message: err
                    .as_db_error()
                    .map(|db| format!("{} (SQLSTATE {})", db.message(), db.code().code()))
                    .unwrap_or_else(|| err.to_string()),
                server,
                source: Box::new(err),
            },
            None => PostgresError::Unreachable {
                server,
                source: Box::new(err),
            },
        },
        other => PostgresError::Unreachable {
            server,
            source: Box::new(other),
        },
    }
}

/// A call's failure before it is named.
enum CallError {
    Pool(PoolError),
    Client(tokio_postgres::Error),
}

impl From<tokio_postgres::Error> for CallError {
    fn from(e: tokio_postgres::Error) -> Self {
        CallError::Client(e)
    }
}

impl CallError {
    fn boxed(self) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        match self {
            CallError::Pool(e) => Box::new(e),
            CallError::Client(e) => Box::new(e),
        }
    }
}

/// The largest version PostgreSQL's `bigint` holds.
const MAX_STORED: Version = i64::MAX as Version;

impl AsyncEventStore for PostgresStore {
    type Error = PostgresError;

    fn name(&self) -> &'static str {
        match self.occ {
            OccShape::Unique => "postgres-unique",
            OccShape::HeadRow => "postgres-head-row",
        }
    }

    async fn save(&self, event: Event) -> Result<(), SaveError> {
        if event.version == 0 {
            return Err(SaveError::InvalidVersion { actor: event.actor });
        }
        let call = async {
            if event.version > MAX_STORED {
                // Too new for any stream: a conflict at the current version.
                let current = self
                    .latest(event.actor)
                    .await
                    .map_err(|_| SaveError::Unavailable)?;
                return Err(conflict(event, current as i64));
            }
            match self.occ {
                OccShape::Unique => self.save_unique(event).await,
                OccShape::HeadRow => self.save_head(event).await,
            }
        };
        tokio::time::timeout(self.call_timeout, call)
            .await
            .unwrap_or(Err(SaveError::Unavailable))
    }

    async fn latest_version(&self, actor: ActorId) -> Result<Version, PostgresError> {
        self.read("latest_version", self.latest(actor)).await
    }

    async fn events(&self, actor: ActorId, from: Version) -> Result<Vec<Event>, PostgresError> {
        if from > MAX_STORED {
            return Ok(Vec::new());
        }
        self.read("events", async {
            let c = self.client().await?;
            let stmt = c.prepare_cached(&self.sql.events_from).await?;
            let rows = c.query(&stmt, &[&(actor as i64), &(from as i64)]).await?;
            Ok(rows.iter().map(event_of).collect())
        })
        .await
    }

    async fn event_at(
        &self,
        actor: ActorId,
        version: Version,
    ) -> Result<Option<Event>, PostgresError> {
        if version == 0 || version > MAX_STORED {
            return Ok(None);
        }
        self.read("event_at", async {
            let c = self.client().await?;
            let stmt = c.prepare_cached(&self.sql.event_at).await?;
            let row = c
                .query_opt(&stmt, &[&(actor as i64), &(version as i64)])
                .await?;
            Ok(row.as_ref().map(event_of))
        })
        .await
    }

    async fn event_count(&self) -> Result<u64, PostgresError> {
        self.read("event_count", async {
            let c = self.client().await?;
            let row = c.query_one(&self.sql.count, &[]).await?;
            Ok(row.get::<_, i64>(0) as u64)
        })
        .await
    }

    async fn actors(&self) -> Result<Vec<ActorId>, PostgresError> {
        self.read("actors", async {
            let c = self.client().await?;
            let rows = c.query(&self.sql.actors, &[]).await?;
            Ok(rows.iter().map(|r| r.get::<_, i64>(0) as ActorId).collect())
        })
        .await
    }

    async fn prefill(
        &self,
        actors: u64,
        per_actor: u64,
        payload: u64,
    ) -> Result<(), PostgresError> {
        if actors == 0 || per_actor == 0 {
            return Ok(());
        }
        let (a, n, p) = (actors as i64, per_actor as i64, payload as i64);
        let call = async {
            let mut c = self.client().await?;
            let tx = c.transaction().await?;
            tx.execute(&self.sql.prefill_events, &[&a, &n, &p]).await?;
            if self.occ == OccShape::HeadRow {
                tx.execute(&self.sql.prefill_heads, &[&a, &n]).await?;
            }
            tx.commit().await?;
            Ok(())
        };
        // Millions of rows take longer than one call may: bulk work has the longest timeout.
        within("prefill", PostgresSpec::MAX_TIMEOUT, call).await
    }

    async fn read_all(&self) -> Result<Vec<Event>, PostgresError> {
        within(
            "settle the calls in flight",
            PostgresSpec::MAX_TIMEOUT,
            self.settle(),
        )
        .await?;
        let call = async {
            let c = self.client().await?;
            let rows = c.query(&self.sql.all, &[]).await?;
            Ok(rows.iter().map(event_of).collect())
        };
        within("read back every stream", PostgresSpec::MAX_TIMEOUT, call).await
    }
}
