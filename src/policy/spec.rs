//! Policy specs: a policy described in TOML (a scenario's `[pools.policy]` table, or a preset),
//! validated, then built.
//!
//! ```toml
//! [pools.policy]
//! name = "exp-full"                    # optional label for reports
//! backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "10ms" }
//! jitter = { kind = "full" }           # none | full | equal | proportional {factor} | additive
//! cap_applies = "before_jitter"        # or "after_jitter"
//! max_retries = 10                     # or max_attempts = 11 (never both)
//! deadline = "5ms"                     # total time from the operation's start
//! refresh = "from_conflict"            # or "reread", "rebuild"
//! on_error = "fail"                    # or "retry": non-conflict errors
//! breaker = { failure_rate_threshold = 0.5, minimum_calls = 20, open_duration = "1ms" }
//! budget = { kind = "aws_token_bucket" }
//! monitor = { stale_threshold = 5 }
//! ```
//!
//! Durations are strings with a unit (`"250us"`, `"10ms"`, `"1s"`) or integer nanoseconds.
//!
//! **Counting attempts.** `max_attempts` counts the first try, as resilience4j's `maxAttempts`
//! does (3 = one try and two retries); `max_retries` does not, as Polly's `MaxRetryAttempts` (3 =
//! one try and three retries). Give one or neither (no limit).
//!
//! **Time scales.** Library defaults (resilience4j 500 ms, Polly 2 s, AWS 100 ms–20 s) are made
//! for remote services; against an in-memory store an append takes well under a microsecond, so
//! the `-us` presets scale delays to microseconds.

use std::sync::Arc;

use super::aimd::{AimdConfig, AimdLimiter};
use super::backoff::{BackoffFactory, ShapedBackoff};
use super::breaker::{BreakerConfig, BreakerFailure, CircuitBreaker, MAX_HALF_OPEN_PROBES};
use super::breaker_window::WindowConfig;
use super::finagle_budget::RetryBudget;
use super::gate::Gate;
use super::greedy::Greedy;
use super::grpc_throttle::GrpcThrottle;
use super::jitter::{CapPlacement, Jitter};
use super::karma::{KarmaBackoff, KarmaFlavor};
use super::monitor::{ConflictMonitor, MonitorConfig};
use super::monitored::Monitored;
use super::retry::{ErrorRule, RetryPolicy, RetryRules};
use super::shape::DelayShape;
use super::silo::SiloBackoff;
use super::spec_error::PolicySpecError;
use super::token_bucket::{TokenBucket, TokenBucketConfig};
use super::{Policy, Refresh};
use crate::clock::{MILLIS, Nanos};
use crate::units::Duration;

/// Defaults of optional spec fields, shared with the `list` catalogue.
pub mod defaults {
    use crate::clock::{MILLIS, Nanos, SECONDS};
    /// Exponential growth per retry.
    pub const MULTIPLIER: f64 = 2.0;
    /// Breaker: failure-rate threshold (resilience4j's default).
    pub const FAILURE_RATE_THRESHOLD: f64 = 0.5;
    /// Breaker: calls before the rate is judged.
    pub const MINIMUM_CALLS: u32 = 20;
    /// Breaker: first open duration (in-memory scale; resilience4j's is 60 s).
    pub const OPEN_DURATION: Nanos = MILLIS;
    /// Breaker: open-duration growth per re-open.
    pub const OPEN_MULTIPLIER: f64 = 1.0;
    /// Breaker: open-duration cap as a multiple of the first open duration.
    pub const OPEN_CAP_FACTOR: u64 = 64;
    /// Breaker: half-open probes.
    pub const HALF_OPEN_PROBES: u32 = 3;
    /// Breaker: count window size (resilience4j's default).
    pub const WINDOW_SIZE: u32 = 100;
    /// Breaker: time window length.
    pub const WINDOW_LENGTH: Nanos = 10 * MILLIS;
    /// Breaker: time window slices.
    pub const WINDOW_BUCKETS: u32 = 10;
    /// Breaker: consecutive failures that trip.
    pub const CONSECUTIVE_FAILURES: u32 = 5;
    /// gRPC throttling: maxTokens (gRFC A6's example).
    pub const GRPC_MAX_TOKENS: f64 = 10.0;
    /// gRPC throttling: tokenRatio (gRFC A6's example).
    pub const GRPC_TOKEN_RATIO: f64 = 0.1;
    /// Finagle budget: ttl.
    pub const FINAGLE_TTL: Nanos = 10 * SECONDS;
    /// Finagle budget: minimum retries per second.
    pub const FINAGLE_MIN_RETRIES_PER_SEC: f64 = 10.0;
    /// Finagle budget: share of operations that may retry.
    pub const FINAGLE_PERCENT_CAN_RETRY: f64 = 0.2;
    /// AIMD: initial retries per second.
    pub const AIMD_INITIAL_RATE: f64 = 10_000.0;
    /// AIMD: minimum rate.
    pub const AIMD_MIN_RATE: f64 = 100.0;
    /// AIMD: maximum rate.
    pub const AIMD_MAX_RATE: f64 = 1_000_000.0;
    /// AIMD: additive increase per commit.
    pub const AIMD_INCREASE: f64 = 10.0;
    /// AIMD: multiplicative decrease per conflict.
    pub const AIMD_DECREASE: f64 = 0.9;
    /// AIMD: burst allowance in retries.
    pub const AIMD_BURST: f64 = 10.0;
    /// Monitor: staleness above which a read is stale (the seed's `gap > 5`).
    pub const STALE_THRESHOLD: i64 = 5;
    /// Monitor: hottest actors reported.
    pub const TOP_K: usize = 10;
}

