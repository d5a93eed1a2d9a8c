//! What a `retrylab compare` folder holds: two ordinary sweep folders over `writers`, each
//! pool alone, and a small file that ties them together so `retrylab report` can redraw the
//! comparison as one report:
//!
//! ```text
//! <out>/compare.json          this file: which engine made which sweep, quick or not
//! <out>/contention/           the contention sweep (sweep.json, points/), simulator by default
//! <out>/confirm-threads/      the threaded engine at a few of the same points (absent when the
//!                             contention sweep itself ran on threads)
//! <out>/report/               the report
//! ```
//!
//! Each sweep folder is complete on its own (`retrylab report <out>/contention` draws it as a
//! plain sweep).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::SweepDataError;
use super::manifest::{MANIFEST_FILE, SweepData, load};

/// The file that marks a folder as a comparison.
pub const COMPARE_FILE: &str = "compare.json";

/// The contention sweep's folder inside a comparison.
pub const CONTENTION_DIR: &str = "contention";

/// The threaded confirmation sweep's folder inside a comparison.
pub const CONFIRMATION_DIR: &str = "confirm-threads";

/// `compare.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareManifest {
    /// The scenario's name.
    pub scenario_name: String,
    /// The master seed.
    pub seed: u64,
    /// The contention sweep's engine (`sim` by default).
    pub engine: String,
    /// The confirmation sweep's engine (`threads`), or `None` when there is none.
    pub confirmation_engine: Option<String>,
    /// Whether the runs were scaled down (`--quick`).
    pub quick: bool,
}

/// A comparison read back: its manifest and both sweeps.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareData {
    /// `compare.json`.
    pub manifest: CompareManifest,
    /// Every pattern alone at every writer count.
    pub contention: SweepData,
    /// The same patterns on the threaded engine at a few points, when that ran.
    pub confirmation: Option<SweepData>,
}

/// Loads a comparison folder (finished points only; a stopped comparison loads what it has).
pub fn load_compare(dir: &Path) -> Result<CompareData, SweepDataError> {
    let path = dir.join(COMPARE_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| SweepDataError::Io {
        path: path.clone(),
        source,
    })?;
    let manifest: CompareManifest =
        serde_json::from_str(&text).map_err(|e| SweepDataError::Damaged {
            path,
            message: e.to_string(),
        })?;
    let contention = load(&dir.join(CONTENTION_DIR))?;
    // A comparison stopped before its confirmation began has none yet.
    let confirm_dir = dir.join(CONFIRMATION_DIR);
    let confirmation =
        if manifest.confirmation_engine.is_some() && confirm_dir.join(MANIFEST_FILE).is_file() {
            Some(load(&confirm_dir)?)
        } else {
            None
        };
    Ok(CompareData {
        manifest,
        contention,
        confirmation,
    })
}
