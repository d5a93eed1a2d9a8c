//! A sweep's plan: the parameters varied and their values, checked against the scenario, and
//! the scenario of every point.

use super::error::SweepError;
use super::manifest::{ParamAxis, all_coords, point_label};
use super::param::ParamPath;
use super::values::{SweepValue, parse_values};
use crate::rng::derive_seed;
use crate::workload::scenario::Scenario;

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
    /// Parses `--vary NAME=VALUES` arguments.
    pub fn parse(vary: &[String], repeat: u32) -> Result<Self, SweepError> {
        if repeat == 0 {
            return Err(SweepError::Repeat);
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
            params.push(VariedParam { path, values });
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
