//! The retry policy every spec builds: a delay source ([`Backoff`]), limits (maximum retries, a
//! total-time deadline), the refresh mode, the rule for non-conflict errors, and gates.
//!
//! After attempt `n` fails with a version conflict, the decision is:
//!
//! 1. give up `NotRetryable` if the policy does not retry conflicts ("no retry");
//! 2. give up `MaxAttempts` if `n > max_retries` (the `n`-th retry would exceed the limit);
//! 3. `d = backoff.delay(n)`; give up `Deadline` if `now + d > op_started + deadline`;
//! 4. otherwise retry after `d`, refreshing as configured.
//!
//! Non-conflict errors give up `NotRetryable` under [`ErrorRule::Fail`] (the default, the seed's
//! first best practice), or follow the same steps under [`ErrorRule::Retry`], re-reading the
//! version (an error carries no current version to refresh from).

use std::sync::Arc;

use super::backoff::{Backoff, BackoffFactory};
use super::gates::gate::{FailureKind, Gate, GateHandle};
use super::{Admission, AttemptInfo, Decision, GiveUpReason, Policy, Refresh, WriterPolicy};
use crate::clock::Nanos;
use crate::rng::WriterRng;
use crate::store::{SaveError, VersionConflict};

/// What to do with a store error that is not a version conflict.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorRule {
    /// Give up with `NotRetryable` (the default).
    #[default]
    Fail,
    /// Retry with the same delay shape and limits, re-reading the version.
    Retry,
}

/// The limits and rules a policy applies on top of its delay source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryRules {
    /// Whether conflicts are retried at all (`false` is "no retry": fail fast).
    pub retry_conflicts: bool,
    /// Retries allowed after the first attempt; `None` for no limit.
    pub max_retries: Option<u32>,
    /// Total time from the operation's start past which no retry is scheduled.
    pub deadline_ns: Option<Nanos>,
    /// How the version is refreshed before a retry after a conflict.
    pub refresh: Refresh,
    /// The rule for non-conflict errors.
    pub on_error: ErrorRule,
}

impl Default for RetryRules {
    fn default() -> Self {
        Self {
            retry_conflicts: true,
            max_retries: None,
            deadline_ns: None,
            refresh: Refresh::Reread,
            on_error: ErrorRule::Fail,
        }
    }
}

impl RetryRules {
    /// The decision after attempt `info.attempt` failed, given a delay source.
    #[inline]
    pub fn decide(
        &self,
        info: &AttemptInfo,
        refresh: Refresh,
        backoff: &mut dyn Backoff,
        rng: &mut WriterRng,
    ) -> Decision {
        let retry = info.attempt;
        if self.max_retries.is_some_and(|max| retry > max) {
            return Decision::GiveUp(GiveUpReason::MaxAttempts);
        }
        let delay_ns = backoff.delay(retry, info, rng);
        if let Some(deadline) = self.deadline_ns {
            let wake = info.now_ns.saturating_add(delay_ns);
            if wake > info.op_started_ns.saturating_add(deadline) {
                return Decision::GiveUp(GiveUpReason::Deadline);
            }
        }
        Decision::Retry { delay_ns, refresh }
    }
}

/// A retry policy: delay source, rules and gates, shared by a pool.
#[derive(Debug)]
pub struct RetryPolicy {
    label: String,
    backoff: Arc<dyn BackoffFactory>,
    rules: RetryRules,
    gates: Vec<Arc<dyn Gate>>,
}

impl RetryPolicy {
    /// A policy that retries conflicts with delays from `backoff`, with no limits yet.
    #[must_use]
    pub fn new(label: impl Into<String>, backoff: Arc<dyn BackoffFactory>) -> Self {
        Self {
            label: label.into(),
            backoff,
            rules: RetryRules::default(),
            gates: Vec::new(),
        }
    }

    /// Replaces the rules.
    #[must_use]
    pub fn with_rules(mut self, rules: RetryRules) -> Self {
        self.rules = rules;
        self
    }

    /// Adds a gate; gates are asked in the order added.
    #[must_use]
    pub fn with_gate(mut self, gate: Arc<dyn Gate>) -> Self {
        self.gates.push(gate);
        self
    }

    /// The rules in force.
    pub fn rules(&self) -> &RetryRules {
        &self.rules
    }

    /// The gates, in the order they are asked.
    pub fn gates(&self) -> &[Arc<dyn Gate>] {
        &self.gates
    }

    /// A concrete per-writer half (what [`Policy::writer`] boxes).
    pub fn retry_writer(&self) -> RetryWriter {
        RetryWriter {
            backoff: self.backoff.make(),
            rules: self.rules,
            gates: self.gates.iter().map(|g| Arc::clone(g).handle()).collect(),
            last_failure: None,
        }
    }
}

impl Policy for RetryPolicy {
    fn label(&self) -> &str {
        &self.label
    }

    fn writer(&self) -> Box<dyn WriterPolicy> {
        Box::new(self.retry_writer())
    }
}

/// One writer's half of a [`RetryPolicy`].
#[derive(Debug)]
pub struct RetryWriter {
    backoff: Box<dyn Backoff>,
    rules: RetryRules,
    gates: Vec<Box<dyn GateHandle>>,
    last_failure: Option<FailureKind>,
}

impl RetryWriter {
    fn fail(&mut self, info: &AttemptInfo, kind: FailureKind) {
        self.last_failure = Some(kind);
        for gate in &mut self.gates {
            gate.on_failure(info, kind);
        }
    }
}

impl WriterPolicy for RetryWriter {
    #[inline]
    fn admit(&mut self, info: &AttemptInfo) -> Admission {
        let after = if info.attempt <= 1 {
            None
        } else {
            self.last_failure
        };
        for gate in &mut self.gates {
            if let reject @ Admission::Reject(_) = gate.admit(info, after) {
                return reject;
            }
        }
        Admission::Proceed
    }

    #[inline]
    fn on_conflict(
        &mut self,
        info: &AttemptInfo,
        _conflict: &VersionConflict,
        rng: &mut WriterRng,
    ) -> Decision {
        self.fail(info, FailureKind::Conflict);
        if !self.rules.retry_conflicts {
            return Decision::GiveUp(GiveUpReason::NotRetryable);
        }
        self.rules
            .decide(info, self.rules.refresh, self.backoff.as_mut(), rng)
    }

    fn on_error(&mut self, info: &AttemptInfo, error: &SaveError, rng: &mut WriterRng) -> Decision {
        // A conflict reported through the general path is still a conflict.
        if let Some(conflict) = error.as_conflict() {
            return self.on_conflict(info, conflict, rng);
        }
        self.fail(info, FailureKind::Error);
        match self.rules.on_error {
            ErrorRule::Fail => Decision::GiveUp(GiveUpReason::NotRetryable),
            ErrorRule::Retry => {
                // An error carries no current version: the modes that start from the conflict's
                // news re-read instead.
                let refresh = match self.rules.refresh {
                    Refresh::FromConflict | Refresh::Blind => Refresh::Reread,
                    other => other,
                };
                self.rules.decide(info, refresh, self.backoff.as_mut(), rng)
            }
        }
    }

    fn on_commit(&mut self, info: &AttemptInfo) {
        self.last_failure = None;
        self.backoff.on_commit(info);
        for gate in &mut self.gates {
            gate.on_commit(info);
        }
    }

    fn on_abandon(&mut self, info: &AttemptInfo) {
        self.last_failure = None;
        self.backoff.on_abandon(info);
        for gate in &mut self.gates {
            gate.on_abandon(info);
        }
    }
}
