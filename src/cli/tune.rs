//! `retrylab tune`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use retrylab::engine::EngineKind;
use retrylab::metrics::output::file_safe;
use retrylab::metrics::tune::goal::Goal;
use retrylab::metrics::tune::record::{Fate, TuneSummary};
use retrylab::report;
use retrylab::store::StoreChoice;
use retrylab::store::postgres::StoreUrl;
use retrylab::tune::{TuneOptions, TuneRequest, tune as run_tune};
use retrylab::workload::scenario::{Scenario, StoreOverride, read_scenario_file};

use super::{BadInput, Ended, EngineArg, REPORTS_ROOT};

/// Seeds per configuration when neither the command line nor `[tune]` says.
const DEFAULT_SEEDS: u32 = 5;
/// Search runs when neither says.
const DEFAULT_BUDGET: u64 = 200;
/// The presets measured beside the winner by default: the seed's patterns and the libraries'
/// shapes, at microsecond and millisecond scales.
const DEFAULT_PRESETS: &[&str] = &[
    "no-retry",
    "immediate",
    "exponential",
    "exponential-us",
    "exponential-full-jitter",
    "decorrelated-jitter",
    "circuit-breaker",
    "aws-standard",
    "aws-standard-us",
];

/// The arguments of `retrylab tune`.
#[derive(Debug, clap::Args)]
pub(crate) struct TuneArgs {
    /// The scenario file; its `[tune]` table gives what the flags below leave out.
    file: PathBuf,
    /// The pool whose policy is searched (default: the `[tune]` table's, or the only pool).
    #[arg(long)]
    pool: Option<String>,
    /// A searched parameter: `base=100us..50ms:log`, `max_retries=1..20`,
    /// `jitter=none,full,equal,decorrelated`, or a path inside the policy such as
    /// `breaker.minimum_calls=5..50`. Repeat for each.
    #[arg(long, value_name = "NAME=VALUES")]
    param: Vec<String>,
    /// A metric to maximize (goodput, fairness, …). Two or more objectives in all make a
    /// Pareto search.
    #[arg(long, value_name = "METRIC")]
    maximize: Vec<String>,
    /// A metric to minimize (p99, p99.9, attempts_per_commit, give_up_rate, …).
    #[arg(long, value_name = "METRIC")]
    minimize: Vec<String>,
    /// A constraint every answer must meet: 'p99<=20ms', 'give_up_rate<=0.1%',
    /// 'goodput>=1000'. Repeat for each.
    #[arg(long, value_name = "METRIC<=VALUE")]
    subject_to: Vec<String>,
    /// The most search runs (a configuration on one seed is one run); 1 to 100000 (default 200).
    #[arg(long)]
    budget: Option<u64>,
    /// Seeds per configuration, the same seeds for all (common random numbers); 1 to 30
    /// (default 5).
    #[arg(long)]
    seeds: Option<u32>,
    /// Held-out seeds the winner and runner-up are re-measured on; 0 to 30.
    #[arg(long, default_value_t = 5)]
    held_out: u32,
    /// Runs of the winner and runner-up on real threads, to flag a result that holds only in
    /// the model (sim searches only); 0 to skip.
    #[arg(long, default_value_t = 2)]
    threads_runs: u32,
    /// Presets measured beside the winner on the search seeds (comma-separated, or `none`).
    #[arg(long, value_name = "NAMES")]
    presets: Option<String>,
    /// Skip varying each parameter around the winner.
    #[arg(long)]
    no_sensitivity: bool,
    /// The master seed (overrides the scenario's); the search and every run derive from it.
    #[arg(long)]
    seed: Option<u64>,
    /// Tune for this PostgreSQL server (postgres://user:password@host:port/db): the search
    /// runs on the simulator, modelling the server by the scenario's [sim.store_cost], and the
    /// finalists are confirmed on the server. A scenario whose [store] is postgres does the same.
    #[arg(long, value_name = "URL")]
    store_url: Option<String>,
    /// How PostgreSQL appends detect conflicts (unique or head-row), with --store-url.
    #[arg(long, value_enum, requires = "store_url")]
    occ: Option<super::OccArg>,
    /// Runs of the winner and runner-up on the real store (a PostgreSQL scenario); 0 to skip.
    #[arg(long, default_value_t = 2)]
    real_runs: u32,
    /// Another stream for the sampler alone (the runs' seeds unchanged): how much does the
    /// answer depend on the search's own luck?
    #[arg(long, default_value_t = 0)]
    search_seed: u32,
    /// The engine of the search: the simulator (fast, deterministic) or real threads.
    #[arg(long, value_enum, default_value_t = EngineArg::Sim)]
    engine: EngineArg,
    /// Scale every run down (duration and warm-up ÷10, at most 0.5 s).
    #[arg(long)]
    quick: bool,
    /// The tuning folder (default: reports/tune-<scenario>-<pool>); the same command on the same
    /// folder resumes the search from its journal, and a larger --budget continues it.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write into an --out folder that holds files but no search.
    #[arg(long)]
    force: bool,
}

