//! The `backoff` table of a spec: which delay shape or contention manager, with its parameters;
//! and building the delay source from it.

use std::sync::Arc;

use super::checks::{cap_at_least, positive, within};
use super::defaults;
use super::named;
use crate::clock::{MILLIS, Nanos};
use crate::policy::backoff::greedy::Greedy;
use crate::policy::backoff::jitter::{CapPlacement, Jitter};
use crate::policy::backoff::karma::{KarmaBackoff, KarmaFlavor};
use crate::policy::backoff::shape::DelayShape;
use crate::policy::backoff::silo::SiloBackoff;
use crate::policy::backoff::{BackoffFactory, ShapedBackoff};
use crate::policy::spec_error::PolicySpecError;
use crate::units::Duration;

/// The delay shape (or contention manager) of a spec.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BackoffSpec {
    /// No retry: fail fast on the first conflict.
    // `{}` rather than unit variants: serde rejects unknown fields only in struct variants.
    None {},
    /// Retry at once.
    Immediate {},
    /// The same delay every retry.
    Constant {
        /// The delay (zero allowed).
        #[serde(deserialize_with = "named::delay")]
        delay: Duration,
    },
    /// `base + step · (n − 1)`, capped.
    Linear {
        /// The first delay (> 0).
        #[serde(deserialize_with = "named::base")]
        base: Duration,
        /// Added per retry (default: `base`).
        #[serde(default, deserialize_with = "named::opt_step")]
        step: Option<Duration>,
        /// The largest delay (default: none).
        #[serde(default, deserialize_with = "named::opt_cap")]
        cap: Option<Duration>,
    },
    /// `base · multiplier^(n − 1)`, capped.
    Exponential {
        /// The first delay (> 0).
        #[serde(deserialize_with = "named::base")]
        base: Duration,
        /// Growth per retry (≥ 1, default 2).
        multiplier: Option<f64>,
        /// The largest delay (default: none).
        #[serde(default, deserialize_with = "named::opt_cap")]
        cap: Option<Duration>,
    },
    /// AWS decorrelated jitter: `min(cap, random(base, 3 · prev))`.
    Decorrelated {
        /// The smallest delay (> 0).
        #[serde(deserialize_with = "named::base")]
        base: Duration,
        /// The largest delay (≥ base).
        #[serde(deserialize_with = "named::cap")]
        cap: Duration,
    },
    /// Polly v8's exponential-with-jitter (decorrelated jitter V2).
    PollyDecorrelatedV2 {
        /// The median of the first delay (> 0).
        #[serde(deserialize_with = "named::median_first_retry_delay")]
        median_first_retry_delay: Duration,
        /// The largest delay (default: none).
        #[serde(default, deserialize_with = "named::opt_cap")]
        cap: Option<Duration>,
    },
    /// Karma contention manager: `min(cap, base · n) / (1 + work)`.
    Karma {
        /// Interval unit (> 0).
        #[serde(deserialize_with = "named::base")]
        base: Duration,
        /// Largest interval (≥ base).
        #[serde(deserialize_with = "named::cap")]
        cap: Duration,
    },
    /// Polka contention manager: `u · min(cap, base · 2^(n−1)) / (1 + work)`.
    Polka {
        /// Interval unit (> 0).
        #[serde(deserialize_with = "named::base")]
        base: Duration,
        /// Largest interval (≥ base).
        #[serde(deserialize_with = "named::cap")]
        cap: Duration,
    },
    /// Greedy / timestamp contention manager: oldest operation retries at once.
    Greedy {
        /// Younger writers' first interval (> 0).
        #[serde(deserialize_with = "named::base")]
        base: Duration,
        /// Younger writers' largest interval (≥ base).
        #[serde(deserialize_with = "named::cap")]
        cap: Duration,
    },
    /// Silo's per-writer backoff: doubled per conflict, halved per commit, kept across operations.
    Silo {
        /// The first delay (> 0).
        #[serde(deserialize_with = "named::min")]
        min: Duration,
        /// The largest delay (≥ min).
        #[serde(deserialize_with = "named::max")]
        max: Duration,
    },
}

impl Default for BackoffSpec {
    /// The seed's pattern 1 shape: 10 ms doubling.
    fn default() -> Self {
        BackoffSpec::Exponential {
            base: Duration(10 * MILLIS),
            multiplier: None,
            cap: None,
        }
    }
}

