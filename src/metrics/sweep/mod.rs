//! A sweep's saved schema and its analysis: what a sweep folder holds (`sweep.json` and one
//! results file per point and repeat), the figures over repeats, and the measured "when to use
//! each pattern" verdicts. It lives beside the results schema, not with the runner, so a
//! report reads a sweep without depending on any engine (the runner is `crate::sweep`).
//! A comparison (`retrylab compare`) is two such sweeps over `writers` ([`compare`]): its
//! verdicts on the seed's table are in [`patterns`], its engine check in [`confirmation`].

pub mod compare;
pub mod confirmation;
pub mod manifest;
pub mod patterns;
pub mod stats;
pub mod values;
pub mod verdict;

use std::path::PathBuf;

use crate::exit::{Classify, ExitKind};

/// Why a sweep folder's file could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepDataError {
    /// A file of the sweep could not be written or read. Check the folder's permissions and
    /// free space.
    #[error(
        "{path}: {source}: check that the folder is writable, its name not too long and the disk not full, or choose another --out"
    )]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A saved file is damaged. Delete it (the point reruns) or the whole folder.
    #[error("{path} is damaged: {message}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
}

impl Classify for SweepDataError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            // The disk.
            SweepDataError::Io { .. } => ExitKind::Failure,
            // A folder the user pointed at holds something else.
            SweepDataError::Damaged { .. } => ExitKind::BadInput,
        }
    }
}
