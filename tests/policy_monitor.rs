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
