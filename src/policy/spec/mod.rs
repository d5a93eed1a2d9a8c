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
//! refresh = "reread"                   # or "from_conflict", "rebuild", "blind"
//! on_error = "fail"                    # or "retry": non-conflict errors
//! breaker = { failure_rate_threshold = 0.5, minimum_calls = 20, open_duration = "1ms" }
//! budget = { kind = "aws_token_bucket" }
//! monitor = { stale_threshold = 5 }
//! ```
//!
//! Durations are strings with a unit (`"250us"`, `"10ms"`, `"1s"`); only `0` may go without one.
//!
//! **Counting attempts.** `max_attempts` counts the first try, as resilience4j's `maxAttempts`
//! does (3 = one try and two retries); `max_retries` does not, as Polly's `MaxRetryAttempts` (3 =
//! one try and three retries). Give one or neither (no limit).
//!
//! **Time scales.** Library defaults (resilience4j 500 ms, Polly 2 s, AWS 100 ms–20 s) are made
//! for remote services; against an in-memory store an append takes well under a microsecond, so
//! the `-us` presets scale delays to microseconds.
//!
//! | concept | file |
//! |---|---|
//! | the whole spec, and building a policy from it | this file |
//! | the `backoff` table: shapes and contention managers | [`BackoffSpec`] (`spec/backoff.rs`) |
//! | the `breaker` table and its window | [`BreakerSpec`], [`WindowSpec`] (`spec/breaker.rs`) |
//! | the `budget` table | [`BudgetSpec`] (`spec/budget.rs`) |
//! | the `monitor` table | [`MonitorSpec`] (`spec/monitor.rs`) |
//! | defaults of optional fields | [`defaults`] |
//! | range checks; duration fields that name themselves in errors | `spec/checks.rs`, `spec/named.rs` |

use std::sync::Arc;

use super::backoff::jitter::{CapPlacement, Jitter};
use super::gates::breaker::CircuitBreaker;
use super::gates::gate::Gate;
use super::monitor::ConflictMonitor;
use super::monitor::monitored::Monitored;
use super::retry::{ErrorRule, RetryPolicy, RetryRules};
use super::spec_error::PolicySpecError;
use super::{Policy, Refresh};
use crate::units::Duration;
use checks::{check, positive, within};

mod backoff;
mod breaker;
mod budget;
mod checks;
pub mod defaults;
mod monitor;
mod named;

pub use backoff::BackoffSpec;
pub use breaker::{BreakerSpec, WindowSpec};
pub use budget::BudgetSpec;
pub use monitor::MonitorSpec;

fn default_refresh() -> Refresh {
    Refresh::Reread
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
    /// What a writer reads again, and whether it decides again, before a retry (default reread).
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
            refresh: Refresh::Reread,
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
        let mut policy = RetryPolicy::new(
            self.label(),
            self.backoff.factory(self.jitter, self.cap_applies)?,
        )
        .with_rules(rules);
        let breaker = self.breaker.as_ref().map(BreakerSpec::build).transpose()?;
        if let Some(b) = &breaker {
            policy = policy.with_gate(Arc::clone(b) as Arc<dyn Gate>);
        }
        let budget = self.budget.as_ref().map(BudgetSpec::build).transpose()?;
        if let Some(b) = &budget {
            policy = policy.with_gate(Arc::clone(b));
        }
        let mut built: Arc<dyn Policy> = Arc::new(policy);
        let monitor = self.monitor.as_ref().map(MonitorSpec::build).transpose()?;
        if let Some((m, _)) = &monitor {
            built = Arc::new(Monitored::new(built, Arc::clone(m)));
        }
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
