//! The post-run integrity audit: is the store exactly what the writers were told?

use std::collections::HashMap;

use crate::metrics::results::Integrity;
use crate::store::{ActorId, Event, EventStore};
use crate::workload::protocol::{PAYLOAD_SEQ_BITS, Writer};

/// Problems listed in full before the rest are only counted.
const MAX_LISTED_PROBLEMS: usize = 10;

/// What one writer was told of its appends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Told {
    /// Commits it was told of.
    pub acknowledged: u64,
    /// Appends cut by the run's end before their answer came: each may or may not be stored.
    pub unknown: u64,
}

/// Audits `store` after a run. `told` maps each writer's payload tag (pool and writer bits of
/// [`crate::workload::protocol::Writer::payload`], sequence masked off) to what it was told;
/// `prefill` is how many events were written before the run (their tag is [`PREFILL_TAG`]).
///
/// Checks: every stream is gapless from 1 with no duplicate version; every stored event carries
/// its stream's actor; per writer, stored events are its acknowledged commits plus at most its
/// unknown outcomes (a lost acknowledged write, or a write stored without its writer being
/// told, both show); and the store's own count agrees with its streams.
pub fn audit(store: &dyn EventStore, told: &HashMap<u64, Told>, prefill: u64) -> Integrity {
    let mut check = StreamAudit::new(told, prefill);
    let mut buf = Vec::new();
    for actor in store.actors() {
        buf.clear();
        store.events_into(actor, 1, &mut buf);
        check.stream(actor, &buf);
    }
    let counted = store.event_count();
    if check.stored != counted {
        check.problem(format!(
            "event_count() says {counted} but the streams hold {}",
            check.stored
        ));
    }
    check.finish()
}

/// Audits every event a store holds, as read back from it in one pass (a store across a
/// network): `events` sorted by actor, then version, as stored. The checks are [`audit`]'s.
pub fn audit_events(events: &[Event], told: &HashMap<u64, Told>, prefill: u64) -> Integrity {
    let mut check = StreamAudit::new(told, prefill);
    for stream in events.chunk_by(|a, b| a.actor == b.actor) {
        check.stream(stream[0].actor, stream);
    }
    check.finish()
}

/// The audit, fed one stream at a time.
struct StreamAudit<'t> {
    told: &'t HashMap<u64, Told>,
    prefill: u64,
    problems: Vec<String>,
    broken_streams: u64,
    stored_by_writer: HashMap<u64, u64>,
    stored: u64,
}

impl<'t> StreamAudit<'t> {
    fn new(told: &'t HashMap<u64, Told>, prefill: u64) -> Self {
        Self {
            told,
            prefill,
            problems: Vec::new(),
            broken_streams: 0,
            stored_by_writer: HashMap::new(),
            stored: 0,
        }
    }

    fn problem(&mut self, text: String) {
        if self.problems.len() < MAX_LISTED_PROBLEMS {
            self.problems.push(text);
        }
    }

    /// Checks `actor`'s stream, as stored, in version order.
    fn stream(&mut self, actor: ActorId, events: &[Event]) {
        self.stored += events.len() as u64;
        let gapless = events
            .iter()
            .enumerate()
            .all(|(i, e)| e.version == i as u64 + 1);
        let own = events.iter().all(|e| e.actor == actor);
        if !(gapless && own) {
            self.broken_streams += 1;
            self.problem(format!(
                "actor {actor}: versions are not 1..={} in order, or an event names another actor",
                events.len()
            ));
        }
        for e in events {
            *self
                .stored_by_writer
                .entry(e.payload & TAG_MASK)
                .or_insert(0) += 1;
        }
    }

