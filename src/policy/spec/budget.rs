//! The `budget` table of a spec: which retry budget (AWS token bucket, gRPC throttling,
//! Finagle budget, AIMD) with its parameters; and building the gate from it.

use std::sync::Arc;

use super::checks::{check, positive, within};
use super::defaults;
use super::named;
use crate::policy::gates::aimd::{AimdConfig, AimdLimiter};
use crate::policy::gates::finagle_budget::RetryBudget;
use crate::policy::gates::gate::Gate;
use crate::policy::gates::grpc_throttle::GrpcThrottle;
use crate::policy::gates::token_bucket::{TokenBucket, TokenBucketConfig};
use crate::policy::spec_error::PolicySpecError;
use crate::units::Duration;

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

impl BudgetSpec {
    /// Checks the spec's parameters and builds the budget gate the pool's writers share.
    pub(super) fn build(&self) -> Result<Arc<dyn Gate>, PolicySpecError> {
        Ok(match *self {
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
}
