//! Arguments (clap derive) and the dispatch to one file per command.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::{Args, Parser, Subcommand, ValueEnum};
use retrylab::engine::{EngineError, EngineKind};
use retrylab::exit::{Classify, ExitKind};
use retrylab::metrics::output::OutputError;
use retrylab::report::ReportError;
use retrylab::store::postgres::OccShape;
use retrylab::store::{StoreChoice, StoreKind};
use retrylab::sweep::SweepError;
use retrylab::tune::TuneError;
use retrylab::workload::scenario::ScenarioError;

mod calibrate;
mod compare;
mod list;
mod run;
mod sweep;
mod table;
mod tune;
mod validate;

/// Where results and reports go when `--out` is not given.
pub(crate) const REPORTS_ROOT: &str = "reports";

const LONG_ABOUT: &str = "\
Measure how retry policies for optimistic-concurrency conflicts behave.

Pools of writers hammer an in-memory event store; when an append meets a version conflict, each \
pool's retry policy decides what to do. retrylab reports goodput, conflict rate, retries per \
commit, give-ups and tail latency per policy, and writes a results folder a report can be drawn from.

Examples:
  retrylab compare --quick                 # each pattern alone at 1-64 writers, a few seconds
  retrylab compare --seed 7                # the full comparison, reproducible
  retrylab run scenarios/hot-actor.toml    # one scenario; prints a table and where results went
  retrylab run scenarios/open-loop.toml --quick --out /tmp/ol
  retrylab sweep scenarios/hot-actor.toml --vary writers=1,2,4,8 --engine sim
  retrylab report reports/compare-seed42-…  # redraw charts from saved results
  retrylab validate scenarios/*.toml       # check files without running them
  retrylab list                            # policies, key and time distributions, stores

Every run prints its seed; pass it back with --seed to reproduce the run.

Results are never written over: --out must be a new or empty folder (pass --force to write into \
one that holds files), and default folders get a -2, -3, … suffix rather than share a name. The \
folder is created and checked before the run starts.

Exit codes:
  0    success
  1    a failure: the run, or writing its results, failed; or the store audit failed
  2    bad input: an argument, a scenario file or an output folder (the message says the fix)
  130  interrupted (Ctrl-C): what finished is written, but the results are partial";

const TUNE_ABOUT: &str = "\
Search a pool's retry parameters for the configuration that best meets an objective under \
constraints, by measurement.

Each configuration runs the pool alone on the same seeds (common random numbers, so two \
configurations differ by their policy, not by luck). A Latin hypercube starts the search and a \
tree-structured Parzen estimator (TPE) continues it; each new configuration races the best so \
far, seed by seed: screened out after one seed if it is worse than the best on all of its \
seeds, dropped as soon as a paired t-test says it loses, so bad ones cost one or two runs. \
Configurations that meet every constraint beat those that do not.

Then the three best are re-measured on as many validation seeds again and the winner is the \
best over both sets (the best on one set of seeds is partly the luckiest there); the winner \
and the runner-up are re-measured on held-out seeds and on real threads (to flag a result \
that holds only in the model), and on the server when the scenario's store is PostgreSQL (the \
search itself runs on the simulator, which models the server by [sim.store_cost]). The \
starting policy and presets are measured on the same seeds beside them; each parameter is \
varied around the winner. Prints the winner as a ready [pools.policy] block (also best.toml), \
its figures with 95 % intervals, and how sure the answer is; draws a report (convergence, \
the objective against the first constraint or the Pareto front, each parameter's effect).

Parameters (NAME=VALUES): base, cap, multiplier, jitter (none, full, equal, proportional, \
additive, or decorrelated, which switches to AWS's decorrelated backoff), max_retries, \
max_attempts, deadline, refresh, breaker_threshold, breaker_open, breaker_minimum_calls, or any \
path inside the policy (budget.retry_cost). Values: lo..hi (durations or numbers, integers \
stay integers), lo..hi:log, or a,b,c.

Metrics (objectives and constraints): goodput, p50, p90, p99, p99.9, give_up_rate, \
rejection_rate, conflict_rate, attempts_per_commit, fairness.

The search is deterministic (same seed, same answer) and journalled: the same command resumes \
a stopped search without rerunning anything, and Ctrl-C prints the best so far. Exit status 1 \
when no configuration meets the constraints (the output says which constraint failed and how \
close the search came).

Examples:
  retrylab tune scenarios/tune-hot-actor.toml
  retrylab tune scenarios/hot-actor.toml --pool exponential-us --param base=100ns..100us:log \\
    --param max_retries=1..20 --maximize goodput --subject-to 'give_up_rate<=1%' --budget 150";

/// The command line.
#[derive(Debug, Parser)]
#[command(name = "retrylab", version, about = "Measure how retry policies for optimistic-concurrency conflicts behave", long_about = LONG_ABOUT)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Each retry pattern alone at rising contention: charts, and the seed's table measured.
    #[command(long_about = "\
Each retry pattern alone at rising contention: the seed's question as a contention chart.

Runs each pool of the built-in comparison scenario (or of --scenario FILE) alone, one after \
another, on a fresh store, at 1, 2, 4, 8, 16, 32 and 64 writers per pool (--quick: 1, 2, 8, 64, \
each run scaled down), on the simulator; then real threads run the same pools at 1, 2 and 4 \
writers (--quick: 1, 2) to confirm the simulator's figures on this machine. With --engine \
threads the contention sweep itself runs on threads, with no confirmation.

Prints goodput against writers, the simulator against threads, and the seed document's \
\"when to use each pattern\" table with a verdict per claim (holds / does not hold here / not \
tested by this load) computed from the figures by stated rules. Writes one folder \
(default: reports/compare-seed<seed>-<date-time>) holding both sweeps and a report with the \
charts (goodput, p99, attempts per commit against writers, one line per pattern); \
`retrylab report FOLDER` redraws it.

Examples:
  retrylab compare --quick
  retrylab compare --seed 42 --out reports/compare-42
  retrylab compare --scenario scenarios/hot-actor.toml --engine threads")]
    Compare(CompareArgs),
    /// Run a scenario file and write its results folder.
    #[command(long_about = "\
Run a scenario file, print a table per pool, and write a results folder (results.json, \
pools.csv, timeseries.csv, one HdrHistogram log per pool).

Examples:
  retrylab run scenarios/zipf-skew.toml
  retrylab run scenarios/remote-store.toml --seed 9 --out /tmp/remote
  retrylab run my.toml --quick             # scaled down to under a second, to check a file
  retrylab run my.toml --engine sim --no-report   # results only, no charts: for scripts")]
    Run(RunArgs),
    /// Run a scenario at every value of one or two parameters; chart the figures against them.
    #[command(long_about = "\
Run a scenario at every value of one or two parameters (any scenario or policy field), each \
point repeated --repeat times with derived seeds, and draw a report: goodput, conflict rate \
and p99 against the parameter, one line per pool, with min-max bars over repeats; a heatmap per \
pool for two parameters; and a table of which policy wins in each regime, and by how much.

Each pool runs alone, in turn, on a fresh store (every policy meets the same load: \
\"which policy?\"); --together runs the pools in one run instead, competing for the same actors \
(\"who starves whom?\", a different question). The report says which.

Every finished point is saved at once, so an interrupted sweep keeps its work and the same \
command resumes it. Simulator points run in parallel; threaded points one after another.

Parameters: short names (writers, actors, skew, think, base_delay, cap, max_attempts, \
breaker_threshold, …) or paths into the scenario (`pools.*.policy.backoff.cap`, `run.actors`).
Values: lists (`1,2,4,8`), ranges (`1..32 step 4`, `10us..1ms x2`), durations (`50us,100us`).

Examples:
  retrylab sweep scenarios/hot-actor.toml --vary writers=1,2,4,8,16 --engine sim --repeat 3
  retrylab sweep scenarios/hot-actor.toml --vary base_delay=1us..64us x4 --vary cap=100us,1ms,10ms --engine sim")]
    Sweep(sweep::SweepArgs),
    /// Search retry parameters for the policy that best meets an objective under constraints.
    #[command(long_about = TUNE_ABOUT)]
    Tune(tune::TuneArgs),
    /// Redraw the report of saved results (a run, a sweep or a comparison) without rerunning.
    #[command(long_about = "\
Redraw the charts, HTML page and Markdown report from saved results: a results.json, a run \
folder, a folder of run folders (one section each), a sweep folder, or a comparison folder \
(`retrylab compare`'s). Nothing is rerun.

Examples:
  retrylab report reports/compare-seed42-20261130-180637
  retrylab report reports/sweep-hot-actor-writers --out /tmp/report")]
    Report(sweep::ReportArgs),
    /// Check scenario files without running them.
    #[command(long_about = "\
Parse and validate scenario files. Prints `ok` per good file, or the error with its line, \
column and field; exits 2 if any file is bad. Accepts exactly what `run` accepts: with \
--engine, that engine's limits too (without it, a file only the simulator can run is ok, with \
a note).

Examples:
  retrylab validate scenarios/*.toml
  retrylab validate big.toml --engine threads")]
    Validate {
        /// The scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also check the limits of this engine (what `run --engine` accepts).
        #[arg(long, value_enum)]
        engine: Option<EngineArg>,
    },
    /// List what a scenario can name: policies, key and time distributions, arrivals, stores.
    #[command(long_about = "\
List what a scenario file can name, with parameters and defaults: policy presets, key \
distributions, time distributions, arrival processes and store kinds.

Example:
  retrylab list")]
    List,
    /// Measure what the store's calls cost on this machine: the simulator's [sim.store_cost].
    #[command(long_about = "\
Measure what one call of each kind (latest_version, a committed and a conflicting append, an \
events() scan) costs the in-memory store on this machine, on one thread, and print it as the \
[sim.store_cost] table the simulator charges for the store's work. Paste it into a scenario to \
simulate this machine; without it the simulator uses the figures measured on the development \
machine (`retrylab list` shows them). Takes a few seconds.

Examples:
  retrylab calibrate
  retrylab calibrate --store dashmap")]
    Calibrate {
        /// The store to measure.
        #[arg(long, default_value = "lock-free", value_parser = parse_store)]
        store: StoreKind,
    },
}

fn parse_store(name: &str) -> Result<StoreKind, String> {
    StoreKind::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(|| {
            let names: Vec<&str> = StoreKind::ALL.iter().map(|k| k.name()).collect();
            format!("no store `{name}`: use one of {}", names.join(", "))
        })
}

fn parse_store_choice(name: &str) -> Result<StoreChoice, String> {
    if name == StoreChoice::Postgres.name() {
        return Ok(StoreChoice::Postgres);
    }
    parse_store(name)
        .map(StoreChoice::Memory)
        .map_err(|e| format!("{e}, or postgres"))
}

/// Options shared by the commands that run something.
#[derive(Debug, Args)]
struct RunOpts {
    /// The master seed (overrides the scenario's); every writer's random stream derives from it.
    #[arg(long)]
    seed: Option<u64>,
    /// The results folder, new or empty (default: reports/<scenario>-seed<seed>-<date-time>,
    /// with -2, -3, … appended when that name is taken).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write into an --out folder that already holds files (files of the same names are
    /// replaced, others are left).
    #[arg(long)]
    force: bool,
    /// Scale the run down (duration and warm-up ÷10, at most 0.5 s; operation counts ÷10).
    #[arg(long)]
    quick: bool,
    /// Run on this store instead of the scenario's: an in-memory kind (lock-free,
    /// rwlock-sharded, global-mutex, dashmap) or postgres (with [store] url or --store-url).
    #[arg(long, value_name = "KIND", value_parser = parse_store_choice)]
    store: Option<StoreChoice>,
    /// Run against this PostgreSQL server instead of the scenario's store
    /// (postgres://user:password@host:port/db; sets [store] kind = "postgres"). The password
    /// is never printed or written to results.
    #[arg(long, value_name = "URL")]
    store_url: Option<String>,
    /// How PostgreSQL appends detect conflicts: `unique` (a duplicate key, then a second read)
    /// or `head-row` (a head row per stream, the current version in the same round trip).
    #[arg(long, value_enum, requires = "store_url")]
    occ: Option<OccArg>,
    /// Keep a PostgreSQL run's schema (its events) on the server; by default it is dropped
    /// after the audit.
    #[arg(long)]
    keep: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum OccArg {
    /// Primary key (stream, version): a conflict is SQLSTATE 23505, the current version a
    /// second read.
    Unique,
    /// A head row per stream moved by UPDATE at the expected version.
    HeadRow,
}

impl From<OccArg> for OccShape {
    fn from(o: OccArg) -> Self {
        match o {
            OccArg::Unique => OccShape::Unique,
            OccArg::HeadRow => OccShape::HeadRow,
        }
    }
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// Compare the pools of this scenario instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    #[command(flatten)]
    opts: RunOpts,
    /// The engine of the contention sweep: the simulator (then real threads confirm it at a
    /// few writer counts), or real threads throughout; with --store-url, async tasks.
    /// Default: sim, or async with --store-url.
    #[arg(long, value_enum)]
    engine: Option<EngineArg>,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The scenario file (TOML; see `retrylab list` and the files in scenarios/).
    file: PathBuf,
    #[command(flatten)]
    opts: RunOpts,
    /// Real threads, the simulator in virtual time, or async tasks (the engine for a store
    /// across a network). Default: threads, or async for a PostgreSQL store.
    #[arg(long, value_enum)]
    engine: Option<EngineArg>,
    /// Write the results folder without drawing its report (charts); `retrylab report DIR`
    /// draws it later. For scripts that make many runs.
    #[arg(long)]
    no_report: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum EngineArg {
    /// One OS thread per writer, real store, real clock.
    Threads,
    /// Discrete-event simulation in virtual time.
    Sim,
    /// One tokio task per writer, real clock: for stores across a network (PostgreSQL).
    Async,
}

impl From<EngineArg> for EngineKind {
    fn from(e: EngineArg) -> Self {
        match e {
            EngineArg::Threads => EngineKind::Threads,
            EngineArg::Sim => EngineKind::Sim,
            EngineArg::Async => EngineKind::Async,
        }
    }
}

/// Input the user can fix (a bad file, an impossible request): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct BadInput(pub(crate) String);

impl Classify for BadInput {
    fn exit_kind(&self) -> ExitKind {
        ExitKind::BadInput
    }
}

/// How a command that ran ended without success, after writing what it had.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Ended {
    /// The store audit failed: exit 1.
    #[error(
        "the store audit failed ({problems} problems): the store lost or invented writes; the \
         results are kept in {dir} for inspection"
    )]
    AuditFailed {
        /// How many problems the audit found.
        problems: usize,
        /// The results folder.
        dir: PathBuf,
    },
    /// Stopped early (Ctrl-C): exit 130.
    #[error("interrupted: {0}")]
    Interrupted(String),
    /// A search found nothing that meets its constraints: exit 1.
    #[error("{0}")]
    NoAnswer(String),
}

impl Classify for Ended {
    fn exit_kind(&self) -> ExitKind {
        match self {
            Ended::AuditFailed { .. } => ExitKind::AuditFailed,
            Ended::Interrupted(_) => ExitKind::Interrupted,
            Ended::NoAnswer(_) => ExitKind::Failure,
        }
    }
}

/// The kind of `err`, so its exit status: the outermost error in its chain that knows its own
/// kind decides. An error of no retrylab type (which the commands do not make) is a failure.
pub(crate) fn exit_kind(err: &anyhow::Error) -> ExitKind {
    err.chain().find_map(classify).unwrap_or(ExitKind::Failure)
}

/// The kind of one error in a chain, if it is one of the types that classify themselves.
fn classify(e: &(dyn std::error::Error + 'static)) -> Option<ExitKind> {
    fn kind<E: Classify + std::error::Error + 'static>(
        e: &(dyn std::error::Error + 'static),
    ) -> Option<ExitKind> {
        e.downcast_ref::<E>().map(Classify::exit_kind)
    }
    kind::<Ended>(e)
        .or_else(|| kind::<BadInput>(e))
        .or_else(|| kind::<SweepError>(e))
        .or_else(|| kind::<TuneError>(e))
        .or_else(|| kind::<OutputError>(e))
        .or_else(|| kind::<ReportError>(e))
        .or_else(|| kind::<EngineError>(e))
        .or_else(|| kind::<ScenarioError>(e))
}

/// Runs the chosen command.
pub(crate) fn dispatch(cli: Cli, stop: Arc<AtomicBool>) -> anyhow::Result<()> {
    match cli.command {
        Command::Compare(args) => compare::compare(
            args.scenario.as_deref(),
            &args.opts,
            args.engine.map(EngineKind::from),
            stop,
        ),
        Command::Run(args) => run::run(
            &args.file,
            &args.opts,
            args.engine.map(EngineKind::from),
            !args.no_report,
            stop,
        ),
        Command::Sweep(args) => sweep::sweep(&args, stop),
        Command::Tune(args) => tune::tune(&args, stop),
        Command::Report(args) => sweep::redraw(&args),
        Command::Validate { files, engine } => {
            validate::validate_with(&files, engine.map(EngineKind::from))
        }
        Command::List => {
            list::list();
            Ok(())
        }
        Command::Calibrate { store } => {
            calibrate::run(store);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use anyhow::Context;

    use super::*;

    #[test]
    fn the_outermost_classified_error_decides_the_exit_status() {
        let spawn = SweepError::Run {
            point: "writers=2".into(),
            rep: 0,
            source: EngineError::Spawn {
                source: std::io::Error::other("no threads"),
            },
        };
        let err = anyhow::Error::from(spawn).context("running the sweep");
        assert_eq!(exit_kind(&err), ExitKind::Failure);
        let unsupported = SweepError::Run {
            point: "writers=2".into(),
            rep: 0,
            source: EngineError::Unsupported("not on sim".into()),
        };
        assert_eq!(exit_kind(&unsupported.into()), ExitKind::BadInput);
        let draw: anyhow::Result<()> = Err(ReportError::Draw {
            chart: "c".into(),
            message: "m".into(),
        })
        .context("drawing the run's report");
        assert_eq!(exit_kind(&draw.unwrap_err()), ExitKind::Failure);
        let stopped = anyhow::Error::from(Ended::Interrupted("stopped".into()));
        assert_eq!(exit_kind(&stopped).code(), 130);
        let audit = anyhow::Error::from(Ended::AuditFailed {
            problems: 1,
            dir: "d".into(),
        });
        assert_eq!(exit_kind(&audit).code(), 1);
        assert_eq!(exit_kind(&BadInput("x".into()).into()), ExitKind::BadInput);
        assert_eq!(exit_kind(&anyhow::anyhow!("unknown")), ExitKind::Failure);
    }
}
