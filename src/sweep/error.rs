//! Why a sweep could not be set up or run.

use std::path::PathBuf;

use super::param::ParamError;
use super::spec::{MAX_REPEAT, MAX_RUNS};
use super::values::ValuesError;
use crate::engine::EngineError;
use crate::exit::{Classify, ExitKind};
use crate::metrics::sweep::SweepDataError;
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
    /// `--repeat` above [`MAX_REPEAT`]. Repeat fewer times (a few repeats already show the
    /// spread).
    #[error("--repeat {0} is more than the {MAX_REPEAT} allowed: give 1 to {MAX_REPEAT}")]
    RepeatTooMany(u32),
    /// Points × repeats above [`MAX_RUNS`]. Vary fewer values, or repeat less.
    #[error(
        "this sweep asks for {points} point(s) x {repeat} repeat(s) = {runs} runs, more than the \
         {MAX_RUNS} allowed: give fewer values (a coarser step) or a smaller --repeat",
        runs = *points as u64 * u64::from(*repeat)
    )]
    TooManyRuns {
        /// Points (the product of every parameter's value count).
        points: usize,
        /// Runs per point.
        repeat: u32,
    },
    /// A parameter takes the same value twice (or two values that make the same folder name),
    /// so two points would share one folder. Give each value once.
    #[error(
        "--vary {param}: the value `{value}` is given more than once{also}: give each value once \
         (repeats of one value are what --repeat is for)"
    )]
    RepeatedValue {
        /// The parameter.
        param: String,
        /// The repeated value.
        value: String,
        /// ` (as `other`)` when two different spellings make the same folder.
        also: String,
    },
    /// The base scenario, or the scenario of one point, is invalid; the message shows the
    /// point and the value at fault.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The output folder holds a different sweep (another scenario or other parameters).
    /// Choose another `--out`, or delete the folder to start over.
    #[error(
        "{0} holds a different sweep (its sweep.json has another scenario or other parameters): choose another --out, or delete it to start over (--force never mixes two sweeps in one folder)"
    )]
    OtherSweep(PathBuf),
    /// The output folder is not empty and is not a sweep folder. Choose another `--out`, or pass
    /// `--force` to write the sweep into it anyway.
    #[error(
        "{0} already exists and is not empty, and it is not a sweep folder (no sweep.json): choose another --out, or pass --force to write the sweep into it anyway"
    )]
    NotASweepFolder(PathBuf),
    /// The output folder holds this sweep, but its points were made with another engine or
    /// other `--together`/`--quick` settings; resuming would mix points made differently. Pass
    /// the settings it names, or choose another `--out`.
    #[error(
        "{dir} holds this sweep's points made with {setting} {was}, but this command asks for {now}: {fix}; or choose another --out to start a separate sweep (--force never mixes points made differently)"
    )]
    SettingsDiffer {
        /// The sweep folder.
        dir: PathBuf,
        /// Which setting (`--engine`, `--together`, `--quick`).
        setting: &'static str,
        /// As the folder's points were made.
        was: String,
        /// As this command asks.
        now: String,
        /// What to pass instead.
        fix: String,
    },
    /// The folder's lock file ([`super::lock::LOCK_FILE`]) exists: another sweep or comparison
    /// is writing into it, or one that was killed left its lock behind (never removed
    /// silently: only the user can tell). Wait for that sweep to end; if its process is gone,
    /// delete the lock file and run again. Or choose another `--out`.
    #[error("{}", super::lock::locked_message(lock, *pid, started.as_deref()))]
    Locked {
        /// The lock file.
        lock: PathBuf,
        /// The process id the lock file names (`None` if it names none: being written this
        /// instant, or damaged).
        pid: Option<u32>,
        /// When that sweep started, as the lock file says.
        started: Option<String>,
    },
    /// A file of the sweep could not be written or read, or a saved one is damaged: the one
    /// error type for a sweep folder's files, shared with the reader reports use.
    #[error(transparent)]
    Data(#[from] SweepDataError),
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

impl Classify for SweepError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            SweepError::Syntax(_)
            | SweepError::ParamCount(_)
            | SweepError::Duplicate(_)
            | SweepError::Param(_)
            | SweepError::Values { .. }
            | SweepError::Repeat
            | SweepError::RepeatTooMany(_)
            | SweepError::TooManyRuns { .. }
            | SweepError::RepeatedValue { .. }
            | SweepError::OtherSweep(_)
            | SweepError::NotASweepFolder(_)
            | SweepError::SettingsDiffer { .. }
            // Another sweep's folder, for now: wait, or delete a lock its process left behind.
            | SweepError::Locked { .. } => ExitKind::BadInput,
            SweepError::Scenario(e) => e.exit_kind(),
            // The disk (a failure), or a damaged saved file (the user deletes it: bad input).
            SweepError::Data(e) => e.exit_kind(),
            SweepError::Run { source, .. } => source.exit_kind(),
        }
    }
}
