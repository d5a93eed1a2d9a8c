//! What `retrylab list` prints about policies: every kind a spec can name, with its parameters
//! and their defaults, and the presets.
//!
//! Numeric defaults are not written here: each names the constant the spec applies
//! ([`super::spec::defaults`]), so what `list` says is what a run does.

use std::fmt;

use super::presets::PRESETS;
use super::spec::defaults as d;
use super::token_bucket::TokenBucketConfig;
use crate::clock::Nanos;

/// A parameter's default, as `retrylab list` shows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DefaultValue {
    /// Words, not a value: "required", "none", "derived", or a TOML snippet.
    Text(&'static str),
    /// A number the spec applies when the key is left out.
    Float(f64),
    /// A count the spec applies when the key is left out.
    Int(u64),
    /// A duration the spec applies when the key is left out.
    Duration(Nanos),
}

impl fmt::Display for DefaultValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DefaultValue::Text(t) => f.write_str(t),
            DefaultValue::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => write!(f, "{x:.1}"),
            DefaultValue::Float(x) => write!(f, "{x}"),
            DefaultValue::Int(n) => write!(f, "{n}"),
            DefaultValue::Duration(ns) => write!(f, "\"{}\"", crate::units::Duration(ns)),
        }
    }
}

/// One parameter of a kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamInfo {
    /// The TOML key.
    pub name: &'static str,
    /// The default, in TOML syntax, or "required".
    pub default: DefaultValue,
    /// What it does and its valid range.
    pub description: &'static str,
}

/// One kind a spec can name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KindInfo {
    /// The spec table it goes in: `backoff`, `jitter`, `breaker`, `budget`, `monitor` or `policy`.
    pub section: &'static str,
    /// The `kind` value (or the table's name for `breaker`, `monitor` and top-level fields).
    pub name: &'static str,
    /// The formula and the library or paper it mirrors.
    pub description: &'static str,
    /// Its parameters.
    pub params: &'static [ParamInfo],
}

const fn p(name: &'static str, default: &'static str, description: &'static str) -> ParamInfo {
    with(name, DefaultValue::Text(default), description)
}

const fn with(name: &'static str, default: DefaultValue, description: &'static str) -> ParamInfo {
    ParamInfo {
        name,
        default,
        description,
    }
}

const fn f(name: &'static str, value: f64, description: &'static str) -> ParamInfo {
    with(name, DefaultValue::Float(value), description)
}

const fn i(name: &'static str, value: u64, description: &'static str) -> ParamInfo {
    with(name, DefaultValue::Int(value), description)
}

const fn ns(name: &'static str, value: Nanos, description: &'static str) -> ParamInfo {
    with(name, DefaultValue::Duration(value), description)
}

const AWS: TokenBucketConfig = TokenBucketConfig::AWS_STANDARD;

const BASE_CAP: &[ParamInfo] = &[
    p("base", "required", "interval unit, > 0"),
    p("cap", "required", "largest interval, >= base"),
];

