//! Why opening, reading or closing a PostgreSQL store failed, each with its fix.

use crate::exit::{Classify, ExitKind};

/// A boxed cause, kept for [`std::error::Error::source`].
type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a [`crate::store::postgres::PostgresStore`] call other than `save` failed. No variant
/// holds the password: servers are named by host, port and user.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PostgresError {
    /// No server given. Fix: set `url` under `[store]` or pass `--store-url`.
    #[error(
        "the postgres store needs a server: set `url = \"postgres://user:password@host:port/db\"` \
         under [store] or pass --store-url (`bash ci/postgres.sh start` starts a private server \
         and prints its URL)"
    )]
    MissingUrl,
    /// The URL does not parse. Fix the URL (its text is not repeated: it may hold a password).
    #[error("the store url does not parse ({reason}): use postgres://user:password@host:port/db")]
    BadUrl {
        /// What the parser said.
        reason: String,
    },
    /// No server answered at the address, or not in time. Fix: start the server, or correct
    /// host and port.
    #[error(
        "no PostgreSQL server reachable at {server}: is it running and listening there? Start \
         one with `bash ci/postgres.sh start`, or correct host and port in the url"
    )]
    Unreachable {
        /// `host:port` tried.
        server: String,
        /// The client's error.
        #[source]
        source: Cause,
    },
    /// The server refused the login. Fix the user or password in the URL.
    #[error(
        "the server at {server} refused user `{user}`: check the user and password in the url \
         (for ci/postgres.sh's server, `bash ci/postgres.sh url` prints the right one)"
    )]
    Authentication {
        /// `host:port`.
        server: String,
        /// The user in the URL.
        user: String,
        /// The server's error.
        #[source]
        source: Cause,
    },
    /// The server refused something else before the run began (no such database, no right to
    /// create a schema). Fix what the server's message names.
    #[error("the server at {server} refused to set up the store: {message}")]
    Refused {
        /// `host:port`.
        server: String,
        /// The server's message and SQLSTATE.
        message: String,
        /// The server's error.
        #[source]
        source: Cause,
    },
    /// The namespace holds a newer schema than this retrylab knows. Fix: use a newer retrylab,
    /// or a fresh namespace.
    #[error(
        "schema `{namespace}` is at version {found}, newer than the {supported} this retrylab \
         knows: use a newer retrylab or a fresh namespace"
    )]
    SchemaTooNew {
        /// The schema.
        namespace: String,
        /// Its recorded version.
        found: i32,
        /// [`crate::store::postgres::SCHEMA_VERSION`].
        supported: i32,
    },
    /// A call failed after the store was open (connection lost, server stopped, a timeout).
    #[error("postgres {what} failed: {source}")]
    Call {
        /// Which call.
        what: &'static str,
        /// The client's error.
        #[source]
        source: Cause,
    },
    /// A call did not finish in time.
    #[error("postgres {what} took longer than {seconds} s")]
    Timeout {
        /// Which call.
        what: &'static str,
        /// The limit.
        seconds: u64,
    },
}

impl Classify for PostgresError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            // Everything the user fixes in the url, the server or the scenario.
            PostgresError::MissingUrl
            | PostgresError::BadUrl { .. }
            | PostgresError::Unreachable { .. }
            | PostgresError::Authentication { .. }
            | PostgresError::Refused { .. }
            | PostgresError::SchemaTooNew { .. } => ExitKind::BadInput,
            // The run was under way.
            PostgresError::Call { .. } | PostgresError::Timeout { .. } => ExitKind::Failure,
        }
    }
}
