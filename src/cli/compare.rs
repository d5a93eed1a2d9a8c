//! `retrylab compare`: each pattern alone at rising contention (a built-in sweep over
//! `writers`), real threads confirming the simulator at a few points, and the seed's "when to
//! use each pattern" table measured; all in one folder that `retrylab report` redraws.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use retrylab::engine::EngineKind;
use retrylab::metrics::sweep::compare::CompareData;
use retrylab::metrics::sweep::confirmation::confirm_rows;
use retrylab::metrics::sweep::patterns::{Level, Levels, levels, seed_table};
use retrylab::report::{ReportInput, compare_tables, style};
use retrylab::sweep::SweepError;
use retrylab::sweep::compare::{CompareOptions, ComparePlan, run_compare, with_seed};
use retrylab::workload::scenario::{Scenario, read_scenario_file};

use super::run::{out_dir, store_override};
use super::sweep::print_report;
use super::table::{render, report_table};
use super::{Ended, RunOpts};

/// The built-in comparison: the seed's five patterns and the baselines on one contended load.
const COMPARE_SCENARIO: &str = include_str!("../../scenarios/compare.toml");

/// `retrylab compare [--scenario FILE] [--engine threads]`.
pub(crate) fn compare(
    file: Option<&Path>,
    opts: &RunOpts,
    engine: Option<EngineKind>,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let store = store_override(opts)?;
    let (text, origin) = match file {
        Some(path) => (read_scenario_file(path)?, path.display().to_string()),
        None => (
            COMPARE_SCENARIO.to_owned(),
            "<built-in compare scenario>".to_owned(),
        ),
    };
    let text = with_seed(&text, &origin, opts.seed)?;
    let mut scenario = Scenario::from_toml(&text, &origin)?;
    if let Some(store) = &store {
        store.apply(&mut scenario.store);
    }
    // The in-memory stores are swept on the simulator, a PostgreSQL server by the async engine.
    let engine = engine.unwrap_or(if scenario.store.kind.memory().is_some() {
        EngineKind::Sim
    } else {
        EngineKind::Async
    });
    let plan = ComparePlan::new(engine, opts.quick);
    // Every engine that will run it checks its limits now, with the file's line and field
    // (a store given on the command line is checked as it will run).
    match store {
        None => scenario = Scenario::from_toml_for(&text, &origin, engine)?,
        Some(_) => scenario.check_for_engine(engine)?,
    }
    if !plan.confirm_writers.is_empty() {
        Scenario::from_toml_for(&text, &origin, EngineKind::Threads)?;
    }
    let dir = out_dir(&scenario, opts)?;
    let list = |w: &[u32]| w.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    eprintln!(
        "comparing the {} pools of `{}`, each alone on a fresh store, at {} writers per pool on \
         the {} engine{}{}; seed {} (rerun with --seed {})",
        scenario.pools.len(),
        scenario.name,
        list(&plan.writers),
        engine.name(),
        if plan.confirm_writers.is_empty() {
            String::new()
        } else {
            format!(
                ", then on real threads at {} writers",
                list(&plan.confirm_writers)
            )
        },
        if plan.quick { " (--quick)" } else { "" },
        scenario.seed,
        scenario.seed
    );
    eprintln!("results will go to {}", dir.path.display());
    let outcome = run_compare(
        &text,
        &origin,
        &plan,
        &CompareOptions {
            out: dir.path.clone(),
            progress: true,
            stop: Some(stop),
            store: store_override(opts)?,
            keep_store: opts.keep,
        },
    )
    .inspect_err(|e| {
        // Made by this command a moment ago, so all it holds is this comparison's start;
        // unless another comparison started on it at the same moment and holds its lock.
        if dir.created && !matches!(e, SweepError::Locked { .. }) {
            let _ = std::fs::remove_dir_all(&dir.path);
        }
    })
    .with_context(|| format!("comparing into {}", dir.path.display()))?;
    print_tables(&outcome.data);
    let files = retrylab::report::write_report(
        &ReportInput::Compare(Box::new(outcome.data.clone())),
        &dir.path.join("report"),
    )
    .context("drawing the comparison's report")?;
    println!("results: {}", dir.path.display());
    print_report(&files);
    let runs = std::iter::once(&outcome.data.contention)
        .chain(&outcome.data.confirmation)
        .flat_map(|s| s.points.iter().flat_map(|p| &p.reps));
    let problems: Vec<&String> = runs.flat_map(|r| &r.integrity.problems).collect();
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("audit: {p}");
        }
        return Err(Ended::AuditFailed {
            problems: problems.len(),
            dir: dir.path.clone(),
        }
        .into());
    }
    if outcome.interrupted {
        return Err(Ended::Interrupted(format!(
            "the comparison was stopped early (Ctrl-C); its finished points are in {} and its \
             report draws what finished: rerun without stopping it for every point",
            dir.path.display()
        ))
        .into());
    }
    Ok(())
}

