//! What a sweep folder holds, so a sweep can be resumed and its report redrawn:
//!
//! ```text
//! <out>/sweep.json                               the manifest: scenario, parameters, values, repeats
//! <out>/points/<a=1,b=2>/rep-<k>/scenario.toml   the scenario as run at that point
//! <out>/points/<a=1,b=2>/rep-<k>/results.json    its results, written when the run finished
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SweepDataError;
use super::values::{SweepValue, parse_scalar};
use crate::metrics::output::OutputError;
use crate::metrics::results::Results;

/// The manifest's file name in a sweep folder.
pub const MANIFEST_FILE: &str = "sweep.json";

/// One varied parameter as saved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamAxis {
    /// The name as given (`writers`).
    pub name: String,
    /// The path it set (`pools.*.writers`).
    pub path: String,
    /// Its values as text (`1`, `50us`).
    pub values: Vec<String>,
}

impl ParamAxis {
    /// The values parsed back (numbers, durations or words).
    pub fn parsed(&self) -> Vec<SweepValue> {
        self.values.iter().map(|v| parse_scalar(v)).collect()
    }
}

/// A sweep's description, saved as `sweep.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepManifest {
    /// The scenario's name.
    pub scenario_name: String,
    /// Where the scenario came from (its file).
    pub origin: String,
    /// The scenario file's text, before any parameter was set.
    pub base_toml: String,
    /// The varied parameters (one or two), in `--vary` order.
    pub params: Vec<ParamAxis>,
    /// Runs per point.
    pub repeat: u32,
    /// The engine that ran the points (`threads`, `sim`).
    pub engine: String,
    /// Whether each pool ran alone on a fresh store (the default), or all pools together in one
    /// run, competing for the same actors (`--together`); `None` in folders written before it
    /// was recorded.
    #[serde(default)]
    pub alone: Option<bool>,
    /// Whether points were scaled down (`--quick`); `None` in folders written before it was
    /// recorded.
    #[serde(default)]
    pub quick: Option<bool>,
}

/// A setting in which two manifests of one experiment differ: which, as saved, as asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingDiff {
    /// The command-line option (`--engine`, `--together`, `--quick`).
    pub setting: &'static str,
    /// As the saved points were made (`unrecorded` for an older folder).
    pub was: String,
    /// As now asked.
    pub now: String,
    /// What to do: the option to pass (or drop) to match the saved points.
    pub fix: String,
}

impl SweepManifest {
    /// How the pools ran, in the words the reports use.
    pub fn mode(&self) -> &'static str {
        match self.alone {
            Some(true) => "each pool alone",
            Some(false) => "pools together, competing",
            None => "pools alone or together (unrecorded: an older retrylab wrote the folder)",
        }
    }

    /// True when `other` describes the same experiment: the same scenario text and the same
    /// parameters and values. Repeats may differ (more repeats extend a sweep); how the points
    /// are made is checked by [`SweepManifest::setting_diff`].
    pub fn same_experiment(&self, other: &SweepManifest) -> bool {
        self.base_toml == other.base_toml && self.params == other.params
    }

    /// The first setting (engine, `--together`, `--quick`) in which `asked` differs from this
    /// saved manifest, if any: points made differently must not be mixed in one sweep. A
    /// setting this manifest did not record counts as different (it cannot be checked).
    pub fn setting_diff(&self, asked: &SweepManifest) -> Option<SettingDiff> {
        if self.engine != asked.engine {
            return Some(SettingDiff {
                setting: "--engine",
                was: self.engine.clone(),
                now: asked.engine.clone(),
                fix: format!("to resume it, pass --engine {}", self.engine),
            });
        }
        let flag = |setting: &'static str, was: Option<bool>, now: Option<bool>| {
            let shown = |v: Option<bool>| match v {
                Some(true) => "on".to_owned(),
                Some(false) => "off".to_owned(),
                None => "unrecorded (an older retrylab wrote the folder)".to_owned(),
            };
            (was != now).then(|| SettingDiff {
                setting,
                was: shown(was),
                now: shown(now),
                fix: match was {
                    Some(true) => format!("to resume it, pass {setting}"),
                    Some(false) => format!("to resume it, run the same command without {setting}"),
                    None => "its points cannot be checked, so it cannot be resumed (its report \
                             still redraws with `retrylab report`)"
                        .to_owned(),
                },
            })
        };
        // The flag is `--together`, the opposite of the saved `alone`.
        let together = |alone: Option<bool>| alone.map(|a| !a);
        flag("--together", together(self.alone), together(asked.alone))
            .or_else(|| flag("--quick", self.quick, asked.quick))
    }
}

