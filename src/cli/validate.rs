//! `retrylab validate FILE...`.
//!
//! A file is valid when some engine can run it, exactly as `retrylab run` would accept it:
//! every limit of [`retrylab::workload::scenario::limits`] holds, and the file fits at least one
//! engine's own limits ([`Scenario::check_for_engine`]). A file only the simulator can run (more
//! writers than the threaded engine starts) is `ok` with a note saying so, since
//! `retrylab run FILE` (threads by default) refuses it and `retrylab run FILE --engine sim`
//! runs it. With an engine named ([`validate_with`] with `Some`), a file must fit that engine.

use std::path::PathBuf;

use retrylab::engine::EngineKind;
use retrylab::workload::scenario::{Scenario, ScenarioError};

use super::BadInput;

/// Prints `ok` or the error for each file; fails (exit 2) if any file is bad. With
/// `Some(engine)`, a file must also fit that engine's limits (what `retrylab run FILE --engine
/// ENGINE` accepts); with `None`, a file one engine can run is valid, with a note when the
/// default (threads) cannot.
pub(crate) fn validate_with(files: &[PathBuf], engine: Option<EngineKind>) -> anyhow::Result<()> {
    let mut bad = 0;
    for file in files {
        let checked = match engine {
            Some(engine) => Scenario::from_file_for(file, engine).map(|s| (s, None)),
            None => any_engine(file),
        };
        // The `[tune]` table's words, as `retrylab tune` reads them.
        let checked = checked.map_err(|e| e.to_string()).and_then(|(s, note)| {
            retrylab::tune::check_table(&s)
                .map(|()| (s, note))
                .map_err(|e| format!("{}: [tune]: {e}", file.display()))
        });
        match checked {
            Ok((s, note)) => println!(
                "{}: ok ({}, {} pool(s), {} writers){}",
                file.display(),
                s.name,
                s.pools.len(),
                s.total_writers(),
                note.map_or(String::new(), |n| format!("\n{n}"))
            ),
            Err(e) => {
                bad += 1;
                eprintln!("{e}");
            }
        }
    }
    if bad > 0 {
        return Err(BadInput(format!(
            "{bad} of {} scenario file(s) are invalid; fix the fields named above",
            files.len()
        ))
        .into());
    }
    Ok(())
}

/// The check of the engine `run` picks for the file's store (threads, or async for PostgreSQL)
/// first; if only the threaded engine's own limits fail, the simulator's, with a note saying
/// which engine to name.
fn any_engine(file: &std::path::Path) -> Result<(Scenario, Option<String>), ScenarioError> {
    let default = EngineKind::default_for(&Scenario::from_file(file)?);
    if default != EngineKind::Threads {
        return Scenario::from_file_for(file, default).map(|s| (s, None));
    }
    match Scenario::from_file_for(file, EngineKind::Threads) {
        Ok(s) => Ok((s, None)),
        Err(threads @ ScenarioError::Engine { .. }) => {
            let s = Scenario::from_file_for(file, EngineKind::Sim)?;
            Ok((
                s,
                Some(format!(
                    "  only with --engine sim: {}",
                    threads.to_string().replace('\n', "\n  ")
                )),
            ))
        }
        Err(e) => Err(e),
    }
}
