//! The simulator at scale: 10,000 writers in one run, and 70,000 in one pool, with the store
//! consistent.

mod sim_support;

use std::time::Instant;

use sim_support::{scenario, simulate};

#[test]
fn ten_thousand_writers_in_one_run() {
    let s = scenario(
        r#"
name = "crowd"
[store]
latency = { kind = "exponential", mean = "100us" }
[run]
actors = 100000
duration = "20ms"
[[pools]]
name = "crowd"
writers = 10000
policy = "immediate"
think = { kind = "exponential", mean = "1ms" }
start_spread = "1ms"
"#,
    );
    let began = Instant::now();
    let r = simulate(&s);
    let wall = began.elapsed();
    let p = &r.pools[0];
    assert_eq!(p.writers, 10_000);
    assert_eq!(p.commits_per_writer.len(), 10_000);
    // Each writer can do at most a few 1.4 ms operations in 20 ms; nearly all do at least one.
    let active = p.commits_per_writer.iter().filter(|&&c| c > 0).count();
    assert!(active > 9_000, "{active} writers committed");
    assert!(p.counters.committed > 50_000, "{:?}", p.counters);
    // How long it took is printed, not asserted: speed is the benches' business.
    eprintln!(
        "10,000 writers: {} events, {} commits in {wall:?}",
        r.sim.as_ref().unwrap().events_processed,
        p.counters.committed
    );
}

/// Past 65,536 writers in one pool: writers once had 16 bits of the payload tag, so writer 0
/// and writer 65,536 shared one and the audit saw two commits where each was told of one.
#[test]
fn writers_past_sixteen_bits_are_audited_apart() {
    let s = scenario(
        r#"
name = "wide"
[store]
latency = { kind = "constant", value = "10us" }
[run]
actors = 1000000
[[pools]]
name = "wide"
writers = 70000
operations = 1
policy = "immediate"
start_spread = "1ms"
"#,
    );
    let r = simulate(&s);
    assert!(r.integrity.ok, "{:?}", r.integrity.problems);
    let p = &r.pools[0];
    assert_eq!(p.commits_per_writer.len(), 70_000);
    assert!(
        p.commits_per_writer[0] == 1 && p.commits_per_writer[65_536] == 1,
        "both writers whose tags once collided committed"
    );
}