    fn finish(mut self) -> Integrity {
        let told = self.told;
        let prefill = self.prefill;
        let stored = self.stored;
        let acked_total: u64 = told.values().map(|t| t.acknowledged).sum::<u64>() + prefill;
        let unknown_total: u64 = told.values().map(|t| t.unknown).sum();
        let prefill_stored = self.stored_by_writer.remove(&PREFILL_TAG).unwrap_or(0);
        if prefill_stored != prefill {
            self.problem(format!(
                "prefill: {prefill} events written, {prefill_stored} stored"
            ));
        }
        let mut writers: Vec<u64> = told
            .keys()
            .chain(self.stored_by_writer.keys())
            .copied()
            .collect();
        writers.sort_unstable();
        writers.dedup();
        for tag in writers {
            let t = told.get(&tag).copied().unwrap_or_default();
            let kept = self.stored_by_writer.get(&tag).copied().unwrap_or(0);
            if !(t.acknowledged..=t.acknowledged + t.unknown).contains(&kept) {
                let unknown = match t.unknown {
                    0 => String::new(),
                    n => format!(" (and {n} of unknown outcome)"),
                };
                let (pool, writer) = Writer::payload_writer(tag);
                self.problem(format!(
                    "writer {writer} of pool {pool}: told of {} commits{unknown}, {kept} stored",
                    t.acknowledged
                ));
            }
        }
        if !(acked_total..=acked_total + unknown_total).contains(&stored)
            && self.problems.is_empty()
        {
            self.problem(format!(
                "{acked_total} events acknowledged, {stored} stored"
            ));
        }
        Integrity {
            ok: self.problems.is_empty(),
            stored_events: stored,
            acknowledged_events: acked_total,
            unknown_outcomes: unknown_total,
            broken_streams: self.broken_streams,
            problems: self.problems,
        }
    }
}

/// The pool and writer bits of a payload ([`Writer::payload`]'s layout).
pub const TAG_MASK: u64 = !((1 << PAYLOAD_SEQ_BITS) - 1);

/// The tag of events written by the prefill step: pool number 0xFFF, which no real pool has.
pub const PREFILL_TAG: u64 = Writer::payload(0xFFF, 0, 0);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::GlobalMutexStore;

    fn event(actor: u64, version: u64, payload: u64) -> Event {
        Event {
            actor,
            version,
            event_type: 1,
            payload,
            timestamp_ns: 0,
        }
    }

    #[test]
    fn a_faithful_store_passes_and_a_lost_ack_fails() {
        let store = GlobalMutexStore::new();
        let w = Writer::payload(0, 3, 0);
        for v in 1..=5 {
            store.save(event(7, v, w | v)).unwrap();
        }
        store.save(event(8, 1, PREFILL_TAG)).unwrap();
        let told = |acknowledged, unknown| {
            HashMap::from([(
                w,
                Told {
                    acknowledged,
                    unknown,
                },
            )])
        };
        let ok = audit(&store, &told(5, 0), 1);
        assert!(ok.ok, "{:?}", ok.problems);
        assert_eq!((ok.stored_events, ok.acknowledged_events), (6, 6));

        assert!(
            audit(&store, &told(4, 1), 1).ok,
            "one of unknown outcome landed"
        );
        assert!(
            !audit(&store, &told(3, 1), 1).ok,
            "one stored event nobody was told of"
        );
        // The writer was told of a commit the store does not have.
        let bad = audit(&store, &told(6, 0), 1);
        assert!(!bad.ok);
        assert!(
            bad.problems[0].contains("told of 6 commits, 5 stored"),
            "{:?}",
            bad.problems
        );
    }

    #[test]
    fn events_read_back_in_one_pass_get_the_same_checks() {
        let w = Writer::payload(0, 1, 0);
        let told = HashMap::from([(
            w,
            Told {
                acknowledged: 3,
                unknown: 0,
            },
        )]);
        let faithful = [event(2, 1, w), event(2, 2, w), event(5, 1, w)];
        let plus_prefill = [&faithful[..], &[event(9, 1, PREFILL_TAG)]].concat();
        let ok = audit_events(&plus_prefill, &told, 1);
        assert!(ok.ok, "{:?}", ok.problems);
        assert_eq!(ok.stored_events, 4);
        let gap = [event(2, 1, w), event(2, 3, w), event(5, 1, w)];
        let bad = audit_events(&gap, &told, 0);
        assert_eq!((bad.ok, bad.broken_streams), (false, 1));
        let lost = audit_events(&faithful[..2], &told, 0);
        assert!(
            lost.problems[0].contains("told of 3 commits, 2 stored"),
            "{:?}",
            lost.problems
        );
    }
}
