//! Arguments (clap derive) and the dispatch to one file per command.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::{Args, Parser, Subcommand, ValueEnum};
use retrylab::engine::{EngineError, EngineKind};
use retrylab::report::ReportError;
use retrylab::sweep::SweepError;
use retrylab::workload::scenario::ScenarioError;

mod list;
mod run;
mod sweep;
mod table;
mod validate;

/// Where results and reports go when `--out` is not given.
pub(crate) const REPORTS_ROOT: &str = "reports";

const LONG_ABOUT: &str = "\
Measure how retry policies for optimistic-concurrency conflicts behave.

Pools of writers hammer an in-memory event store; when an append meets a version conflict, each \
pool's retry policy decides what to do. retrylab reports goodput, conflict rate, retries per \
commit, give-ups and tail latency per policy, and writes a results folder a report can be drawn from.

Examples:
  retrylab compare --quick                 # every built-in policy on the same load, a few seconds
  retrylab compare --seed 7                # the full comparison (under a minute), reproducible
  retrylab run scenarios/hot-actor.toml    # one scenario; prints a table and where results went
  retrylab run scenarios/open-loop.toml --quick --out /tmp/ol
  retrylab sweep scenarios/hot-actor.toml --vary writers=1,2,4,8 --engine sim
  retrylab report reports/compare-seed42-…  # redraw charts from saved results
  retrylab validate scenarios/*.toml       # check files without running them
  retrylab list                            # policies, key and time distributions, stores

Every run prints its seed; pass it back with --seed to reproduce the run.";

/// The command line.
#[derive(Debug, Parser)]
#[command(name = "retrylab", version, about = "Measure how retry policies for optimistic-concurrency conflicts behave", long_about = LONG_ABOUT)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compare retry policies side by side on the same load (each policy runs alone, in turn).
    #[command(long_about = "\
Compare retry policies side by side on the same load.

Runs each pool of the built-in comparison scenario (or of --scenario FILE) alone, one after \
another, on a fresh store of the same kind with the same key distribution, and prints one row \
per policy: goodput, conflict rate, retries per commit, give-ups, rejections, latency \
percentiles and fairness.

Examples:
  retrylab compare --quick
  retrylab compare --seed 42 --out reports/compare-42
  retrylab compare --scenario scenarios/hot-actor.toml")]
    Compare(CompareArgs),
    /// Run a scenario file and write its results folder.
    #[command(long_about = "\
Run a scenario file, print a table per pool, and write a results folder (results.json, \
pools.csv, timeseries.csv, one HdrHistogram log per pool).

Examples:
  retrylab run scenarios/zipf-skew.toml
  retrylab run scenarios/remote-store.toml --seed 9 --out /tmp/remote
  retrylab run my.toml --quick             # scaled down to under a second, to check a file")]
    Run(RunArgs),
    /// Run a scenario at every value of one or two parameters; chart the figures against them.
    #[command(long_about = "\
Run a scenario at every value of one or two parameters (any scenario or policy field), each \
point repeated --repeat times with derived seeds, and draw a report: goodput, conflict rate \
and p99 against the parameter, one line per pool, with min-max bars over repeats; a heatmap per \
pool for two parameters; and a table of which policy wins in each regime, and by how much.

Every finished point is saved at once, so an interrupted sweep keeps its work and the same \
command resumes it. Simulator points run in parallel; threaded points one after another.

Parameters: short names (writers, actors, skew, think, base_delay, cap, max_attempts, \
breaker_threshold, …) or paths into the scenario (`pools.*.policy.backoff.cap`, `run.actors`).
Values: lists (`1,2,4,8`), ranges (`1..32 step 4`, `10us..1ms x2`), durations (`50us,100us`).

Examples:
  retrylab sweep scenarios/hot-actor.toml --vary writers=1,2,4,8,16 --engine sim --repeat 3
  retrylab sweep scenarios/hot-actor.toml --vary base_delay=1us..64us x4 --vary cap=100us,1ms,10ms --engine sim")]
    Sweep(sweep::SweepArgs),
    /// Redraw the report of saved results (a run or a sweep) without rerunning.
    #[command(long_about = "\
Redraw the charts, HTML page and Markdown report from saved results: a results.json, a run \
folder, a folder of run folders (one section each), or a sweep folder. Nothing is rerun.

Examples:
  retrylab report reports/compare-seed42-20261130-180637
  retrylab report reports/hot-actor-sweep-writers --out /tmp/report")]
    Report(sweep::ReportArgs),
    /// Check scenario files without running them.
    #[command(long_about = "\
Parse and validate scenario files. Prints `ok` per good file, or the error with its line, \
column and field; exits 2 if any file is bad.

Example:
  retrylab validate scenarios/*.toml")]
    Validate {
        /// The scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List what a scenario can name: policies, key and time distributions, arrivals, stores.
    #[command(long_about = "\
List what a scenario file can name, with parameters and defaults: policy presets, key \
distributions, time distributions, arrival processes and store kinds.

Example:
  retrylab list")]
    List,
}

/// Options shared by the commands that run something.
#[derive(Debug, Args)]
struct RunOpts {
    /// The master seed (overrides the scenario's); every writer's random stream derives from it.
    #[arg(long)]
    seed: Option<u64>,
    /// The results folder (default: reports/<scenario>-seed<seed>-<date-time>).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Scale the run down (duration and warm-up ÷10, at most 0.5 s; operation counts ÷10).
    #[arg(long)]
    quick: bool,
    /// Real threads, or the simulator in virtual time.
    #[arg(long, value_enum, default_value_t = EngineArg::Threads)]
    engine: EngineArg,
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// Compare the pools of this scenario instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    #[command(flatten)]
    opts: RunOpts,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The scenario file (TOML; see `retrylab list` and the files in scenarios/).
    file: PathBuf,
    #[command(flatten)]
    opts: RunOpts,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum EngineArg {
    /// One OS thread per writer, real store, real clock.
    Threads,
    /// Discrete-event simulation in virtual time.
    Sim,
}

impl From<EngineArg> for EngineKind {
    fn from(e: EngineArg) -> Self {
        match e {
            EngineArg::Threads => EngineKind::Threads,
            EngineArg::Sim => EngineKind::Sim,
        }
    }
}

/// Input the user can fix (a bad file, an impossible request): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct BadInput(pub(crate) String);

/// Whether `err` is the user's to fix (exit 2) rather than a failure of the run (exit 1).
pub(crate) fn is_bad_input(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.is::<BadInput>()
            || e.is::<ScenarioError>()
            || e.downcast_ref::<SweepError>()
                .is_some_and(|e| !matches!(e, SweepError::Io { .. } | SweepError::Run { .. }))
            || e.downcast_ref::<ReportError>()
                .is_some_and(|e| !matches!(e, ReportError::Write { .. }))
            || e.downcast_ref::<EngineError>().is_some_and(|e| {
                matches!(e, EngineError::Unsupported(_) | EngineError::Keys { .. })
            })
    })
}

/// Runs the chosen command.
pub(crate) fn dispatch(cli: Cli, stop: Arc<AtomicBool>) -> anyhow::Result<()> {
    match cli.command {
        Command::Compare(args) => run::compare(args.scenario.as_deref(), &args.opts, stop),
        Command::Run(args) => run::run(&args.file, &args.opts, stop),
        Command::Sweep(args) => sweep::sweep(&args, stop),
        Command::Report(args) => sweep::redraw(&args),
        Command::Validate { files } => validate::validate(&files),
        Command::List => {
            list::list();
            Ok(())
        }
    }
}