/// `retrylab tune FILE …`.
pub(crate) fn tune(args: &TuneArgs, stop: Arc<AtomicBool>) -> anyhow::Result<()> {
    let text = read_scenario_file(&args.file)?;
    let origin = args.file.display().to_string();
    let scenario = Scenario::from_toml(&text, &origin)?;
    let table = scenario.tune.clone().unwrap_or_default();
    let pool = match (&args.pool, &table.pool) {
        (Some(p), _) | (None, Some(p)) => p.clone(),
        (None, None) if scenario.pools.len() == 1 => scenario.pools[0].name.clone(),
        (None, None) => {
            let names: Vec<&str> = scenario.pools.iter().map(|p| p.name.as_str()).collect();
            return Err(BadInput(format!(
                "which pool? the scenario has {}: give --pool NAME (or pool = \"…\" in its [tune] table)",
                names.join(", ")
            ))
            .into());
        }
    };
    let params = if args.param.is_empty() {
        table.params.clone()
    } else {
        args.param.clone()
    };
    let cli_goal =
        !(args.maximize.is_empty() && args.minimize.is_empty() && args.subject_to.is_empty());
    let goal = if cli_goal {
        Goal::parse(&args.maximize, &args.minimize, &args.subject_to)
    } else {
        Goal::parse(&table.maximize, &table.minimize, &table.subject_to)
    }
    .map_err(|e| BadInput(e.to_string()))?;
    let presets: Vec<String> = match args.presets.as_deref() {
        Some("none") => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        None => DEFAULT_PRESETS.iter().map(|s| (*s).to_owned()).collect(),
    };
    let engine = EngineKind::from(args.engine);
    let request = TuneRequest {
        scenario_text: text,
        origin,
        pool: pool.clone(),
        params,
        goal,
        budget: args.budget.or(table.budget).unwrap_or(DEFAULT_BUDGET),
        seeds: args.seeds.or(table.seeds).unwrap_or(DEFAULT_SEEDS),
        held_out: args.held_out,
        threads_runs: args.threads_runs,
        seed: args.seed,
        search_seed: args.search_seed,
        engine,
        quick: args.quick,
        presets,
        sensitivity: !args.no_sensitivity,
        store: args.store_url.as_ref().map(|url| StoreOverride {
            kind: StoreChoice::Postgres,
            url: Some(StoreUrl::new(url.clone())),
            occ: args.occ.map(Into::into),
        }),
        real_runs: args.real_runs,
    };
    let out = args.out.clone().unwrap_or_else(|| {
        Path::new(REPORTS_ROOT).join(format!(
            "tune-{}-{}",
            file_safe(&scenario.name),
            file_safe(&pool)
        ))
    });
    eprintln!(
        "tuning pool `{pool}` of `{}` on the {} engine: {}; budget {} runs, {} seeds per \
         configuration; folder {}",
        scenario.name,
        engine.name(),
        request.goal.text(),
        request.budget,
        request.seeds,
        out.display()
    );
    let options = TuneOptions {
        out: Some(out.clone()),
        force: args.force,
        progress: true,
        stop: Some(stop),
    };
    let summary = run_tune(&request, &options)?;
    print_summary(&summary);
    println!("results: {}", out.display());
    let files = report::write_report(
        &report::ReportInput::Tune(Box::new(summary.clone())),
        &out.join("report"),
    )
    .context("drawing the tuning report")?;
    super::sweep::print_report(&files);
    if summary.interrupted {
        return Err(Ended::Interrupted(format!(
            "the search was stopped early (Ctrl-C); the best so far is above and its runs are \
             in {}: rerun the same command to resume",
            out.display()
        ))
        .into());
    }
    let feasible = summary
        .winner
        .is_some_and(|w| summary.candidates[w].feasible);
    if !feasible {
        return Err(Ended::NoAnswer(
            "no configuration met every constraint (see above how close each came)".into(),
        )
        .into());
    }
    Ok(())
}

