//! Named policies for `retrylab compare` and quick runs: the seed's five patterns, the
//! defaults of widely used retry libraries, budgets and contention managers. Each is written as
//! the TOML a user would put in a scenario, so presets exercise the same parser.
//!
//! `base` is always the first delay (`base·2^(n-1)` at retry n): AWS's formula,
//! `min(cap, base·2^attempt)`, counts from 1 at the first wait, so its first delay is twice its
//! base (the AWS presets below are written in retrylab's terms). `backoff = { kind = "none" }`
//! never retries; what AWS's backoff study calls "no backoff" (retry at once) is `immediate`.
//!
//! Library defaults marked *seconds-scale* are meant for remote services; against an in-memory
//! store (appends well under a microsecond) they mostly measure waiting. The `-us` variants and
//! the gate presets scale delays to microseconds.
//!
//! Where the library defaults come from:
//! - resilience4j `RetryConfig`: `maxAttempts` 3 (counting the first call), `waitDuration` 500 ms,
//!   fixed; its randomized wait (factor 0.5 by default) is the `proportional` jitter.
//! - Polly v8 `RetryStrategyOptions`: `BackoffType` Constant, `Delay` 2 s, `MaxRetryAttempts` 3
//!   (not counting the first call), `UseJitter` false (pollydocs.org API reference).
//! - AWS SDKs, standard retry mode: 3 attempts (AWS SDKs and Tools reference guide); full jitter on
//!   an exponential capped at 20 s; retry quota 500 tokens, 5 per retry, 10 per timeout retry, 1
//!   back per success without retry (the AWS SDK for JavaScript v3's `INITIAL_RETRY_TOKENS`,
//!   `RETRY_COST`, `TIMEOUT_RETRY_COST`, `NO_RETRY_INCREMENT`). The base delay differs by SDK:
//!   100 ms in the JavaScript and Java SDKs (used here), 1 s in botocore.
//! - gRPC: gRFC A6's `retryThrottling` example (`maxTokens` 10, `tokenRatio` 0.1); `maxAttempts`
//!   is limited to 5 by gRPC.
//! - Finagle `RetryBudget`: ttl 10 s, `minRetriesPerSec` 10, `percentCanRetry` 0.2.

use super::spec::PolicySpec;
use super::spec_error::PolicySpecError;

/// A named policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// The name to ask for.
    pub name: &'static str,
    /// What it is and where it comes from.
    pub description: &'static str,
    /// Its spec, as TOML.
    pub toml: &'static str,
}

