//! `retrylab sweep` and `retrylab report`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;
use retrylab::engine::sequential::run_each_pool;
use retrylab::engine::{self, EngineKind, RunOptions};
use retrylab::metrics::output::{folder_contents, prepare_run_dir};
use retrylab::report::{self, ReportFiles, ReportInput};
use retrylab::sweep::manifest::default_dir;
use retrylab::sweep::{SweepOptions, SweepSpec, run_sweep};
use retrylab::workload::scenario::Scenario;

use super::{Ended, EngineArg, REPORTS_ROOT};

/// The arguments of `retrylab sweep`.
#[derive(Debug, clap::Args)]
pub(crate) struct SweepArgs {
    /// The base scenario file.
    file: PathBuf,
    /// A parameter and its values: `writers=1,2,4,8`, `base_delay=10us..1ms x2`,
    /// `think=0us..100us step 20us`, or a path like `pools.jittered.policy.backoff.cap=1ms,10ms`.
    /// Give one or two.
    #[arg(long, value_name = "PARAM=VALUES", required = true)]
    vary: Vec<String>,
    /// Runs per point, each with its own derived seed (error bars show their spread); 1 to
    /// 1000, and points × repeats at most 100000.
    #[arg(long, default_value_t = 1)]
    repeat: u32,
    /// The sweep folder (default: reports/sweep-<scenario>-<param>[-<param>]; rerunning the
    /// same command resumes it). A folder holding another sweep, or this one made with another
    /// --engine, --together or --quick, is refused.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write the sweep into an --out folder that holds files but no sweep. Never mixes two
    /// sweeps, or points made differently, in one folder.
    #[arg(long)]
    force: bool,
    /// Scale every point down (duration and warm-up ÷10, at most 0.5 s).
    #[arg(long)]
    quick: bool,
    /// Run all pools together in one run, competing for the same actors (who starves whom).
    /// Without it each pool runs alone, in turn, on a fresh store, so every policy meets the
    /// same load: the question "which policy".
    #[arg(long)]
    together: bool,
    /// Each pool alone: the default, accepted so older commands still run.
    #[arg(long, conflicts_with = "together")]
    alone: bool,
    /// Real threads (points one after another), or the simulator (points in parallel).
    #[arg(long, value_enum, default_value_t = EngineArg::Threads)]
    engine: EngineArg,
}

/// `retrylab sweep FILE --vary P=V [--vary P=V] …`.
pub(crate) fn sweep(args: &SweepArgs, stop: Arc<AtomicBool>) -> anyhow::Result<()> {
    let text = retrylab::workload::scenario::read_scenario_file(&args.file)?;
    let origin = args.file.display().to_string();
    let spec = SweepSpec::parse(&args.vary, args.repeat)?;
    let base = Scenario::from_toml(&text, &origin)?;
    let engine = EngineKind::from(args.engine);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_dir(Path::new(REPORTS_ROOT), &base.name, &spec.axes()));
    eprintln!(
        "sweeping `{}` on the {} engine, {}: {} repeat(s) per point, seed {} (repeats derive \
         theirs from it); results in {}",
        base.name,
        engine.name(),
        if args.together {
            "pools together, competing"
        } else {
            "each pool alone"
        },
        args.repeat,
        base.seed,
        out.display()
    );
    let options = SweepOptions {
        out: out.clone(),
        parallel: engine == EngineKind::Sim,
        progress: true,
        engine: engine.name().to_owned(),
        alone: !args.together,
        quick: args.quick,
        force: args.force,
        stop: Some(stop.clone()),
        fresh: false,
    };
    let run_options = RunOptions {
        progress: false,
        stop: Some(stop),
        keep_store: false,
    };
    let (quick, alone) = (args.quick, !args.together);
    // Attempts made by this command's runs (not resumed ones), for the throughput line.
    let attempts = AtomicU64::new(0);
    let started = Instant::now();
    let outcome = run_sweep(&text, &origin, &spec, &options, &|scenario: &Scenario| {
        let scenario = if quick {
            scenario.clone().quick()
        } else {
            scenario.clone()
        };
        let results = if alone {
            run_each_pool(&scenario, engine, &run_options, |_| {}).map(|out| out.results)
        } else {
            engine::run(&scenario, engine, &run_options)
        }?;
        let made: u64 = results.pools.iter().map(|p| p.counters.attempts).sum();
        attempts.fetch_add(made, Ordering::Relaxed);
        Ok(results)
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{} run(s), {} resumed from an earlier run{}",
        outcome.ran,
        outcome.skipped,
        if outcome.interrupted {
            " (interrupted: rerun the same command to resume)"
        } else {
            ""
        }
    );
    let attempts = attempts.into_inner();
    if outcome.ran > 0 && elapsed > 0.0 {
        println!(
            "{attempts} attempts in {elapsed:.2} s of wall time, saving included: {:.2} M \
             attempts/s on {} thread(s)",
            attempts as f64 / elapsed / 1e6,
            if options.parallel {
                rayon::current_num_threads()
            } else {
                1
            }
        );
    }
    let files = report::write_report(&ReportInput::Sweep(outcome.data), &out.join("report"))
        .context("drawing the sweep report")?;
    print_report(&files);
    if outcome.interrupted {
        return Err(Ended::Interrupted(format!(
            "the sweep was stopped early (Ctrl-C); its {} finished run(s) are saved in {}: rerun \
             the same command to resume",
            outcome.ran + outcome.skipped,
            out.display()
        ))
        .into());
    }
    Ok(())
}

/// The arguments of `retrylab report`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReportArgs {
    /// A results.json, a run folder, a folder of run folders, a sweep folder, or a comparison
    /// folder.
    path: PathBuf,
    /// Where to write the report, a new or empty folder (default: PATH/report for a folder,
    /// or a `report` folder next to a results.json; an earlier report there is redrawn).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write into an --out folder that already holds files (files of the same names are
    /// replaced).
    #[arg(long)]
    force: bool,
}

/// `retrylab report PATH`: redraws from saved results, without rerunning. An `--out` folder
/// must be new or empty unless `--force`; the default `report` folder may hold an earlier
/// report (which is redrawn), but nothing else.
pub(crate) fn redraw(args: &ReportArgs) -> anyhow::Result<()> {
    let input = report::read_input(&args.path)?;
    let dir = match &args.out {
        Some(dir) => dir.clone(),
        None => report::default_output(&args.path),
    };
    let earlier_report = dir.join("index.html").is_file() || dir.join("report.md").is_file();
    let own_folder = args.out.is_none() && (earlier_report || folder_is_empty(&dir));
    prepare_run_dir(&dir, args.force || own_folder)?;
    let files = report::write_report(&input, &dir)?;
    print_report(&files);
    Ok(())
}

/// True when `dir` is missing or empty.
fn folder_is_empty(dir: &Path) -> bool {
    !dir.exists() || matches!(folder_contents(dir), Ok(None))
}

pub(crate) fn print_report(files: &ReportFiles) {
    println!("report: {}", files.html.display());
    println!("        {}", files.markdown.display());
}
