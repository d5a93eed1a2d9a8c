//! Reading saved results back for [`super::redraw`]: a `results.json`, a run folder, or a folder
//! of runs.

use std::path::{Path, PathBuf};

use crate::metrics::output::OutputError;
use crate::metrics::results::Results;

use super::error::ReportError;

/// Reads one results file through the schema's one reader ([`Results::load`]: its version
/// first, then its shape).
pub fn read_results(path: &Path) -> Result<Results, ReportError> {
    Results::load(path).map_err(|e| match e {
        OutputError::Io { path, source } => ReportError::Read { path, source },
        OutputError::SchemaVersion {
            path,
            found,
            expected,
        } => ReportError::Schema {
            path,
            found: u32::try_from(found).unwrap_or(u32::MAX),
            supported: expected,
        },
        other => ReportError::Parse {
            path: path.to_owned(),
            message: other.to_string(),
        },
    })
}

/// `results.json`, or `results-<n>.json` as a multi-run report's `data/` folder holds them.
fn is_results_name(name: &str) -> bool {
    name == "results.json"
        || name
            .strip_prefix("results-")
            .and_then(|rest| rest.strip_suffix(".json"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Every `results.json` (or `results-<n>.json`) under `dir`, in path order, skipping report folders (which hold
/// copies).
pub fn find_results(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        if d != dir && d.join("index.html").exists() {
            continue;
        }
        let entries = std::fs::read_dir(&d).map_err(|source| ReportError::Read {
            path: d.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| ReportError::Read {
                path: d.clone(),
                source,
            })?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_results_name)
            {
                found.push(path);
            }
        }
    }
    // Natural order, so results-10 follows results-9.
    found.sort_by_key(|p| {
        (
            p.parent().map(Path::to_owned),
            p.to_string_lossy().len(),
            p.clone(),
        )
    });
    Ok(found)
}