/// Prints the answer: the winner's block and figures, what stood beside it, how sure it is.
fn print_summary(s: &TuneSummary) {
    let goal = &s.manifest.goal;
    let metrics = goal.metrics();
    println!();
    match s.winner {
        Some(w) => {
            let c = &s.candidates[w];
            println!(
                "best configuration{}: {}",
                if c.feasible {
                    ""
                } else {
                    " (meets NOT every constraint)"
                },
                c.key
            );
            for m in &metrics {
                println!("  {:<20} {}", m.name(), c.aggregate.text(*m));
            }
            if let Some(block) = &s.winner_toml {
                println!("\n{block}");
            }
        }
        None => println!("no configuration finished its seeds"),
    }
    if s.pareto.len() > 1 {
        println!("non-dominated configurations ({}):", s.pareto.len());
        for &i in &s.pareto {
            let c = &s.candidates[i];
            let figures: Vec<String> = goal
                .objectives
                .iter()
                .map(|o| format!("{} {}", o.metric.name(), c.aggregate.text(o.metric)))
                .collect();
            println!("  {}: {}", c.key, figures.join(", "));
        }
        println!();
    }
    if !s.measured.is_empty() {
        println!("measured beside it (search seeds unless said):");
        for m in &s.measured {
            let figures: Vec<String> = metrics
                .iter()
                .map(|metric| format!("{} {}", metric.name(), m.aggregate.text(*metric)))
                .collect();
            println!(
                "  {:<28} {}{}: {}",
                m.label,
                if m.feasible { "" } else { "[infeasible] " },
                if m.seeds == "search" && m.engine == s.manifest.engine {
                    String::new()
                } else {
                    format!("({}, {} seeds) ", m.engine, m.seeds)
                },
                figures.join(", ")
            );
        }
        println!();
    }
    for line in s.assurance.iter().chain(&s.infeasible) {
        println!("{line}");
    }
    let dropped = s
        .candidates
        .iter()
        .filter(|c| matches!(c.fate, Fate::Dropped { .. }))
        .count();
    let total =
        s.runs.search + s.runs.baselines + s.runs.held_out + s.runs.threads + s.runs.sensitivity;
    println!(
        "{} runs in {:.1} s ({:.1} runs/s; {} from the journal): search {}, baselines {}, validation {}, \
         held-out {}, threads {}, real store {}, sensitivity {}; {dropped} configurations dropped early",
        total,
        s.wall_s,
        total as f64 / s.wall_s.max(1e-9),
        s.runs.from_journal,
        s.runs.search,
        s.runs.baselines,
        s.runs.validation,
        s.runs.held_out,
        s.runs.threads,
        s.runs.real_store,
        s.runs.sensitivity
    );
}
