//! Reading saved results back for [`redraw`]: a results file, a run folder, a folder of runs,
//! or a sweep folder.

use std::path::{Path, PathBuf};

use super::{ReportError, ReportFiles, ReportInput, load, write_report};
use crate::metrics::sweep::compare::{COMPARE_FILE, load_compare};
use crate::metrics::sweep::manifest::MANIFEST_FILE;
use crate::metrics::tune::record::{SUMMARY_FILE as TUNE_SUMMARY, read_summary};

/// Where [`redraw`] writes when no output folder is given: `report/` inside a folder, or next
/// to a file.
pub fn default_output(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("report")
    } else {
        path.parent().unwrap_or(Path::new(".")).join("report")
    }
}

/// Reads what `path` holds (a `results.json`, a run folder, a folder of runs, a sweep folder
/// with its `sweep.json`, or a comparison folder with its `compare.json`) into a report input.
pub fn read_input(path: &Path) -> Result<ReportInput, ReportError> {
    if path.is_file()
        && path
            .file_name()
            .is_some_and(|n| n == MANIFEST_FILE || n == COMPARE_FILE)
    {
        return read_input(path.parent().unwrap_or(Path::new(".")));
    }
    if path.is_file() {
        return Ok(ReportInput::Runs(vec![load::read_results(path)?]));
    }
    if !path.exists() {
        return Err(ReportError::Read {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
        });
    }
    if path.join(TUNE_SUMMARY).is_file() {
        let summary = read_summary(path).map_err(|message| ReportError::Parse {
            path: path.to_owned(),
            message,
        })?;
        return Ok(ReportInput::Tune(Box::new(summary)));
    }
    if path.join(COMPARE_FILE).is_file() {
        let data = load_compare(path).map_err(|e| ReportError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        return Ok(ReportInput::Compare(Box::new(data)));
    }
    if path.join(MANIFEST_FILE).is_file() {
        let data = crate::metrics::sweep::manifest::load(path).map_err(|e| ReportError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        return Ok(ReportInput::Sweep(data));
    }
    let files = load::find_results(path)?;
    if files.is_empty() {
        return Err(ReportError::NothingToReport {
            path: path.to_owned(),
        });
    }
    let runs = files
        .iter()
        .map(|f| load::read_results(f))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ReportInput::Runs(runs))
}

/// Redraws the report of saved results (a run or a sweep) at `path` into `out` (default:
/// `report/` inside that folder, or next to that file), without rerunning anything.
pub fn redraw(path: &Path, out: Option<&Path>) -> Result<ReportFiles, ReportError> {
    let input = read_input(path)?;
    let dir = out.map_or_else(|| default_output(path), Path::to_owned);
    write_report(&input, &dir)
}
