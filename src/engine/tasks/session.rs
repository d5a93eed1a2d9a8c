//! A run of the async engine from start to end: a tokio runtime, the scenario's store opened
//! in it (an in-memory store as it is; PostgreSQL connected, namespaced, migrated and
//! prefilled), the writers driven, and a store across a network read back and audited before
//! its namespace is dropped (or kept, with `--keep`).

use std::sync::Arc;

use super::super::assemble::DriverReport;
use super::super::plan::RunPlan;
use super::super::{EngineError, RunOptions};
use crate::store::InMemoryAsync;

/// Runs `plan` on the async engine.
///
/// # Errors
///
/// [`EngineError::Spawn`] when the runtime cannot start its threads,
/// [`EngineError::StoreRefused`] when the store cannot be opened (nothing was written),
/// [`EngineError::StoreFailed`] when it failed during the run or its audit.
pub(crate) fn run(plan: &RunPlan<'_>, opts: &RunOptions) -> Result<DriverReport, EngineError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads())
        .thread_name("retrylab-async")
        .enable_all()
        .build()
        .map_err(|source| EngineError::Spawn { source })?;
    match &plan.store {
        Some(memory) => {
            let store = Arc::new(InMemoryAsync(Arc::clone(memory)));
            runtime.block_on(super::drive(plan, store, opts))
        }
        None => network(&runtime, plan, opts),
    }
}

/// One worker thread per core: writer tasks mostly wait, and the store's own work (a local
/// database server) needs the cores too.
fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

#[cfg(feature = "postgres")]
fn network(
    runtime: &tokio::runtime::Runtime,
    plan: &RunPlan<'_>,
    opts: &RunOptions,
) -> Result<DriverReport, EngineError> {
    runtime.block_on(postgres::run(plan, opts))
}

#[cfg(not(feature = "postgres"))]
fn network(
    _runtime: &tokio::runtime::Runtime,
    plan: &RunPlan<'_>,
    _opts: &RunOptions,
) -> Result<DriverReport, EngineError> {
    Err(EngineError::Unsupported(format!(
        "this retrylab was built without the {} store: build it with `cargo build --release \
         --features postgres`",
        plan.scenario.store.kind.name()
    )))
}

#[cfg(feature = "postgres")]
mod postgres {
    use std::sync::Arc;

    use super::super::super::assemble::{DriverReport, StoreAudit, told};
    use super::super::super::audit::{PREFILL_TAG, audit_events};
    use super::super::super::plan::RunPlan;
    use super::super::super::{EngineError, RunOptions};
    use crate::exit::{Classify, ExitKind};
    use crate::metrics::results::StoreServer;
    use crate::store::AsyncEventStore;
    use crate::store::postgres::{Keep, PostgresError, PostgresStore};

    /// Opens, prefills, drives, reads back, audits and closes.
    pub(super) async fn run(
        plan: &RunPlan<'_>,
        opts: &RunOptions,
    ) -> Result<DriverReport, EngineError> {
        let spec = plan
            .scenario
            .store
            .postgres()
            .ok_or_else(|| EngineError::Unsupported("not a postgres store".into()))?;
        let store = PostgresStore::open(&spec, &plan.scenario.name)
            .await
            .map_err(refused)?;
        tracing::info!(namespace = store.namespace().name(), occ = %store.occ(), "postgres store open");
        let store = Arc::new(store);
        let outcome = drive_and_audit(plan, opts, &store).await;
        let keep = if opts.keep_store {
            Keep::Keep
        } else {
            Keep::Drop
        };
        let namespace = store.namespace().name().to_owned();
        match Arc::try_unwrap(store) {
            Ok(store) => {
                if let Err(e) = store.close(keep).await {
                    tracing::warn!("schema {namespace} was left on the server: {e}");
                }
            }
            Err(_) => tracing::warn!("schema {namespace} was left on the server: still in use"),
        }
        if keep == Keep::Keep {
            tracing::info!("the run's events are kept in schema {namespace}");
        }
        outcome
    }

    async fn drive_and_audit(
        plan: &RunPlan<'_>,
        opts: &RunOptions,
        store: &Arc<PostgresStore>,
    ) -> Result<DriverReport, EngineError> {
        let actors = plan.scenario.run.actors;
        let per_actor = plan.scenario.store.prefill_events;
        store
            .prefill(actors, per_actor, PREFILL_TAG)
            .await
            .map_err(failed)?;
        let server_version = store.server_version().await.map_err(failed)?;
        store.warm_up().await.map_err(failed)?;
        let mut report = super::super::drive(plan, Arc::clone(store), opts).await?;
        let events = read_back(store).await?;
        let integrity = audit_events(&events, &told(&report.writers), plan.prefilled);
        let occ = store.occ();
        report.store = Some(StoreAudit {
            name: store.name().to_owned(),
            integrity,
            server: Some(StoreServer {
                server_version,
                occ_shape: occ.name().to_owned(),
                occ_note: if occ.conflict_needs_second_read() {
                    "a conflict (SQLSTATE 23505, or no row inserted) does not say the current \
                     version: a second read learns it"
                } else {
                    "a conflict comes back with the current version, in the same round trip"
                }
                .to_owned(),
                second_reads: store.second_reads(),
                pool_size: u32::try_from(store.pool_size()).unwrap_or(u32::MAX),
                namespace: store.namespace().name().to_owned(),
                kept: opts.keep_store,
            }),
        });
        Ok(report)
    }

    /// Every stream, read back for the audit; a read that fails on the way (a connection lost
    /// under it) is tried again a few times, as nothing depends on it having been made once.
    async fn read_back(store: &PostgresStore) -> Result<Vec<crate::store::Event>, EngineError> {
        const TRIES: u32 = 5;
        let mut tried = 1;
        loop {
            match store.read_all().await {
                Ok(events) => return Ok(events),
                Err(e) if tried < TRIES => {
                    tracing::warn!("reading the streams back failed, trying again: {e}");
                    tried += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => return Err(failed(e)),
            }
        }
    }

    /// Opening failed: bad input (no url, unreachable, login) unless the server failed.
    fn refused(e: PostgresError) -> EngineError {
        match e.exit_kind() {
            ExitKind::BadInput => EngineError::StoreRefused(e.to_string()),
            _ => failed(e),
        }
    }

    fn failed(e: PostgresError) -> EngineError {
        EngineError::StoreFailed(e.to_string())
    }
}
