//! The conflict monitor shared by threads: nothing lost, estimates never below the truth.

use std::sync::{Arc, Barrier};
use std::thread;

use retrylab::policy::{ConflictMonitor, MonitorConfig};
use retrylab::store::VersionConflict;

#[test]
fn threads_recording_together_lose_nothing() {
    const THREADS: u64 = 4;
    const PER_THREAD: u64 = 10_000;
    let monitor = Arc::new(ConflictMonitor::new(MonitorConfig {
        stale_threshold: 5,
        emit_events: false,
    }));
    let barrier = Arc::new(Barrier::new(THREADS as usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (monitor, barrier) = (Arc::clone(&monitor), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                for i in 0..PER_THREAD {
                    // Actor 0 gets half the conflicts; actors 1..=500 share the rest.
                    let actor = if i % 2 == 0 { 0 } else { 1 + (i * 7 + t) % 500 };
                    // Every tenth conflict is 9 versions stale.
                    let current = if i % 10 == 0 { 108 } else { 100 };
                    monitor.record(&VersionConflict {
                        actor,
                        current,
                        attempted: 100,
                    });
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    let total = THREADS * PER_THREAD;
    assert_eq!(monitor.conflicts(), total);
    assert_eq!(monitor.stale_alerts(), total / 10);
    assert!(monitor.estimate(0) >= total / 2);
    // The count-min bound: at most 2N/width over the truth with high probability; here well under.
    assert!(monitor.estimate(0) <= total / 2 + 2 * total / 1024);
    assert_eq!(monitor.hottest(1)[0].0, 0);
    let hist = monitor.staleness_histogram();
    assert_eq!(hist.iter().map(|b| b.count).sum::<u64>(), total);
    assert_eq!(
        hist.iter().find(|b| b.low == 8).map(|b| b.count),
        Some(total / 10)
    );
}

mod events {
    //! A minimal `tracing` subscriber that keeps the fields of every event, to check the
    //! monitor's structured alerts without a logging crate.

    use std::fmt::Debug;
    use std::sync::{Arc, Mutex};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    /// Each event's fields as `name=value` strings.
    pub(crate) type Captured = Arc<Mutex<Vec<Vec<String>>>>;

    pub(crate) struct Capture(pub(crate) Captured);

    struct Fields(Vec<String>);

    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
            self.0.push(format!("{}={value:?}", field.name()));
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut fields = Fields(Vec::new());
            event.record(&mut fields);
            self.0.lock().expect("not poisoned").push(fields.0);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

#[test]
fn stale_reads_are_emitted_as_structured_events() {
    let captured = events::Captured::default();
    let monitor = ConflictMonitor::new(MonitorConfig {
        stale_threshold: 5,
        emit_events: true,
    });
    tracing::subscriber::with_default(events::Capture(Arc::clone(&captured)), || {
        monitor.record(&VersionConflict {
            actor: 3,
            current: 10,
            attempted: 10,
        }); // staleness 1: quiet
        monitor.record(&VersionConflict {
            actor: 4,
            current: 20,
            attempted: 12,
        }); // staleness 9: alert
    });
    let events = captured.lock().expect("not poisoned").clone();
    assert_eq!(events.len(), 1, "{events:?}");
    for field in [
        "actor=4",
        "current=20",
        "attempted=12",
        "staleness=9",
        "message=stale read",
    ] {
        assert!(
            events[0].iter().any(|f| f == field),
            "missing {field} in {:?}",
            events[0]
        );
    }
}

/// Pattern 5 is real: the `monitored` preset's hot actors, staleness and alerts reach
/// `results.json` (round trip) and the report.
#[test]
fn the_monitor_reaches_the_results_and_the_report() {
    use retrylab::engine::{self, EngineKind, RunOptions};
    use retrylab::metrics::results::Results;
    use retrylab::report::{ReportInput, write_report};
    use retrylab::workload::scenario::Scenario;

    let s = Scenario::from_toml(
        r#"
name = "monitored-hot"
[store]
latency = { kind = "constant", value = "20us" }
[run]
actors = 50
duration = "200ms"
[[pools]]
name = "watched"
writers = 32
keys = { kind = "hotspot", hot_fraction = 0.02, op_fraction = 0.9 }
# The `monitored` preset retrying blind: after a backoff it attempts a version learnt before
# the wait, the stale attempts the seed's monitor alerts on.
[pools.policy]
backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "10ms" }
jitter = { kind = "full" }
max_retries = 10
monitor = { stale_threshold = 5, top_k = 10 }
refresh = "blind"
"#,
        "test",
    )
    .unwrap();
    let r = engine::run(&s, EngineKind::Sim, &RunOptions::default()).unwrap();
    let p = &r.pools[0];
    let m = p
        .monitor
        .as_ref()
        .expect("a monitored pool reports its monitor");
    assert_eq!(
        m.conflicts, p.counters.conflicts,
        "no warm-up: it saw every conflict"
    );
    assert!(
        m.stale_alerts > 0,
        "32 writers on one hot actor miss versions: {m:?}"
    );
    assert_eq!(m.stale_threshold, 5);
    let hot = p.analysis.hot_actors[0].actor;
    assert_eq!(
        m.hottest[0].0, hot,
        "the monitor and the analysis agree on the hottest actor"
    );

    let json = serde_json::to_string(&r).unwrap();
    let back: Results = serde_json::from_str(&json).unwrap();
    assert_eq!(back.pools[0].monitor.as_ref(), Some(m));

    let dir = tempfile::tempdir().unwrap();
    let files = write_report(&ReportInput::Runs(vec![r.clone()]), dir.path()).unwrap();
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    assert!(
        md.contains("Conflict monitor"),
        "the report has the monitor's section"
    );
    assert!(md.contains(&m.stale_alerts.to_string()));
}

/// The binary logs the monitor: a stale-read summary by default, every alert with
/// `RUST_LOG=retrylab=debug`; a filter that does not parse is bad input.
#[test]
fn the_binary_logs_the_monitor_under_a_rust_log_filter() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("watched.toml");
    std::fs::write(
        &file,
        r#"name = "watched"
[store]
latency = { kind = "constant", value = "20us" }
[run]
actors = 50
duration = "100ms"
[[pools]]
name = "watched"
writers = 32
keys = { kind = "hotspot", hot_fraction = 0.02, op_fraction = 0.9 }
# The `monitored` preset retrying blind: after a backoff it attempts a version learnt before
# the wait, the stale attempts the seed's monitor alerts on.
[pools.policy]
backoff = { kind = "exponential", base = "10us", multiplier = 2.0, cap = "10ms" }
jitter = { kind = "full" }
max_retries = 10
monitor = { stale_threshold = 5, top_k = 10 }
refresh = "blind"
"#,
    )
    .unwrap();
    let run = |filter: Option<&str>, out: &str| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_retrylab"));
        cmd.args(["run", file.to_str().unwrap(), "--engine", "sim", "--out"])
            .arg(dir.path().join(out))
            .env_remove("RUST_LOG");
        if let Some(f) = filter {
            cmd.env("RUST_LOG", f);
        }
        let o = cmd.output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, log) = run(None, "a");
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("WARN") && log.contains("stale reads"), "{log}");
    assert!(
        !log.contains("stale read "),
        "no per-alert lines by default: {log}"
    );
    let (code, log) = run(Some("retrylab=debug"), "b");
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("DEBUG") && log.contains("staleness="), "{log}");
    let (code, log) = run(Some("retrylab=["), "c");
    assert_eq!(code, Some(2));
    assert!(log.contains("RUST_LOG"), "{log}");
}
