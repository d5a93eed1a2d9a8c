//! Writes a sample report from runs driven in virtual time without an engine (the writer
//! protocol on one thread against the global-mutex store).
//!
//! ```text
//! cargo run --example report_sample -- run OUT      # one two-pool run
//! cargo run --example report_sample -- sweep OUT    # writers = 2..16 x2, 2 repeats
//! cargo run --example report_sample -- sweep2 OUT   # writers × actors heatmaps
//! cargo run --example report_sample -- redraw RESULTS OUT   # a saved run or sweep, redrawn
//! cargo run --example report_sample -- sweep-threads SCENARIO OUT REPEAT VARY [VARY]
//!     # a real sweep on the threaded engine, e.g. `... scenarios/hot-actor.toml /tmp/s 3 writers=1,2,4`
//! ```

#[path = "../tests/report_support/mod.rs"]
mod report_support;

use std::path::Path;

use retrylab::report::{self, ReportInput};
use retrylab::sweep::{self, SweepOptions, SweepSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kind = args.first().map_or("run", String::as_str);
    if kind == "redraw" {
        let (Some(from), Some(to)) = (args.get(1), args.get(2)) else {
            return Err("usage: report_sample redraw RESULTS_DIR_OR_FILE OUT".into());
        };
        let files = report::redraw(Path::new(from), Some(Path::new(to)))?;
        println!("wrote {}", files.html.display());
        return Ok(());
    }
    let out = Path::new(args.get(1).map_or("reports/sample", String::as_str));
    if kind == "sweep-threads" {
        let (Some(file), Some(to), Some(repeat)) = (args.get(1), args.get(2), args.get(3)) else {
            return Err(
                "usage: report_sample sweep-threads SCENARIO OUT REPEAT VARY [VARY]".into(),
            );
        };
        let text = std::fs::read_to_string(file)?;
        let spec = SweepSpec::parse(&args[4..], repeat.parse()?)?;
        let engine = retrylab::engine::EngineKind::Threads;
        let outcome = sweep::run_sweep(
            &text,
            file,
            &spec,
            &SweepOptions {
                out: Path::new(to).join("sweep"),
                parallel: false,
                progress: true,
                engine: engine.name().into(),
                alone: false,
                quick: false,
                force: false,
                stop: None,
                fresh: false,
            },
            &|s| retrylab::engine::run(s, engine, &retrylab::engine::RunOptions::default()),
        )?;
        println!("ran {}, resumed {}", outcome.ran, outcome.skipped);
        let files = report::write_report(&ReportInput::Sweep(outcome.data), Path::new(to))?;
        println!("wrote {}", files.html.display());
        return Ok(());
    }
    let input = match kind {
        "run" => ReportInput::Runs(vec![report_support::two_pool_results()]),
        "sweep" | "sweep2" => {
            let vary: Vec<String> = if kind == "sweep" {
                vec!["writers=2..16 x2".into()]
            } else {
                vec!["writers=2,4,8".into(), "actors=1,4,16".into()]
            };
            let spec = SweepSpec::parse(&vary, 2)?;
            let outcome = sweep::run_sweep(
                report_support::TWO_POOLS,
                "two-pools.toml",
                &spec,
                &SweepOptions {
                    out: out.join("sweep"),
                    parallel: true,
                    progress: false,
                    engine: "test-driver".into(),
                    alone: false,
                    quick: false,
                    force: false,
                    stop: None,
                    fresh: false,
                },
                &|s| Ok(report_support::drive(s)),
            )?;
            ReportInput::Sweep(outcome.data)
        }
        other => return Err(format!("unknown sample kind `{other}`: run, sweep or sweep2").into()),
    };
    let files = report::write_report(&input, out)?;
    println!("wrote {}", files.html.display());
    Ok(())
}
