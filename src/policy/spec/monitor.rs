//! The `monitor` table of a spec (the seed's pattern 5); and building the conflict monitor
//! from it.

use std::sync::Arc;

use super::checks::check;
use super::defaults;
use crate::policy::monitor::{ConflictMonitor, MonitorConfig};
use crate::policy::spec_error::PolicySpecError;

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

impl MonitorSpec {
    /// Checks the spec's parameters and builds the monitor, with how many hot actors to report.
    pub(super) fn build(&self) -> Result<(Arc<ConflictMonitor>, usize), PolicySpecError> {
        let stale_threshold = self.stale_threshold.unwrap_or(defaults::STALE_THRESHOLD);
        check(
            "monitor.stale_threshold",
            stale_threshold >= 0,
            stale_threshold,
            "a staleness ≥ 0",
        )?;
        let top_k = self.top_k.unwrap_or(defaults::TOP_K);
        check(
            "monitor.top_k",
            (1..=1024).contains(&top_k),
            top_k,
            "1..=1024 actors",
        )?;
        let monitor = Arc::new(ConflictMonitor::new(MonitorConfig {
            stale_threshold,
            emit_events: self.emit_events.unwrap_or(true),
        }));
        Ok((monitor, top_k))
    }
}
