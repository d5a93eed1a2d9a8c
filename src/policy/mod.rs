//! Retry policies: what a writer does when its append meets a version conflict.
//!
//! A policy **decides and never sleeps**. The writer protocol asks it, after each failed
//! attempt, for a [`Decision`]: retry after a delay (and how to refresh the version), or give up.
//! Before each attempt it asks for [`Admission`]: gates shared by a pool (circuit breakers,
//! retry budgets) may reject the attempt without trying. Time comes in as a number from the
//! engine's clock and randomness from the writer's own generator, so the same policy runs
//! unchanged on real threads and in virtual time.
//!
//! A [`Policy`] is built once per pool (from a spec) and shared; each writer gets its own
//! [`WriterPolicy`] from [`Policy::writer`], holding per-writer state (the previous delay of a
//! decorrelated jitter, say) and handles to the pool's shared gates.
//!
//! # Where things are
//!
//! | concept | file |
//! |---|---|
//! | a policy from TOML, validated; presets; the `list` catalogue | [`spec`], [`spec_error`], [`presets`], [`catalog`] (durations: [`crate::units`]) |
//! | the retry policy: limits, deadline, refresh, non-conflict errors | [`retry`] |
//! | delay sources: shapes, jitter, Polly's V2, contention managers (Karma / Polka, Greedy, Silo) | [`backoff`]: [`shape`], [`jitter`], [`shaped`](backoff::shaped), [`polly`], [`karma`], [`greedy`], [`silo`] |
//! | gates: the shared-state contract, circuit breaker and its windows, retry budgets (AWS token bucket, gRPC throttling, Finagle budget, AIMD) | [`gates`]: [`gate`], [`breaker`], [`breaker_window`], [`token_bucket`], [`grpc_throttle`], [`finagle_budget`], [`aimd`] |
//! | conflict monitoring and the `Monitored` wrapper | [`monitor`], [`monitored`] |
//!
//! The modules inside [`backoff`], [`gates`] and [`monitor`] are also re-exported here
//! (`policy::breaker`, `policy::jitter`, ...), so the short paths callers use keep working.
//!
//! Only version conflicts are retried as conflicts; any other store error follows the policy's
//! separate rule ([`ErrorRule`], default: give up `NotRetryable`).

use std::fmt::Debug;

use crate::clock::Nanos;
use crate::rng::WriterRng;
use crate::store::{SaveError, VersionConflict};

/// How a writer gets ready for a retry: what it reads again, and whether it decides again.
///
/// Every mode but `Blind` re-runs the command handler ("decide": the pool's think time) on the
/// state it refreshed, as an event-sourced service must: an event decided on stale state is the
/// lost update optimistic concurrency exists to prevent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refresh {
    /// Re-read `latest_version`, decide, append (AWS's model; the seed's pattern 1 loop).
    /// Costs one read and one decision per retry.
    Reread,
    /// Fetch only the events the conflict says were missed (`events(actor, attempted)`), fold
    /// them into the state held, decide, append. Costs a short read and one decision.
    FromConflict,
    /// Reload every event from version 1, rebuild the aggregate, decide, append (the seed's
    /// pattern 2). Costs grow with the stream's length.
    Rebuild,
    /// Append the same event at `conflict.current + 1` at once: no read, no new decision (the
    /// seed's "use CurrentVersion for retries" taken literally). Correct only when events
    /// commute (a counter increment); for any other command it is a lost update.
    Blind,
}

impl Refresh {
    /// The name a spec uses.
    pub fn name(self) -> &'static str {
        match self {
            Refresh::Reread => "reread",
            Refresh::FromConflict => "from_conflict",
            Refresh::Rebuild => "rebuild",
            Refresh::Blind => "blind",
        }
    }

    /// True when a retry decides again on refreshed state (every mode but `Blind`).
    pub fn re_decides(self) -> bool {
        self != Refresh::Blind
    }
}

/// Why a writer stopped retrying an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GiveUpReason {
    /// The policy's attempt limit was reached.
    MaxAttempts,
    /// The policy's total-time deadline would be passed by the next delay.
    Deadline,
    /// The error is not one this policy retries (a non-conflict error under the default rule,
    /// or any conflict under "no retry").
    NotRetryable,
}

