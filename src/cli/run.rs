//! `retrylab run` and `retrylab compare`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use retrylab::engine::sequential::run_each_pool;
use retrylab::engine::{self, EngineKind, RunOptions, RunOutput};
use retrylab::metrics::output::{default_run_dir, write_run};
use retrylab::metrics::results::Results;
use retrylab::workload::scenario::Scenario;

use super::sweep::print_report;
use super::table::{format_ns, pool_table};
use super::{REPORTS_ROOT, RunOpts};

/// The built-in comparison: the seed's five patterns and the baselines on one contended load.
const COMPARE_SCENARIO: &str = include_str!("../../scenarios/compare.toml");

/// Applies `--seed` and `--quick`.
fn prepare(mut scenario: Scenario, opts: &RunOpts) -> Scenario {
    if let Some(seed) = opts.seed {
        scenario.seed = seed;
    }
    if opts.quick {
        scenario = scenario.quick();
    }
    scenario
}

fn options(stop: Arc<AtomicBool>) -> RunOptions {
    RunOptions {
        progress: true,
        stop: Some(stop),
    }
}

/// `retrylab run FILE`.
pub(crate) fn run(file: &Path, opts: &RunOpts, stop: Arc<AtomicBool>) -> anyhow::Result<()> {
    let scenario = prepare(Scenario::from_file(file)?, opts);
    let engine = EngineKind::from(opts.engine);
    announce(&scenario, engine);
    let out = engine::run_full(&scenario, engine, &options(stop))?;
    finish(&out, opts.out.as_deref())
}

/// `retrylab compare [--scenario FILE]`.
pub(crate) fn compare(
    file: Option<&Path>,
    opts: &RunOpts,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let scenario = match file {
        Some(path) => Scenario::from_file(path)?,
        None => Scenario::from_toml(COMPARE_SCENARIO, "<built-in compare scenario>")?,
    };
    let scenario = prepare(scenario, opts);
    let engine = EngineKind::from(opts.engine);
    announce(&scenario, engine);
    eprintln!(
        "each of the {} pools runs alone, in turn, on a fresh store",
        scenario.pools.len()
    );
    let out = run_each_pool(&scenario, engine, &options(stop), |p| {
        eprintln!(
            "  {:<28} {:>12.0} commits/s   p99 {}",
            p.name,
            p.goodput_ops_s,
            format_ns(p.op_latency.p99)
        );
    })?;
    finish(&out, opts.out.as_deref())
}

fn announce(scenario: &Scenario, engine: EngineKind) {
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
}

/// Prints the table, writes the run folder, and fails (exit 1) if the store audit failed.
fn finish(out: &RunOutput, dir: Option<&Path>) -> anyhow::Result<()> {
    let r = &out.results;
    println!("{}", pool_table(r));
    print_footer(r);
    let dir: PathBuf = dir.map_or_else(
        || default_run_dir(Path::new(REPORTS_ROOT), r),
        Path::to_owned,
    );
    let folder = write_run(&dir, r, &out.op_latency)
        .with_context(|| format!("writing the results folder {}", dir.display()))?;
    println!("results: {}", folder.results.display());
    let report = retrylab::report::write_report(
        &retrylab::report::ReportInput::Runs(vec![r.clone()]),
        &folder.dir.join("report"),
    )
    .context("drawing the run's report")?;
    print_report(&report);
    if !r.integrity.ok {
        for p in &r.integrity.problems {
            eprintln!("audit: {p}");
        }
        anyhow::bail!(
            "the store audit failed ({} problems): the store lost or invented writes; the results \
             are kept in {} for inspection",
            r.integrity.problems.len(),
            folder.dir.display()
        );
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
