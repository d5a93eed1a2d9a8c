//! A run folder on disk: what `retrylab run` writes, and how a results file is read back.
//!
//! | concept | file |
//! |---|---|
//! | choosing and preparing a folder: default names, never writing over results | `folder.rs` |
//! | writing a run's files, reading `results.json` back | `files.rs` |
//! | what can go wrong, and its exit status | this file |
//!
//! ```text
//! reports/<scenario>-seed<seed>-<UTC date-time>[-<n>]/   (-2, -3, … when the name is taken)
//!   results.json     the whole results schema (docs/results-schema.md), pretty-printed
//!   pools.csv        one row per pool: the headline figures
//!   timeseries.csv   one row per pool and time-series window
//!   <pool>.hlog      the pool's committed-operation latency histogram (ns) as an HdrHistogram
//!                    interval log (V2 deflate), readable by HdrHistogram's own tools
//! ```

use std::path::{Path, PathBuf};

use crate::exit::{Classify, ExitKind};

mod files;
mod folder;

pub use files::{RunFolder, write_atomic, write_run};
pub(crate) use folder::utc_stamp;
pub use folder::{
    MAX_SUFFIX, create_default_run_dir, default_run_name, file_safe, folder_contents,
    prepare_run_dir, probe_writable,
};

/// Why a run folder could not be written or a results file read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// A file or folder could not be created, written or read. Check the path and permissions.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON, or not a results file. Pass a `results.json` that retrylab
    /// wrote.
    #[error("{path} is not a retrylab results file: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The file was written by a retrylab with another results schema. Rerun the scenario with
    /// this version, or read the file with the version that wrote it.
    #[error(
        "{path} has results schema version {found}, but this retrylab reads version {expected}: \
         rerun the scenario with this version (its seed and scenario are inside the file)"
    )]
    SchemaVersion {
        /// The file.
        path: PathBuf,
        /// The version in the file (0 when the field is missing).
        found: u64,
        /// The version this build reads.
        expected: u32,
    },
    /// The results folder already exists and is not empty. Pass `--force` to write into it
    /// anyway, or choose another folder.
    #[error(
        "{path} already exists and holds {holds}: choose another folder with --out, or pass --force to write into it anyway (files of the same names are replaced)"
    )]
    NotEmpty {
        /// The folder.
        path: PathBuf,
        /// What it holds (`a run's results (results.json)`, `3 entries`).
        holds: String,
    },
    /// The results path is a file, not a folder. Choose a folder.
    #[error("{path} is a file, not a folder: choose a folder for the results with --out")]
    NotAFolder {
        /// The path.
        path: PathBuf,
    },
    /// The folder could not be created or written to (permissions, a name too long, a full
    /// disk). Choose another folder.
    #[error(
        "cannot write results into {path}: {source}: choose a folder you can write to, with a shorter name, on a disk with room (--out DIR)"
    )]
    Unwritable {
        /// The folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Every default name with a numbered suffix is taken. Clear out old runs, or pass `--out`.
    #[error(
        "{path} and its numbered variants up to -{MAX_SUFFIX} all exist: move old runs away, or choose a folder with --out"
    )]
    NoFreeName {
        /// The default folder without a suffix.
        path: PathBuf,
    },
    /// A latency histogram could not be encoded. This is a bug; please report it.
    #[error("{path}: could not encode a latency histogram: {message}")]
    Histogram {
        /// The log file.
        path: PathBuf,
        /// What the encoder said.
        message: String,
    },
}

impl Classify for OutputError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            // The file given is not a results file; the folder asked for cannot be used.
            OutputError::Json { .. }
            | OutputError::SchemaVersion { .. }
            | OutputError::NotEmpty { .. }
            | OutputError::NotAFolder { .. }
            | OutputError::Unwritable { .. }
            | OutputError::NoFreeName { .. } => ExitKind::BadInput,
            // Writing failed midway, or a defect.
            OutputError::Io { .. } | OutputError::Histogram { .. } => ExitKind::Failure,
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_owned(),
        source,
    }
}
