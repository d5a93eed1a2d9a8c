//! Measuring a run: per-writer recorders, merged afterwards into the results schema.
pub mod format;
pub mod output;
pub mod pools_csv;
pub mod recorder;
pub mod results;
pub mod shared_histogram;
pub mod sweep;
pub mod tune;
