//! Defaults of optional spec fields, shared with the `list` catalogue ([`crate::policy::catalog`]),
//! so what `list` says is what a run applies.

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