/// The comparison on the terminal: goodput against writers, p99 and attempts per commit at the
/// ends, the simulator against threads, and the seed's table with its verdicts.
fn print_tables(data: &CompareData) {
    let levels = levels(&data.contention);
    println!(
        "\ngoodput (commits/s) against writers per pool, each pool alone, {} engine:",
        data.manifest.engine
    );
    println!(
        "{}",
        report_table(&compare_tables::goodput_by_writers(&levels), 1)
    );
    let Some(picked) = Levels::pick(&levels) else {
        println!("no point finished");
        return;
    };
    println!(
        "\np99 and attempts per commit at low ({}) and high ({}) contention:",
        picked.low.writers, picked.high.writers
    );
    println!("{}", ends_table(picked.low, picked.high));
    if let Some(threads) = &data.confirmation {
        println!("\nthe simulator against real threads (threads ÷ sim):");
        let rows: Vec<Vec<String>> = confirm_rows(&data.contention, threads)
            .iter()
            .map(|r| {
                let ratio = |x: Option<f64>| {
                    x.map_or_else(|| "—".to_owned(), |v| format!("{}×", style::fmt_sig(v)))
                };
                let apc = r.attempts_per_commit;
                vec![
                    r.writers.to_string(),
                    r.pool.clone(),
                    style::fmt_si(r.goodput.sim),
                    style::fmt_si(r.goodput.threads),
                    ratio(r.goodput.ratio()),
                    style::fmt_pct(r.conflict_rate.sim),
                    style::fmt_pct(r.conflict_rate.threads),
                    ratio(r.conflict_rate.ratio()),
                    apc.map_or_else(|| "—".to_owned(), |a| style::fmt_sig(a.sim)),
                    apc.map_or_else(|| "—".to_owned(), |a| style::fmt_sig(a.threads)),
                    ratio(apc.and_then(|a| a.ratio())),
                ]
            })
            .collect();
        let header = [
            "writers",
            "pool",
            "goodput sim",
            "threads",
            "ratio",
            "conflicts sim",
            "threads",
            "ratio",
            "attempts/commit sim",
            "threads",
            "ratio",
        ]
        .map(str::to_owned);
        println!("{}", render(&header, &rows, 2));
    }
    println!(
        "\nwhen to use each pattern, measured (rules and figures in the report; low = {} \
         writers, high = {}):",
        picked.low.writers, picked.high.writers
    );
    println!(
        "{}",
        report_table(&compare_tables::seed_table_compact(&seed_table(picked)), 5)
    );
}

/// Per pool: p99 and attempts per commit at the low and the high level.
fn ends_table(low: &Level, high: &Level) -> String {
    let header = [
        "pool".to_owned(),
        format!("p99 @{}", low.writers),
        format!("p99 @{}", high.writers),
        format!("attempts/commit @{}", low.writers),
        format!("attempts/commit @{}", high.writers),
    ];
    let rows: Vec<Vec<String>> = low
        .pools
        .iter()
        .map(|l| {
            let h = high.pools.iter().find(|h| h.pool == l.pool);
            let p99 = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), style::fmt_ns);
            let apc = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), style::fmt_sig);
            vec![
                l.pool.clone(),
                p99(l.p99_ns),
                p99(h.and_then(|h| h.p99_ns)),
                apc(l.attempts_per_commit),
                apc(h.and_then(|h| h.attempts_per_commit)),
            ]
        })
        .collect();
    render(&header, &rows, 1)
}
