//! `retrylab validate FILE...`.

use std::path::PathBuf;

use retrylab::workload::scenario::Scenario;

use super::BadInput;

/// Prints `ok` or the error for each file; fails (exit 2) if any file is bad.
pub(crate) fn validate(files: &[PathBuf]) -> anyhow::Result<()> {
    let mut bad = 0;
    for file in files {
        match Scenario::from_file(file) {
            Ok(s) => println!(
                "{}: ok ({}, {} pool(s), {} writers)",
                file.display(),
                s.name,
                s.pools.len(),
                s.total_writers()
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
