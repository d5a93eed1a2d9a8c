//! `retrylab sweep` and `retrylab report`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use retrylab::engine::sequential::run_each_pool;
use retrylab::engine::{self, EngineKind, RunOptions};
use retrylab::report::{self, ReportFiles, ReportInput};
use retrylab::sweep::manifest::default_dir;
use retrylab::sweep::{SweepOptions, SweepSpec, run_sweep};
use retrylab::workload::scenario::Scenario;

use super::{EngineArg, REPORTS_ROOT};

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
    /// Runs per point, each with its own derived seed (error bars show their spread).
    #[arg(long, default_value_t = 1)]
    repeat: u32,
    /// The sweep folder (default: reports/<scenario>-sweep-<params>; rerunning the same
    /// command resumes it).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Scale every point down (duration and warm-up ÷10, at most 0.5 s).
    #[arg(long)]
    quick: bool,
    /// Run each pool alone, in turn, on a fresh store (as `compare` does), so every policy
    /// meets the same load instead of competing with the other pools for the same actors.
    #[arg(long)]
    alone: bool,
    /// Real threads (points one after another), or the simulator (points in parallel).
    #[arg(long, value_enum, default_value_t = EngineArg::Threads)]
    engine: EngineArg,
}

/// `retrylab sweep FILE --vary P=V [--vary P=V] …`.
pub(crate) fn sweep(args: &SweepArgs, stop: Arc<AtomicBool>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file).map_err(|source| {
        retrylab::workload::scenario::ScenarioError::Io {
            path: args.file.display().to_string(),
            source,
        }
    })?;
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
        if args.alone {
            "each pool alone"
        } else {
            "pools together"
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
        stop: Some(stop.clone()),
    };
    let run_options = RunOptions {
        progress: false,
        stop: Some(stop),
    };
    let (quick, alone) = (args.quick, args.alone);
    let outcome = run_sweep(&text, &origin, &spec, &options, &|scenario: &Scenario| {
        let scenario = if quick {
            scenario.clone().quick()
        } else {
            scenario.clone()
        };
        if alone {
            run_each_pool(&scenario, engine, &run_options, |_| {}).map(|out| out.results)
        } else {
            engine::run(&scenario, engine, &run_options)
        }
    })?;
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
    let files = report::write_report(&ReportInput::Sweep(outcome.data), &out.join("report"))
        .context("drawing the sweep report")?;
    print_report(&files);
    Ok(())
}

/// The arguments of `retrylab report`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReportArgs {
    /// A results.json, a run folder, a folder of run folders, or a sweep folder.
    path: PathBuf,
    /// Where to write the report (default: a `report` folder beside the results).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// `retrylab report PATH`: redraws from saved results, without rerunning.
pub(crate) fn redraw(args: &ReportArgs) -> anyhow::Result<()> {
    let files = report::redraw(&args.path, args.out.as_deref())?;
    print_report(&files);
    Ok(())
}

pub(crate) fn print_report(files: &ReportFiles) {
    println!("report: {}", files.html.display());
    println!("        {}", files.markdown.display());
}
