//! The store's schema, created by versioned migrations inside the run's namespace.
//!
//! Version 1 (the only one so far), in schema `S`:
//!
//! | object | what |
//! |---|---|
//! | `S.schema_version (version int PRIMARY KEY, description text, applied_at timestamptz)` | one row per applied migration |
//! | `S.events (stream bigint, version bigint CHECK (version >= 1), event_type bigint, payload bigint, timestamp_ns bigint, PRIMARY KEY (stream, version))` | every event; the primary key is the `unique` shape's conflict |
//! | `S.streams (stream bigint PRIMARY KEY, version bigint CHECK (version >= 1))` | the `head-row` shape's head per stream |
//! | `S.append_head(stream, version, event_type, payload, timestamp_ns, OUT appended boolean, OUT current bigint)` | the `head-row` append: moves the head from `version - 1` (or creates it at 1) and inserts the event, or returns the current head |
//!
//! Actors and payloads are `u64`, stored bit for bit in `bigint` (`as i64`). Migrations run in
//! one transaction under an advisory lock on the schema's name, so two stores opening the same
//! namespace at once apply each migration once. A later version adds an entry to
//! [`MIGRATIONS`] and raises [`SCHEMA_VERSION`]; applied migrations are never edited.

use deadpool_postgres::Object;

use super::{Namespace, PostgresError};

/// The schema version this retrylab creates and reads.
pub const SCHEMA_VERSION: i32 = 1;

/// One step of the schema.
struct Migration {
    version: i32,
    description: &'static str,
    /// The SQL, with `{S}` standing for the quoted schema name.
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "events (unique shape), streams and append_head (head-row shape)",
    sql: r#"
CREATE TABLE {S}.events (
    stream bigint NOT NULL,
    version bigint NOT NULL CHECK (version >= 1),
    event_type bigint NOT NULL,
    payload bigint NOT NULL,
    timestamp_ns bigint NOT NULL,
    PRIMARY KEY (stream, version)
);
CREATE TABLE {S}.streams (
    stream bigint PRIMARY KEY,
    version bigint NOT NULL CHECK (version >= 1)
);
-- One call, one transaction, one round trip. Under READ COMMITTED the UPDATE waits for a
-- concurrent writer of the same head and re-checks its condition on the committed row; the
-- SELECT after a miss takes a fresh snapshot, so it sees the head that made the UPDATE miss.
CREATE FUNCTION {S}.append_head(
    p_stream bigint, p_version bigint, p_type bigint, p_payload bigint, p_ts bigint,
    OUT appended boolean, OUT current bigint)
LANGUAGE plpgsql AS $fn$
BEGIN
    IF p_version = 1 THEN
        INSERT INTO {S}.streams (stream, version) VALUES (p_stream, 1)
            ON CONFLICT (stream) DO NOTHING;
    ELSE
        UPDATE {S}.streams SET version = version + 1
            WHERE stream = p_stream AND version = p_version - 1;
    END IF;
    IF FOUND THEN
        INSERT INTO {S}.events (stream, version, event_type, payload, timestamp_ns)
            VALUES (p_stream, p_version, p_type, p_payload, p_ts);
        appended := true;
        current := p_version;
        RETURN;
    END IF;
    appended := false;
    SELECT s.version INTO current FROM {S}.streams s WHERE s.stream = p_stream;
    current := coalesce(current, 0);
END
$fn$;
"#,
}];

/// Brings `ns` to [`SCHEMA_VERSION`], creating the schema if needed.
pub(super) async fn migrate(
    client: &mut Object,
    ns: &Namespace,
    server: &str,
) -> Result<(), PostgresError> {
    let refused = |e: tokio_postgres::Error| {
        let message = e
            .as_db_error()
            .map(|db| format!("{} (SQLSTATE {})", db.message(), db.code().code()))
            .unwrap_or_else(|| e.to_string());
        PostgresError::Refused {
            server: server.to_owned(),
            message,
            source: Box::new(e),
        }
    };
    let s = ns.quoted();
    let tx = client.transaction().await.map_err(refused)?;
    tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&ns.name()])
        .await
        .map_err(refused)?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {s};
         CREATE TABLE IF NOT EXISTS {s}.schema_version (
             version integer PRIMARY KEY,
             description text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now());"
    ))
    .await
    .map_err(refused)?;
    let row = tx
        .query_one(
            &format!("SELECT coalesce(max(version), 0) FROM {s}.schema_version"),
            &[],
        )
        .await
        .map_err(refused)?;
    let found: i32 = row.get(0);
    if found > SCHEMA_VERSION {
        return Err(PostgresError::SchemaTooNew {
            namespace: ns.name().to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > found) {
        tx.batch_execute(&m.sql.replace("{S}", &s))
            .await
            .map_err(refused)?;
        tx.execute(
            &format!("INSERT INTO {s}.schema_version (version, description) VALUES ($1, $2)"),
            &[&m.version, &m.description],
        )
        .await
        .map_err(refused)?;
    }
    tx.commit().await.map_err(refused)
}
