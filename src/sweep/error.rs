//! Why a sweep could not be set up or run.

use std::path::PathBuf;

use super::param::ParamError;
use super::values::ValuesError;
use crate::engine::EngineError;
use crate::workload::scenario::ScenarioError;

/// Why a sweep failed. Each variant says the cause and the fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// A `--vary` argument is not `NAME=VALUES`. Write it like `writers=1,2,4,8`.
    #[error(
        "`--vary {0}`: expected NAME=VALUES, like `writers=1,2,4,8` or `base_delay=10us..1ms x2`"
    )]
    Syntax(String),
    /// No parameter, or more than two, was varied. Vary one or two (charts show lines for one,
    /// heatmaps for two).
    #[error("vary one or two parameters (got {0}); run more sweeps to cover more")]
    ParamCount(usize),
    /// The same parameter was varied twice. Merge the values into one `--vary`.
    #[error("parameter `{0}` is varied twice: give all its values in one --vary")]
    Duplicate(String),
    /// The parameter name or path is wrong.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The values did not parse.
    #[error("--vary {param}: {source}")]
    Values {
        /// The parameter.
        param: String,
        /// Why.
        #[source]
        source: ValuesError,
    },
    /// `--repeat 0`. Repeat at least once.
    #[error("--repeat must be 1 or more")]
    Repeat,
    /// The base scenario, or the scenario of one point, is invalid; the message shows the
    /// point and the value at fault.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The output folder holds a different sweep (another scenario or other parameters).
    /// Choose another `--out`, or delete the folder to start over.
    #[error(
        "{0} holds a different sweep (its sweep.json has another scenario or other parameters): choose another --out, or delete it to start over"
    )]
    OtherSweep(PathBuf),
    /// A file of the sweep could not be written or read. Check the folder's permissions and
    /// free space.
    #[error("{path}: {source}")]
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
    /// A point's run failed; the points that finished are saved and a re-run resumes.
    #[error("point {point}, repeat {rep}: {source}")]
    Run {
        /// The point's label.
        point: String,
        /// The repeat (from 0).
        rep: u32,
        /// The engine's error.
        #[source]
        source: EngineError,
    },
}
