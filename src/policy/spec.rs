//! TEMPORARY stub so main compiles; the real spec lands from the `policy` branch.
#![allow(missing_docs)]
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    pub name: Option<String>,
    pub max_attempts: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
#[error("unknown preset")]
pub struct PolicySpecError;

impl PolicySpec {
    pub fn preset(name: &str) -> Option<PolicySpec> {
        (name == "immediate").then(|| PolicySpec {
            name: Some(name.into()),
            max_attempts: Some(100),
        })
    }
    pub fn build(&self) -> Result<Arc<dyn Policy>, PolicySpecError> {
        Ok(Arc::new(Immediate {
            max: self.max_attempts.unwrap_or(1),
            label: self.name.clone().unwrap_or_default(),
        }))
    }
}

#[derive(Debug)]
struct Immediate {
    max: u32,
    label: String,
}
impl Policy for Immediate {
    fn label(&self) -> &str {
        &self.label
    }
    fn writer(&self) -> Box<dyn WriterPolicy> {
        Box::new(ImmediateWriter { max: self.max })
    }
}
#[derive(Debug)]
struct ImmediateWriter {
    max: u32,
}
impl WriterPolicy for ImmediateWriter {
    fn admit(&mut self, _: &AttemptInfo) -> Admission {
        Admission::Proceed
    }
    fn on_conflict(
        &mut self,
        info: &AttemptInfo,
        _: &VersionConflict,
        _: &mut WriterRng,
    ) -> Decision {
        if info.attempt >= self.max {
            Decision::GiveUp(GiveUpReason::MaxAttempts)
        } else {
            Decision::Retry {
                delay_ns: 0,
                refresh: Refresh::FromConflict,
            }
        }
    }
    fn on_commit(&mut self, _: &AttemptInfo) {}
}

pub fn preset_names() -> Vec<&'static str> {
    vec!["immediate"]
}
