//! Measures what one call of each kind costs a store on this machine, on one thread: the
//! figures the simulator charges for the store's work (`[sim.store_cost]`, printed by
//! `retrylab calibrate`). Each figure is the median of several rounds, so one descheduled
//! round on a shared machine does not move it.

use std::hint::black_box;
use std::time::Instant;

use super::{Event, StoreKind};

/// Streams the appends and reads spread over: enough that one stream's cache lines do not
/// flatter the figures, few enough to stay in cache as a hot set does.
const STREAMS: u64 = 1_024;
/// Calls per round and kind.
const CALLS: u64 = 200_000;
/// Rounds; each figure is their median.
pub const ROUNDS: usize = 5;

/// Nanoseconds per call, each the median over [`ROUNDS`] rounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibration {
    /// `latest_version`.
    pub read_ns: f64,
    /// `save` that commits.
    pub append_ns: f64,
    /// `save` that meets a version conflict.
    pub conflict_ns: f64,
    /// `events()`: the fixed part of a call.
    pub scan_ns: f64,
    /// `events()`: each event returned.
    pub scan_per_event_ns: f64,
}

fn event(actor: u64, version: u64) -> Event {
    Event {
        actor,
        version,
        event_type: 1,
        payload: version,
        timestamp_ns: 0,
    }
}

/// Nanoseconds per call of `f`, called `calls` times.
fn per_call(calls: u64, mut f: impl FnMut(u64)) -> f64 {
    let started = Instant::now();
    for i in 0..calls {
        f(i);
    }
    started.elapsed().as_nanos() as f64 / calls as f64
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// One round on a fresh store of `kind`.
fn round(kind: StoreKind) -> Calibration {
    let store = kind.build(64, STREAMS as usize);
    let store = store.as_ref();
    let append_ns = per_call(CALLS, |i| {
        let actor = i % STREAMS;
        black_box(store.save(event(actor, i / STREAMS + 1))).expect("each version appended once");
    });
    // Every stream holds versions already: version 1 conflicts.
    let conflict_ns = per_call(CALLS, |i| {
        black_box(store.save(event(i % STREAMS, 1))).expect_err("version 1 is taken");
    });
    let read_ns = per_call(CALLS, |i| {
        black_box(store.latest_version(i % STREAMS));
    });
    // Scans of short and long suffixes of the same streams: the difference is per event.
    let per_stream = CALLS / STREAMS;
    let mut out = Vec::new();
    let mut scan = |events: u64| {
        per_call(CALLS / 10, |i| {
            out.clear();
            store.events_into(i % STREAMS, per_stream + 1 - events, &mut out);
            black_box(out.len());
        })
    };
    let (short, long) = (1, per_stream);
    let (t_short, t_long) = (scan(short), scan(long));
    let scan_per_event_ns = ((t_long - t_short) / (long - short) as f64).max(0.0);
    Calibration {
        read_ns,
        append_ns,
        conflict_ns,
        scan_ns: (t_short - scan_per_event_ns * short as f64).max(0.0),
        scan_per_event_ns,
    }
}

/// Measures `kind`: [`ROUNDS`] rounds, the median of each figure.
pub fn calibrate(kind: StoreKind) -> Calibration {
    let rounds: Vec<Calibration> = (0..ROUNDS).map(|_| round(kind)).collect();
    let pick = |f: fn(&Calibration) -> f64| median(rounds.iter().map(f).collect());
    Calibration {
        read_ns: pick(|c| c.read_ns),
        append_ns: pick(|c| c.append_ns),
        conflict_ns: pick(|c| c.conflict_ns),
        scan_ns: pick(|c| c.scan_ns),
        scan_per_event_ns: pick(|c| c.scan_per_event_ns),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_measures_every_kind_of_call_and_leaves_the_figures_positive() {
        let c = round(StoreKind::GlobalMutex);
        for (name, ns) in [
            ("read", c.read_ns),
            ("append", c.append_ns),
            ("conflict", c.conflict_ns),
        ] {
            assert!(ns > 0.0 && ns.is_finite(), "{name}: {ns}");
        }
        assert!(c.scan_ns >= 0.0 && c.scan_per_event_ns >= 0.0, "{c:?}");
    }

    #[test]
    fn the_median_ignores_one_outlier() {
        assert_eq!(median(vec![3.0, 1.0, 1000.0, 2.0, 2.5]), 2.5);
    }
}