/// Every kind, grouped by section.
pub(crate) const KINDS: &[KindInfo] = &[
    KindInfo {
        section: "policy",
        name: "policy",
        description: "top-level fields of a [pools.policy] table",
        params: &[
            p("name", "derived", "label for reports"),
            p(
                "max_attempts",
                "none",
                "attempts including the first (resilience4j's maxAttempts), >= 1; not with max_retries",
            ),
            p(
                "max_retries",
                "none",
                "retries after the first (Polly's MaxRetryAttempts); not with max_attempts",
            ),
            p(
                "deadline",
                "none",
                "total time from the operation's start, > 0",
            ),
            p(
                "refresh",
                "\"reread\"",
                "before a retry: reread (read the version, decide again) | from_conflict (read only the events the conflict says were missed, fold, decide again) | rebuild (read every event from version 1, fold, decide again) | blind (append at conflict.current + 1 at once: no read, no decision; correct only for commutative events)",
            ),
            p("on_error", "\"fail\"", "non-conflict errors: fail | retry"),
            p(
                "cap_applies",
                "\"before_jitter\"",
                "before_jitter | after_jitter",
            ),
        ],
    },
    KindInfo {
        section: "backoff",
        name: "none",
        description: "never retry: fail fast on the first conflict (AWS's \"no backoff\", which retries at once, is `immediate`)",
        params: &[],
    },
    KindInfo {
        section: "backoff",
        name: "immediate",
        description: "retry at once, delay 0 (what AWS's backoff study calls \"no backoff\")",
        params: &[],
    },
    KindInfo {
        section: "backoff",
        name: "constant",
        description: "delay = d (Polly Constant, resilience4j waitDuration)",
        params: &[p("delay", "required", "the delay, >= 0")],
    },
    KindInfo {
        section: "backoff",
        name: "linear",
        description: "delay_n = min(cap, base + step·(n-1)) (Polly Linear)",
        params: &[
            p("base", "required", "first delay, > 0"),
            p("step", "base", "added per retry"),
            p("cap", "none", "largest delay, >= base"),
        ],
    },
    KindInfo {
        section: "backoff",
        name: "exponential",
        description: "delay_n = min(cap, base·multiplier^(n-1)) (seed pattern 1); the first delay is base itself, where AWS's min(cap, base·2^attempt) doubles its base once before the first wait: AWS base 5ms is base = \"10ms\" here",
        params: &[
            p("base", "required", "the first delay (n = 1), > 0"),
            f("multiplier", d::MULTIPLIER, "growth per retry, >= 1"),
            p("cap", "none", "largest delay, >= base"),
        ],
    },
    KindInfo {
        section: "backoff",
        name: "decorrelated",
        description: "delay_n = min(cap, random(base, 3·prev)) (AWS decorrelated jitter)",
        params: BASE_CAP,
    },
    KindInfo {
        section: "backoff",
        name: "polly_decorrelated_v2",
        description: "Polly v8 Exponential+UseJitter: (f(t_n)-f(t_{n-1}))·median/1.4, f(t) = 2^t·tanh(sqrt(4t)), t = n-1+u",
        params: &[
            p(
                "median_first_retry_delay",
                "required",
                "median of the first delay, > 0",
            ),
            p("cap", "none", "largest delay"),
        ],
    },
    KindInfo {
        section: "backoff",
        name: "karma",
        description: "Karma contention manager (Scherer & Scott 2005): min(cap, base·n) / (1 + work)",
        params: BASE_CAP,
    },
    KindInfo {
        section: "backoff",
        name: "polka",
        description: "Polka = Karma + randomized exponential backoff: u·min(cap, base·2^(n-1)) / (1 + work)",
        params: BASE_CAP,
    },
    KindInfo {
        section: "backoff",
        name: "greedy",
        description: "Greedy/timestamp (Guerraoui et al. 2005): the oldest operation retries at once; younger: u·min(cap, base·2^(n-1))",
        params: BASE_CAP,
    },
    KindInfo {
        section: "backoff",
        name: "silo",
        description: "Silo-style per-writer delay: doubled per conflict, halved per commit, kept across operations",
        params: &[
            p("min", "required", "first delay, > 0"),
            p("max", "required", "largest delay, >= min"),
        ],
    },
    KindInfo {
        section: "jitter",
        name: "none",
        description: "t",
        params: &[],
    },
    KindInfo {
        section: "jitter",
        name: "full",
        description: "random(0, t) (AWS full jitter)",
        params: &[],
    },
    KindInfo {
        section: "jitter",
        name: "equal",
        description: "t/2 + random(0, t/2) (AWS equal jitter)",
        params: &[],
    },
    KindInfo {
        section: "jitter",
        name: "proportional",
        description: "t·(1 ± factor·u) (resilience4j randomized wait)",
        params: &[p(
            "factor",
            "required",
            "spread, in [0, 1]; resilience4j's default is 0.5",
        )],
    },
    KindInfo {
        section: "jitter",
        name: "additive",
        description: "t + random(0, t) (seed pattern 4)",
        params: &[],
    },
    KindInfo {
        section: "breaker",
        name: "breaker",
        description: "circuit breaker (seed pattern 3; resilience4j-shaped): closed / open / half-open",
        params: &[
            p(
                "window",
                "{ kind = \"count\", size = 100 }",
                "count {size} | time {length = \"10ms\", buckets = 10} | consecutive {failures = 5}",
            ),
            f(
                "failure_rate_threshold",
                d::FAILURE_RATE_THRESHOLD,
                "in (0, 1]",
            ),
            i(
                "minimum_calls",
                d::MINIMUM_CALLS as u64,
                "calls before the rate is judged, >= 1",
            ),
            ns(
                "open_duration",
                d::OPEN_DURATION,
                "first open duration, > 0",
            ),
            f(
                "open_multiplier",
                d::OPEN_MULTIPLIER,
                "growth per re-open, >= 1",
            ),
            p(
                "open_cap",
                "64 x open_duration",
                "largest open duration, >= open_duration",
            ),
            i(
                "half_open_probes",
                d::HALF_OPEN_PROBES as u64,
                "probes half-open, 1..=2047; all must succeed to close",
            ),
            p(
                "failure_on",
                "\"conflict\"",
                "conflict (every attempt is a call) | give_up (every operation)",
            ),
        ],
    },
    KindInfo {
        section: "budget",
        name: "aws_token_bucket",
        description: "AWS SDK standard-mode retry quota: a retry takes tokens, a success refunds",
        params: &[
            i("capacity", AWS.capacity, "tokens when full, >= 1"),
            i("retry_cost", AWS.retry_cost, "per retry after a conflict"),
            i(
                "timeout_cost",
                AWS.timeout_cost,
                "per retry after another error",
            ),
            i(
                "success_refund",
                AWS.success_refund,
                "per operation committed without retry",
            ),
        ],
    },
    KindInfo {
        section: "budget",
        name: "grpc_throttle",
        description: "gRPC retry throttling: failure -1, success +token_ratio, retry while tokens > max/2",
        params: &[
            f("max_tokens", d::GRPC_MAX_TOKENS, "in (0, 1000]"),
            f("token_ratio", d::GRPC_TOKEN_RATIO, "in (0, max_tokens]"),
        ],
    },
    KindInfo {
        section: "budget",
        name: "finagle",
        description: "Finagle/tower RetryBudget: retries <= reserve + percent x operations over ttl",
        params: &[
            ns("ttl", d::FINAGLE_TTL, "how long deposits count, > 0"),
            f(
                "min_retries_per_sec",
                d::FINAGLE_MIN_RETRIES_PER_SEC,
                "reserve, >= 0",
            ),
            f(
                "percent_can_retry",
                d::FINAGLE_PERCENT_CAN_RETRY,
                "in [0, 1000]",
            ),
        ],
    },
    KindInfo {
        section: "budget",
        name: "aimd",
        description: "adaptive retry rate (GCRA): +increase per commit, x decrease per conflict",
        params: &[
            f(
                "initial_rate",
                d::AIMD_INITIAL_RATE,
                "retries/s, in [min_rate, max_rate]",
            ),
            f("min_rate", d::AIMD_MIN_RATE, "> 0"),
            f("max_rate", d::AIMD_MAX_RATE, ">= min_rate"),
            f("increase", d::AIMD_INCREASE, ">= 0"),
            f("decrease", d::AIMD_DECREASE, "in (0, 1)"),
            f("burst", d::AIMD_BURST, ">= 1"),
        ],
    },
    KindInfo {
        section: "monitor",
        name: "monitor",
        description: "conflict monitoring (seed pattern 5): hot actors, staleness histogram, stale-read alerts",
        params: &[
            i(
                "stale_threshold",
                d::STALE_THRESHOLD as u64,
                "staleness above which a read is stale, >= 0",
            ),
            i(
                "top_k",
                d::TOP_K as u64,
                "hottest actors reported, 1..=1024",
            ),
            p(
                "emit_events",
                "true",
                "emit a tracing::debug! event per stale read",
            ),
        ],
    },
];

