//! A scenario's `[tune]` table: what `retrylab tune` searches when its command line does not
//! say (other commands ignore it). The same words as the command line's flags:
//!
//! ```toml
//! [tune]
//! pool = "service"
//! params = ["base=100us..50ms:log", "jitter=none,full,equal,decorrelated", "max_retries=1..20"]
//! minimize = ["attempts_per_commit"]
//! subject_to = ["p99<=20ms", "give_up_rate<=0.1%"]
//! budget = 300
//! ```

use serde::{Deserialize, Serialize};

/// The `[tune]` table, as written; `retrylab tune` checks its words.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TuneTable {
    /// The pool whose policy is searched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// Parameters, as `--param` takes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<String>,
    /// Metrics to maximize.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maximize: Vec<String>,
    /// Metrics to minimize.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub minimize: Vec<String>,
    /// Constraints, as `--subject-to` takes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_to: Vec<String>,
    /// The most search runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<u64>,
    /// Seeds per configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeds: Option<u32>,
}
