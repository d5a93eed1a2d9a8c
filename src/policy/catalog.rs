//! What `retrylab list` prints about policies: every kind a spec can name, with its parameters
//! and their defaults, and the presets.

use super::presets::PRESETS;

/// One parameter of a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamInfo {
    /// The TOML key.
    pub name: &'static str,
    /// The default, in TOML syntax, or "required".
    pub default: &'static str,
    /// What it does and its valid range.
    pub description: &'static str,
}

/// One kind a spec can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    ParamInfo {
        name,
        default,
        description,
    }
}

const BASE_CAP: &[ParamInfo] = &[
    p("base", "required", "interval unit, > 0"),
    p("cap", "required", "largest interval, >= base"),
];

/// Every kind, grouped by section.
pub const KINDS: &[KindInfo] = &[
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
                "\"from_conflict\"",
                "from_conflict | reread | rebuild",
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
        description: "no retry: fail fast on the first conflict",
        params: &[],
    },
    KindInfo {
        section: "backoff",
        name: "immediate",
        description: "delay 0",
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
        description: "delay_n = min(cap, base·multiplier^(n-1)) (seed pattern 1)",
        params: &[
            p("base", "required", "first delay, > 0"),
            p("multiplier", "2.0", "growth per retry, >= 1"),
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
            p("failure_rate_threshold", "0.5", "in (0, 1]"),
            p(
                "minimum_calls",
                "20",
                "calls before the rate is judged, >= 1",
            ),
            p("open_duration", "\"1ms\"", "first open duration, > 0"),
            p("open_multiplier", "1.0", "growth per re-open, >= 1"),
            p(
                "open_cap",
                "64 x open_duration",
                "largest open duration, >= open_duration",
            ),
            p(
                "half_open_probes",
                "3",
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
            p("capacity", "500", "tokens when full, >= 1"),
            p("retry_cost", "5", "per retry after a conflict"),
            p("timeout_cost", "10", "per retry after another error"),
            p(
                "success_refund",
                "1",
                "per operation committed without retry",
            ),
        ],
    },
    KindInfo {
        section: "budget",
        name: "grpc_throttle",
        description: "gRPC retry throttling: failure -1, success +token_ratio, retry while tokens > max/2",
        params: &[
            p("max_tokens", "10.0", "in (0, 1000]"),
            p("token_ratio", "0.1", "in (0, max_tokens]"),
        ],
    },
    KindInfo {
        section: "budget",
        name: "finagle",
        description: "Finagle/tower RetryBudget: retries <= reserve + percent x operations over ttl",
        params: &[
            p("ttl", "\"10s\"", "how long deposits count, > 0"),
            p("min_retries_per_sec", "10.0", "reserve, >= 0"),
            p("percent_can_retry", "0.2", "in [0, 1000]"),
        ],
    },
    KindInfo {
        section: "budget",
        name: "aimd",
        description: "adaptive retry rate (GCRA): +increase per commit, x decrease per conflict",
        params: &[
            p(
                "initial_rate",
                "10000.0",
                "retries/s, in [min_rate, max_rate]",
            ),
            p("min_rate", "100.0", "> 0"),
            p("max_rate", "1000000.0", ">= min_rate"),
            p("increase", "10.0", ">= 0"),
            p("decrease", "0.9", "in (0, 1)"),
            p("burst", "10.0", ">= 1"),
        ],
    },
    KindInfo {
        section: "monitor",
        name: "monitor",
        description: "conflict monitoring (seed pattern 5): hot actors, staleness histogram, stale-read alerts",
        params: &[
            p(
                "stale_threshold",
                "5",
                "staleness above which a read is stale, >= 0",
            ),
            p("top_k", "10", "hottest actors reported, 1..=1024"),
            p("emit_events", "true", "emit tracing::warn! per stale read"),
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