/// Every preset, in the order `list` shows them.
pub(crate) const PRESETS: &[Preset] = &[
    Preset {
        name: "no-retry",
        description: "fail fast: the first conflict ends the operation",
        toml: r#"backoff = { kind = "none" }"#,
    },
    Preset {
        name: "immediate",
        description: "retry at once (re-read, decide again, append), up to 100 retries: the naive loop",
        toml: r#"backoff = { kind = "immediate" }
max_retries = 100"#,
    },
    Preset {
        name: "immediate-blind",
        description: "the seed's \"use CurrentVersion for retries\" taken literally: append the same event at conflict.current + 1 at once, no re-read, no new decision, up to 100 retries; correct only for commutative events",
        toml: r#"backoff = { kind = "immediate" }
max_retries = 100
refresh = "blind""#,
    },
    Preset {
        name: "constant",
        description: "100us between retries, up to 10 retries",
        toml: r#"backoff = { kind = "constant", delay = "100us" }
max_retries = 10"#,
    },
    Preset {
        name: "linear",
        description: "50us, 100us, 150us ... capped at 1ms, up to 10 retries",
        toml: r#"backoff = { kind = "linear", base = "50us", step = "50us", cap = "1ms" }
max_retries = 10"#,
    },
    Preset {
        name: "exponential",
        description: "seed pattern 1: 10ms doubling (10, 20, 40, 80, 160ms), 5 retries, re-reading the version (ms-scale)",
        toml: r#"backoff = { kind = "exponential", base = "10ms", multiplier = 2.0 }
max_retries = 5
refresh = "reread""#,
    },
    Preset {
        name: "exponential-us",
        description: "pattern 1 at in-memory scale: 10us doubling, capped at 10ms, 10 retries",
        toml: r#"backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "10ms" }
max_retries = 10"#,
    },
    Preset {
        name: "exponential-full-jitter",
        description: "AWS full jitter: random(0, min(10ms, 10us·2^(n-1))), 10 retries",
        toml: r#"backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "10ms" }
jitter = { kind = "full" }
max_retries = 10"#,
    },
    Preset {
        name: "exponential-equal-jitter",
        description: "AWS equal jitter: t/2 + random(0, t/2), t = min(10ms, 10us·2^(n-1)), 10 retries",
        toml: r#"backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "10ms" }
jitter = { kind = "equal" }
max_retries = 10"#,
    },
    Preset {
        name: "seed-jitter",
        description: "seed pattern 4: t + random(0, t), t = 10ms·2^(n-1), 5 retries (ms-scale)",
        toml: r#"backoff = { kind = "exponential", base = "10ms", multiplier = 2.0 }
jitter = { kind = "additive" }
max_retries = 5
refresh = "reread""#,
    },
    Preset {
        name: "decorrelated-jitter",
        description: "AWS decorrelated jitter: min(10ms, random(10us, 3·prev)), 10 retries",
        toml: r#"backoff = { kind = "decorrelated", base = "10us", cap = "10ms" }
max_retries = 10"#,
    },
    Preset {
        name: "polly-decorrelated-v2",
        description: "Polly v8 exponential with jitter (decorrelated jitter V2), median first delay 10us, 10 retries",
        toml: r#"backoff = { kind = "polly_decorrelated_v2", median_first_retry_delay = "10us", cap = "10ms" }
max_retries = 10"#,
    },
    Preset {
        name: "reload-and-merge",
        description: "seed pattern 2: rebuild the aggregate from all events and retry at once, 3 attempts",
        toml: r#"backoff = { kind = "immediate" }
max_attempts = 3
refresh = "rebuild""#,
    },
    Preset {
        name: "circuit-breaker",
        description: "seed pattern 3: exponential-us behind a breaker (50% of the last 100 calls, 1ms open, 3 probes)",
        toml: r#"backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "10ms" }
max_retries = 10
breaker = { window = { kind = "count", size = 100 }, failure_rate_threshold = 0.5, minimum_calls = 20, open_duration = "1ms", half_open_probes = 3 }"#,
    },
    Preset {
        name: "monitored",
        description: "seed pattern 5: exponential-full-jitter with conflict monitoring (hot actors, staleness, alerts above 5)",
        toml: r#"backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "10ms" }
jitter = { kind = "full" }
max_retries = 10
monitor = { stale_threshold = 5, top_k = 10 }"#,
    },
    Preset {
        name: "resilience4j-default",
        description: "resilience4j RetryConfig defaults: maxAttempts 3 (first call included), fixed 500ms wait (seconds-scale)",
        toml: r#"backoff = { kind = "constant", delay = "500ms" }
max_attempts = 3"#,
    },
    Preset {
        name: "polly-default",
        description: "Polly v8 RetryStrategyOptions defaults: MaxRetryAttempts 3, BackoffType Constant, Delay 2s, no jitter (seconds-scale)",
        toml: r#"backoff = { kind = "constant", delay = "2s" }
max_retries = 3"#,
    },
    Preset {
        name: "aws-standard",
        description: "AWS SDK standard mode: full jitter on 100ms·2^(n-1) capped at 20s, 3 attempts, retry quota 500/5/10/1 (seconds-scale)",
        toml: r#"backoff = { kind = "exponential", base = "100ms", multiplier = 2.0, cap = "20s" }
jitter = { kind = "full" }
max_attempts = 3
budget = { kind = "aws_token_bucket", capacity = 500, retry_cost = 5, timeout_cost = 10, success_refund = 1 }"#,
    },
    Preset {
        name: "aws-standard-us",
        description: "aws-standard's quota and full jitter at in-memory scale: 10us base, 10ms cap, 3 attempts",
        toml: r#"backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "10ms" }
jitter = { kind = "full" }
max_attempts = 3
budget = { kind = "aws_token_bucket" }"#,
    },
    Preset {
        name: "grpc-throttled",
        description: "exponential-full-jitter, 5 attempts (gRPC's limit), gRPC retry throttling maxTokens 10, tokenRatio 0.1",
        toml: r#"backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "10ms" }
jitter = { kind = "full" }
max_attempts = 5
budget = { kind = "grpc_throttle", max_tokens = 10.0, token_ratio = 0.1 }"#,
    },
    Preset {
        name: "finagle-budget",
        description: "exponential-full-jitter under Finagle's RetryBudget defaults (ttl 10s, 10 retries/s, 20%)",
        toml: r#"backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "10ms" }
jitter = { kind = "full" }
max_retries = 10
budget = { kind = "finagle", ttl = "10s", min_retries_per_sec = 10.0, percent_can_retry = 0.2 }"#,
    },
    Preset {
        name: "aimd",
        description: "exponential-full-jitter under an AIMD retry-rate limit (+10/s per commit, x0.9 per conflict)",
        toml: r#"backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "10ms" }
jitter = { kind = "full" }
max_retries = 10
budget = { kind = "aimd" }"#,
    },
    Preset {
        name: "silo",
        description: "Silo-style per-writer backoff: 1us doubled per conflict, halved per commit, up to 1ms; 20 retries",
        toml: r#"backoff = { kind = "silo", min = "1us", max = "1ms" }
max_retries = 20"#,
    },
    Preset {
        name: "karma",
        description: "Karma contention manager: min(1ms, 10us·n) / (1 + work), 20 retries",
        toml: r#"backoff = { kind = "karma", base = "10us", cap = "1ms" }
max_retries = 20"#,
    },
    Preset {
        name: "polka",
        description: "Polka contention manager: random(0, min(1ms, 10us·2^(n-1))) / (1 + work), 20 retries",
        toml: r#"backoff = { kind = "polka", base = "10us", cap = "1ms" }
max_retries = 20"#,
    },
    Preset {
        name: "greedy",
        description: "Greedy/timestamp contention manager: the oldest operation retries at once, younger ones back off (10us..1ms, full jitter); 20 retries",
        toml: r#"backoff = { kind = "greedy", base = "10us", cap = "1ms" }
max_retries = 20"#,
    },
];

impl PolicySpec {
    /// Every preset.
    pub fn presets() -> &'static [Preset] {
        PRESETS
    }

    /// The preset called `name`, with its name as the spec's label.
    pub fn preset(name: &str) -> Result<PolicySpec, PolicySpecError> {
        let preset = PRESETS.iter().find(|p| p.name == name).ok_or_else(|| {
            PolicySpecError::UnknownPreset {
                name: name.to_string(),
                known: PRESETS
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })?;
        let mut spec = PolicySpec::from_toml_str(preset.toml)?;
        spec.name = Some(preset.name.to_string());
        Ok(spec)
    }
}
