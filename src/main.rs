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

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser;
use retrylab::exit::INTERRUPTED_CODE;

mod cli;

fn main() -> ExitCode {
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