/// Every kind with its parameters (for `retrylab list`).
pub fn policy_kinds() -> &'static [KindInfo] {
    KINDS
}

/// `(name, description)` of every preset (for `retrylab list`).
pub fn preset_list() -> Vec<(&'static str, &'static str)> {
    PRESETS.iter().map(|p| (p.name, p.description)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The breaker window's default is a TOML snippet: it must name the applied constants.
    #[test]
    fn text_defaults_name_the_applied_constants() {
        let breaker = KINDS.iter().find(|k| k.name == "breaker").unwrap();
        let window = breaker.params.iter().find(|p| p.name == "window").unwrap();
        let text = format!("{} {}", window.default, window.description);
        for needle in [
            format!("size = {}", d::WINDOW_SIZE),
            format!("length = \"{}\"", crate::units::Duration(d::WINDOW_LENGTH)),
            format!("buckets = {}", d::WINDOW_BUCKETS),
            format!("failures = {}", d::CONSECUTIVE_FAILURES),
        ] {
            assert!(text.contains(&needle), "{needle} in {text}");
        }
        let cap = breaker
            .params
            .iter()
            .find(|p| p.name == "open_cap")
            .unwrap();
        assert!(
            cap.default
                .to_string()
                .starts_with(&d::OPEN_CAP_FACTOR.to_string()),
            "{}",
            cap.default
        );
    }

    #[test]
    fn numeric_defaults_print_as_toml() {
        assert_eq!(DefaultValue::Float(2.0).to_string(), "2.0");
        assert_eq!(DefaultValue::Float(0.5).to_string(), "0.5");
        assert_eq!(DefaultValue::Int(500).to_string(), "500");
        assert_eq!(
            DefaultValue::Duration(crate::clock::MILLIS).to_string(),
            "\"1ms\""
        );
    }
}
