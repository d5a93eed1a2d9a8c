//! What the simulator charges for the store's own work: a cost per call of each kind, with one
//! append at a time per stream. Without it an append takes no virtual time, so one stream could
//! commit without bound as writers are added, which no store can.
//!
//! ```toml
//! [sim.store_cost]          # defaults: the lock-free store on one core, `retrylab calibrate`
//! read = "17ns"             # latest_version (and each read of a timed-out append's slot)
//! append = "30ns"           # save, committed or conflicting: one at a time per stream
//! scan = "6ns"              # events(): each call ...
//! scan_per_event = "5ns"    # ... plus each event it returns
//! ```
//!
//! The defaults are the medians of three `retrylab calibrate` runs (each itself a median of 5
//! rounds) on the 2-core AMD EPYC VM this project is developed and tested on, while another
//! build ran: read 18/17/17, append 41/25/30, scan 2/6/6, per event 9/4/5 ns. Run it on yours
//! and paste its table to model your own machine.
//! `append` must be above zero (a free append is the unbounded stream above); the read costs
//! may be zero.

use serde::{Deserialize, Serialize};

use crate::clock::Nanos;
use crate::units::Duration;

/// Per-call store costs, in virtual nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "CostFields")]
pub struct StoreCost {
    /// `latest_version`.
    pub read: Duration,
    /// `save`, whatever its outcome; a stream serves one at a time.
    pub append: Duration,
    /// `events()`: fixed part.
    pub scan: Duration,
    /// `events()`: per event returned.
    pub scan_per_event: Duration,
}

impl StoreCost {
    /// The lock-free store on one core of the development VM (see the module docs).
    pub const MEASURED: StoreCost = StoreCost {
        read: Duration(17),
        append: Duration(30),
        scan: Duration(6),
        scan_per_event: Duration(5),
    };

    /// The most any one cost may be: a store call this slow is a remote store, which
    /// `store.latency` and `[sim] service_time` model.
    pub const MAX: Nanos = crate::clock::MILLIS;

    /// True for the defaults (left out when a scenario is written back).
    pub fn is_measured(&self) -> bool {
        *self == Self::MEASURED
    }

    /// The cost of an `events()` call that returns `events` events.
    #[inline]
    pub fn scan_of(&self, events: u64) -> Nanos {
        self.scan
            .0
            .saturating_add(self.scan_per_event.0.saturating_mul(events))
    }
}

impl Default for StoreCost {
    fn default() -> Self {
        Self::MEASURED
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CostFields {
    read: Option<Duration>,
    append: Option<Duration>,
    scan: Option<Duration>,
    scan_per_event: Option<Duration>,
}

impl TryFrom<CostFields> for StoreCost {
    type Error = String;
    fn try_from(f: CostFields) -> Result<Self, String> {
        let d = StoreCost::MEASURED;
        let cost = StoreCost {
            read: f.read.unwrap_or(d.read),
            append: f.append.unwrap_or(d.append),
            scan: f.scan.unwrap_or(d.scan),
            scan_per_event: f.scan_per_event.unwrap_or(d.scan_per_event),
        };
        if cost.append.0 == 0 {
            return Err(
                "sim.store_cost.append = 0: a free append lets one stream commit \
                 without bound as writers are added; use the measured default (leave it out) \
                 or a cost above 0, like \"30ns\""
                    .into(),
            );
        }
        for (name, value) in [
            ("read", cost.read),
            ("append", cost.append),
            ("scan", cost.scan),
            ("scan_per_event", cost.scan_per_event),
        ] {
            if value.0 > StoreCost::MAX {
                return Err(format!(
                    "sim.store_cost.{name} = {value}: use at most 1ms (a slower store is a \
                     remote one: model it with store.latency or [sim] capacity and service_time)"
                ));
            }
        }
        Ok(cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> Result<StoreCost, String> {
        toml::from_str::<StoreCost>(toml_text).map_err(|e| e.to_string())
    }

    #[test]
    fn fields_left_out_keep_the_measured_defaults() {
        let c = parse("append = \"100ns\"").unwrap();
        assert_eq!(c.append, Duration(100));
        assert_eq!(c.read, StoreCost::MEASURED.read);
        assert_eq!(c.scan_of(10), 6 + 10 * 5);
    }

    #[test]
    fn a_free_append_and_a_remote_scale_cost_are_refused_with_the_fix() {
        let e = parse("append = \"0\"").unwrap_err();
        assert!(e.contains("without bound") && e.contains("30ns"), "{e}");
        let e = parse("scan = \"2ms\"").unwrap_err();
        assert!(e.contains("store.latency"), "{e}");
        let e = parse("reed = \"1ns\"").unwrap_err();
        assert!(e.contains("reed"), "{e}");
        assert_eq!(parse("read = \"0\"").unwrap().read, Duration(0));
    }
}
