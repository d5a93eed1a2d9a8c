//! The `breaker` table of a spec (the seed's pattern 3): window, thresholds, open durations,
//! probes; and building the circuit breaker from it.

use std::sync::Arc;

use super::checks::{cap_at_least, check, positive, within};
use super::defaults;
use super::named;
use crate::policy::gates::breaker::{
    BreakerConfig, BreakerFailure, CircuitBreaker, MAX_HALF_OPEN_PROBES,
};
use crate::policy::gates::breaker_window::WindowConfig;
use crate::policy::spec_error::PolicySpecError;
use crate::units::Duration;

/// A breaker's sliding window in a spec.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum WindowSpec {
    /// The last `size` calls (default 100).
    Count {
        /// Calls remembered (1..=1,000,000).
        size: Option<u32>,
    },
    /// Calls in the last `length` (default 10 ms), in `buckets` slices (default 10).
    Time {
        /// The window's length (> 0).
        #[serde(default, deserialize_with = "named::opt_length")]
        length: Option<Duration>,
        /// Slices (1..=1000).
        buckets: Option<u32>,
    },
    /// Trip after `failures` failures in a row (default 5).
    Consecutive {
        /// The run that trips (≥ 1).
        failures: Option<u32>,
    },
}

impl Default for WindowSpec {
    fn default() -> Self {
        WindowSpec::Count { size: None }
    }
}

/// A circuit breaker in a spec (the seed's pattern 3).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerSpec {
    /// The sliding window (default: the last 100 calls).
    #[serde(default)]
    pub window: WindowSpec,
    /// Failure rate that trips it, in (0, 1] (default 0.5).
    pub failure_rate_threshold: Option<f64>,
    /// Calls the window must hold before the rate is judged, ≥ 1 (default 20).
    pub minimum_calls: Option<u32>,
    /// First open duration, > 0 (default 1 ms).
    pub open_duration: Option<Duration>,
    /// Growth per re-open without closing, ≥ 1 (default 1: fixed).
    pub open_multiplier: Option<f64>,
    /// Largest open duration, ≥ open_duration (default 64 × open_duration).
    pub open_cap: Option<Duration>,
    /// Probes let through half-open, 1..=2047 (default 3).
    pub half_open_probes: Option<u32>,
    /// What counts as a failure (default `conflict`).
    #[serde(default)]
    pub failure_on: BreakerFailure,
}

impl BreakerSpec {
    /// Checks the spec's parameters and builds the breaker the pool's writers share.
    pub(super) fn build(&self) -> Result<Arc<CircuitBreaker>, PolicySpecError> {
        let window = match self.window {
            WindowSpec::Count { size } => {
                let size = size.unwrap_or(defaults::WINDOW_SIZE);
                check(
                    "breaker.window.size",
                    (1..=1_000_000).contains(&size),
                    size,
                    "1..=1000000 calls",
                )?;
                WindowConfig::Count { size }
            }
            WindowSpec::Time { length, buckets } => {
                let length_ns = positive(
                    "breaker.window.length",
                    length.unwrap_or(Duration(defaults::WINDOW_LENGTH)),
                )?;
                let buckets = buckets.unwrap_or(defaults::WINDOW_BUCKETS);
                check(
                    "breaker.window.buckets",
                    (1..=1000).contains(&buckets),
                    buckets,
                    "1..=1000 slices",
                )?;
                WindowConfig::Time { length_ns, buckets }
            }
            WindowSpec::Consecutive { failures } => {
                let failures = failures.unwrap_or(defaults::CONSECUTIVE_FAILURES);
                check(
                    "breaker.window.failures",
                    failures >= 1,
                    failures,
                    "at least 1",
                )?;
                WindowConfig::Consecutive { failures }
            }
        };
        let threshold = self
            .failure_rate_threshold
            .unwrap_or(defaults::FAILURE_RATE_THRESHOLD);
        check(
            "breaker.failure_rate_threshold",
            threshold > 0.0 && threshold <= 1.0,
            threshold,
            "a rate in (0, 1] (0.5 trips at half the calls failing)",
        )?;
        let minimum_calls = self.minimum_calls.unwrap_or(defaults::MINIMUM_CALLS);
        check(
            "breaker.minimum_calls",
            minimum_calls >= 1,
            minimum_calls,
            "at least 1",
        )?;
        let open = positive(
            "breaker.open_duration",
            self.open_duration
                .unwrap_or(Duration(defaults::OPEN_DURATION)),
        )?;
        let multiplier = within(
            "breaker.open_multiplier",
            self.open_multiplier.unwrap_or(defaults::OPEN_MULTIPLIER),
            1.0,
            1e6,
            "a number in [1, 1e6] (1 keeps the open duration fixed)",
        )?;
        let cap = self
            .open_cap
            .map_or(open.saturating_mul(defaults::OPEN_CAP_FACTOR), |c| c.0);
        let cap = cap_at_least("breaker.open_cap", cap, "breaker.open_duration", open)?;
        let probes = self.half_open_probes.unwrap_or(defaults::HALF_OPEN_PROBES);
        check(
            "breaker.half_open_probes",
            (1..=MAX_HALF_OPEN_PROBES).contains(&probes),
            probes,
            "1..=2047 probes",
        )?;
        Ok(Arc::new(CircuitBreaker::new(BreakerConfig {
            window,
            failure_rate_threshold: threshold,
            minimum_calls,
            open_duration_ns: open,
            open_multiplier: multiplier,
            open_cap_ns: cap,
            half_open_probes: probes,
            failure_on: self.failure_on,
        })))
    }
}