impl BackoffSpec {
    /// The kind's name as written in TOML.
    pub fn kind(&self) -> &'static str {
        match self {
            BackoffSpec::None {} => "none",
            BackoffSpec::Immediate {} => "immediate",
            BackoffSpec::Constant { .. } => "constant",
            BackoffSpec::Linear { .. } => "linear",
            BackoffSpec::Exponential { .. } => "exponential",
            BackoffSpec::Decorrelated { .. } => "decorrelated",
            BackoffSpec::PollyDecorrelatedV2 { .. } => "polly_decorrelated_v2",
            BackoffSpec::Karma { .. } => "karma",
            BackoffSpec::Polka { .. } => "polka",
            BackoffSpec::Greedy { .. } => "greedy",
            BackoffSpec::Silo { .. } => "silo",
        }
    }
}

impl BackoffSpec {
    /// Checks the spec's parameters and builds the delay source every writer gets one of;
    /// `jitter` and `cap_applies` (the policy's, not the backoff table's) apply to the shapes.
    pub(super) fn factory(
        &self,
        jitter: Jitter,
        cap_applies: CapPlacement,
    ) -> Result<Arc<dyn BackoffFactory>, PolicySpecError> {
        let shaped = |shape, cap: Option<Nanos>| -> Arc<dyn BackoffFactory> {
            Arc::new(ShapedBackoff::new(
                shape,
                jitter,
                cap.unwrap_or(u64::MAX),
                cap_applies,
            ))
        };
        Ok(match self {
            BackoffSpec::None {} | BackoffSpec::Immediate {} => shaped(DelayShape::Immediate, None),
            BackoffSpec::Constant { delay } => {
                shaped(DelayShape::Constant { delay: delay.0 }, None)
            }
            BackoffSpec::Linear { base, step, cap } => {
                let base = positive("backoff.base", *base)?;
                let cap = cap
                    .map(|c| cap_at_least("backoff.cap", c.0, "backoff.base", base))
                    .transpose()?;
                shaped(
                    DelayShape::Linear {
                        base,
                        step: step.map_or(base, |s| s.0),
                    },
                    cap,
                )
            }
            BackoffSpec::Exponential {
                base,
                multiplier,
                cap,
            } => {
                let base = positive("backoff.base", *base)?;
                let multiplier = within(
                    "backoff.multiplier",
                    multiplier.unwrap_or(defaults::MULTIPLIER),
                    1.0,
                    1e6,
                    "a number in [1, 1e6] (below 1 the delay would shrink)",
                )?;
                let cap = cap
                    .map(|c| cap_at_least("backoff.cap", c.0, "backoff.base", base))
                    .transpose()?;
                shaped(DelayShape::Exponential { base, multiplier }, cap)
            }
            BackoffSpec::Decorrelated { base, cap } => {
                let base = positive("backoff.base", *base)?;
                let cap = cap_at_least("backoff.cap", cap.0, "backoff.base", base)?;
                shaped(DelayShape::Decorrelated { base }, Some(cap))
            }
            BackoffSpec::PollyDecorrelatedV2 {
                median_first_retry_delay,
                cap,
            } => {
                let median = positive(
                    "backoff.median_first_retry_delay",
                    *median_first_retry_delay,
                )?;
                let cap = cap.map(|c| positive("backoff.cap", c)).transpose()?;
                shaped(
                    DelayShape::PollyDecorrelatedV2 {
                        median_first_retry_delay: median,
                    },
                    cap,
                )
            }
            BackoffSpec::Karma { base, cap } | BackoffSpec::Polka { base, cap } => {
                let base = positive("backoff.base", *base)?;
                let cap = cap_at_least("backoff.cap", cap.0, "backoff.base", base)?;
                let flavor = if matches!(self, BackoffSpec::Karma { .. }) {
                    KarmaFlavor::Karma
                } else {
                    KarmaFlavor::Polka
                };
                Arc::new(KarmaBackoff { flavor, base, cap })
            }
            BackoffSpec::Greedy { base, cap } => {
                let base = positive("backoff.base", *base)?;
                let cap = cap_at_least("backoff.cap", cap.0, "backoff.base", base)?;
                Arc::new(Greedy::new(base, cap))
            }
            BackoffSpec::Silo { min, max } => {
                let min = positive("backoff.min", *min)?;
                let max = cap_at_least("backoff.max", max.0, "backoff.min", min)?;
                Arc::new(SiloBackoff::new(min, max))
            }
        })
    }
}
