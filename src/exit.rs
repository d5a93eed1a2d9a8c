//! What kind of failure an error is, so the command line's exit status follows from the error
//! itself rather than from a list of exceptions kept in the binary.
//!
//! | kind | exit status | meaning |
//! |---|---|---|
//! | [`ExitKind::BadInput`] | 2 | the user can fix the input: an argument, a scenario file, a folder |
//! | [`ExitKind::Failure`] | 1 | the run or its bookkeeping failed (I/O, a defect) |
//! | [`ExitKind::AuditFailed`] | 1 | the run finished but the store audit found lost or invented writes |
//! | [`ExitKind::Interrupted`] | 130 | stopped early (Ctrl-C): what finished was saved, but it is partial |
//!
//! Every error type of the library says which kind it is through [`Classify`]. The types owned
//! by [`crate::sweep`] and [`crate::metrics::output`] implement it beside their definitions; the
//! engine's, the scenario's and the report's errors are classified here, in one place, with
//! exhaustive matches, so a new variant does not compile until someone decides its kind.

use crate::engine::EngineError;
use crate::report::ReportError;
use crate::workload::scenario::ScenarioError;

/// Which kind of failure ended a command; [`ExitKind::code`] is the process's exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExitKind {
    /// Input the user can fix (arguments, scenario files, the output folder): exit 2.
    BadInput,
    /// The run or writing its results failed: exit 1.
    Failure,
    /// The store audit failed (lost or invented writes); the results are kept: exit 1.
    AuditFailed,
    /// Stopped early (Ctrl-C); the partial results are written: exit 130, the shell's code for
    /// a process ended by SIGINT.
    Interrupted,
}

impl ExitKind {
    /// The exit status of this kind.
    pub const fn code(self) -> u8 {
        match self {
            ExitKind::BadInput => 2,
            ExitKind::Failure | ExitKind::AuditFailed => 1,
            ExitKind::Interrupted => INTERRUPTED_CODE,
        }
    }
}

/// The exit status of a stopped (interrupted) command: 128 + SIGINT (2), as shells report it.
pub const INTERRUPTED_CODE: u8 = 130;

/// An error that knows which kind of failure it is.
pub trait Classify {
    /// The kind, and so the exit status.
    fn exit_kind(&self) -> ExitKind;
}

impl Classify for EngineError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            // The scenario asks for what this engine cannot do, or its keys do not fit.
            EngineError::Unsupported(_) | EngineError::Keys { .. } => ExitKind::BadInput,
            // No server, a wrong password, no url: fixed before anything was written.
            EngineError::StoreRefused(_) => ExitKind::BadInput,
            EngineError::StoreFailed(_) => ExitKind::Failure,
            // The operating system refused a thread.
            EngineError::Spawn { .. } => ExitKind::Failure,
        }
    }
}

impl Classify for ScenarioError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            // A scenario path that cannot be read is the user's to fix, like a bad field.
            ScenarioError::Io { .. }
            | ScenarioError::Invalid { .. }
            | ScenarioError::NotAFile { .. }
            | ScenarioError::TooLarge { .. }
            | ScenarioError::Engine { .. } => ExitKind::BadInput,
        }
    }
}

impl Classify for ReportError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            // The path given to `report` holds nothing readable.
            ReportError::Read { .. }
            | ReportError::Parse { .. }
            | ReportError::Schema { .. }
            | ReportError::NothingToReport { .. } => ExitKind::BadInput,
            // The disk, or a defect in the chart code.
            ReportError::Write { .. } | ReportError::Draw { .. } => ExitKind::Failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones() {
        assert_eq!(ExitKind::BadInput.code(), 2);
        assert_eq!(ExitKind::Failure.code(), 1);
        assert_eq!(ExitKind::AuditFailed.code(), 1);
        assert_eq!(ExitKind::Interrupted.code(), 130);
    }

    #[test]
    fn a_chart_that_cannot_be_drawn_is_a_failure_not_bad_input() {
        let e = ReportError::Draw {
            chart: "c".into(),
            message: "m".into(),
        };
        assert_eq!(e.exit_kind(), ExitKind::Failure);
    }
}