/// Why an attempt was refused before it reached the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// A circuit breaker is open (or half-open with all probes taken).
    CircuitOpen,
    /// A retry budget or token bucket has no tokens for this retry.
    BudgetExhausted,
}

/// The policy's answer after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Wait `delay_ns` on the engine's clock, refresh as told, then attempt again.
    Retry {
        /// How long to wait before the refresh.
        delay_ns: Nanos,
        /// How to learn the version for the next attempt.
        refresh: Refresh,
    },
    /// Stop; the operation fails with this reason.
    GiveUp(GiveUpReason),
}

/// The policy's answer before an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Go ahead.
    Proceed,
    /// Do not attempt; the operation ends rejected.
    Reject(RejectReason),
}

/// What the policy knows of the operation in progress when it decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptInfo {
    /// The attempt concerned, from 1 (the first try) upward.
    pub attempt: u32,
    /// The operation's intended start on the engine's clock.
    pub op_started_ns: Nanos,
    /// Now, on the engine's clock.
    pub now_ns: Nanos,
    /// Work the operation has invested so far, in events read plus attempts made (what
    /// Karma-style contention managers weigh).
    pub work: u64,
}

impl AttemptInfo {
    /// Time since the operation's intended start.
    pub fn elapsed_ns(&self) -> Nanos {
        self.now_ns.saturating_sub(self.op_started_ns)
    }
}

/// A retry policy as a pool holds it: built once from a spec, shared by the pool's writers.
pub trait Policy: Send + Sync + Debug {
    /// A short label for reports (the spec's `name`, or one derived from its shape).
    fn label(&self) -> &str;

    /// The per-writer half: state of one writer, handles to the shared gates.
    fn writer(&self) -> Box<dyn WriterPolicy>;
}

/// One writer's view of its pool's policy. Called by the writer protocol only.
pub trait WriterPolicy: Send + Debug {
    /// Before every attempt (`info.attempt` 1 is the operation's first try): may the attempt go
    /// to the store? Gates take their tokens or probe slots here.
    fn admit(&mut self, info: &AttemptInfo) -> Admission;

    /// After attempt `info.attempt` failed with a version conflict.
    fn on_conflict(
        &mut self,
        info: &AttemptInfo,
        conflict: &VersionConflict,
        rng: &mut WriterRng,
    ) -> Decision;

    /// After attempt `info.attempt` failed with an error that is not a conflict. The default
    /// rule, as the seed's first best practice says, is not to retry it.
    fn on_error(&mut self, info: &AttemptInfo, error: &SaveError, rng: &mut WriterRng) -> Decision {
        let _ = (info, error, rng);
        Decision::GiveUp(GiveUpReason::NotRetryable)
    }

    /// After attempt `info.attempt` committed.
    fn on_commit(&mut self, info: &AttemptInfo);

    /// After the operation ended without a commit (given up or rejected), so gates that count
    /// give-ups as failures can.
    fn on_abandon(&mut self, info: &AttemptInfo) {
        let _ = info;
    }
}

pub mod backoff;
pub mod catalog;
pub mod gates;
pub mod monitor;
pub mod presets;
pub mod retry;
pub mod spec;
pub mod spec_error;

pub use backoff::{greedy, jitter, karma, polly, shape, silo};
pub use gates::{aimd, breaker, breaker_window, finagle_budget, gate, grpc_throttle, token_bucket};
pub use monitor::monitored;

pub use backoff::{Backoff, BackoffFactory, ShapedBackoff};
pub use breaker::{BreakerConfig, BreakerFailure, BreakerState, BreakerTransition, CircuitBreaker};
pub use breaker_window::WindowConfig;
pub use catalog::{KindInfo, ParamInfo, policy_kinds, preset_list};
pub use gate::{FailureKind, Gate, GateHandle};
pub use jitter::{CapPlacement, Jitter};
pub use monitor::{ConflictMonitor, MonitorConfig, MonitorSnapshot};
pub use monitored::Monitored;
pub use presets::Preset;
pub use retry::{ErrorRule, RetryPolicy, RetryRules};
pub use shape::DelayShape;
pub use spec::{
    BackoffSpec, BreakerSpec, BudgetSpec, BuiltPolicy, MonitorSpec, PolicySpec, WindowSpec,
};
pub use spec_error::PolicySpecError;
