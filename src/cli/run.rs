//! `retrylab run`, and the results folder it shares with `retrylab compare`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use retrylab::engine::{self, EngineKind, RunOptions, RunOutput};
use retrylab::metrics::output::{create_default_run_dir, prepare_run_dir, write_run};
use retrylab::metrics::results::Results;
use retrylab::store::StoreChoice;
use retrylab::store::postgres::StoreUrl;
use retrylab::workload::scenario::{Scenario, StoreOverride};

use super::sweep::print_report;
use super::table::{format_ns, pool_table};
use super::{BadInput, Ended, REPORTS_ROOT, RunOpts};

/// Applies `--seed`, `--quick` and the store options.
fn prepare(mut scenario: Scenario, opts: &RunOpts) -> anyhow::Result<Scenario> {
    if let Some(seed) = opts.seed {
        scenario.seed = seed;
    }
    if opts.quick {
        scenario = scenario.quick();
    }
    with_store_options(&mut scenario, opts)?;
    Ok(scenario)
}

/// The store the options ask for instead of the scenario's, if any: `--store`, or postgres
/// for `--store-url`.
pub(super) fn store_override(opts: &RunOpts) -> anyhow::Result<Option<StoreOverride>> {
    let kind = match (opts.store, &opts.store_url) {
        (Some(StoreChoice::Memory(kind)), Some(_)) => {
            return Err(BadInput(format!(
                "--store {} is in memory, but --store-url names a PostgreSQL server: drop one \
                 of them",
                kind.name()
            ))
            .into());
        }
        (_, Some(_)) => StoreChoice::Postgres,
        (Some(kind), None) => kind,
        (None, None) => return Ok(None),
    };
    Ok(Some(StoreOverride {
        kind,
        url: opts.store_url.as_ref().map(|u| StoreUrl::new(u.clone())),
        occ: opts.occ.map(Into::into),
    }))
}

/// `--store`, `--store-url` and `--occ`: the scenario's store replaced.
fn with_store_options(scenario: &mut Scenario, opts: &RunOpts) -> anyhow::Result<()> {
    if let Some(store) = store_override(opts)? {
        store.apply(&mut scenario.store);
    }
    Ok(())
}

/// The engine a run uses: the one asked for, else the default of the store it will run on.
pub(super) fn engine_for(
    file: &Path,
    opts: &RunOpts,
    asked: Option<EngineKind>,
) -> anyhow::Result<EngineKind> {
    if let Some(engine) = asked {
        return Ok(engine);
    }
    let mut scenario = Scenario::from_file(file)?;
    with_store_options(&mut scenario, opts)?;
    Ok(EngineKind::default_for(&scenario))
}

pub(super) fn options(stop: Arc<AtomicBool>, opts: &RunOpts) -> RunOptions {
    RunOptions {
        progress: true,
        stop: Some(stop),
        keep_store: opts.keep,
    }
}

/// The results folder of a run, made before the run starts.
pub(super) struct OutDir {
    pub(super) path: PathBuf,
    /// True when this command created it (so an empty one is removed if the run fails).
    pub(super) created: bool,
}

/// Creates (or checks) the results folder before anything runs, so a folder that is taken, or
/// that cannot be written, fails now rather than after the run.
pub(super) fn out_dir(scenario: &Scenario, opts: &RunOpts) -> anyhow::Result<OutDir> {
    match &opts.out {
        Some(path) => {
            let existed = path.exists();
            prepare_run_dir(path, opts.force)?;
            Ok(OutDir {
                path: path.clone(),
                created: !existed,
            })
        }
        None => Ok(OutDir {
            path: create_default_run_dir(Path::new(REPORTS_ROOT), &scenario.name, scenario.seed)?,
            created: true,
        }),
    }
}

/// Runs `body` with the results folder made; if the run fails before writing anything, a
/// folder this command created is removed again (only if still empty).
fn with_out_dir(
    dir: &OutDir,
    body: impl FnOnce() -> anyhow::Result<RunOutput>,
) -> anyhow::Result<RunOutput> {
    body().inspect_err(|_| {
        if dir.created {
            let _ = std::fs::remove_dir(&dir.path);
        }
    })
}

