//! Why a report could not be written or redrawn.

use std::path::PathBuf;

/// Why [`super::write_report`] or [`super::redraw`] failed. Each variant says the cause and the
/// fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file or folder of the report could not be written. Check that the output folder is
    /// writable and the disk has room.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path being written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A saved results file or sweep folder could not be read. Check the path.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path being read.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A saved file is not valid JSON of the expected shape (damaged, or not a retrylab file).
    /// Point at a `results.json` written by `retrylab run`, or a sweep folder.
    #[error("{path} is not a readable retrylab file: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// The results were written by a newer retrylab whose schema this one does not know.
    /// Redraw the report with that version, or rerun the scenario.
    #[error("{path} has results schema version {found}; this retrylab reads version {supported}")]
    Schema {
        /// The file.
        path: PathBuf,
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// The path holds no results: no `results.json`, no sweep manifest. Point at a results file,
    /// a run folder or a sweep folder.
    #[error(
        "no results found at {path}: expected a results.json, a folder holding one, or a sweep folder (with sweep.json)"
    )]
    NothingToReport {
        /// The path given.
        path: PathBuf,
    },
    /// A chart could not be drawn. This is a defect in the report code: please report it with
    /// the results file.
    #[error("cannot draw chart `{chart}`: {message}")]
    Draw {
        /// The chart's file stem.
        chart: String,
        /// plotters' message.
        message: String,
    },
}
