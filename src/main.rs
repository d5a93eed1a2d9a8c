//! The `retrylab` command line: parse, validate, call the library, print.
//!
//! Exit codes, each from the error's own kind ([`retrylab::exit::ExitKind`]):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | a failure: the run, or writing its results, failed; or the store audit failed |
//! | 2 | bad input: arguments, scenario files, an output folder that is taken or unwritable (the message names what is wrong and how to fix it) |
//! | 130 | interrupted (Ctrl-C): `run`, `compare` and `sweep` write what finished, then exit 130; a second Ctrl-C exits 130 at once |
//!
//! Log: `tracing` events go to stderr, filtered by `RUST_LOG` (`RUST_LOG=retrylab=debug`, say,
//! shows every stale-read alert of a monitored policy); by default warnings only, such as a
//! monitored pool's stale-read summary at the end of a run.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser;
use retrylab::exit::INTERRUPTED_CODE;

mod cli;

/// The log filter when `RUST_LOG` is unset.
const DEFAULT_LOG_FILTER: &str = "warn";

/// Sends `tracing` events to stderr, filtered by `RUST_LOG`; a filter that does not parse is
/// bad input.
fn init_logging() -> Result<(), String> {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) => EnvFilter::try_new(&spec).map_err(|e| {
            format!(
                "RUST_LOG={spec:?} is not a log filter ({e}): use a level (`warn`, `debug`) or \
                 `target=level` pairs such as `retrylab=debug`"
            )
        })?,
        Err(_) => EnvFilter::new(DEFAULT_LOG_FILTER),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .init();
    Ok(())
}

fn main() -> ExitCode {
    if let Err(message) = init_logging() {
        eprintln!("error: {message}");
        return ExitCode::from(2);
    }
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            // Help and version requests are not failures; clap knows which is which.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // A second Ctrl-C ends at once, for a run that is stuck writing or auditing.
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(INTERRUPTED_CODE));
        }
        eprintln!("\nstopping: finishing the run's bookkeeping (Ctrl-C again to quit at once)");
    });
    match cli::dispatch(args, stop) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(cli::exit_kind(&err).code())
        }
    }
}