/// One point of a sweep with the results of its repeats.
#[derive(Clone, Debug, PartialEq)]
pub struct PointData {
    /// Index into each parameter's values.
    pub coords: Vec<usize>,
    /// `writers=4,base_delay=50us`.
    pub label: String,
    /// Results of the repeats that finished, in repeat order.
    pub reps: Vec<Results>,
}

/// A whole sweep: what was varied and what each point measured.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepData {
    /// The manifest.
    pub manifest: SweepManifest,
    /// Every point, in order (last parameter fastest).
    pub points: Vec<PointData>,
}

/// The label of the point at `coords`.
pub fn point_label(params: &[ParamAxis], coords: &[usize]) -> String {
    params
        .iter()
        .zip(coords)
        .map(|(p, &i)| format!("{}={}", p.name, p.values[i]))
        .collect::<Vec<_>>()
        .join(",")
}

/// The folder name of a point label: characters that are unsafe in paths become `_`.
pub fn folder_name(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._=,-+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Every point's coordinates, the last parameter varying fastest.
pub fn all_coords(params: &[ParamAxis]) -> Vec<Vec<usize>> {
    let mut coords = vec![Vec::new()];
    for p in params {
        coords = coords
            .into_iter()
            .flat_map(|c| {
                (0..p.values.len()).map(move |i| {
                    let mut next = c.clone();
                    next.push(i);
                    next
                })
            })
            .collect();
    }
    coords
}

/// Where repeat `rep` of the point labelled `label` is saved.
pub fn rep_dir(out: &Path, label: &str, rep: u32) -> PathBuf {
    out.join("points")
        .join(folder_name(label))
        .join(format!("rep-{rep}"))
}

/// The longest default sweep folder name, in bytes (file systems allow 255).
const MAX_DEFAULT_NAME: usize = 150;

/// The default sweep folder under `root`: `sweep-<scenario>-<param>[-<param>]` (unsafe
/// characters as `_`, cut to 150 bytes), without a timestamp, so running the same sweep
/// command again resumes it.
pub fn default_dir(root: &Path, scenario_name: &str, params: &[ParamAxis]) -> PathBuf {
    let mut name = format!("sweep-{scenario_name}");
    for p in params {
        name.push('-');
        name.push_str(&p.name);
    }
    let mut name = folder_name(&name).replace(['=', ','], "_");
    // folder_name leaves only ASCII, so any byte index is a character boundary.
    name.truncate(MAX_DEFAULT_NAME);
    root.join(name)
}

/// Reads a manifest.
pub fn read_manifest(dir: &Path) -> Result<SweepManifest, SweepDataError> {
    let path = dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| SweepDataError::Io {
        path: path.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| SweepDataError::Damaged {
        path,
        message: e.to_string(),
    })
}

/// Reads a finished repeat, if its results file exists, through the schema's one reader.
pub fn read_rep(dir: &Path) -> Result<Option<Results>, SweepDataError> {
    let path = dir.join("results.json");
    match Results::load(&path) {
        Ok(r) => Ok(Some(r)),
        Err(OutputError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            Ok(None)
        }
        Err(OutputError::Io { source, .. }) => Err(SweepDataError::Io { path, source }),
        Err(e) => Err(SweepDataError::Damaged {
            path,
            message: e.to_string(),
        }),
    }
}

/// Loads a sweep folder: its manifest and every finished repeat.
pub fn load(dir: &Path) -> Result<SweepData, SweepDataError> {
    let manifest = read_manifest(dir)?;
    let mut points = Vec::new();
    for coords in all_coords(&manifest.params) {
        let label = point_label(&manifest.params, &coords);
        let mut reps = Vec::new();
        for rep in 0..manifest.repeat {
            if let Some(r) = read_rep(&rep_dir(dir, &label, rep))? {
                reps.push(r);
            }
        }
        points.push(PointData {
            coords,
            label,
            reps,
        });
    }
    Ok(SweepData { manifest, points })
}
