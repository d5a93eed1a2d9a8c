//! Sweeps: run a scenario over a range of one or two parameters, each point on every pool's
//! policy, repeated with derived seeds, and measure which policy wins where.
//!
//! ```text
//! retrylab sweep hot.toml --vary writers=1,2,4,8 --vary base_delay=10us..1ms x2 --repeat 3
//! ```
//!
//! A parameter is a path into the scenario's TOML ([`param`]), with short aliases
//! ([`param::ALIASES`]); values are lists, ranges or durations ([`values`]). Each point's
//! scenario is the edited TOML parsed with the normal validation, so a bad value fails with the
//! same located message as a bad scenario file — before anything runs. Points are saved as
//! they finish ([`manifest`], with the analysis in `metrics::sweep`, beside the results schema),
//! so an interrupted sweep resumes where it stopped. A running sweep holds its folder's lock
//! file ([`lock`]), so two sweeps started on one folder never interleave their points.
//! [`verdict::when_to_use`] turns a sweep into the seed's "when to use each pattern" table,
//! measured. `retrylab compare` is a built-in sweep over `writers` ([`compare`]).

pub mod compare;
mod error;
pub mod lock;
pub mod param;
pub mod runner;
pub mod spec;

/// The saved schema and analysis, at their old paths (they live in `metrics::sweep`).
pub use crate::metrics::sweep::{manifest, stats, values, verdict};

pub use error::SweepError;
pub use lock::{LOCK_FILE, SweepLock, holds_more_than_lock};
pub use manifest::{SweepData, load};
pub use runner::{SweepOptions, SweepOutcome, run_sweep};
pub use spec::SweepSpec;