/// `retrylab run FILE`.
pub(crate) fn run(
    file: &Path,
    opts: &RunOpts,
    engine: Option<EngineKind>,
    draw_report: bool,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let engine = engine_for(file, opts, engine)?;
    // The engine's limits are checked with the file's line and field, as `validate --engine`
    // (a store given on the command line is checked below, as the run starts).
    let scenario = if store_override(opts)?.is_some() {
        Scenario::from_file(file)?
    } else {
        Scenario::from_file_for(file, engine)?
    };
    let scenario = prepare(scenario, opts)?;
    scenario.check_for_engine(engine)?;
    let dir = out_dir(&scenario, opts)?;
    announce(&scenario, engine, &dir.path);
    let out = with_out_dir(&dir, || {
        Ok(engine::run_full(&scenario, engine, &options(stop, opts))?)
    })?;
    finish(&out, &dir.path, draw_report)
}

fn announce(scenario: &Scenario, engine: EngineKind, dir: &Path) {
    let length = match scenario.run.duration {
        Some(d) => format!("{d} after {} warm-up", scenario.run.warmup),
        None => "a fixed number of operations".to_owned(),
    };
    eprintln!(
        "running `{}` on the {} engine: {} writers in {} pool(s), {} actors, {length}; seed {} \
         (rerun with --seed {})",
        scenario.name,
        engine.name(),
        scenario.total_writers(),
        scenario.pools.len(),
        scenario.run.actors,
        scenario.seed,
        scenario.seed
    );
    eprintln!("results will go to {}", dir.display());
}

/// Prints the table and writes the run folder `dir` (made before the run) and, if asked, its
/// report; then fails if the store audit failed (exit 1) or the run was interrupted (exit 130), so a
/// partial run never reports success.
fn finish(out: &RunOutput, dir: &Path, draw_report: bool) -> anyhow::Result<()> {
    let r = &out.results;
    println!("{}", pool_table(r));
    print_footer(r);
    let folder = write_run(dir, r, &out.op_latency)
        .with_context(|| format!("writing the results folder {}", dir.display()))?;
    println!("results: {}", folder.results.display());
    if draw_report {
        let report = retrylab::report::write_report(
            &retrylab::report::ReportInput::Runs(vec![r.clone()]),
            &folder.dir.join("report"),
        )
        .context("drawing the run's report")?;
        print_report(&report);
    }
    if !r.integrity.ok {
        for p in &r.integrity.problems {
            eprintln!("audit: {p}");
        }
        return Err(Ended::AuditFailed {
            problems: r.integrity.problems.len(),
            dir: folder.dir.clone(),
        }
        .into());
    }
    if r.partial {
        return Err(Ended::Interrupted(format!(
            "the run was stopped early (Ctrl-C); its partial results are in {}: rerun without \
             stopping it for complete figures",
            folder.dir.display()
        ))
        .into());
    }
    Ok(())
}

fn print_footer(r: &Results) {
    println!(
        "seed {} | engine {} | store {} | measured {} | audit {} ({} events){}",
        r.seed,
        r.engine,
        r.store,
        format_ns(r.measured_ns),
        if r.integrity.ok { "ok" } else { "FAILED" },
        r.integrity.stored_events,
        if r.partial {
            " | PARTIAL: interrupted"
        } else {
            ""
        }
    );
    if let Some(server) = &r.server {
        println!(
            "server PostgreSQL {} | occ {} ({} second reads) | {} connections | schema {} {}",
            server.server_version,
            server.occ_shape,
            server.second_reads,
            server.pool_size,
            server.namespace,
            if server.kept { "kept" } else { "dropped" }
        );
    }
    if let Some(o) = r.wait_overshoot {
        println!(
            "wait overshoot (how late waits returned): p50 {} p99 {} max {}",
            format_ns(o.p50),
            format_ns(o.p99),
            format_ns(o.max)
        );
    }
    let panicked: u32 = r.pools.iter().map(|p| p.panicked_writers).sum();
    if panicked > 0 {
        println!("{panicked} writer(s) panicked and stopped early (see panicked_writers)");
    }
}