/// Named duration deserialisers for the fields of tagged tables, whose parse errors would
/// otherwise not say which field held the bad duration (serde buffers tagged enums, losing the
/// key): each prefixes the error with the field's name.
mod named {
    use serde::de::{Deserialize, Deserializer, Error};

    use super::Duration;

    macro_rules! named_durations {
        ($($field:ident / $opt:ident),* $(,)?) => {$(
            pub(super) fn $field<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
                Duration::deserialize(d).map_err(|e| D::Error::custom(format!("`{}`: {e}", stringify!($field))))
            }
            #[allow(dead_code, reason = "not every field is optional somewhere")]
            pub(super) fn $opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
                $field(d).map(Some)
            }
        )*};
    }

    named_durations!(
        delay / opt_delay,
        base / opt_base,
        step / opt_step,
        cap / opt_cap,
        median_first_retry_delay / opt_median_first_retry_delay,
        min / opt_min,
        max / opt_max,
        length / opt_length,
        ttl / opt_ttl,
    );
}

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

/// A retry budget in a spec.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BudgetSpec {
    /// AWS SDK standard-mode retry quota (defaults 500 / 5 / 10 / 1).
    AwsTokenBucket {
        /// Tokens when full (≥ 1).
        capacity: Option<u64>,
        /// Tokens per retry after a conflict.
        retry_cost: Option<u64>,
        /// Tokens per retry after another error.
        timeout_cost: Option<u64>,
        /// Tokens back for an operation that committed without retrying.
        success_refund: Option<u64>,
    },
    /// gRPC retry throttling (defaults maxTokens 10, tokenRatio 0.1).
    GrpcThrottle {
        /// maxTokens, in (0, 1000].
        max_tokens: Option<f64>,
        /// tokenRatio, in (0, max_tokens].
        token_ratio: Option<f64>,
    },
    /// Finagle / tower retry budget (defaults ttl 10 s, 10 retries/s, 20 %).
    Finagle {
        /// How long deposits and withdrawals count (> 0).
        #[serde(default, deserialize_with = "named::opt_ttl")]
        ttl: Option<Duration>,
        /// Reserve, in retries per second (≥ 0).
        min_retries_per_sec: Option<f64>,
        /// Retries allowed per operation, in [0, 1000].
        percent_can_retry: Option<f64>,
    },
    /// Adaptive AIMD retry rate.
    Aimd {
        /// Retries per second at start (within [min_rate, max_rate]).
        initial_rate: Option<f64>,
        /// Lowest rate (> 0).
        min_rate: Option<f64>,
        /// Highest rate (≥ min_rate).
        max_rate: Option<f64>,
        /// Added per commit (≥ 0).
        increase: Option<f64>,
        /// Multiplied per conflict, in (0, 1).
        decrease: Option<f64>,
        /// Burst allowance in retries (≥ 1).
        burst: Option<f64>,
    },
}

/// Conflict monitoring in a spec (the seed's pattern 5).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorSpec {
    /// Staleness above which a read is stale and alerted, ≥ 0 (default 5).
    pub stale_threshold: Option<i64>,
    /// Hottest actors to report, 1..=1024 (default 10).
    pub top_k: Option<usize>,
    /// Emit `tracing` events for alerts (default true).
    pub emit_events: Option<bool>,
}

