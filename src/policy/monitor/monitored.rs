//! `Monitored`: any policy with a [`ConflictMonitor`] watching its conflicts. The wrapper records
//! each conflict, then lets the inner policy decide; it changes no decision.

use std::sync::Arc;

use super::ConflictMonitor;
use crate::policy::{Admission, AttemptInfo, Decision, Policy, WriterPolicy};
use crate::rng::WriterRng;
use crate::store::{SaveError, VersionConflict};

/// A policy whose conflicts are recorded in a shared monitor.
#[derive(Debug)]
pub struct Monitored {
    inner: Arc<dyn Policy>,
    monitor: Arc<ConflictMonitor>,
}

impl Monitored {
    /// Wraps `inner`; conflicts go to `monitor`.
    pub fn new(inner: Arc<dyn Policy>, monitor: Arc<ConflictMonitor>) -> Self {
        Self { inner, monitor }
    }

    /// The monitor.
    pub fn monitor(&self) -> &Arc<ConflictMonitor> {
        &self.monitor
    }
}

impl Policy for Monitored {
    fn label(&self) -> &str {
        self.inner.label()
    }

    fn writer(&self) -> Box<dyn WriterPolicy> {
        Box::new(MonitoredWriter {
            inner: self.inner.writer(),
            monitor: Arc::clone(&self.monitor),
        })
    }
}

/// One writer's half of [`Monitored`].
#[derive(Debug)]
pub(crate) struct MonitoredWriter {
    inner: Box<dyn WriterPolicy>,
    monitor: Arc<ConflictMonitor>,
}

impl WriterPolicy for MonitoredWriter {
    fn admit(&mut self, info: &AttemptInfo) -> Admission {
        self.inner.admit(info)
    }

    #[inline]
    fn on_conflict(
        &mut self,
        info: &AttemptInfo,
        conflict: &VersionConflict,
        rng: &mut WriterRng,
    ) -> Decision {
        self.monitor.record(conflict);
        self.inner.on_conflict(info, conflict, rng)
    }

    fn on_error(&mut self, info: &AttemptInfo, error: &SaveError, rng: &mut WriterRng) -> Decision {
        if let Some(conflict) = error.as_conflict() {
            self.monitor.record(conflict);
        }
        self.inner.on_error(info, error, rng)
    }

    fn on_commit(&mut self, info: &AttemptInfo) {
        self.inner.on_commit(info);
    }

    fn on_abandon(&mut self, info: &AttemptInfo) {
        self.inner.on_abandon(info);
    }
}
