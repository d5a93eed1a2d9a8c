//! Measuring a run: per-writer recorders, merged afterwards into the results schema.
pub mod output;
pub mod recorder;
pub mod results;