fn default_refresh() -> Refresh {
    Refresh::FromConflict
}

/// A whole policy as a scenario file describes it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// A label for reports (default: derived from the shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The delay shape or contention manager (default: exponential, 10 ms doubling).
    #[serde(default)]
    pub backoff: BackoffSpec,
    /// The jitter (default none).
    #[serde(default)]
    pub jitter: Jitter,
    /// Where the cap applies relative to the jitter (default before).
    #[serde(default)]
    pub cap_applies: CapPlacement,
    /// Attempts including the first try (resilience4j's counting), ≥ 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// Retries after the first try (Polly's counting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// Total time from the operation's start, > 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Duration>,
    /// How the version is refreshed before a retry (default from the conflict).
    #[serde(default = "default_refresh")]
    pub refresh: Refresh,
    /// The rule for non-conflict errors (default fail).
    #[serde(default)]
    pub on_error: ErrorRule,
    /// An optional circuit breaker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaker: Option<BreakerSpec>,
    /// An optional retry budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetSpec>,
    /// Optional conflict monitoring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<MonitorSpec>,
}

impl Default for PolicySpec {
    /// The seed's pattern 1 shape with no limits: what an empty `[pools.policy]` table means.
    fn default() -> Self {
        Self {
            name: None,
            backoff: BackoffSpec::default(),
            jitter: Jitter::None,
            cap_applies: CapPlacement::default(),
            max_attempts: None,
            max_retries: None,
            deadline: None,
            refresh: Refresh::FromConflict,
            on_error: ErrorRule::Fail,
            breaker: None,
            budget: None,
            monitor: None,
        }
    }
}

/// A built policy with handles on its shared parts, for engines that record them.
#[derive(Debug, Clone)]
pub struct BuiltPolicy {
    /// The policy to give the pool.
    pub policy: Arc<dyn Policy>,
    /// The breaker, if the spec has one (its state goes in the time series).
    pub breaker: Option<Arc<CircuitBreaker>>,
    /// The budget gate, if any.
    pub budget: Option<Arc<dyn Gate>>,
    /// The conflict monitor, if any, and how many hot actors to report.
    pub monitor: Option<(Arc<ConflictMonitor>, usize)>,
}

fn check(
    field: &'static str,
    ok: bool,
    value: impl ToString,
    expected: &'static str,
) -> Result<(), PolicySpecError> {
    if ok {
        Ok(())
    } else {
        Err(PolicySpecError::OutOfRange {
            field,
            value: value.to_string(),
            expected,
        })
    }
}

fn positive(field: &'static str, d: Duration) -> Result<Nanos, PolicySpecError> {
    check(field, d.0 > 0, d, "a duration > 0")?;
    Ok(d.0)
}

fn cap_at_least(
    field: &'static str,
    cap: Nanos,
    base_field: &'static str,
    base: Nanos,
) -> Result<Nanos, PolicySpecError> {
    if cap < base {
        Err(PolicySpecError::CapBelowBase {
            field,
            cap,
            base_field,
            base,
        })
    } else {
        Ok(cap)
    }
}

fn within(
    field: &'static str,
    v: f64,
    lo: f64,
    hi: f64,
    expected: &'static str,
) -> Result<f64, PolicySpecError> {
    check(field, v >= lo && v <= hi, v, expected)?;
    Ok(v)
}

impl PolicySpec {
    /// Parses a spec from TOML text (the contents of a `[pools.policy]` table).
    pub fn from_toml_str(text: &str) -> Result<Self, PolicySpecError> {
        toml::from_str(text)
            .map_err(|e| PolicySpecError::Parse(e.to_string().trim_end().to_string()))
    }

