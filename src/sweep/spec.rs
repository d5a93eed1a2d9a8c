//! A sweep's plan: the parameters varied and their values, checked against the scenario, and
//! the scenario of every point.

use super::error::SweepError;
use super::manifest::{ParamAxis, all_coords, folder_name, point_label};
use super::param::ParamPath;
use super::values::{SweepValue, parse_values};
use crate::rng::derive_seed;
use crate::workload::scenario::Scenario;

/// The most runs per point (`--repeat`): a few repeats show the spread; thousands are a typo.
pub const MAX_REPEAT: u32 = 1_000;

/// The most runs in one sweep (points × repeats), checked before anything runs or is saved.
pub const MAX_RUNS: u64 = 100_000;

/// One varied parameter: where it goes and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct VariedParam {
    /// Name and path.
    pub path: ParamPath,
    /// The values, in order.
    pub values: Vec<SweepValue>,
}

/// The parameters a sweep varies (one or two) and how often each point runs.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSpec {
    /// The varied parameters, in `--vary` order.
    pub params: Vec<VariedParam>,
    /// Runs per point, each with its own derived seed.
    pub repeat: u32,
}

impl SweepSpec {
    /// Parses `--vary NAME=VALUES` arguments. `repeat` is 1 to [`MAX_REPEAT`], and the
    /// points times the repeats at most [`MAX_RUNS`]. A value given twice is refused (two
    /// points would share one folder), as are two spellings that make the same folder name
    /// (`1us` and `1000ns`; `A` and `a` on a case-insensitive disk).
    pub fn parse(vary: &[String], repeat: u32) -> Result<Self, SweepError> {
        if repeat == 0 {
            return Err(SweepError::Repeat);
        }
        if repeat > MAX_REPEAT {
            return Err(SweepError::RepeatTooMany(repeat));
        }
        if vary.is_empty() || vary.len() > 2 {
            return Err(SweepError::ParamCount(vary.len()));
        }
        let mut params: Vec<VariedParam> = Vec::new();
        for arg in vary {
            let (name, values) = arg
                .split_once('=')
                .ok_or_else(|| SweepError::Syntax(arg.clone()))?;
            let path = ParamPath::resolve(name)?;
            if params.iter().any(|p| p.path.path == path.path) {
                return Err(SweepError::Duplicate(path.name));
            }
            let values = parse_values(values).map_err(|source| SweepError::Values {
                param: path.name.clone(),
                source,
            })?;
            refuse_repeated_values(&path.name, &values)?;
            params.push(VariedParam { path, values });
        }
        let points = params
            .iter()
            .fold(1usize, |n, p| n.saturating_mul(p.values.len()));
        if points as u64 * u64::from(repeat) > MAX_RUNS {
            return Err(SweepError::TooManyRuns { points, repeat });
        }
        Ok(SweepSpec { params, repeat })
    }

    /// The parameters as saved in the manifest.
    pub fn axes(&self) -> Vec<ParamAxis> {
        self.params
            .iter()
            .map(|p| ParamAxis {
                name: p.path.name.clone(),
                path: p.path.path.clone(),
                values: p.values.iter().map(|v| v.text.clone()).collect(),
            })
            .collect()
    }

    /// Every point: its coordinates, label and scenario (validated like a scenario file, so a
    /// bad value fails with the point, line and field in the message). Repeat 0 of every
    /// point keeps the scenario's seed; see [`seed_for_repeat`].
    pub fn scenarios(
        &self,
        base_text: &str,
        origin: &str,
    ) -> Result<Vec<(Vec<usize>, String, Scenario)>, SweepError> {
        let base = Scenario::from_toml(base_text, origin)?;
        let doc: toml::Value = toml::from_str(base_text).map_err(|e| {
            crate::workload::scenario::ScenarioError::Invalid {
                path: origin.to_owned(),
                message: e.to_string(),
            }
        })?;
        let axes = self.axes();
        let mut out = Vec::new();
        for coords in all_coords(&axes) {
            let label = point_label(&axes, &coords);
            let mut point = doc.clone();
            for (p, &i) in self.params.iter().zip(&coords) {
                p.path.apply(&mut point, &p.values[i].toml, &base)?;
            }
            let text = toml::to_string(&point).map_err(|e| {
                crate::workload::scenario::ScenarioError::Invalid {
                    path: format!("{origin} [{label}]"),
                    message: e.to_string(),
                }
            })?;
            let scenario = Scenario::from_toml(&text, &format!("{origin} [{label}]"))?;
            out.push((coords, label, scenario));
        }
        Ok(out)
    }
}

/// Each value's folder name must be unique, compared without case so that a case-insensitive
/// disk cannot merge two points either.
fn refuse_repeated_values(param: &str, values: &[SweepValue]) -> Result<(), SweepError> {
    let mut seen: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for v in values {
        let key = folder_name(&v.text).to_lowercase();
        if let Some(first) = seen.insert(key, &v.text) {
            return Err(SweepError::RepeatedValue {
                param: param.to_owned(),
                value: first.to_owned(),
                also: if first == v.text {
                    String::new()
                } else {
                    format!(" (as `{}`, which makes the same folder name)", v.text)
                },
            });
        }
    }
    Ok(())
}

/// The seed of repeat `rep`: the scenario's own for repeat 0 (a one-repeat sweep point equals a
/// plain run), then seeds derived from it, the same at every point (so points differ by the
/// parameter, not by luck). Kept below 2^63 so a scenario file can hold it.
pub fn seed_for_repeat(seed: u64, rep: u32) -> u64 {
    if rep == 0 {
        seed
    } else {
        derive_seed(seed, u32::MAX, rep) >> 1
    }
}
