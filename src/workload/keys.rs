//! TEMPORARY stub so main compiles; the real samplers land from the `store` branch.
#![allow(missing_docs)]
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::rng::WriterRng;
use crate::store::ActorId;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum KeyDistribution {
    Uniform,
    HotActor,
}

#[derive(Debug, thiserror::Error)]
#[error("bad keys")]
pub struct KeysError;

#[derive(Debug, Clone)]
pub struct KeySampler {
    dist: KeyDistribution,
    actors: u64,
}

impl KeySampler {
    pub fn new(dist: &KeyDistribution, actors: u64) -> Result<Self, KeysError> {
        Ok(Self {
            dist: *dist,
            actors,
        })
    }
    pub fn sample(&self, rng: &mut WriterRng) -> ActorId {
        match self.dist {
            KeyDistribution::Uniform => rng.random_range(0..self.actors),
            KeyDistribution::HotActor => 0,
        }
    }
}