    /// The spec as TOML text.
    pub fn to_toml_string(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// The label reports show: the `name`, or the shape's kind with its jitter.
    pub fn label(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        let jitter = match self.jitter {
            Jitter::None => "",
            Jitter::Full => "+full-jitter",
            Jitter::Equal => "+equal-jitter",
            Jitter::Proportional { .. } => "+proportional-jitter",
            Jitter::Additive => "+additive-jitter",
        };
        format!("{}{jitter}", self.backoff.kind())
    }

    /// Retries allowed after the first try, from whichever limit is given.
    pub fn retry_limit(&self) -> Result<Option<u32>, PolicySpecError> {
        match (self.max_attempts, self.max_retries) {
            (Some(a), Some(r)) => Err(PolicySpecError::BothLimits {
                max_attempts: a,
                max_retries: r,
            }),
            (Some(a), None) => {
                check(
                    "max_attempts",
                    a >= 1,
                    a,
                    "at least 1 (it counts the first try)",
                )?;
                Ok(Some(a - 1))
            }
            (None, r) => Ok(r),
        }
    }

    fn backoff_factory(&self) -> Result<Arc<dyn BackoffFactory>, PolicySpecError> {
        let shaped = |shape, cap: Option<Nanos>| -> Arc<dyn BackoffFactory> {
            Arc::new(ShapedBackoff::new(
                shape,
                self.jitter,
                cap.unwrap_or(u64::MAX),
                self.cap_applies,
            ))
        };
        Ok(match &self.backoff {
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
                let flavor = if matches!(self.backoff, BackoffSpec::Karma { .. }) {
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

    fn breaker(spec: &BreakerSpec) -> Result<Arc<CircuitBreaker>, PolicySpecError> {
        let window = match spec.window {
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
        let threshold = spec
            .failure_rate_threshold
            .unwrap_or(defaults::FAILURE_RATE_THRESHOLD);
        check(
            "breaker.failure_rate_threshold",
            threshold > 0.0 && threshold <= 1.0,
            threshold,
            "a rate in (0, 1] (0.5 trips at half the calls failing)",
        )?;
        let minimum_calls = spec.minimum_calls.unwrap_or(defaults::MINIMUM_CALLS);
        check(
            "breaker.minimum_calls",
            minimum_calls >= 1,
            minimum_calls,
            "at least 1",
        )?;
        let open = positive(
            "breaker.open_duration",
            spec.open_duration
                .unwrap_or(Duration(defaults::OPEN_DURATION)),
        )?;
        let multiplier = within(
            "breaker.open_multiplier",
            spec.open_multiplier.unwrap_or(defaults::OPEN_MULTIPLIER),
            1.0,
            1e6,
            "a number in [1, 1e6] (1 keeps the open duration fixed)",
        )?;
        let cap = spec
            .open_cap
            .map_or(open.saturating_mul(defaults::OPEN_CAP_FACTOR), |c| c.0);
        let cap = cap_at_least("breaker.open_cap", cap, "breaker.open_duration", open)?;
        let probes = spec.half_open_probes.unwrap_or(defaults::HALF_OPEN_PROBES);
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
            failure_on: spec.failure_on,
        })))
    }

    fn budget(spec: &BudgetSpec) -> Result<Arc<dyn Gate>, PolicySpecError> {
        Ok(match *spec {
            BudgetSpec::AwsTokenBucket {
                capacity,
                retry_cost,
                timeout_cost,
                success_refund,
            } => {
                let d = TokenBucketConfig::default();
                let config = TokenBucketConfig {
                    capacity: capacity.unwrap_or(d.capacity),
                    retry_cost: retry_cost.unwrap_or(d.retry_cost),
                    timeout_cost: timeout_cost.unwrap_or(d.timeout_cost),
                    success_refund: success_refund.unwrap_or(d.success_refund),
                };
                check(
                    "budget.capacity",
                    config.capacity >= 1,
                    config.capacity,
                    "at least 1 token",
                )?;
                Arc::new(TokenBucket::new(config))
            }
            BudgetSpec::GrpcThrottle {
                max_tokens,
                token_ratio,
            } => {
                let max = within(
                    "budget.max_tokens",
                    max_tokens.unwrap_or(defaults::GRPC_MAX_TOKENS),
                    0.001,
                    1000.0,
                    "a number in (0, 1000] (gRPC's range)",
                )?;
                let ratio = within(
                    "budget.token_ratio",
                    token_ratio.unwrap_or(defaults::GRPC_TOKEN_RATIO),
                    0.001,
                    max,
                    "a number in (0, max_tokens]",
                )?;
                Arc::new(GrpcThrottle::new(max, ratio))
            }
            BudgetSpec::Finagle {
                ttl,
                min_retries_per_sec,
                percent_can_retry,
            } => {
                let ttl = positive("budget.ttl", ttl.unwrap_or(Duration(defaults::FINAGLE_TTL)))?;
                let min = within(
                    "budget.min_retries_per_sec",
                    min_retries_per_sec.unwrap_or(defaults::FINAGLE_MIN_RETRIES_PER_SEC),
                    0.0,
                    1e9,
                    "a number ≥ 0",
                )?;
                let pct = within(
                    "budget.percent_can_retry",
                    percent_can_retry.unwrap_or(defaults::FINAGLE_PERCENT_CAN_RETRY),
                    0.0,
                    1000.0,
                    "a fraction in [0, 1000] (0.2 = one retry per five operations)",
                )?;
                Arc::new(RetryBudget::new(ttl, min, pct))
            }
            BudgetSpec::Aimd {
                initial_rate,
                min_rate,
                max_rate,
                increase,
                decrease,
                burst,
            } => {
                let min_rate = within(
                    "budget.min_rate",
                    min_rate.unwrap_or(defaults::AIMD_MIN_RATE),
                    1e-3,
                    1e12,
                    "retries per second > 0",
                )?;
                let max_rate = within(
                    "budget.max_rate",
                    max_rate.unwrap_or(defaults::AIMD_MAX_RATE),
                    min_rate,
                    1e12,
                    "retries per second ≥ min_rate",
                )?;
                let initial_rate = within(
                    "budget.initial_rate",
                    initial_rate.unwrap_or(defaults::AIMD_INITIAL_RATE.clamp(min_rate, max_rate)),
                    min_rate,
                    max_rate,
                    "retries per second in [min_rate, max_rate]",
                )?;
                let increase = within(
                    "budget.increase",
                    increase.unwrap_or(defaults::AIMD_INCREASE),
                    0.0,
                    1e12,
                    "a number ≥ 0",
                )?;
                let decrease = decrease.unwrap_or(defaults::AIMD_DECREASE);
                check(
                    "budget.decrease",
                    decrease > 0.0 && decrease < 1.0,
                    decrease,
                    "a factor in (0, 1)",
                )?;
                let burst = within(
                    "budget.burst",
                    burst.unwrap_or(defaults::AIMD_BURST),
                    1.0,
                    1e9,
                    "at least 1 retry",
                )?;
                Arc::new(AimdLimiter::new(AimdConfig {
                    initial_rate,
                    min_rate,
                    max_rate,
                    increase,
                    decrease,
                    burst,
                }))
            }
        })
    }

    /// Validates the spec and builds the policy with handles on its shared parts.
    pub fn build_parts(&self) -> Result<BuiltPolicy, PolicySpecError> {
        let max_retries = self.retry_limit()?;
        if let Jitter::Proportional { factor } = self.jitter {
            within(
                "jitter.factor",
                factor,
                0.0,
                1.0,
                "a fraction in [0, 1] (resilience4j's default is 0.5)",
            )?;
        }
        let deadline_ns = self.deadline.map(|d| positive("deadline", d)).transpose()?;
        let rules = RetryRules {
            retry_conflicts: !matches!(self.backoff, BackoffSpec::None {}),
            max_retries,
            deadline_ns,
            refresh: self.refresh,
            on_error: self.on_error,
        };
        let mut policy = RetryPolicy::new(self.label(), self.backoff_factory()?).with_rules(rules);
        let breaker = self.breaker.as_ref().map(Self::breaker).transpose()?;
        if let Some(b) = &breaker {
            policy = policy.with_gate(Arc::clone(b) as Arc<dyn Gate>);
        }
        let budget = self.budget.as_ref().map(Self::budget).transpose()?;
        if let Some(b) = &budget {
            policy = policy.with_gate(Arc::clone(b));
        }
        let mut built: Arc<dyn Policy> = Arc::new(policy);
        let monitor = match &self.monitor {
            None => None,
            Some(m) => {
                let stale_threshold = m.stale_threshold.unwrap_or(defaults::STALE_THRESHOLD);
                check(
                    "monitor.stale_threshold",
                    stale_threshold >= 0,
                    stale_threshold,
                    "a staleness ≥ 0",
                )?;
                let top_k = m.top_k.unwrap_or(defaults::TOP_K);
                check(
                    "monitor.top_k",
                    (1..=1024).contains(&top_k),
                    top_k,
                    "1..=1024 actors",
                )?;
                let monitor = Arc::new(ConflictMonitor::new(MonitorConfig {
                    stale_threshold,
                    emit_events: m.emit_events.unwrap_or(true),
                }));
                built = Arc::new(Monitored::new(built, Arc::clone(&monitor)));
                Some((monitor, top_k))
            }
        };
        Ok(BuiltPolicy {
            policy: built,
            breaker,
            budget,
            monitor,
        })
    }

    /// Validates the spec and builds the policy.
    pub fn build(&self) -> Result<Arc<dyn Policy>, PolicySpecError> {
        self.build_parts().map(|b| b.policy)
    }
}
